/* Hostile: the PSCI calls mica_hostile_paths does not try, under a policy
 * that opens none: CPU_SUSPEND (a notification that would reach the host),
 * AFFINITY_INFO on another REC (which would ask the host), SYSTEM_RESET
 * (which would end the realm and let the host rebuild it), and what
 * PSCI_FEATURES says of them. Each is DENIED or NOT_SUPPORTED with no exit,
 * and the realm runs on. Report: words 1..6.
 */
#include "hostile_report.h"

int main(void) {
  volatile uint64_t* report = hostile_report();
  struct mica_smc_regs suspend = {{MICA_PSCI_CPU_SUSPEND, 0, mica_boot()->ram_base, 0}};
  report[1] = hostile_smc(&suspend);
  report[2] = (uint64_t)psci_affinity_info(mica_rec_mpidr(1));
  struct mica_smc_regs reset = {{MICA_PSCI_SYSTEM_RESET}};
  report[3] = hostile_smc(&reset);
  report[4] = (uint64_t)psci_features(MICA_PSCI_CPU_SUSPEND);
  report[5] = (uint64_t)psci_features(MICA_PSCI_SYSTEM_RESET);
  report[6] = (uint64_t)psci_features(MICA_PSCI_SYSTEM_OFF);
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  psci_system_off();
}
