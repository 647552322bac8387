// A realm that walks through the monitor's realm interface on the real
// realm CPU. Every result it observes goes to the host with REPORT (an
// RSI_HOST_CALL whose immediate names the step and whose gprs[0..3] are
// x10..x13), so the test can check what the realm saw.
//
// Layout (IPA): 0x0000 branch to main, 0x0800 EL1 vectors, 0x1000 main;
// 0x2000 the RsiHostCall page, 0x3000 the RsiRealmConfig page, 0x8000 a page
// whose RIPAS starts EMPTY; 0x80001000 an unprotected (MMIO) address.
	.equ	HOSTCALL, 0x2000
	.equ	CONFIG, 0x3000
	.equ	EMPTY, 0x8000

	.macro	FID reg, high, low
	movz	\reg, #\low
	movk	\reg, #\high, lsl #16
	.endm

	.macro	REPORT imm
	mov	x9, #HOSTCALL
	mov	w8, #\imm
	str	w8, [x9]
	stp	x10, x11, [x9, #8]
	stp	x12, x13, [x9, #24]
	FID	x0, 0xc400, 0x0199		// RSI_HOST_CALL
	mov	x1, x9
	smc	#0
	.endm

	.text
	.global	_start
_start:
	b	main

// Every vector reports ESR, ELR, FAR and its own offset (step 0xE), then
// returns past the instruction ELR points at.
	.balign	2048
vectors:
	.irp	offset, 0x000, 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380, 0x400, 0x480, 0x500, 0x580, 0x600, 0x680, 0x700, 0x780
	.org	vectors + \offset
	mov	x15, #\offset
	b	handler
	.endr
	.org	vectors + 0x800

main:
	adr	x0, vectors
	msr	vbar_el1, x0
	isb

	// 1, 2: RSI_VERSION and the register convention.
	FID	x0, 0xc400, 0x0190
	mov	x1, #0x10000
	mov	x2, #0x2222
	mov	x3, #0x3333
	mov	x4, #0x4444
	mov	x5, #0x5555
	smc	#0
	mov	x16, x4
	mov	x17, x5
	mov	x10, x0
	mov	x11, x1
	mov	x12, x2
	mov	x13, x3
	REPORT	1
	mov	x10, x16
	mov	x11, x17
	REPORT	2

	// 3: RSI_REALM_CONFIG, read back from realm memory.
	FID	x0, 0xc400, 0x0196
	mov	x1, #CONFIG
	smc	#0
	mov	x10, x0
	mov	x9, #CONFIG
	ldr	x11, [x9]
	ldrb	w12, [x9, #8]
	ldr	x13, [x9, #0x200]
	REPORT	3

	// 4: RSI_MEASUREMENT_EXTEND of REM1 with 8 bytes, then READ.
	FID	x0, 0xc400, 0x0193
	mov	x1, #1
	mov	x2, #8
	ldr	x3, =0x0123456789abcdef
	smc	#0
	mov	x10, x0
	FID	x0, 0xc400, 0x0192
	mov	x1, #1
	mov	x5, #0x5555
	smc	#0
	mov	x11, x1
	mov	x12, x2
	mov	x13, x5
	REPORT	4

	// 5: MMIO the host emulates: a 32-bit store, a sign-extending halfword
	// load and a 32-bit load.
	ldr	x9, =0x80001000
	ldr	x11, =0x1122334455667788
	str	w11, [x9, #0x10]
	ldrsh	x12, [x9, #0x20]
	ldr	w13, [x9, #0x24]
	mov	x10, #5
	REPORT	5

	// 6: a load from a page whose RIPAS is EMPTY: an SEA taken at the vector.
	mov	x9, #EMPTY
	ldr	x14, [x9, #0x18]
	mov	x10, #6
	REPORT	6

	// 7: HVC is undefined in a realm (ELR points past it: the handler's +4
	// then skips the NOP).
	hvc	#0
	nop
	mov	x10, #7
	REPORT	7

	// 8: RIPAS of the EMPTY page to RAM, then a load the host must map.
	FID	x0, 0xc400, 0x0197
	mov	x1, #EMPTY
	add	x2, x1, #0x1000
	mov	x3, #1
	mov	x4, #0
	smc	#0
	mov	x10, x0
	mov	x11, x1
	mov	x12, x2
	mov	x9, #EMPTY
	ldr	x13, [x9]
	REPORT	8

	// 9: WFI, trapped on the first entry, not on the second.
	wfi
	wfi
	mov	x10, #9
	REPORT	9

	// 10: PSCI CPU_ON of REC 1 at `secondary` with context id 0x77.
	FID	x0, 0xc400, 0x0003
	mov	x1, #1
	adr	x2, secondary
	mov	x3, #0x77
	smc	#0
	mov	x10, x0
	REPORT	10

	// 11: a loop longer than the instruction budget.
	mov	x14, #0
	ldr	x15, =1000000
1:	add	x14, x14, #1
	cmp	x14, x15
	b.ne	1b
	mov	x10, x14
	REPORT	11

	// PSCI SYSTEM_OFF: the end.
	FID	x0, 0x8400, 0x0008
	smc	#0
	b	.

handler:
	mrs	x10, esr_el1
	mrs	x11, elr_el1
	mrs	x12, far_el1
	mov	x13, x15
	REPORT	0xE
	mrs	x11, elr_el1
	add	x11, x11, #4
	msr	elr_el1, x11
	eret

secondary:
	mov	x10, x0
	mrs	x11, mpidr_el1
	REPORT	0x51
	FID	x0, 0x8400, 0x0002		// PSCI CPU_OFF
	smc	#0
	b	.

	.ltorg
