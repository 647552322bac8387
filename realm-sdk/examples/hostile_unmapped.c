/* Hostile: reads a protected IPA just past its RAM, where nothing is
 * mapped. The monitor injects a synchronous external abort (RIPAS EMPTY) and
 * the SDK's vectors report it: exit status 0x100 + 0x25. */
#include <stdint.h>
#include <stdio.h>

#include "mica/realm.h"

int main(void) {
  const struct mica_boot_info* boot = mica_boot();
  const uint64_t beyond = boot->ram_base + boot->ram_size + 0x10000;
  printf("reading unmapped IPA 0x%llx\n", (unsigned long long)beyond);
  const uint64_t value = *(volatile uint64_t*)beyond;
  printf("unreachable: read 0x%llx\n", (unsigned long long)value);
  return 1;
}
