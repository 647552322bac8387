/* Attestation from a realm program: asks the host for the verifier's
 * challenge (host call ATTEST_CHALLENGE), obtains its CCA token with
 * RSI_ATTEST_TOKEN_INIT/CONTINUE twice -- in page-sized pieces into a
 * page-aligned buffer, then in 97-byte pieces into a buffer that starts one
 * byte into a page, so pieces straddle pages -- and hands both tokens to the
 * host (host call ATTEST_TOKEN), for a verifier. Exits 0 when every step
 * succeeded. Both tokens are the same bytes: the same claims, signed
 * deterministically (RFC 6979). */
#include <stdint.h>
#include <stdio.h>

#include "mica/attest.h"
#include "mica/realm.h"

static uint8_t token[MICA_ATTEST_TOKEN_MAX] __attribute__((aligned(4096)));
static uint8_t straddling[1 + MICA_ATTEST_TOKEN_MAX] __attribute__((aligned(4096)));

#define SMALL_CHUNK 97u

int main(void) {
  uint8_t challenge[MICA_ATTEST_CHALLENGE_SIZE];
  uint64_t status = mica_attest_get_challenge(challenge);
  if (status != MICA_RSI_SUCCESS) {
    printf("attest: no challenge from the host (status 0x%llx)\n", (unsigned long long)status);
    return 1;
  }
  size_t size = 0;
  status = mica_attest_token(challenge, token, sizeof token, &size);
  if (status != MICA_RSI_SUCCESS) {
    printf("attest: token failed (status 0x%llx)\n", (unsigned long long)status);
    return 2;
  }
  size_t chunked_size = 0;
  status = mica_attest_token_chunked(challenge, straddling + 1, MICA_ATTEST_TOKEN_MAX, SMALL_CHUNK, &chunked_size);
  if (status != MICA_RSI_SUCCESS) {
    printf("attest: token in %u-byte pieces failed (status 0x%llx)\n", SMALL_CHUNK, (unsigned long long)status);
    return 3;
  }
  printf("attest: tokens of %zu and %zu bytes\n", size, chunked_size);
  if (mica_attest_send_token(token, size) != MICA_RSI_SUCCESS ||
      mica_attest_send_token(straddling + 1, chunked_size) != MICA_RSI_SUCCESS) {
    printf("attest: the host did not take the tokens\n");
    return 4;
  }
  return 0;
}
