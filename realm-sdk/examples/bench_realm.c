/* The realm side of bench/realm_bench.cpp: a loop the host drives.
 *
 * The realm asks the host what to do with the host call BENCH_PARAMS; the
 * host answers gprs[0] = task, gprs[1] = count. The realm does the task
 * `count` times and asks again, so the host can time one task from its
 * answer to the next question (and with count 0 learns the cost of the
 * question itself). Tasks:
 *   0 RSI_VERSION                  (an RSI call the monitor answers itself)
 *   1 PING: a host call carrying six words, answered by the host with the
 *     answer of a peer realm that serves PONG (standard CCA: the host relays)
 *   2 PONG: for ever: wait for a request from the host (host call PONG
 *     carrying the previous reply), reply with request words + 1
 *   3 gate call to component 0 with six words (Mica: no host in between)
 *   4 serve gate calls for ever: reply with the argument words + 1
 * A task the realm does not know ends it with exit status 1.
 */
#include <stdint.h>

#include "mica/realm.h"
#include "mica/workflow.h"

enum {
  kBenchParams = 0x100,
  kBenchPing = 0x101,
  kBenchPong = 0x102,
};

enum { kRsiVersion = 0, kPing = 1, kPong = 2, kGateCall = 3, kGateServe = 4 };

static struct rsi_host_call_data call;

static void host_call(uint32_t imm) {
  call.imm = imm;
  (void)rsi_host_call(&call);
}

static int ping(uint64_t count) {
  for (uint64_t i = 0; i < count; ++i) {
    for (unsigned w = 0; w < MICA_GATE_WORDS; ++w) call.gprs[w] = i + w;
    host_call(kBenchPing);
    if (call.gprs[0] != i + 1) return 0;
  }
  return 1;
}

static void pong(void) {
  for (unsigned w = 0; w < MICA_GATE_WORDS; ++w) call.gprs[w] = 0;
  for (;;) {
    host_call(kBenchPong);  /* carries the reply, returns the next request */
    for (unsigned w = 0; w < MICA_GATE_WORDS; ++w) call.gprs[w] += 1;
  }
}

static int gate_calls(uint64_t count) {
  struct mica_gate_message args = {0};
  struct mica_gate_message results = {0};
  for (uint64_t i = 0; i < count; ++i) {
    for (unsigned w = 0; w < MICA_GATE_WORDS; ++w) args.words[w] = i + w;
    uint64_t why = 0;
    if (mica_gate_call(0, &args, &results, &why) != MICA_RSI_SUCCESS || results.words[0] != i + 1) return 0;
  }
  return 1;
}

static void gate_serve(void) {
  struct mica_gate_message request;
  struct mica_gate_message reply = {0};
  uint64_t why = 0;
  if (mica_gate_wait(&request, &why) != MICA_RSI_SUCCESS) mica_exit(2);
  for (;;) {
    for (unsigned w = 0; w < MICA_GATE_WORDS; ++w) reply.words[w] = request.words[w] + 1;
    if (mica_gate_reply(&reply, &request, &why) != MICA_RSI_SUCCESS) mica_exit(3);
  }
}

int main(void) {
  for (;;) {
    host_call(kBenchParams);
    const uint64_t task = call.gprs[0];
    const uint64_t count = call.gprs[1];
    int ok = 1;
    switch (task) {
      case kRsiVersion:
        for (uint64_t i = 0; i < count; ++i) {
          uint64_t lower = 0, higher = 0;
          ok &= rsi_version(MICA_RSI_ABI_VERSION, &lower, &higher) == MICA_RSI_SUCCESS;
        }
        break;
      case kPing:
        ok = ping(count);
        break;
      case kPong:
        pong();
        break;
      case kGateCall:
        ok = gate_calls(count);
        break;
      case kGateServe:
        gate_serve();
        break;
      default:
        return 1;
    }
    if (!ok) return 4;
  }
}
