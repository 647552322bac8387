// Realm program entry points.
//
// _start is REC 0's entry (the ELF entry point), with the load plan's boot
// ABI: x0 = RAM base, x1 = RAM size, x2 = number of RECs. The stage-1 MMU is
// off (Unicorn 2.0.1 cannot run with it on; see docs/realm-sdk.md), so code
// runs at its link address, which is its IPA.
// __mica_secondary_entry is where mica_start_rec() starts other RECs through
// PSCI CPU_ON, with x0 = the context ID (the REC's start block).
#include "mica/layout.h"

	.section .text.boot, "ax"
	.global	_start
	.type	_start, %function
_start:
	mov	x19, x0
	mov	x20, x1
	mov	x21, x2
	bl	mica_cpu_setup
	// Zero BSS (the monitor zeroes fresh granules, but do not rely on it).
	adrp	x9, __bss_start
	add	x9, x9, :lo12:__bss_start
	adrp	x10, __bss_end
	add	x10, x10, :lo12:__bss_end
1:	cmp	x9, x10
	b.hs	2f
	str	xzr, [x9], #8
	b	1b
2:	mov	x0, x19
	mov	x1, x20
	mov	x2, x21
	bl	__mica_start_primary
	b	.
	.size	_start, . - _start

	.global	__mica_secondary_entry
	.type	__mica_secondary_entry, %function
__mica_secondary_entry:
	mov	x19, x0
	bl	mica_cpu_setup
	mov	x0, x19
	bl	__mica_start_secondary
	b	.
	.size	__mica_secondary_entry, . - __mica_secondary_entry

// Per-REC CPU setup: exception vectors, FP/SIMD access, and the stack of
// this REC, found from MPIDR_EL1. Uses x9..x12; sets SP; no stack needed.
	.type	mica_cpu_setup, %function
mica_cpu_setup:
	adrp	x9, __mica_vectors
	add	x9, x9, :lo12:__mica_vectors
	msr	vbar_el1, x9
	mov	x9, #MICA_CPACR_FP_ON
	msr	cpacr_el1, x9
	isb
	// REC index (RMM 1.0): Aff0[3:0] | Aff1 << 4 | Aff2 << 12 | Aff3 << 20.
	mrs	x9, mpidr_el1
	and	x10, x9, #0xf
	ubfx	x11, x9, #8, #8
	orr	x10, x10, x11, lsl #4
	ubfx	x11, x9, #16, #8
	orr	x10, x10, x11, lsl #12
	ubfx	x11, x9, #32, #8
	orr	x10, x10, x11, lsl #20
	cmp	x10, #MICA_MAX_RECS
	b.hs	3f
	adrp	x11, __mica_stacks_end
	add	x11, x11, :lo12:__mica_stacks_end
	mov	x12, #MICA_STACK_SIZE
	msub	x11, x10, x12, x11
	mov	sp, x11
	ret
3:	// No stack for this REC: PSCI CPU_OFF.
	movz	x0, #0x0002
	movk	x0, #0x8400, lsl #16
	smc	#0
	b	3b
	.size	mica_cpu_setup, . - mica_cpu_setup
