/* The secure I/O protocol's cryptography over mbedTLS (mica/sio_crypto.h).
 * Only calls into the library: no primitive is implemented here. */
#include "mica/sio_crypto.h"

#include <string.h>

#include <mbedtls/ecdh.h>
#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

/* mbedTLS's generic "bad input" for lengths the protocol does not allow. */
#define SIO_BAD_INPUT MBEDTLS_ERR_ECP_BAD_INPUT_DATA

static size_t label_size(const char* label) { return strlen(label) + 1; /* with its NUL */ }

int mica_sio_rng_init(struct mica_sio_rng* rng, mica_sio_entropy_fn entropy, void* context,
                      const char* personalization) {
  mbedtls_ctr_drbg_init(&rng->drbg);
  const size_t n = personalization != NULL ? strlen(personalization) : 0;
  return mbedtls_ctr_drbg_seed(&rng->drbg, entropy, context, (const unsigned char*)personalization, n);
}

void mica_sio_rng_free(struct mica_sio_rng* rng) { mbedtls_ctr_drbg_free(&rng->drbg); }

static void keypair_init(struct mica_sio_keypair* pair) {
  mbedtls_ecp_group_init(&pair->group);
  mbedtls_mpi_init(&pair->secret);
  mbedtls_ecp_point_init(&pair->public_point);
  memset(pair->public_key, 0, sizeof pair->public_key);
}

int mica_sio_keypair_generate(struct mica_sio_keypair* pair, struct mica_sio_rng* rng) {
  keypair_init(pair);
  int ret = mbedtls_ecp_group_load(&pair->group, MBEDTLS_ECP_DP_SECP256R1);
  if (ret == 0) {
    ret = mbedtls_ecdh_gen_public(&pair->group, &pair->secret, &pair->public_point, mbedtls_ctr_drbg_random,
                                  &rng->drbg);
  }
  size_t written = 0;
  if (ret == 0) {
    ret = mbedtls_ecp_point_write_binary(&pair->group, &pair->public_point, MBEDTLS_ECP_PF_UNCOMPRESSED, &written,
                                         pair->public_key, sizeof pair->public_key);
  }
  if (ret == 0 && written != MICA_SIO_PUBLIC_KEY_SIZE) ret = SIO_BAD_INPUT;
  if (ret != 0) mica_sio_keypair_free(pair);
  return ret;
}

void mica_sio_keypair_free(struct mica_sio_keypair* pair) {
  mbedtls_ecp_group_free(&pair->group);
  mbedtls_mpi_free(&pair->secret);
  mbedtls_ecp_point_free(&pair->public_point);
}

int mica_sio_derive_key(const struct mica_sio_keypair* own, const uint8_t peer_public[MICA_SIO_PUBLIC_KEY_SIZE],
                        const uint8_t nonce[MICA_SIO_NONCE_SIZE], const char* label,
                        const uint8_t owner_public[MICA_SIO_PUBLIC_KEY_SIZE],
                        const uint8_t realm_public[MICA_SIO_PUBLIC_KEY_SIZE], struct mica_sio_rng* rng,
                        uint8_t key[MICA_SIO_KEY_SIZE]) {
  mbedtls_ecp_point peer;
  mbedtls_mpi shared;
  mbedtls_ecp_point_init(&peer);
  mbedtls_mpi_init(&shared);
  uint8_t shared_bytes[32];
  uint8_t info[64 + 2 * MICA_SIO_PUBLIC_KEY_SIZE];
  int ret = 0;
  const size_t n = label_size(label);
  if (n > 64) ret = SIO_BAD_INPUT;
  if (ret == 0) ret = mbedtls_ecp_point_read_binary(&own->group, &peer, peer_public, MICA_SIO_PUBLIC_KEY_SIZE);
  if (ret == 0) ret = mbedtls_ecp_check_pubkey(&own->group, &peer);
  if (ret == 0) {
    ret = mbedtls_ecdh_compute_shared((mbedtls_ecp_group*)&own->group, &shared, &peer, &own->secret,
                                      mbedtls_ctr_drbg_random, &rng->drbg);
  }
  if (ret == 0) ret = mbedtls_mpi_write_binary(&shared, shared_bytes, sizeof shared_bytes);
  if (ret == 0) {
    memcpy(info, label, n);
    memcpy(info + n, owner_public, MICA_SIO_PUBLIC_KEY_SIZE);
    memcpy(info + n + MICA_SIO_PUBLIC_KEY_SIZE, realm_public, MICA_SIO_PUBLIC_KEY_SIZE);
    ret = mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), nonce, MICA_SIO_NONCE_SIZE, shared_bytes,
                       sizeof shared_bytes, info, n + 2 * MICA_SIO_PUBLIC_KEY_SIZE, key, MICA_SIO_KEY_SIZE);
  }
  memset(shared_bytes, 0, sizeof shared_bytes);
  mbedtls_ecp_point_free(&peer);
  mbedtls_mpi_free(&shared);
  return ret;
}

static int aad_of(const char* label, const uint8_t nonce[MICA_SIO_NONCE_SIZE], uint8_t aad[64 + MICA_SIO_NONCE_SIZE],
                  size_t* aad_length) {
  const size_t n = label_size(label);
  if (n > 64) return SIO_BAD_INPUT;
  memcpy(aad, label, n);
  memcpy(aad + n, nonce, MICA_SIO_NONCE_SIZE);
  *aad_length = n + MICA_SIO_NONCE_SIZE;
  return 0;
}

int mica_sio_seal(const uint8_t key[MICA_SIO_KEY_SIZE], const uint8_t iv[MICA_SIO_IV_SIZE], const char* label,
                  const uint8_t nonce[MICA_SIO_NONCE_SIZE], const uint8_t* plain, size_t length, uint8_t* sealed) {
  uint8_t aad[64 + MICA_SIO_NONCE_SIZE];
  size_t aad_length = 0;
  int ret = aad_of(label, nonce, aad, &aad_length);
  if (ret != 0) return ret;
  mbedtls_gcm_context gcm;
  mbedtls_gcm_init(&gcm);
  ret = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 8 * MICA_SIO_KEY_SIZE);
  if (ret == 0) {
    ret = mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, length, iv, MICA_SIO_IV_SIZE, aad, aad_length, plain,
                                    sealed, MICA_SIO_TAG_SIZE, sealed + length);
  }
  mbedtls_gcm_free(&gcm);
  return ret;
}

int mica_sio_open(const uint8_t key[MICA_SIO_KEY_SIZE], const uint8_t iv[MICA_SIO_IV_SIZE], const char* label,
                  const uint8_t nonce[MICA_SIO_NONCE_SIZE], const uint8_t* sealed, size_t sealed_length,
                  uint8_t* plain) {
  if (sealed_length < MICA_SIO_TAG_SIZE) return MBEDTLS_ERR_GCM_AUTH_FAILED;
  uint8_t aad[64 + MICA_SIO_NONCE_SIZE];
  size_t aad_length = 0;
  int ret = aad_of(label, nonce, aad, &aad_length);
  if (ret != 0) return ret;
  const size_t length = sealed_length - MICA_SIO_TAG_SIZE;
  mbedtls_gcm_context gcm;
  mbedtls_gcm_init(&gcm);
  ret = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 8 * MICA_SIO_KEY_SIZE);
  if (ret == 0) {
    ret = mbedtls_gcm_auth_decrypt(&gcm, length, iv, MICA_SIO_IV_SIZE, aad, aad_length, sealed + length,
                                   MICA_SIO_TAG_SIZE, sealed, plain);
  }
  mbedtls_gcm_free(&gcm);
  return ret;
}

int mica_sio_challenge(const char* label, const uint8_t nonce[MICA_SIO_NONCE_SIZE],
                       const uint8_t owner_public[MICA_SIO_PUBLIC_KEY_SIZE],
                       const uint8_t realm_public[MICA_SIO_PUBLIC_KEY_SIZE], const uint8_t digest[MICA_SIO_DIGEST_SIZE],
                       uint8_t challenge[MICA_SIO_CHALLENGE_SIZE]) {
  mbedtls_sha512_context sha;
  mbedtls_sha512_init(&sha);
  int ret = mbedtls_sha512_starts_ret(&sha, 0);
  if (ret == 0) ret = mbedtls_sha512_update_ret(&sha, (const unsigned char*)label, label_size(label));
  if (ret == 0) ret = mbedtls_sha512_update_ret(&sha, nonce, MICA_SIO_NONCE_SIZE);
  if (ret == 0) ret = mbedtls_sha512_update_ret(&sha, owner_public, MICA_SIO_PUBLIC_KEY_SIZE);
  if (ret == 0) ret = mbedtls_sha512_update_ret(&sha, realm_public, MICA_SIO_PUBLIC_KEY_SIZE);
  if (ret == 0) ret = mbedtls_sha512_update_ret(&sha, digest, MICA_SIO_DIGEST_SIZE);
  if (ret == 0) ret = mbedtls_sha512_finish_ret(&sha, challenge);
  mbedtls_sha512_free(&sha);
  return ret;
}

int mica_sio_sha256(const void* data, size_t length, uint8_t digest[MICA_SIO_DIGEST_SIZE]) {
  return mbedtls_sha256_ret((const unsigned char*)data, length, digest, 0);
}

int mica_sio_sha256_2(const void* a, size_t a_length, const void* b, size_t b_length,
                      uint8_t digest[MICA_SIO_DIGEST_SIZE]) {
  mbedtls_sha256_context sha;
  mbedtls_sha256_init(&sha);
  int ret = mbedtls_sha256_starts_ret(&sha, 0);
  if (ret == 0) ret = mbedtls_sha256_update_ret(&sha, (const unsigned char*)a, a_length);
  if (ret == 0) ret = mbedtls_sha256_update_ret(&sha, (const unsigned char*)b, b_length);
  if (ret == 0) ret = mbedtls_sha256_finish_ret(&sha, digest);
  mbedtls_sha256_free(&sha);
  return ret;
}
