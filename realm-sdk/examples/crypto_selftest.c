/* The realm's cryptography end to end, inside one realm: entropy from the
 * PE (RNDR), a CTR-DRBG, two P-256 key pairs, ECDH + HKDF from both sides
 * (the keys must agree), AES-256-GCM seal and open, a tampered byte refused,
 * the SHA-512 challenge binding. Prints the sizes and what it checked; exits
 * 0 only if every check held. */
#include <stdio.h>
#include <string.h>

#include "mica/realm.h"
#include "mica/secure_io.h"

static int failures;

static void check(int ok, const char* what) {
  printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  if (!ok) ++failures;
}

int main(void) {
  uint64_t a = 0, b = 0;
  check(mica_random_u64(&a) && mica_random_u64(&b) && a != b, "RNDR gives fresh values");

  struct mica_sio_rng rng;
  check(mica_realm_rng_init(&rng, "selftest") == 0, "DRBG seeded from RNDR");
  struct mica_sio_keypair owner, realm;
  check(mica_sio_keypair_generate(&owner, &rng) == 0 && mica_sio_keypair_generate(&realm, &rng) == 0,
        "two P-256 key pairs");
  check(owner.public_key[0] == 0x04 && memcmp(owner.public_key, realm.public_key, 65) != 0,
        "uncompressed, distinct public keys");

  uint8_t nonce[MICA_SIO_NONCE_SIZE];
  mica_random_bytes(nonce, sizeof nonce);
  uint8_t k1[32], k2[32];
  const int d1 = mica_sio_derive_key(&realm, owner.public_key, nonce, MICA_SIO_LABEL_INGRESS_KEY, owner.public_key,
                                     realm.public_key, &rng, k1);
  const int d2 = mica_sio_derive_key(&owner, realm.public_key, nonce, MICA_SIO_LABEL_INGRESS_KEY, owner.public_key,
                                     realm.public_key, &rng, k2);
  check(d1 == 0 && d2 == 0 && memcmp(k1, k2, 32) == 0, "ECDH + HKDF agree on both sides");

  static const char secret[] = "patient 4711: glucose 5.4 mmol/L";
  uint8_t iv[MICA_SIO_IV_SIZE] = {1, 2, 3};
  uint8_t sealed[sizeof secret + MICA_SIO_TAG_SIZE];
  uint8_t opened[sizeof secret];
  check(mica_sio_seal(k1, iv, MICA_SIO_LABEL_INPUT, nonce, (const uint8_t*)secret, sizeof secret, sealed) == 0 &&
            memcmp(sealed, secret, sizeof secret) != 0,
        "AES-256-GCM seal hides the text");
  check(mica_sio_open(k2, iv, MICA_SIO_LABEL_INPUT, nonce, sealed, sizeof sealed, opened) == 0 &&
            memcmp(opened, secret, sizeof secret) == 0,
        "open gives the text back");
  sealed[3] ^= 1;
  check(mica_sio_open(k2, iv, MICA_SIO_LABEL_INPUT, nonce, sealed, sizeof sealed, opened) != 0,
        "a flipped bit is refused");

  uint8_t digest[32] = {0};
  uint8_t c1[64], c2[64];
  mica_sio_challenge(MICA_SIO_LABEL_INGRESS_EVIDENCE, nonce, owner.public_key, realm.public_key, digest, c1);
  digest[0] = 1;
  mica_sio_challenge(MICA_SIO_LABEL_INGRESS_EVIDENCE, nonce, owner.public_key, realm.public_key, digest, c2);
  check(memcmp(c1, c2, 64) != 0, "the challenge binds the digest");
  mica_sio_keypair_free(&owner);
  mica_sio_keypair_free(&realm);
  printf("heap in use: %lu of %lu bytes\n", (unsigned long)(mica_heap_size() - mica_heap_free()),
         (unsigned long)mica_heap_size());
  return failures == 0 ? 0 : 1;
}
