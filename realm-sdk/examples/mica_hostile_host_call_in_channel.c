/* Hostile: a realm allowed to make host calls puts its RsiHostCall in its
 * channel page, so that the host's answer would land where a peer reads
 * (and the monitor would read the call from memory the realm shares). The
 * monitor reads and writes host calls only in DATA pages: ERROR_INPUT, no
 * exit, the page untouched. Report: word 1 the X0.
 */
#include "hostile_report.h"

int main(void) {
  struct mica_channel_info info;
  if (mica_get_channel_info(0, &info) != MICA_RSI_SUCCESS || !mica_channel_mapped(&info) || info.size < 8192) {
    psci_system_off();
  }
  volatile uint64_t* report = (volatile uint64_t*)(uintptr_t)info.base;
  struct rsi_host_call_data* call = (struct rsi_host_call_data*)(uintptr_t)(info.base + 4096);
  call->imm = MICA_HOST_CALL_CONSOLE_WRITE;
  call->gprs[0] = 8;
  call->gprs[1] = 0x6C656E6E61686321ull; /* "!channel" */
  report[1] = rsi_host_call(call);
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  psci_system_off();
}
