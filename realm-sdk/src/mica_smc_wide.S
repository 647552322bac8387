// mica_smc_wide(uint64_t regs[12]): x0..x11 from regs[0..11], SMC #0, then
// regs[0..11] = x0..x11. Mica's RSI commands return up to twelve registers
// (MICA_RSI_WORKFLOW_INFO, MICA_RSI_PEER_INFO); mica_smc covers x0..x8 only.
	.text
	.global	mica_smc_wide
	.type	mica_smc_wide, %function
mica_smc_wide:
	stp	x19, x30, [sp, #-16]!
	mov	x19, x0
	ldp	x0, x1, [x19, #0]
	ldp	x2, x3, [x19, #16]
	ldp	x4, x5, [x19, #32]
	ldp	x6, x7, [x19, #48]
	ldp	x8, x9, [x19, #64]
	ldp	x10, x11, [x19, #80]
	smc	#0
	stp	x0, x1, [x19, #0]
	stp	x2, x3, [x19, #16]
	stp	x4, x5, [x19, #32]
	stp	x6, x7, [x19, #48]
	stp	x8, x9, [x19, #64]
	stp	x10, x11, [x19, #80]
	ldp	x19, x30, [sp], #16
	ret
	.size	mica_smc_wide, . - mica_smc_wide
