/* Memory layout constants shared by the linker script, crt0 and C code.
 * Macros only: included from assembly too. */
#ifndef MICA_LAYOUT_H
#define MICA_LAYOUT_H

/* RECs the SDK gives a stack to (REC index 0 .. MICA_MAX_RECS - 1). */
#define MICA_MAX_RECS 8
/* Stack bytes per REC. */
#define MICA_STACK_SIZE 0x4000
/* CPACR_EL1.FPEN = 0b11: FP/SIMD usable at EL1 and EL0. */
#define MICA_CPACR_FP_ON (3 << 20)

#endif
