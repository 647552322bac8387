/* Hostile: fills its general-purpose registers with a secret before every
 * kind of exit it can cause under a closed policy -- an idle WFI, a time
 * slice running out, PSCI SYSTEM_OFF with the secret in its argument
 * registers -- hoping the host reads them in the exit record. RMM exits
 * carry only what each exit needs: the secret never appears.
 */
#include "mica/realm.h"

#define SECRET 0x5EC2E7C0DEC0FFEEull

static void hold_secret(uint64_t spins) {
  register uint64_t secret __asm__("x0") = SECRET;
  register uint64_t count __asm__("x1") = spins;
  __asm__ volatile(
      "mov x2, x0\n mov x3, x0\n mov x4, x0\n mov x5, x0\n mov x6, x0\n mov x7, x0\n mov x8, x0\n"
      "mov x9, x0\n mov x10, x0\n mov x11, x0\n mov x12, x0\n mov x13, x0\n mov x14, x0\n mov x15, x0\n"
      "mov x16, x0\n mov x17, x0\n mov x19, x0\n mov x20, x0\n mov x21, x0\n mov x22, x0\n mov x23, x0\n"
      "mov x24, x0\n mov x25, x0\n mov x26, x0\n mov x27, x0\n mov x28, x0\n"
      "wfi\n"
      "1: subs x1, x1, #1\n b.ne 1b\n"
      : "+r"(secret), "+r"(count)
      :
      : "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
        "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "memory", "cc");
}

int main(void) {
  hold_secret(3000000);
  struct mica_smc_regs off = {{MICA_PSCI_SYSTEM_OFF, SECRET, SECRET, SECRET, SECRET, SECRET, SECRET, SECRET,
                               SECRET, SECRET, SECRET}};
  mica_smc(&off);
  return 1;
}
