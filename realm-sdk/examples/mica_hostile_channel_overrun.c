/* Hostile: a writer of a one-page channel writes past its end, where the
 * monitor mapped nothing (RIPAS EMPTY), hoping to reach whatever lies next.
 * The access is the realm's own error: a synchronous external abort is
 * injected and the SDK's vectors end the realm. Report: word 1 the channel
 * size it saw; word 2 set just before the overrun; word 3 never written.
 */
#include "hostile_report.h"

int main(void) {
  struct mica_channel_info info;
  if (mica_get_channel_info(0, &info) != MICA_RSI_SUCCESS || !mica_channel_mapped(&info)) psci_system_off();
  volatile uint64_t* report = (volatile uint64_t*)(uintptr_t)info.base;
  report[1] = info.size;
  report[2] = 0x4F564552ull; /* "OVER" */
  volatile uint64_t* beyond = (volatile uint64_t*)(uintptr_t)(info.base + info.size);
  *beyond = 0xBAD;
  report[3] = 0xBAD; /* never reached */
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  psci_system_off();
}
