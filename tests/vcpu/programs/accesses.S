// One access per instruction, all relative to x1. The test resumes each
// trapped access at the next instruction, as MMIO emulation would.
	.text
	.global _start
_start:
	str	w5, [x1]		// 0x00
	strb	w6, [x1, #1]		// 0x04
	ldr	x7, [x1, #8]		// 0x08
	ldrsh	w3, [x1, #2]		// 0x0c
	ldrsb	x9, [x1]		// 0x10
	ldrsw	x10, [x1, #4]		// 0x14
	str	x5, [x1], #8		// 0x18 post-index: no syndrome, no writeback
	ldp	x7, x8, [x1]		// 0x1c pair: no syndrome
	stlr	w5, [x1]		// 0x20 release: AR
	str	xzr, [x1, #16]		// 0x24
	ldr	x12, [x1, x13, lsl #3]	// 0x28 register offset
	strh	w14, [x1, #6]		// 0x2c
	hvc	#0			// 0x30
	b	.
