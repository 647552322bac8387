/* Reads its own Realm Initial Measurement with RSI_MEASUREMENT_READ and
 * prints it in hex: it must equal what `mica measure` computes for this
 * image. The hash algorithm (and so the digest length) comes from
 * RSI_REALM_CONFIG. */
#include <stdint.h>
#include <stdio.h>

#include "mica/realm.h"

static uint8_t config[4096] __attribute__((aligned(4096)));

int main(void) {
  if (rsi_realm_config(config) != MICA_RSI_SUCCESS) {
    printf("RSI_REALM_CONFIG failed\n");
    return 1;
  }
  const unsigned hash_algo = config[MICA_REALM_CONFIG_HASH_ALGO];
  const unsigned digest_size = hash_algo == 0 ? 32 : 64;
  uint8_t rim[MICA_MEASUREMENT_SIZE];
  if (rsi_measurement_read(0, rim) != MICA_RSI_SUCCESS) {
    printf("RSI_MEASUREMENT_READ failed\n");
    return 1;
  }
  char hex[2 * MICA_MEASUREMENT_SIZE + 1];
  for (unsigned i = 0; i < digest_size; ++i) snprintf(&hex[2 * i], 3, "%02x", rim[i]);
  printf("RIM (%s): %s\n", hash_algo == 0 ? "sha256" : "sha512", hex);
  return 0;
}
