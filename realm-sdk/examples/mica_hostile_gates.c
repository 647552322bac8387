/* Hostile: misuses gates. It waits on a gate no component may call, calls
 * itself, calls a peer whose realm is still NEW and one with no realm at all
 * (both named by gates of its policy, so only the peers' state stops them),
 * and replies without serving a call.
 * Policy (tests/security): hostile 0 -> observer 1 and hostile -> other 2.
 * Report: X0 and the reason of each, words 1..8.
 */
#include "hostile_report.h"
#include "mica/workflow.h"

int main(void) {
  volatile uint64_t* report = hostile_report();
  struct mica_gate_message args = {0, {1, 2, 3, 4, 5, 6}}, results;
  uint64_t why = 0;
  report[1] = mica_gate_wait(&results, &why);
  report[2] = why;
  why = 0;
  report[3] = mica_gate_call(0, &args, &results, &why);
  report[4] = why;
  why = 0;
  report[5] = mica_gate_call(1, &args, &results, &why);
  report[6] = why;
  why = 0;
  report[7] = mica_gate_call(2, &args, &results, &why);
  report[8] = why;
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  psci_system_off();
}
