/* Hostile: a realm allowed to change RIPAS asks for its channel pages to
 * become EMPTY, hoping the host may then put other memory at that place (or
 * unmap the page under its peers' feet). RTT_SET_RIPAS stops at a channel
 * page: the host can make no progress, the realm hears so, and the page
 * stays mapped with the realm's data. It also asks for a range beyond its
 * protected space. Report: words 1..4 X0, next and response of the
 * request, the X0 of the out-of-range request; word 5 the page's first word
 * after the attempt.
 */
#include "hostile_report.h"

int main(void) {
  struct mica_channel_info info;
  if (mica_get_channel_info(0, &info) != MICA_RSI_SUCCESS || !mica_channel_mapped(&info)) psci_system_off();
  volatile uint64_t* report = (volatile uint64_t*)(uintptr_t)info.base;
  report[6] = 0x4B454550ull; /* "KEEP" */
  uint64_t next = 0, response = 0;
  report[1] = rsi_ipa_state_set(info.base, info.base + info.size, MICA_RIPAS_EMPTY, 0, &next, &response);
  report[2] = next;
  report[3] = response;
  uint64_t ignored_next = 0, ignored_response = 0;
  report[4] = rsi_ipa_state_set(1ull << 39, (1ull << 39) + 4096, MICA_RIPAS_EMPTY, 0, &ignored_next,
                                &ignored_response);
  report[5] = report[6];
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  psci_system_off();
}
