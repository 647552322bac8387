// Exception vectors: every entry reports the exception and ends the realm
// (__mica_exception). Programs that handle exceptions install their own
// VBAR_EL1.
	.section .text.vectors, "ax"
	.balign	2048
	.global	__mica_vectors
__mica_vectors:
	.irp	kind, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.balign	128
	mov	x0, #\kind
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	mrs	x4, spsr_el1
	b	__mica_exception
	.endr
