// mica_smc(struct mica_smc_regs* regs): x0..x10 from regs->x[0..10], SMC #0,
// then regs->x[0..8] = x0..x8. The RMM preserves x19 (RSI leaves X5..X30
// untouched except for the results it documents).
	.text
	.global	mica_smc
	.type	mica_smc, %function
mica_smc:
	stp	x19, x30, [sp, #-16]!
	mov	x19, x0
	ldp	x0, x1, [x19, #0]
	ldp	x2, x3, [x19, #16]
	ldp	x4, x5, [x19, #32]
	ldp	x6, x7, [x19, #48]
	ldp	x8, x9, [x19, #64]
	ldr	x10, [x19, #80]
	smc	#0
	stp	x0, x1, [x19, #0]
	stp	x2, x3, [x19, #16]
	stp	x4, x5, [x19, #32]
	stp	x6, x7, [x19, #48]
	str	x8, [x19, #64]
	ldp	x19, x30, [sp], #16
	ret
	.size	mica_smc, . - mica_smc
