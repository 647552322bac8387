/* Hostile: asks the monitor to write its realm configuration (IPA width,
 * hash algorithm, RPV) into its channel page, so that the monitor, not the
 * realm, would be the one putting bytes where a peer reads. The monitor
 * writes only DATA pages on a realm's behalf: ERROR_INPUT, and the channel
 * page keeps exactly what the realm wrote there. Report: word 1 the X0; the
 * second page of the channel is the target and stays all 0x5A.
 */
#include "hostile_report.h"

int main(void) {
  struct mica_channel_info info;
  if (mica_get_channel_info(0, &info) != MICA_RSI_SUCCESS || !mica_channel_mapped(&info) || info.size < 8192) {
    psci_system_off();
  }
  volatile uint64_t* report = (volatile uint64_t*)(uintptr_t)info.base;
  volatile uint8_t* target = (volatile uint8_t*)(uintptr_t)(info.base + 4096);
  for (unsigned i = 0; i < 4096; ++i) target[i] = 0x5A;
  report[1] = rsi_realm_config((void*)(uintptr_t)(info.base + 4096));
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  psci_system_off();
}
