/* Exercises the VMM's built-in MMIO device (docs/vmm.md) with accesses of
 * every size, a sign-extending load and the transmit register, prints what
 * it read, then reads the page after the device window, which no device
 * claims: the VMM injects an external abort and the SDK's vectors end the
 * realm with status 0x100 + 0x25. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mica/realm.h"

#define DEVICE_OFFSET 0x09000000ull
#define REG_ID 0x00
#define REG_SCRATCH 0x08
#define REG_COUNTER 0x10
#define REG_TX 0x18
#define REG_TX_COUNT 0x20

static uint8_t config[4096] __attribute__((aligned(4096)));

int main(void) {
  if (rsi_realm_config(config) != MICA_RSI_SUCCESS) return 1;
  uint64_t ipa_width;
  memcpy(&ipa_width, &config[MICA_REALM_CONFIG_IPA_WIDTH], sizeof ipa_width);
  const uintptr_t device = (uintptr_t)((1ull << (ipa_width - 1)) + DEVICE_OFFSET);

  const uint64_t id = *(volatile uint64_t*)(device + REG_ID);
  const uint32_t id_high = *(volatile uint32_t*)(device + REG_ID + 4);
  const uint8_t id_byte = *(volatile uint8_t*)(device + REG_ID + 1);
  *(volatile uint64_t*)(device + REG_SCRATCH) = 0x1122334455667788ull;
  *(volatile uint16_t*)(device + REG_SCRATCH) = 0x8001;
  const uint64_t scratch = *(volatile uint64_t*)(device + REG_SCRATCH);
  /* A sign-extending 16-bit load into an X register (LDRSH Xt): the
   * monitor, not the host, extends the value the host returns. */
  int64_t half;
  __asm__ volatile("ldrsh %0, [%1]" : "=r"(half) : "r"(device + REG_SCRATCH) : "memory");
  const uint64_t tick1 = *(volatile uint64_t*)(device + REG_COUNTER);
  const uint64_t tick2 = *(volatile uint64_t*)(device + REG_COUNTER);
  static const char message[] = "via MMIO\n";
  for (const char* p = message; *p != '\0'; ++p) *(volatile uint8_t*)(device + REG_TX) = (uint8_t)*p;
  const uint64_t sent = *(volatile uint64_t*)(device + REG_TX_COUNT);
  printf("id 0x%llx high 0x%x byte %c scratch 0x%llx half %lld ticks %llu %llu sent %llu\n",
         (unsigned long long)id, (unsigned)id_high, id_byte, (unsigned long long)scratch, (long long)half,
         (unsigned long long)tick1, (unsigned long long)tick2, (unsigned long long)sent);

  printf("reading the unclaimed page after the device\n");
  const uint64_t beyond = *(volatile uint64_t*)(device + 0x1000);
  printf("unreachable: 0x%llx\n", (unsigned long long)beyond);
  return 0;
}
