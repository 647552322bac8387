/* The secure I/O protocol between data owners and a Mica pipeline, as
 * constants and byte layouts shared by realm programs (mica/secure_io.h)
 * and the owner's side (src/verify/owner_session.h). docs/secure-io.md
 * describes the protocol; all integers are little-endian.
 *
 * Cryptography (all of it from mbedTLS): ECDH over P-256, keys derived with
 * HKDF-SHA256, data sealed with AES-256-GCM, bindings hashed with SHA-256
 * and SHA-512. The attestation token's 64-byte challenge is a SHA-512 that
 * binds the realm's public key to the owner's nonce and key.
 * C and C++, freestanding: macros and fixed layouts only.
 */
#ifndef MICA_SECURE_IO_ABI_H
#define MICA_SECURE_IO_ABI_H

#define MICA_SIO_NONCE_SIZE 32u
#define MICA_SIO_PUBLIC_KEY_SIZE 65u /* uncompressed P-256 point: 0x04 | X | Y */
#define MICA_SIO_KEY_SIZE 32u        /* AES-256 */
#define MICA_SIO_IV_SIZE 12u
#define MICA_SIO_TAG_SIZE 16u
#define MICA_SIO_CHALLENGE_SIZE 64u  /* SHA-512: the CCA realm challenge */
#define MICA_SIO_DIGEST_SIZE 32u     /* SHA-256 */

/* Labels (domain separation), hashed or used as info/AAD with their NUL. */
#define MICA_SIO_LABEL_INGRESS_EVIDENCE "mica-sio-v1 ingress evidence"
#define MICA_SIO_LABEL_INGRESS_KEY "mica-sio-v1 ingress key"
#define MICA_SIO_LABEL_INPUT "mica-sio-v1 input"
#define MICA_SIO_LABEL_EGRESS_EVIDENCE "mica-sio-v1 egress evidence"
#define MICA_SIO_LABEL_EGRESS_KEY "mica-sio-v1 egress key"
#define MICA_SIO_LABEL_RESULT "mica-sio-v1 result"

/* --- The inbox: an ingress component's `in` window ---------------------------
 * The host writes a message's payload at MICA_INBOX_PAYLOAD, then the
 * header; the realm reads a message when the header's sequence changes. */
#define MICA_INBOX_MAGIC 0x58424E494143494Dull   /* "MICAINBX" */
#define MICA_INBOX_HEADER_SIZE 64u
#define MICA_INBOX_PAYLOAD 64u
/* header: u64 magic @0, u64 sequence @8, u32 kind @16, u32 reserved @20, u64 length @24 */
#define MICA_INBOX_OFF_MAGIC 0u
#define MICA_INBOX_OFF_SEQUENCE 8u
#define MICA_INBOX_OFF_KIND 16u
#define MICA_INBOX_OFF_LENGTH 24u
#define MICA_INBOX_OFFER 1u /* payload: nonce[32] | owner public key[65] | flags u8 */
#define MICA_INBOX_DATA 2u  /* payload: iv[12] | ciphertext | tag[16] */
#define MICA_OFFER_SIZE (MICA_SIO_NONCE_SIZE + MICA_SIO_PUBLIC_KEY_SIZE + 1u)
#define MICA_OFFER_RESULT_RECIPIENT 1u /* flags: results are sealed to this owner */

/* --- SESSION frame payload (ingress -> egress, through the pipeline) ------- */
/* nonce[32] | owner public key[65] | flags u8: the offer, as the ingress saw it. */
#define MICA_SESSION_SIZE MICA_OFFER_SIZE

/* --- EVIDENCE (ingress -> owner, through the pipeline and the egress) ------
 *   @0   u32 component (the ingress)
 *   @4   u32 peer count N
 *   @8   ingress public key[65], 3 bytes zero
 *   @76  N peer records of MICA_PEER_RECORD_SIZE
 *   then u32 token size, the CCA token
 * peers digest = SHA-256 of the N peer records as sent.
 * challenge = SHA-512(LABEL_INGRESS_EVIDENCE\0 | nonce | owner public key |
 *                     ingress public key | peers digest) */
#define MICA_EVIDENCE_OFF_COMPONENT 0u
#define MICA_EVIDENCE_OFF_PEER_COUNT 4u
#define MICA_EVIDENCE_OFF_PUBLIC_KEY 8u
#define MICA_EVIDENCE_OFF_PEERS 76u
/* peer record: u32 component @0, u32 state @4, u32 hash algo @8, u32 zero @12,
 *              u64 bind generation @16, RIM[64] @24 (zero beyond the hash) */
#define MICA_PEER_RECORD_SIZE 88u

/* --- RESULT (egress -> owner) ------------------------------------------------
 *   @0   u32 component (the egress)
 *   @4   u32 token size T
 *   @8   egress public key[65], 3 bytes zero
 *   @76  iv[12]
 *   @88  u64 sealed size S (ciphertext and tag)
 *   @96  the CCA token (T bytes), then the sealed result (S bytes)
 * K = HKDF-SHA256(salt = nonce, ikm = ECDH(egress, owner),
 *                 info = LABEL_EGRESS_KEY\0 | owner public key | egress public key)
 * sealed = AES-256-GCM(K, iv, aad = LABEL_RESULT\0 | nonce, result)
 * challenge = SHA-512(LABEL_EGRESS_EVIDENCE\0 | nonce | owner public key |
 *                     egress public key | SHA-256(iv | sealed)) */
#define MICA_RESULT_OFF_COMPONENT 0u
#define MICA_RESULT_OFF_TOKEN_SIZE 4u
#define MICA_RESULT_OFF_PUBLIC_KEY 8u
#define MICA_RESULT_OFF_IV 76u
#define MICA_RESULT_OFF_SEALED_SIZE 88u
#define MICA_RESULT_OFF_TOKEN 96u

/* --- The outbox: the egress component's `out` window --------------------
 * The egress writes up to a window's worth of a message at offset 0 and
 * makes host call MICA_HOST_CALL_OUTBOX: gprs[0] = kind, gprs[1] = the
 * message's total size, gprs[2] = this piece's offset in it, gprs[3] = the
 * piece's size. The host copies the piece before it answers (gprs[0] = 0). */
#define MICA_HOST_CALL_OUTBOX 0x0005u
#define MICA_OUTBOX_EVIDENCE 1u
#define MICA_OUTBOX_RESULT 2u
#define MICA_OUTBOX_ERROR 3u
#define MICA_OUTBOX_MAX_MESSAGE (64u << 20)

#endif /* MICA_SECURE_IO_ABI_H */
