/* Hostile: a realm whose policy closes MMIO emulation loads from an
 * unprotected IPA, hoping the host learns which device page it probes (the
 * faulting address of an emulatable abort). The monitor injects an abort
 * instead; no exit carries the address. Report: word 1 set before the load.
 */
#include "hostile_report.h"

int main(void) {
  volatile uint64_t* report = hostile_report();
  report[1] = 0x50524F42ull; /* "PROB" */
  volatile uint64_t* device = (volatile uint64_t*)(uintptr_t)((1ull << 39) + 0x7000 + 0x5A8);
  report[2] = *device;
  report[3] = 0xBAD; /* never reached */
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  psci_system_off();
}
