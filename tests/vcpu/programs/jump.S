// Branches to x1.
	.text
	.global _start
_start:
	br	x1
