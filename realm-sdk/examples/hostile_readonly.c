/* Hostile: writes to the first page of the unprotected IPA space, which the
 * host maps read-only (or not at all). The write is a stage-2 permission
 * (or translation) fault; the realm never regains control of that write. */
#include <stdint.h>
#include <stdio.h>

#include "mica/realm.h"

static uint8_t config[4096] __attribute__((aligned(4096)));

int main(void) {
  if (rsi_realm_config(config) != MICA_RSI_SUCCESS) return 1;
  uint64_t ipa_width;
  __builtin_memcpy(&ipa_width, &config[MICA_REALM_CONFIG_IPA_WIDTH], sizeof ipa_width);
  const uint64_t shared = (uint64_t)1 << (ipa_width - 1);
  const uint64_t before = *(volatile uint64_t*)shared;
  printf("shared page at 0x%llx reads 0x%llx; writing it\n", (unsigned long long)shared,
         (unsigned long long)before);
  *(volatile uint64_t*)shared = 0xBAD;
  printf("write returned\n");
  return 0;
}
