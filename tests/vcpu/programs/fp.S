// FP/SIMD state stays in the CPU between runs.
	.text
	.global _start
_start:
	fmov	d0, x1
	hvc	#1
	fmov	x2, d0
	hvc	#2
	b	.
