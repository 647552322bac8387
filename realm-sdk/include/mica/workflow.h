/* Mica workflows from inside a realm: local attestation (who am I, who are
 * my peers, which measurement do they run) and gates (synchronous calls to a
 * peer component the policy names, answered without the host in between).
 *
 * Every call here returns the RSI status (MICA_RSI_SUCCESS, ...). A realm
 * that is not bound to a workflow gets MICA_SMC_UNKNOWN from all of them.
 */
#ifndef MICA_WORKFLOW_H
#define MICA_WORKFLOW_H

#include <stdint.h>

#include "mica/mica_abi.h"
#include "mica/rsi_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mica_workflow_info {
  uint8_t policy_digest[32]; /* SHA-256 of the compiled policy */
  uint8_t instance_id[32];   /* drawn by the monitor for this workflow instance */
  uint32_t component;        /* this realm's component index */
  uint32_t component_count;
  uint64_t bind_generation;  /* this realm's bind generation */
};
uint64_t mica_get_workflow_info(struct mica_workflow_info* out);

struct mica_peer_info {
  uint32_t state;            /* MICA_PEER_* */
  uint32_t hash_algo;        /* 0 SHA-256, 1 SHA-512 */
  uint64_t bind_generation;  /* changes whenever another realm takes the component */
  uint8_t rim[64];           /* its RIM; zero beyond the hash size */
};
uint64_t mica_get_peer_info(unsigned component, struct mica_peer_info* out);

/* Polls the peer until its realm is ACTIVE, yielding to the host (WFI)
 * between polls, at most `max_polls` times. Returns MICA_RSI_SUCCESS when it
 * is active, MICA_RSI_ERROR_STATE if it went off or the polls ran out. */
uint64_t mica_wait_peer_active(unsigned component, uint64_t max_polls, struct mica_peer_info* out);

/* --- Gates ------------------------------------------------------------------ */
struct mica_gate_message {
  uint32_t caller;                 /* the calling component (for a callee) */
  uint64_t words[MICA_GATE_WORDS]; /* arguments of a call, or results of a reply */
};

/* Calls `callee` with args->words; on success results->words holds its
 * reply. On MICA_RSI_ERROR_STATE, *why (if not null) is a MICA_GATE_ERR_*. */
uint64_t mica_gate_call(unsigned callee, const struct mica_gate_message* args, struct mica_gate_message* results,
                        uint64_t* why);
/* Waits for the first call; `call` receives the caller and its arguments. */
uint64_t mica_gate_wait(struct mica_gate_message* call, uint64_t* why);
/* Replies to the call being served with reply->words and waits for the
 * next call, which `next` receives. */
uint64_t mica_gate_reply(const struct mica_gate_message* reply, struct mica_gate_message* next, uint64_t* why);

#ifdef __cplusplus
}
#endif

#endif /* MICA_WORKFLOW_H */
