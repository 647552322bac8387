/* Secure ingress and egress for Mica pipelines (docs/secure-io.md).
 *
 * INGRESS (a component with an `in` window, its inbox): waits for a data
 * owner's offer (nonce, public key) in the inbox; waits until every
 * component of its workflow is active and records what MICA_PEER_INFO says
 * of each (state, bind generation, RIM); makes a fresh ECDH key pair; asks
 * the monitor for a token whose challenge binds the owner's nonce and key,
 * its own public key and that peer table; and sends it all as an EVIDENCE
 * frame down the pipeline, with a SESSION frame that carries the offer to
 * the egress. The owner verifies the token before it seals its data to the
 * key; the ingress opens it (AES-256-GCM under an HKDF-derived key) and
 * hands the plaintext to the program.
 *
 * EGRESS (a component with an `out` window and host calls, its outbox):
 * publishes EVIDENCE and ERROR frames to the host as they arrive; keeps the
 * SESSION of the owner the results are for; at the end seals the result to
 * that owner's key with a fresh key pair of its own and publishes it with a
 * token whose challenge binds nonce, both keys and the sealed bytes.
 *
 * The host sees the offer, the evidence, the sealed data and the sealed
 * result; none of them tells it anything it could use.
 */
#ifndef MICA_SECURE_IO_H
#define MICA_SECURE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mica/pipeline.h"
#include "mica/secure_io_abi.h"
#include "mica/sio_crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A window of the realm's unprotected IPA space: `offset` from its base
 * (2^(IPA width - 1), from RSI_REALM_CONFIG), as the policy places it. */
struct mica_window {
  volatile uint8_t* base;
  uint64_t size;
};
bool mica_window_locate(uint64_t offset, uint64_t size, struct mica_window* window);

/* The realm's DRBG, seeded from the PE's generator (RNDR). */
int mica_realm_rng_init(struct mica_sio_rng* rng, const char* personalization);

struct mica_ingress {
  struct mica_window inbox;
  uint64_t sequence;  /* of the last inbox message read */
  uint8_t nonce[MICA_SIO_NONCE_SIZE];
  uint8_t owner_public[MICA_SIO_PUBLIC_KEY_SIZE];
  uint8_t flags;
  struct mica_sio_rng rng;
  struct mica_sio_keypair key;
  uint8_t input_key[MICA_SIO_KEY_SIZE];
  bool started;
};

/* Offer, peers, key, token, EVIDENCE and SESSION down every output. Returns
 * 0, or -1 after reporting why with an ERROR frame. */
int mica_ingress_begin(struct mica_ingress* ingress, struct mica_stage* stage, const struct mica_window* inbox);
/* Waits for the owner's sealed data and opens it into a malloc'd buffer.
 * Returns 0, or -1 after an ERROR frame (e.g. the data does not
 * authenticate). */
int mica_ingress_receive(struct mica_ingress* ingress, struct mica_stage* stage, uint8_t** data, size_t* length);
/* An ERROR frame for the data owner (printf-style; at most 200 bytes). */
void mica_pipeline_fail(struct mica_stage* stage, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

struct mica_egress {
  struct mica_window outbox;
  struct mica_sio_rng rng;
  bool have_session;
  uint8_t nonce[MICA_SIO_NONCE_SIZE];
  uint8_t owner_public[MICA_SIO_PUBLIC_KEY_SIZE];
  unsigned evidence_published;
};
int mica_egress_init(struct mica_egress* egress, const struct mica_window* outbox);
/* Acts on a control frame the stage returned (EVIDENCE, SESSION, ERROR);
 * other frames are ignored. Returns 0, or -1 if the host refused a call. */
int mica_egress_control(struct mica_egress* egress, const struct mica_frame* frame);
/* Seals `result` to the session's owner and publishes it. */
int mica_egress_publish_result(struct mica_egress* egress, const uint8_t* result, size_t length);
/* Publishes a message for the data owner. */
int mica_egress_publish_error(struct mica_egress* egress, const char* message);

#ifdef __cplusplus
}
#endif

#endif /* MICA_SECURE_IO_H */
