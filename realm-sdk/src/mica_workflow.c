/* Local attestation and gates over Mica's RSI commands (mica/workflow.h). */
#include "mica/workflow.h"

#include <string.h>

void mica_smc_wide(uint64_t regs[12]);

static void unpack_words(uint8_t* out, const uint64_t* words, unsigned count) {
  for (unsigned i = 0; i < count; ++i) memcpy(out + 8 * i, &words[i], 8);
}

uint64_t mica_get_workflow_info(struct mica_workflow_info* out) {
  uint64_t r[12] = {MICA_RSI_WORKFLOW_INFO};
  mica_smc_wide(r);
  if (r[0] != MICA_RSI_SUCCESS) return r[0];
  unpack_words(out->policy_digest, &r[1], 4);
  unpack_words(out->instance_id, &r[5], 4);
  out->component = (uint32_t)r[9];
  out->component_count = (uint32_t)r[10];
  out->bind_generation = r[11];
  return r[0];
}

uint64_t mica_get_peer_info(unsigned component, struct mica_peer_info* out) {
  uint64_t r[12] = {MICA_RSI_PEER_INFO, component};
  mica_smc_wide(r);
  if (r[0] != MICA_RSI_SUCCESS) return r[0];
  out->state = (uint32_t)r[1];
  out->bind_generation = r[2];
  out->hash_algo = (uint32_t)r[3];
  unpack_words(out->rim, &r[4], 8);
  return r[0];
}

uint64_t mica_wait_peer_active(unsigned component, uint64_t max_polls, struct mica_peer_info* out) {
  for (uint64_t poll = 0; poll < max_polls; ++poll) {
    const uint64_t status = mica_get_peer_info(component, out);
    if (status != MICA_RSI_SUCCESS) return status;
    if (out->state == MICA_PEER_ACTIVE) return MICA_RSI_SUCCESS;
    if (out->state == MICA_PEER_SYSTEM_OFF) return MICA_RSI_ERROR_STATE;
    /* Give the host the PE: an untrapped WFI is an IRQ exit. */
    __asm__ volatile("wfi" ::: "memory");
  }
  return MICA_RSI_ERROR_STATE;
}

/* x0 = fid, x1 = first, x2..x7 = words; on return x0 = status, x1 = why
 * or the first result, x2..x7 per command. */
static uint64_t gate(uint64_t fid, uint64_t first, const uint64_t* words, uint64_t r[12]) {
  r[0] = fid;
  r[1] = first;
  for (unsigned i = 0; i < MICA_GATE_WORDS; ++i) r[2 + i] = words != 0 ? words[i] : 0;
  for (unsigned i = 2 + MICA_GATE_WORDS; i < 12; ++i) r[i] = 0;
  mica_smc_wide(r);
  return r[0];
}

/* A WAIT or REPLY returns with the next call: X1 caller, X2..X7 arguments. */
static uint64_t take_call(const uint64_t r[12], struct mica_gate_message* call, uint64_t* why) {
  if (r[0] != MICA_RSI_SUCCESS) {
    if (why != 0) *why = r[1];
    return r[0];
  }
  call->caller = (uint32_t)r[1];
  for (unsigned i = 0; i < MICA_GATE_WORDS; ++i) call->words[i] = r[2 + i];
  return r[0];
}

uint64_t mica_gate_call(unsigned callee, const struct mica_gate_message* args, struct mica_gate_message* results,
                        uint64_t* why) {
  uint64_t r[12];
  if (gate(MICA_RSI_GATE_CALL, callee, args->words, r) != MICA_RSI_SUCCESS) {
    if (why != 0) *why = r[1];
    return r[0];
  }
  results->caller = callee;
  for (unsigned i = 0; i < MICA_GATE_WORDS; ++i) results->words[i] = r[1 + i];
  return r[0];
}

uint64_t mica_gate_wait(struct mica_gate_message* call, uint64_t* why) {
  uint64_t r[12];
  gate(MICA_RSI_GATE_WAIT, 0, 0, r);
  return take_call(r, call, why);
}

uint64_t mica_gate_reply(const struct mica_gate_message* reply, struct mica_gate_message* next, uint64_t* why) {
  /* REPLY takes its results in X1..X6. */
  uint64_t r[12] = {MICA_RSI_GATE_REPLY};
  for (unsigned i = 0; i < MICA_GATE_WORDS; ++i) r[1 + i] = reply->words[i];
  mica_smc_wide(r);
  return take_call(r, next, why);
}
