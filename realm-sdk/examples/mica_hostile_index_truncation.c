/* Hostile: names components and channels with 64-bit indices whose low 32
 * bits are valid ones (2^32 + k), hoping a monitor that truncates them
 * answers for component k: peer info of 2^32 + 1, channel info of 2^32 + 0,
 * a gate call to 2^32 + 1. Every one must be ERROR_INPUT.
 * Report: words 1..3 the X0 of each; word 4 the X0 of peer info 1 (valid).
 */
#include "hostile_report.h"

int main(void) {
  volatile uint64_t* report = hostile_report();
  struct mica_smc_regs peer = {{0xC2000F42u, (1ull << 32) + 1}};
  report[1] = hostile_smc(&peer);
  struct mica_smc_regs channel = {{0xC2000F43u, (1ull << 32) + 0}};
  report[2] = hostile_smc(&channel);
  struct mica_smc_regs call = {{0xC2000F45u, (1ull << 32) + 1, 1, 2, 3, 4, 5, 6}};
  report[3] = hostile_smc(&call);
  struct mica_smc_regs valid = {{0xC2000F42u, 1}};
  report[4] = hostile_smc(&valid);
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  psci_system_off();
}
