// Rate measurement: x2 iterations of a 3-instruction loop, HVC #1; then
// x3 passes of a 16-byte-per-iteration copy of x4 bytes from x5 to x6, HVC #2.
	.text
	.global _start
_start:
	mov	x0, #0
1:	add	x0, x0, #1
	cmp	x0, x2
	b.ne	1b
	hvc	#1
2:	mov	x7, x5
	mov	x8, x6
	mov	x9, x4
3:	ldp	x10, x11, [x7], #16
	stp	x10, x11, [x8], #16
	subs	x9, x9, #16
	b.ne	3b
	subs	x3, x3, #1
	b.ne	2b
	hvc	#2
	b	.
