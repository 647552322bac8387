// An unaligned exclusive load: an alignment fault the CPU takes to the
// realm's own EL1 vector, which reports ESR, ELR and FAR with HVC #0x200.
	.text
	.global _start
_start:
	adr	x0, vectors
	msr	vbar_el1, x0
	isb
	ldxr	x2, [x1]
	hvc	#1
	b	.
	.balign	2048
vectors:
	.org	vectors + 0x200
	mrs	x20, esr_el1
	mrs	x21, elr_el1
	mrs	x22, far_el1
	hvc	#0x200
	b	.
