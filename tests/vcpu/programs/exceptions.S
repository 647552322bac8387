// Exceptions the CPU takes to the realm's own EL1: SVC, UDF and BRK from
// EL1, then SVC and UDF from EL0. Every vector entry reports ESR, ELR, FAR
// and SPSR in x20..x23 with HVC #0x200 (same EL) or HVC #0x400 (lower EL),
// then returns past the exception.
	.text
	.global _start
_start:
	adr	x0, vectors
	msr	vbar_el1, x0
	isb
	svc	#0x77
	udf	#1
	brk	#5
	adr	x0, el0_code
	msr	elr_el1, x0
	msr	spsr_el1, xzr		// EL0t
	movz	x0, #0x7000
	msr	sp_el0, x0
	eret
el0_code:
	mov	x25, #1
	svc	#0x99
	mov	x26, #2
	udf	#2
	mov	x27, #3
1:	add	x28, x28, #1
	b	1b

	.balign	2048
vectors:
	.org	vectors + 0x200
	mrs	x20, esr_el1
	mrs	x21, elr_el1
	mrs	x22, far_el1
	mrs	x23, spsr_el1
	hvc	#0x200
	b	resume
	.org	vectors + 0x400
	mrs	x20, esr_el1
	mrs	x21, elr_el1
	mrs	x22, far_el1
	mrs	x23, spsr_el1
	hvc	#0x400
	b	resume
	.org	vectors + 0x800
resume:
	lsr	x24, x20, #26
	cmp	x24, #0x15		// SVC: ELR is already past it
	b.eq	1f
	add	x21, x21, #4
	msr	elr_el1, x21
1:	eret
