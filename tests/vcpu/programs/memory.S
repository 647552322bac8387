// Writes 3*i to every doubleword of [x1, x1 + x2 pages), reads it all back
// and reports the sum in x0 with HVC #1.
	.text
	.global _start
_start:
	mov	x3, x1
	lsl	x4, x2, #12
	add	x4, x1, x4
	mov	x5, #0
1:	str	x5, [x3], #8
	add	x5, x5, #3
	cmp	x3, x4
	b.ne	1b
	mov	x3, x1
	mov	x0, #0
2:	ldr	x6, [x3], #8
	add	x0, x0, x6
	cmp	x3, x4
	b.ne	2b
	hvc	#1
	b	.
