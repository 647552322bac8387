/* Hostile: has the monitor copy its attestation token straight into its
 * channel page. Only DATA pages are written on a realm's behalf: the
 * CONTINUE is ERROR_INPUT and the page is untouched (the realm could copy
 * its token there itself, but then it is the realm's write, through its
 * own stage-2 permission). Report: word 1 INIT's X0, word 2 CONTINUE's X0,
 * word 3 the bytes it says were written.
 */
#include "hostile_report.h"

int main(void) {
  struct mica_channel_info info;
  if (mica_get_channel_info(0, &info) != MICA_RSI_SUCCESS || !mica_channel_mapped(&info) || info.size < 8192) {
    psci_system_off();
  }
  volatile uint64_t* report = (volatile uint64_t*)(uintptr_t)info.base;
  static const uint8_t challenge[MICA_ATTEST_CHALLENGE_SIZE] = {1, 2, 3};
  uint64_t max_size = 0, written = 0;
  report[1] = rsi_attest_token_init(challenge, &max_size);
  report[2] = rsi_attest_token_continue((void*)(uintptr_t)(info.base + 4096), 0, 4096, &written);
  report[3] = written;
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  psci_system_off();
}
