/* Hostile: jumps into its `out` window, an unprotected page whose content
 * the host controls, to run code the measurement never covered. A realm
 * executes only protected memory: the fetch aborts (an injected synchronous
 * external abort) and the SDK's vectors end the realm.
 */
#include "hostile_report.h"

int main(void) {
  volatile uint64_t* report = hostile_report();
  /* The `out` window sits at offset 0x10000 of the unprotected half. */
  void (*host_code)(void) = (void (*)(void))(uintptr_t)((1ull << 39) + 0x10000);
  report[1] = 0x4A554D50ull; /* "JUMP" */
  host_code();
  report[2] = 0xBAD; /* never reached */
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  psci_system_off();
}
