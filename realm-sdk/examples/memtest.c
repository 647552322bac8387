/* Tests all of the realm's RAM that the program itself does not occupy:
 * from the end of the image to the end of RAM. Checks first, with RSI, that
 * the RAM the VMM announced is RIPAS RAM (the boot registers are measured,
 * but the realm checks what it relies on), then writes and verifies an
 * address-dependent pattern and its complement. */
#include <stdint.h>
#include <stdio.h>

#include "mica/realm.h"

static uint64_t pattern(uint64_t address, unsigned pass) {
  const uint64_t mixed = address * 0x9E3779B97F4A7C15ull;
  return pass == 0 ? mixed : ~mixed;
}

int main(void) {
  const struct mica_boot_info* boot = mica_boot();
  const uint64_t start = mica_image_end();
  const uint64_t end = boot->ram_base + boot->ram_size;
  /* RSI_IPA_STATE_GET answers for at most one level-3 table at a time. */
  for (uint64_t base = boot->ram_base; base < end;) {
    uint64_t top = 0;
    unsigned ripas = 0;
    if (rsi_ipa_state_get(base, end, &top, &ripas) != MICA_RSI_SUCCESS || ripas != MICA_RIPAS_RAM ||
        top <= base) {
      printf("memtest: [0x%llx, 0x%llx) is not RIPAS RAM\n", (unsigned long long)base,
             (unsigned long long)end);
      return 2;
    }
    base = top;
  }
  printf("memtest: testing [0x%llx, 0x%llx), %llu KiB\n", (unsigned long long)start,
         (unsigned long long)end, (unsigned long long)((end - start) >> 10));
  uint64_t errors = 0;
  for (unsigned pass = 0; pass < 2; ++pass) {
    for (uint64_t a = start; a < end; a += 8) *(volatile uint64_t*)a = pattern(a, pass);
    for (uint64_t a = start; a < end; a += 8) {
      if (*(volatile uint64_t*)a != pattern(a, pass)) {
        if (errors < 8) printf("memtest: mismatch at 0x%llx\n", (unsigned long long)a);
        ++errors;
      }
    }
  }
  printf("memtest: %llu bytes, 2 passes, %llu errors\n", (unsigned long long)(end - start),
         (unsigned long long)errors);
  return errors == 0 ? 0 : 1;
}
