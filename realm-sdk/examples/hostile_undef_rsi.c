/* Hostile: calls an RSI function number that does not exist, and one in the
 * RMI range. Both must return SMC_UNKNOWN (-1) to the realm, with no exit. */
#include <stdint.h>
#include <stdio.h>

#include "mica/realm.h"

int main(void) {
  struct mica_smc_regs undefined = {{0xC40001AFu, 1, 2, 3}};
  mica_smc(&undefined);
  struct mica_smc_regs rmi = {{0xC4000150u}}; /* RMI_VERSION, from a realm */
  mica_smc(&rmi);
  printf("undefined RSI: 0x%llx, RMI from a realm: 0x%llx\n", (unsigned long long)undefined.x[0],
         (unsigned long long)rmi.x[0]);
  return undefined.x[0] == MICA_SMC_UNKNOWN && rmi.x[0] == MICA_SMC_UNKNOWN ? 0 : 1;
}
