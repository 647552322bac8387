/* The cryptography of the secure I/O protocol (mica/secure_io_abi.h) as a
 * few calls over mbedTLS: ECDH P-256 key pairs, HKDF-SHA256 session keys,
 * AES-256-GCM sealing, the SHA-512 challenge binding. Portable C: realm
 * programs link it with Debian's aarch64 libmbedcrypto.a, and the data
 * owner's side (src/verify) compiles the same file against the host's
 * mbedTLS, so both sides derive keys and challenges with one definition.
 * Every function returns 0 on success, an mbedTLS error code otherwise.
 */
#ifndef MICA_SIO_CRYPTO_H
#define MICA_SIO_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>

#include "mica/secure_io_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A CTR-DRBG seeded from `entropy` (realms: RNDR; the owner: the OS). */
struct mica_sio_rng {
  mbedtls_ctr_drbg_context drbg;
};
typedef int (*mica_sio_entropy_fn)(void* context, unsigned char* out, size_t length);
int mica_sio_rng_init(struct mica_sio_rng* rng, mica_sio_entropy_fn entropy, void* context, const char* personalization);
void mica_sio_rng_free(struct mica_sio_rng* rng);

struct mica_sio_keypair {
  mbedtls_ecp_group group;
  mbedtls_mpi secret;
  mbedtls_ecp_point public_point;
  uint8_t public_key[MICA_SIO_PUBLIC_KEY_SIZE];
};
int mica_sio_keypair_generate(struct mica_sio_keypair* pair, struct mica_sio_rng* rng);
void mica_sio_keypair_free(struct mica_sio_keypair* pair);

/* HKDF-SHA256(salt = nonce, ikm = ECDH(own secret, peer public),
 *             info = label\0 | owner public | realm public).
 * Refuses a peer key that is not a point of the curve. */
int mica_sio_derive_key(const struct mica_sio_keypair* own, const uint8_t peer_public[MICA_SIO_PUBLIC_KEY_SIZE],
                        const uint8_t nonce[MICA_SIO_NONCE_SIZE], const char* label,
                        const uint8_t owner_public[MICA_SIO_PUBLIC_KEY_SIZE],
                        const uint8_t realm_public[MICA_SIO_PUBLIC_KEY_SIZE], struct mica_sio_rng* rng,
                        uint8_t key[MICA_SIO_KEY_SIZE]);

/* AES-256-GCM: `sealed` receives length + MICA_SIO_TAG_SIZE bytes. The AAD
 * is label\0 | nonce. open() fails (and writes nothing useful) unless the
 * tag verifies. */
int mica_sio_seal(const uint8_t key[MICA_SIO_KEY_SIZE], const uint8_t iv[MICA_SIO_IV_SIZE], const char* label,
                  const uint8_t nonce[MICA_SIO_NONCE_SIZE], const uint8_t* plain, size_t length, uint8_t* sealed);
int mica_sio_open(const uint8_t key[MICA_SIO_KEY_SIZE], const uint8_t iv[MICA_SIO_IV_SIZE], const char* label,
                  const uint8_t nonce[MICA_SIO_NONCE_SIZE], const uint8_t* sealed, size_t sealed_length,
                  uint8_t* plain);

/* SHA-512(label\0 | nonce | owner public | realm public | digest[32]). */
int mica_sio_challenge(const char* label, const uint8_t nonce[MICA_SIO_NONCE_SIZE],
                       const uint8_t owner_public[MICA_SIO_PUBLIC_KEY_SIZE],
                       const uint8_t realm_public[MICA_SIO_PUBLIC_KEY_SIZE], const uint8_t digest[MICA_SIO_DIGEST_SIZE],
                       uint8_t challenge[MICA_SIO_CHALLENGE_SIZE]);
int mica_sio_sha256(const void* data, size_t length, uint8_t digest[MICA_SIO_DIGEST_SIZE]);
/* SHA-256 over two pieces (iv | sealed). */
int mica_sio_sha256_2(const void* a, size_t a_length, const void* b, size_t b_length,
                      uint8_t digest[MICA_SIO_DIGEST_SIZE]);

#ifdef __cplusplus
}
#endif

#endif /* MICA_SIO_CRYPTO_H */
