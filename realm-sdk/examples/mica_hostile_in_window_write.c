/* Hostile: writes into its `in` window, the unprotected page the host fills
 * for it (host -> realm only), to send data out the way it came in. The
 * monitor forced the window read-only at stage 2 whatever the host asked:
 * the store is a permission fault, an abort is injected, nothing reaches
 * the host. Report: word 1 what the realm read in the window first.
 */
#include "hostile_report.h"

int main(void) {
  volatile uint64_t* report = hostile_report();
  /* The `in` window sits at offset 0 of the unprotected half (2^39 for a 40-bit IPA space). */
  volatile uint64_t* window = (volatile uint64_t*)(uintptr_t)(1ull << 39);
  report[1] = window[0];
  report[2] = 0x57524954ull; /* "WRIT": about to write */
  window[1] = 0x5EC2E75EC2E75EC2ull;
  report[3] = 0xBAD; /* never reached */
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  psci_system_off();
}
