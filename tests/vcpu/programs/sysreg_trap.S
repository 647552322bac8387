// ID group 3 and GIC CPU interface accesses trap to EL2; MIDR does not.
	.text
	.global _start
_start:
	mrs	x3, id_aa64pfr0_el1
	msr	s3_0_c12_c11_5, x4	// ICC_SGI1R_EL1
	mrs	x5, s3_0_c12_c12_0	// ICC_IAR1_EL1
	mrs	x6, midr_el1
	hvc	#0
	b	.
