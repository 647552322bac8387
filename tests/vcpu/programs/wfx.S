	.text
	.global _start
_start:
	wfi
	wfe
	hvc	#0
	b	.
