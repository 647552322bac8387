/* Mica example: a caller whose callee never answers. It asks the consumer
 * (mica_consumer.c) to compute forever; the host keeps getting its time
 * slices back (the call is preempted, not wedged) and finally destroys the
 * consumer's REC, and the call returns RSI_ERROR_STATE with
 * MICA_GATE_ERR_ABORTED. Indices as in mica_producer.c.
 */
#include <stdio.h>

#include "mica/realm.h"
#include "mica/workflow.h"

enum { kConsumer = 0 };

int main(void) {
  struct mica_gate_message args = {0};
  struct mica_gate_message results = {0};
  args.words[1] = ~0ull; /* loop iterations: forever */
  uint64_t why = 0;
  uint64_t status;
  do {
    why = 0;
    status = mica_gate_call(kConsumer, &args, &results, &why);
    if (status == MICA_RSI_ERROR_STATE && why == MICA_GATE_ERR_CALLEE_NOT_WAITING) __asm__ volatile("wfi");
  } while (status == MICA_RSI_ERROR_STATE && why == MICA_GATE_ERR_CALLEE_NOT_WAITING);
  printf("caller: call returned %llu, reason %llu\n", (unsigned long long)status, (unsigned long long)why);
  return status == MICA_RSI_ERROR_STATE && why == MICA_GATE_ERR_ABORTED ? 0 : 1;
}
