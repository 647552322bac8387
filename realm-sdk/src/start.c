/* C part of the realm runtime: boot information, main, RECs, exit. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

extern int main(void);
extern char __image_end[];
extern void __mica_secondary_entry(void);
typedef void (*mica_init_fn)(void);
extern mica_init_fn __init_array_start[];
extern mica_init_fn __init_array_end[];

void __mica_start_primary(uint64_t ram_base, uint64_t ram_size, uint64_t num_recs);
void __mica_start_secondary(uint64_t context_id);

static struct mica_boot_info boot;
static struct rsi_host_call_data host_calls[MICA_MAX_RECS];

struct start_block {
  void (*fn)(void* arg);
  void* arg;
};
static struct start_block start_blocks[MICA_MAX_RECS];

const struct mica_boot_info* mica_boot(void) { return &boot; }

uintptr_t mica_image_end(void) { return (uintptr_t)__image_end; }

unsigned mica_rec_index(void) {
  uint64_t mpidr;
  __asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
  return (unsigned)((mpidr & 0xF) | ((mpidr >> 8) & 0xFF) << 4 | ((mpidr >> 16) & 0xFF) << 12 |
                    ((mpidr >> 32) & 0xFF) << 20);
}

uint64_t mica_rec_mpidr(unsigned index) {
  return (uint64_t)(index & 0xF) | (uint64_t)((index >> 4) & 0xFF) << 8 |
         (uint64_t)((index >> 12) & 0xFF) << 16 | (uint64_t)((index >> 20) & 0xFF) << 32;
}

struct rsi_host_call_data* mica_host_call_buffer(void) {
  return &host_calls[mica_rec_index() % MICA_MAX_RECS];
}

void __mica_start_primary(uint64_t ram_base, uint64_t ram_size, uint64_t num_recs) {
  boot.ram_base = ram_base;
  boot.ram_size = ram_size;
  boot.num_recs = num_recs;
  /* The heap is the RAM after the image. The boot registers are measured,
   * but a VMM may still have passed values that do not cover the image. */
  const uintptr_t image_end = (uintptr_t)__image_end;
  const uint64_t ram_end = ram_base + ram_size;
  if (ram_end > image_end && ram_base <= image_end) {
    mica_heap_init(image_end, (uintptr_t)ram_end);
  } else {
    mica_heap_init(image_end, image_end);
  }
  for (mica_init_fn* init = __init_array_start; init < __init_array_end; ++init) (*init)();
  mica_exit(main());
}

void __mica_start_secondary(uint64_t context_id) {
  struct start_block* block = (struct start_block*)(uintptr_t)context_id;
  block->fn(block->arg);
  psci_cpu_off();
  for (;;) __asm__ volatile("wfi");
}

int64_t mica_start_rec(unsigned index, void (*fn)(void* arg), void* arg) {
  if (index == 0 || index >= MICA_MAX_RECS || fn == NULL) return MICA_PSCI_INVALID_PARAMETERS;
  start_blocks[index].fn = fn;
  start_blocks[index].arg = arg;
  __asm__ volatile("dmb ish" ::: "memory");
  return psci_cpu_on(mica_rec_mpidr(index), (uint64_t)(uintptr_t)&__mica_secondary_entry,
                     (uint64_t)(uintptr_t)&start_blocks[index]);
}

void mica_exit(int64_t status) {
  struct rsi_host_call_data* call = mica_host_call_buffer();
  memset(call, 0, sizeof *call);
  call->imm = MICA_HOST_CALL_EXIT;
  call->gprs[0] = (uint64_t)status;
  rsi_host_call(call);
  psci_system_off();
}

void exit(int status) { mica_exit(status); }

void abort(void) {
  static const char message[] = "realm: abort()\n";
  mica_console_write_unlocked(message, sizeof message - 1);
  mica_exit(134);
}

/* --- Exceptions caught by the SDK's vectors -------------------------------------- */
static const char* exception_class_name(unsigned ec) {
  switch (ec) {
    case 0x00: return "unknown instruction";
    case 0x01: return "WFI/WFE";
    case 0x0E: return "illegal execution state";
    case 0x15: return "SVC";
    case 0x16: return "HVC";
    case 0x17: return "SMC";
    case 0x18: return "MSR/MRS";
    case 0x20: return "instruction abort from EL0";
    case 0x21: return "instruction abort";
    case 0x22: return "PC alignment";
    case 0x24: return "data abort from EL0";
    case 0x25: return "data abort";
    case 0x26: return "SP alignment";
    case 0x3C: return "BRK";
    default: return "other";
  }
}

void __mica_exception(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far, uint64_t spsr);
void __mica_exception(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far, uint64_t spsr) {
  static const char* const kinds[4] = {"synchronous", "IRQ", "FIQ", "SError"};
  const unsigned ec = (unsigned)(esr >> 26) & 0x3F;
  char line[200];
  const int n = snprintf(line, sizeof line,
                         "realm: %s exception EC=0x%02x (%s) ESR=0x%llx ELR=0x%llx FAR=0x%llx "
                         "SPSR=0x%llx REC=%u\n",
                         kinds[kind & 3], ec, exception_class_name(ec), (unsigned long long)esr,
                         (unsigned long long)elr, (unsigned long long)far, (unsigned long long)spsr,
                         mica_rec_index());
  mica_console_write_unlocked(line, n > 0 && (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  const bool synchronous = (kind & 3) == 0;
  mica_exit(MICA_EXIT_EXCEPTION_BASE + (synchronous ? (int64_t)ec : 0x40 + (int64_t)(kind & 3)));
}
