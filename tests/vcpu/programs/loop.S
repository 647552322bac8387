// Counts forever in x0 (two instructions per iteration).
	.text
	.global _start
_start:
1:	add	x0, x0, #1
	b	1b
