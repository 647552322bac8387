/* Hostile: makes its stage 2 as fragmented as it can. It gives every other
 * page of a stretch of its RAM back (RIPAS EMPTY), then touches each page
 * it kept, so that the realm CPU would need one emulator region per page.
 * The CPU refuses a layout beyond its region limit: the REC ends in an
 * SError exit to the host, and the process lives on. */
#include <stdint.h>
#include <stdio.h>

#include "mica/realm.h"

#define HOLES 1100u

int main(void) {
  const uint64_t start = (mica_image_end() + 0xFFFull) & ~0xFFFull;
  const uint64_t end = mica_boot()->ram_base + mica_boot()->ram_size;
  if (start + 2ull * HOLES * 0x1000 > end) {
    printf("need %u KiB of RAM after the image\n", 8 * HOLES);
    return 2;
  }
  for (unsigned i = 0; i < HOLES; ++i) {
    const uint64_t hole = start + (2ull * i + 1) * 0x1000;
    uint64_t next = 0, response = 0;
    if (rsi_ipa_state_set(hole, hole + 0x1000, MICA_RIPAS_EMPTY, 0, &next, &response) != MICA_RSI_SUCCESS ||
        next != hole + 0x1000) {
      printf("IPA_STATE_SET of 0x%llx failed\n", (unsigned long long)hole);
      return 3;
    }
  }
  printf("%u holes made; touching the pages between them\n", HOLES);
  for (unsigned i = 0; i < HOLES; ++i) *(volatile uint64_t*)(start + 2ull * i * 0x1000) = i;
  printf("unreachable: every page touched\n");
  return 0;
}
