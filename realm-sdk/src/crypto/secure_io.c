/* Secure ingress and egress (mica/secure_io.h, docs/secure-io.md). */
#include "mica/secure_io.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mica/attest.h"
#include "mica/realm.h"
#include "mica/workflow.h"

/* How long the ingress waits for peers to become active, in polls (each
 * yields the PE to the host). */
#define PEER_WAIT_POLLS 1000000u

static uint32_t le32(const volatile uint8_t* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const volatile uint8_t* p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }
static void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = (uint8_t)(v >> (8 * i));
}

bool mica_window_locate(uint64_t offset, uint64_t size, struct mica_window* window) {
  static uint8_t config[4096] __attribute__((aligned(4096)));
  if (rsi_realm_config(config) != MICA_RSI_SUCCESS) return false;
  uint64_t ipa_width = 0;
  memcpy(&ipa_width, config + MICA_REALM_CONFIG_IPA_WIDTH, sizeof ipa_width);
  if (ipa_width < 32 || ipa_width > 48) return false;
  const uint64_t half = 1ull << (ipa_width - 1);
  if (offset > half || size > half - offset) return false;
  window->base = (volatile uint8_t*)(uintptr_t)(half + offset);
  window->size = size;
  return true;
}

static int rndr_entropy(void* context, unsigned char* out, size_t length) {
  (void)context;
  return mica_random_bytes(out, length) ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

int mica_realm_rng_init(struct mica_sio_rng* rng, const char* personalization) {
  return mica_sio_rng_init(rng, rndr_entropy, NULL, personalization);
}

void mica_pipeline_fail(struct mica_stage* stage, const char* fmt, ...) {
  char message[200];
  va_list ap;
  va_start(ap, fmt);
  const int n = vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  const uint32_t length = n < 0 ? 0 : (n >= (int)sizeof message ? (uint32_t)sizeof message - 1 : (uint32_t)n);
  mica_stage_send(stage, MICA_STAGE_ALL_OUTPUTS, MICA_FRAME_ERROR, 0, message, length);
}

/* --- Ingress ------------------------------------------------------------------------ */

/* Waits until the inbox holds a message newer than the last one read. The
 * host writes the payload before the header, and the window is read-only
 * for us: copy what we use, then check the header did not change under us. */
static uint32_t wait_inbox(struct mica_ingress* ingress) {
  const volatile uint8_t* inbox = ingress->inbox.base;
  for (;;) {
    if (le64(inbox + MICA_INBOX_OFF_MAGIC) == MICA_INBOX_MAGIC) {
      const uint64_t sequence = le64(inbox + MICA_INBOX_OFF_SEQUENCE);
      if (sequence > ingress->sequence) {
        ingress->sequence = sequence;
        return le32(inbox + MICA_INBOX_OFF_KIND);
      }
    }
    mica_yield();
  }
}

/* The payload of the current inbox message, copied into protected memory. */
static uint8_t* copy_inbox_payload(struct mica_ingress* ingress, uint64_t* length) {
  const volatile uint8_t* inbox = ingress->inbox.base;
  const uint64_t n = le64(inbox + MICA_INBOX_OFF_LENGTH);
  if (n > ingress->inbox.size - MICA_INBOX_PAYLOAD) return NULL;
  uint8_t* copy = (uint8_t*)malloc(n == 0 ? 1 : n);
  if (copy == NULL) return NULL;
  for (uint64_t i = 0; i < n; ++i) copy[i] = inbox[MICA_INBOX_PAYLOAD + i];
  *length = n;
  return copy;
}

int mica_ingress_begin(struct mica_ingress* ingress, struct mica_stage* stage, const struct mica_window* inbox) {
  memset(ingress, 0, sizeof *ingress);
  ingress->inbox = *inbox;
  if (inbox->size < MICA_INBOX_PAYLOAD + MICA_OFFER_SIZE) {
    mica_pipeline_fail(stage, "ingress: inbox window too small");
    return -1;
  }
  /* 1. The owner's offer. */
  uint64_t offer_length = 0;
  uint8_t* offer = NULL;
  while (offer == NULL) {
    if (wait_inbox(ingress) != MICA_INBOX_OFFER) continue;
    offer = copy_inbox_payload(ingress, &offer_length);
    if (offer != NULL && offer_length != MICA_OFFER_SIZE) {
      free(offer);
      offer = NULL;
    }
  }
  memcpy(ingress->nonce, offer, MICA_SIO_NONCE_SIZE);
  memcpy(ingress->owner_public, offer + MICA_SIO_NONCE_SIZE, MICA_SIO_PUBLIC_KEY_SIZE);
  ingress->flags = offer[MICA_SIO_NONCE_SIZE + MICA_SIO_PUBLIC_KEY_SIZE];
  free(offer);

  /* 2. Every component of the workflow active; what the monitor says of each. */
  struct mica_workflow_info self;
  if (mica_get_workflow_info(&self) != MICA_RSI_SUCCESS) {
    mica_pipeline_fail(stage, "ingress: not bound to a workflow");
    return -1;
  }
  const uint32_t peers = self.component_count;
  uint8_t* table = (uint8_t*)calloc(peers, MICA_PEER_RECORD_SIZE);
  if (table == NULL) return -1;
  for (uint32_t c = 0; c < peers; ++c) {
    struct mica_peer_info peer;
    if (mica_wait_peer_active(c, PEER_WAIT_POLLS, &peer) != MICA_RSI_SUCCESS) {
      mica_pipeline_fail(stage, "ingress: component %u never became active", c);
      free(table);
      return -1;
    }
    uint8_t* record = table + (size_t)c * MICA_PEER_RECORD_SIZE;
    put32(record + 0, c);
    put32(record + 4, peer.state);
    put32(record + 8, peer.hash_algo);
    put64(record + 16, peer.bind_generation);
    memcpy(record + 24, peer.rim, 64);
  }
  uint8_t peers_digest[MICA_SIO_DIGEST_SIZE];
  mica_sio_sha256(table, (size_t)peers * MICA_PEER_RECORD_SIZE, peers_digest);

  /* 3. A fresh key pair, and a token binding it to the offer and the peers. */
  if (mica_realm_rng_init(&ingress->rng, "mica ingress") != 0 ||
      mica_sio_keypair_generate(&ingress->key, &ingress->rng) != 0) {
    mica_pipeline_fail(stage, "ingress: cannot make a key pair (no entropy?)");
    free(table);
    return -1;
  }
  uint8_t challenge[MICA_SIO_CHALLENGE_SIZE];
  mica_sio_challenge(MICA_SIO_LABEL_INGRESS_EVIDENCE, ingress->nonce, ingress->owner_public,
                     ingress->key.public_key, peers_digest, challenge);
  const size_t head = MICA_EVIDENCE_OFF_PEERS + (size_t)peers * MICA_PEER_RECORD_SIZE;
  uint8_t* evidence = (uint8_t*)calloc(1, head + 4 + MICA_ATTEST_TOKEN_MAX);
  if (evidence == NULL) {
    free(table);
    return -1;
  }
  size_t token_size = 0;
  const uint64_t attested = mica_attest_token(challenge, evidence + head + 4, MICA_ATTEST_TOKEN_MAX, &token_size);
  if (attested != MICA_RSI_SUCCESS) {
    mica_pipeline_fail(stage, "ingress: the monitor gave no attestation token (status %llu)",
                       (unsigned long long)attested);
    free(evidence);
    free(table);
    return -1;
  }
  put32(evidence + MICA_EVIDENCE_OFF_COMPONENT, self.component);
  put32(evidence + MICA_EVIDENCE_OFF_PEER_COUNT, peers);
  memcpy(evidence + MICA_EVIDENCE_OFF_PUBLIC_KEY, ingress->key.public_key, MICA_SIO_PUBLIC_KEY_SIZE);
  memcpy(evidence + MICA_EVIDENCE_OFF_PEERS, table, (size_t)peers * MICA_PEER_RECORD_SIZE);
  put32(evidence + head, (uint32_t)token_size);
  free(table);

  /* 4. Evidence and session down the pipeline. */
  uint8_t session[MICA_SESSION_SIZE];
  memcpy(session, ingress->nonce, MICA_SIO_NONCE_SIZE);
  memcpy(session + MICA_SIO_NONCE_SIZE, ingress->owner_public, MICA_SIO_PUBLIC_KEY_SIZE);
  session[MICA_SIO_NONCE_SIZE + MICA_SIO_PUBLIC_KEY_SIZE] = ingress->flags;
  enum mica_stream_status sent = mica_stage_send(stage, MICA_STAGE_ALL_OUTPUTS, MICA_FRAME_SESSION, 0, session,
                                                 sizeof session);
  if (sent == MICA_STREAM_OK) {
    sent = mica_stage_send(stage, MICA_STAGE_ALL_OUTPUTS, MICA_FRAME_EVIDENCE, 0, evidence,
                           (uint32_t)(head + 4 + token_size));
  }
  free(evidence);
  if (sent != MICA_STREAM_OK) return -1;

  if (mica_sio_derive_key(&ingress->key, ingress->owner_public, ingress->nonce, MICA_SIO_LABEL_INGRESS_KEY,
                          ingress->owner_public, ingress->key.public_key, &ingress->rng, ingress->input_key) != 0) {
    mica_pipeline_fail(stage, "ingress: the owner's public key is not a P-256 point");
    return -1;
  }
  ingress->started = true;
  return 0;
}

int mica_ingress_receive(struct mica_ingress* ingress, struct mica_stage* stage, uint8_t** data, size_t* length) {
  if (!ingress->started) return -1;
  while (wait_inbox(ingress) != MICA_INBOX_DATA) {
  }
  uint64_t sealed_length = 0;
  uint8_t* sealed = copy_inbox_payload(ingress, &sealed_length);
  if (sealed == NULL || sealed_length < MICA_SIO_IV_SIZE + MICA_SIO_TAG_SIZE) {
    free(sealed);
    mica_pipeline_fail(stage, "ingress: sealed data malformed or too large for the inbox");
    return -1;
  }
  const size_t plain_length = sealed_length - MICA_SIO_IV_SIZE - MICA_SIO_TAG_SIZE;
  uint8_t* plain = (uint8_t*)malloc(plain_length == 0 ? 1 : plain_length);
  if (plain == NULL) {
    free(sealed);
    mica_pipeline_fail(stage, "ingress: no memory for %llu bytes of input", (unsigned long long)plain_length);
    return -1;
  }
  const int opened = mica_sio_open(ingress->input_key, sealed, MICA_SIO_LABEL_INPUT, ingress->nonce,
                                   sealed + MICA_SIO_IV_SIZE, sealed_length - MICA_SIO_IV_SIZE, plain);
  free(sealed);
  if (opened != 0) {
    free(plain);
    mica_pipeline_fail(stage, "ingress: the sealed data does not authenticate under the session key");
    return -1;
  }
  *data = plain;
  *length = plain_length;
  return 0;
}

/* --- Egress --------------------------------------------------------------------------- */

int mica_egress_init(struct mica_egress* egress, const struct mica_window* outbox) {
  memset(egress, 0, sizeof *egress);
  egress->outbox = *outbox;
  if (outbox->size < 4096) return -1;
  return mica_realm_rng_init(&egress->rng, "mica egress");
}

/* Hands `message` to the host through the outbox, a window at a time. */
static int publish(struct mica_egress* egress, uint32_t kind, const uint8_t* message, size_t length) {
  if (length > MICA_OUTBOX_MAX_MESSAGE) return -1;
  size_t offset = 0;
  do {
    size_t piece = length - offset;
    if (piece > egress->outbox.size) piece = egress->outbox.size;
    for (size_t i = 0; i < piece; ++i) egress->outbox.base[i] = message[offset + i];
    __asm__ volatile("dmb sy" ::: "memory");
    static struct rsi_host_call_data host_call;
    struct rsi_host_call_data* call = &host_call;
    memset(call, 0, sizeof *call);
    call->imm = MICA_HOST_CALL_OUTBOX;
    call->gprs[0] = kind;
    call->gprs[1] = length;
    call->gprs[2] = offset;
    call->gprs[3] = piece;
    if (rsi_host_call(call) != MICA_RSI_SUCCESS || call->gprs[0] != 0) return -1;
    offset += piece;
  } while (offset < length);
  return 0;
}

int mica_egress_control(struct mica_egress* egress, const struct mica_frame* frame) {
  switch (frame->kind) {
    case MICA_FRAME_EVIDENCE:
      ++egress->evidence_published;
      return publish(egress, MICA_OUTBOX_EVIDENCE, frame->payload, frame->length);
    case MICA_FRAME_ERROR:
      return publish(egress, MICA_OUTBOX_ERROR, frame->payload, frame->length);
    case MICA_FRAME_SESSION:
      if (frame->length != MICA_SESSION_SIZE) return 0;
      if ((frame->payload[MICA_SIO_NONCE_SIZE + MICA_SIO_PUBLIC_KEY_SIZE] & MICA_OFFER_RESULT_RECIPIENT) == 0) return 0;
      if (egress->have_session) {
        /* Two owners claim the results: seal to neither. */
        egress->have_session = false;
        return mica_egress_publish_error(egress, "egress: more than one owner asked for the results");
      }
      memcpy(egress->nonce, frame->payload, MICA_SIO_NONCE_SIZE);
      memcpy(egress->owner_public, frame->payload + MICA_SIO_NONCE_SIZE, MICA_SIO_PUBLIC_KEY_SIZE);
      egress->have_session = true;
      return 0;
    default:
      return 0;
  }
}

int mica_egress_publish_error(struct mica_egress* egress, const char* message) {
  return publish(egress, MICA_OUTBOX_ERROR, (const uint8_t*)message, strlen(message));
}

int mica_egress_publish_result(struct mica_egress* egress, const uint8_t* result, size_t length) {
  if (!egress->have_session) return mica_egress_publish_error(egress, "egress: no owner session for the results");
  struct mica_sio_keypair key;
  if (mica_sio_keypair_generate(&key, &egress->rng) != 0) {
    return mica_egress_publish_error(egress, "egress: cannot make a key pair");
  }
  uint8_t out_key[MICA_SIO_KEY_SIZE];
  uint8_t iv[MICA_SIO_IV_SIZE];
  const size_t sealed_length = length + MICA_SIO_TAG_SIZE;
  uint8_t* message = (uint8_t*)calloc(1, MICA_RESULT_OFF_TOKEN + MICA_ATTEST_TOKEN_MAX + sealed_length);
  int ret = message == NULL ? -1 : 0;
  if (ret == 0) {
    ret = mica_sio_derive_key(&key, egress->owner_public, egress->nonce, MICA_SIO_LABEL_EGRESS_KEY,
                              egress->owner_public, key.public_key, &egress->rng, out_key);
  }
  if (ret == 0) ret = mbedtls_ctr_drbg_random(&egress->rng.drbg, iv, sizeof iv);
  uint8_t* sealed = message == NULL ? NULL : message + MICA_RESULT_OFF_TOKEN + MICA_ATTEST_TOKEN_MAX;
  if (ret == 0) ret = mica_sio_seal(out_key, iv, MICA_SIO_LABEL_RESULT, egress->nonce, result, length, sealed);
  uint8_t digest[MICA_SIO_DIGEST_SIZE];
  uint8_t challenge[MICA_SIO_CHALLENGE_SIZE];
  if (ret == 0) ret = mica_sio_sha256_2(iv, sizeof iv, sealed, sealed_length, digest);
  if (ret == 0) {
    ret = mica_sio_challenge(MICA_SIO_LABEL_EGRESS_EVIDENCE, egress->nonce, egress->owner_public, key.public_key,
                             digest, challenge);
  }
  size_t token_size = 0;
  if (ret == 0 && mica_attest_token(challenge, message + MICA_RESULT_OFF_TOKEN, MICA_ATTEST_TOKEN_MAX, &token_size) !=
                      MICA_RSI_SUCCESS) {
    ret = -1;
  }
  memset(out_key, 0, sizeof out_key);
  if (ret != 0) {
    mica_sio_keypair_free(&key);
    free(message);
    return mica_egress_publish_error(egress, "egress: cannot seal or attest the result");
  }
  struct mica_workflow_info self;
  mica_get_workflow_info(&self);
  put32(message + MICA_RESULT_OFF_COMPONENT, self.component);
  put32(message + MICA_RESULT_OFF_TOKEN_SIZE, (uint32_t)token_size);
  memcpy(message + MICA_RESULT_OFF_PUBLIC_KEY, key.public_key, MICA_SIO_PUBLIC_KEY_SIZE);
  memcpy(message + MICA_RESULT_OFF_IV, iv, sizeof iv);
  put64(message + MICA_RESULT_OFF_SEALED_SIZE, sealed_length);
  /* The sealed bytes follow the token directly. */
  memmove(message + MICA_RESULT_OFF_TOKEN + token_size, sealed, sealed_length);
  ret = publish(egress, MICA_OUTBOX_RESULT, message, MICA_RESULT_OFF_TOKEN + token_size + sealed_length);
  mica_sio_keypair_free(&key);
  free(message);
  return ret;
}
