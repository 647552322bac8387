/* RIPAS changes and the other exits a well-behaved realm kernel makes:
 * gives the last page of its RAM back (RIPAS EMPTY) and takes it again,
 * grows its RAM by 64 KiB beyond what the VMM loaded (RIPAS RAM, then the
 * VMM populates each page on first touch), waits with WFI and WFE, pokes a
 * GIC CPU-interface register, suspends with PSCI CPU_SUSPEND, and makes
 * two host calls the VMM refuses. */
#include <stdint.h>
#include <stdio.h>

#include "mica/realm.h"

#define GROW_BYTES 0x10000ull

static int check_ripas(uint64_t base, uint64_t top, unsigned expected, const char* what) {
  uint64_t reached = 0;
  unsigned ripas = 0;
  if (rsi_ipa_state_get(base, top, &reached, &ripas) != MICA_RSI_SUCCESS || reached != top || ripas != expected) {
    printf("%s: [0x%llx, 0x%llx) has RIPAS %u up to 0x%llx\n", what, (unsigned long long)base,
           (unsigned long long)top, ripas, (unsigned long long)reached);
    return 0;
  }
  return 1;
}

static int set_ripas(uint64_t base, uint64_t top, unsigned ripas, const char* what) {
  while (base < top) {
    uint64_t next = 0, response = 0;
    if (rsi_ipa_state_set(base, top, ripas, 0, &next, &response) != MICA_RSI_SUCCESS || response != 0 ||
        next <= base) {
      printf("%s: IPA_STATE_SET refused at 0x%llx (response %llu)\n", what, (unsigned long long)base,
             (unsigned long long)response);
      return 0;
    }
    base = next;
  }
  return 1;
}

int main(void) {
  const struct mica_boot_info* boot = mica_boot();
  const uint64_t ram_end = boot->ram_base + boot->ram_size;
  const uint64_t last = ram_end - 0x1000;

  if (!set_ripas(last, ram_end, MICA_RIPAS_EMPTY, "give back") || !check_ripas(last, ram_end, MICA_RIPAS_EMPTY, "given back"))
    return 2;
  if (!set_ripas(last, ram_end, MICA_RIPAS_RAM, "take back") || !check_ripas(last, ram_end, MICA_RIPAS_RAM, "taken back"))
    return 3;
  *(volatile uint64_t*)last = 0x5A5A;
  if (*(volatile uint64_t*)last != 0x5A5A) return 4;

  if (!set_ripas(ram_end, ram_end + GROW_BYTES, MICA_RIPAS_RAM, "grow") ||
      !check_ripas(ram_end, ram_end + GROW_BYTES, MICA_RIPAS_RAM, "grown"))
    return 5;
  uint64_t zero_words = 0;
  for (uint64_t a = ram_end; a < ram_end + GROW_BYTES; a += 8) zero_words += *(volatile uint64_t*)a == 0;
  for (uint64_t a = ram_end; a < ram_end + GROW_BYTES; a += 8) *(volatile uint64_t*)a = a;
  uint64_t good_words = 0;
  for (uint64_t a = ram_end; a < ram_end + GROW_BYTES; a += 8) good_words += *(volatile uint64_t*)a == a;
  printf("grew RAM to 0x%llx: %llu zero words before, %llu good words after\n",
         (unsigned long long)(ram_end + GROW_BYTES), (unsigned long long)zero_words, (unsigned long long)good_words);

  /* A host call the VMM does not know, and a console write of more bytes
   * than the convention allows: both come back with gprs[0] = -1. */
  static struct rsi_host_call_data call;
  call.imm = 0x100;
  call.gprs[0] = 7;
  call.gprs[1] = 8;
  const uint64_t status = rsi_host_call(&call);
  const uint64_t unknown0 = call.gprs[0], unknown1 = call.gprs[1];
  call.imm = MICA_HOST_CALL_CONSOLE_WRITE;
  call.gprs[0] = MICA_HOST_CALL_CONSOLE_MAX + 1;
  rsi_host_call(&call);
  printf("unknown host call: status %llu, gprs 0x%llx 0x%llx; console of 241 bytes: 0x%llx\n",
         (unsigned long long)status, (unsigned long long)unknown0, (unsigned long long)unknown1,
         (unsigned long long)call.gprs[0]);

  __asm__ volatile("wfi" ::: "memory");
  __asm__ volatile("wfe" ::: "memory");
  uint64_t iar = 0xFFFF;
  __asm__ volatile("mrs %0, S3_0_C12_C12_0" : "=r"(iar)); /* ICC_IAR1_EL1 */
  __asm__ volatile("msr S3_0_C12_C11_5, %0" ::"r"((uint64_t)0) : "memory"); /* ICC_SGI1R_EL1 */
  struct mica_smc_regs suspend = {{MICA_PSCI_CPU_SUSPEND, 0, 0, 0}};
  mica_smc(&suspend);
  printf("waited; ICC_IAR1_EL1 read 0x%llx; CPU_SUSPEND returned %lld\n", (unsigned long long)iar,
         (long long)suspend.x[0]);
  return zero_words == GROW_BYTES / 8 && good_words == GROW_BYTES / 8 ? 0 : 6;
}
