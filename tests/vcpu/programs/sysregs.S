// Reads the EL1 state the monitor loaded, reports it with HVC #1, then
// writes new values and reports again with HVC #2.
	.text
	.global _start
_start:
	mrs	x1, mpidr_el1
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	mrs	x4, esr_el1
	mrs	x5, far_el1
	mrs	x6, vbar_el1
	mrs	x7, tpidr_el0
	mrs	x8, tpidr_el1
	mrs	x9, tpidrro_el0
	mrs	x10, sctlr_el1
	mrs	x11, cpacr_el1
	mrs	x12, CurrentEL
	mov	x13, sp
	mrs	x14, sp_el0
	mrs	x15, nzcv
	mrs	x16, daif
	hvc	#1
	movz	x20, #0x1230
	msr	elr_el1, x20
	mov	x20, #0x3c4
	msr	spsr_el1, x20
	movz	x20, #0x5600, lsl #16
	msr	esr_el1, x20
	movz	x20, #0xfa00
	msr	far_el1, x20
	movz	x20, #0x8000
	msr	vbar_el1, x20
	mov	x20, #0x11
	msr	tpidr_el0, x20
	mov	x20, #0x22
	msr	tpidr_el1, x20
	mov	x20, #0x33
	msr	tpidrro_el0, x20
	movz	x20, #0x7000
	msr	sp_el0, x20
	movz	x20, #0x9000
	mov	sp, x20
	movz	x20, #0x6000, lsl #16	// N and Z clear, C and V set
	msr	nzcv, x20
	msr	daifclr, #2		// unmask IRQ
	hvc	#2
	b	.
