/* Hostile: a gate callee that, while it serves a call, tries every path to
 * the host its policy opens -- a host call, a RIPAS change, PSCI CPU_ON --
 * and to call or wait on a gate itself. It runs on its caller's time inside
 * the caller's REC_ENTER: the monitor closes all of them for the length of
 * the call (ERROR_STATE, PSCI DENIED, nested-call errors), so nothing of the
 * callee reaches the host before the call returns. It replies with what it
 * got (words 0..4) and records the same in its report page (words 1..5).
 * Policy (tests/security): observer -> hostile is a gate; hostile may make
 * host calls, RIPAS changes and PSCI CPU_ON; it writes channel 0.
 */
#include "hostile_report.h"
#include "mica/workflow.h"

int main(void) {
  volatile uint64_t* report = hostile_report();
  struct mica_gate_message call;
  uint64_t why = 0;
  if (mica_gate_wait(&call, &why) != MICA_RSI_SUCCESS) psci_system_off();

  struct mica_gate_message reply = {0, {0}};
  struct rsi_host_call_data* host = &(struct rsi_host_call_data){0};
  host->imm = MICA_HOST_CALL_CONSOLE_WRITE;
  host->gprs[0] = 8;
  host->gprs[1] = 0x7465726365732021ull; /* "! secret" */
  reply.words[0] = rsi_host_call(host);
  uint64_t next = 0, response = 0;
  const uint64_t base = mica_boot()->ram_base;
  reply.words[1] = rsi_ipa_state_set(base, base + 4096, MICA_RIPAS_EMPTY, 0, &next, &response);
  reply.words[2] = (uint64_t)psci_cpu_on(mica_rec_mpidr(1), base, 0x5EC2E7);
  struct mica_gate_message args = {0, {0}}, results;
  why = 0;
  mica_gate_call(call.caller, &args, &results, &why);
  reply.words[3] = why;
  why = 0;
  struct mica_gate_message nested;
  mica_gate_wait(&nested, &why);
  reply.words[4] = why;
  reply.words[5] = call.words[0];
  for (unsigned i = 0; i < 5; ++i) report[1 + i] = reply.words[i];
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  struct mica_gate_message next_call;
  mica_gate_reply(&reply, &next_call, &why);
  psci_system_off();
}
