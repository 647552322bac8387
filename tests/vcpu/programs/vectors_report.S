// A realm whose EL1 vectors report what the monitor injected: every entry
// copies ESR, ELR, FAR and SPSR to x20..x23 and makes HVC #(vector offset).
	.text
	.global _start
_start:
	b	.
	.balign	2048
vectors:
	.irp	offset, 0x000, 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380, 0x400, 0x480, 0x500, 0x580
	.org	vectors + \offset
	mrs	x20, esr_el1
	mrs	x21, elr_el1
	mrs	x22, far_el1
	mrs	x23, spsr_el1
	hvc	#\offset
	.endr
