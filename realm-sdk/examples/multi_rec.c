/* Starts every other REC with PSCI CPU_ON; each adds its index to a shared
 * total, says hello and turns itself off. REC 0 waits for them with PSCI
 * AFFINITY_INFO and prints the total. */
#include <stdint.h>
#include <stdio.h>

#include "mica/realm.h"

static volatile uint64_t total;
static volatile uint32_t arrived;

static void secondary(void* arg) {
  const unsigned index = mica_rec_index();
  __atomic_fetch_add(&total, index, __ATOMIC_SEQ_CST);
  printf("REC %u online (argument %llu)\n", index, (unsigned long long)(uintptr_t)arg);
  __atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
}

int main(void) {
  unsigned recs = (unsigned)mica_boot()->num_recs;
  if (recs > MICA_MAX_RECS) recs = MICA_MAX_RECS;
  for (unsigned i = 1; i < recs; ++i) {
    const int64_t status = mica_start_rec(i, secondary, (void*)(uintptr_t)(i * 100));
    if (status != MICA_PSCI_SUCCESS) {
      printf("CPU_ON of REC %u failed: %lld\n", i, (long long)status);
      return 1;
    }
  }
  /* Wait until every secondary has finished and is off again. */
  while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) != recs - 1) {
  }
  for (unsigned i = 1; i < recs; ++i) {
    while (psci_affinity_info(mica_rec_mpidr(i)) != MICA_PSCI_AFFINITY_OFF) {
    }
  }
  printf("all %u RECs ran; sum of indices %llu\n", recs, (unsigned long long)total);
  return total == (uint64_t)(recs - 1) * recs / 2 ? 0 : 1;
}
