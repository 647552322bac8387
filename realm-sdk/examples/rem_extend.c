/* Extends REM 1 twice with RSI_MEASUREMENT_EXTEND and prints it before and
 * after each step. Also checks that the RSI rejects what it must: REM index
 * 0 (the RIM) and more than 64 bytes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mica/realm.h"

static void print_rem(const char* label) {
  uint8_t value[MICA_MEASUREMENT_SIZE];
  char hex[2 * 32 + 1];
  if (rsi_measurement_read(1, value) != MICA_RSI_SUCCESS) {
    printf("%s: read failed\n", label);
    return;
  }
  for (unsigned i = 0; i < 32; ++i) snprintf(&hex[2 * i], 3, "%02x", value[i]);
  printf("%s: REM1 = %s\n", label, hex);
}

int main(void) {
  print_rem("initial");
  static const char first[] = "mica: first extension";
  if (rsi_measurement_extend(1, first, sizeof first - 1) != MICA_RSI_SUCCESS) return 1;
  print_rem("after 1");
  uint8_t second[64];
  for (unsigned i = 0; i < sizeof second; ++i) second[i] = (uint8_t)i;
  if (rsi_measurement_extend(1, second, sizeof second) != MICA_RSI_SUCCESS) return 1;
  print_rem("after 2");
  struct mica_smc_regs r = {{MICA_RSI_MEASUREMENT_EXTEND, 0, 8}};
  mica_smc(&r);
  const uint64_t rim_status = r.x[0];
  struct mica_smc_regs big = {{MICA_RSI_MEASUREMENT_EXTEND, 1, 65}};
  mica_smc(&big);
  printf("extend RIM: %llu, extend 65 bytes: %llu\n", (unsigned long long)rim_status,
         (unsigned long long)big.x[0]);
  return rim_status == MICA_RSI_ERROR_INPUT && big.x[0] == MICA_RSI_ERROR_INPUT ? 0 : 1;
}
