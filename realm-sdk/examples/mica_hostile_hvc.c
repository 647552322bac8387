/* Hostile: issues HVC with a secret in its argument registers, hoping for a
 * hypervisor that listens (the host's, as a normal VM would have). A realm
 * has no hypervisor at EL2 to call: the monitor injects an undefined
 * instruction exception and the SDK's vectors end the realm; no exit
 * carries the registers. Report: word 1 set before the HVC.
 */
#include "hostile_report.h"

int main(void) {
  volatile uint64_t* report = hostile_report();
  report[1] = 0x48564321ull; /* "HVC!" */
  register uint64_t x0 __asm__("x0") = 0x5EC2E7C0DEC0FFEEull;
  register uint64_t x1 __asm__("x1") = 0x5EC2E7C0DEC0FFEEull;
  __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1) : : "memory");
  report[2] = 0xBAD; /* never reached */
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  psci_system_off();
}
