/* Random numbers from the PE (mica/realm.h): RNDR sets NZCV to 0000 with a
 * value, or to 0100 (Z) when the generator has none at the moment. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mica/realm.h"

enum { kAttempts = 16 };

static bool rndr(uint64_t* out) {
  uint64_t value;
  uint64_t nzcv;
  /* RNDR is S3_3_C2_C4_0: named by encoding, as -march=armv8-a lacks it. */
  __asm__ volatile("mrs %0, s3_3_c2_c4_0\n\tmrs %1, nzcv" : "=r"(value), "=r"(nzcv)::"cc");
  *out = value;
  return (nzcv & (1ull << 30)) == 0;
}

bool mica_random_u64(uint64_t* out) {
  for (int i = 0; i < kAttempts; ++i) {
    if (rndr(out)) return true;
  }
  *out = 0;
  return false;
}

bool mica_random_bytes(void* out, size_t length) {
  uint8_t* bytes = (uint8_t*)out;
  while (length > 0) {
    uint64_t value;
    if (!mica_random_u64(&value)) return false;
    const size_t n = length < sizeof value ? length : sizeof value;
    memcpy(bytes, &value, n);
    bytes += n;
    length -= n;
  }
  return true;
}
