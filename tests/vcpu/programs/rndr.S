// FEAT_RNG: two RNDR reads and one RNDRRS, each followed by the flags it set.
	.text
	.global _start
_start:
	msr	nzcv, xzr
	mov	x9, #0xF0000000
	msr	nzcv, x9		// NZCV = 1111 before the read
	mrs	x1, s3_3_c2_c4_0	// RNDR
	mrs	x2, nzcv
	mrs	x3, s3_3_c2_c4_0	// RNDR
	mrs	x4, s3_3_c2_c4_1	// RNDRRS
	mrs	x5, nzcv
	mrs	x30, s3_3_c2_c4_0	// RNDR into X30
	hvc	#0
	b	.
