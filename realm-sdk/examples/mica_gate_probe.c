/* Mica example: a gate caller for tests. It waits until component 0 is
 * ACTIVE, calls it once with the arguments 0x100..0x105 and prints what came
 * back ("probe: status S why W results r0 r1 r2 r3 r4 r5"), then ends.
 */
#include <stdio.h>

#include "mica/realm.h"
#include "mica/workflow.h"

int main(void) {
  struct mica_peer_info peer;
  if (mica_wait_peer_active(0, 1000, &peer) != MICA_RSI_SUCCESS) return 2;
  struct mica_gate_message args = {0, {0x100, 0x101, 0x102, 0x103, 0x104, 0x105}}, results = {0, {0}};
  uint64_t why = 0;
  uint64_t status = MICA_RSI_ERROR_STATE;
  /* The callee may not be parked yet: retry while it is not waiting. */
  for (unsigned tries = 0; tries < 1000; ++tries) {
    why = 0;
    status = mica_gate_call(0, &args, &results, &why);
    if (status != MICA_RSI_ERROR_STATE || why != MICA_GATE_ERR_CALLEE_NOT_WAITING) break;
    __asm__ volatile("wfi" ::: "memory");
  }
  printf("probe: status %llu why %llu results %llx %llx %llx %llx %llx %llx\n", (unsigned long long)status,
         (unsigned long long)why, (unsigned long long)results.words[0], (unsigned long long)results.words[1],
         (unsigned long long)results.words[2], (unsigned long long)results.words[3],
         (unsigned long long)results.words[4], (unsigned long long)results.words[5]);
  return 0;
}
