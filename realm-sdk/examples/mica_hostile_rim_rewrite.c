/* Hostile: tries to make its RIM say another image by extending it (index
 * 0), or a slot that does not exist, or with more data than a measurement
 * takes; only the REMs (1..4) may be extended. Its RIM, read back, is what
 * it was. Report: words 1..4 the X0 of extend(0), extend(5), extend(1, 65
 * bytes), extend(1, 64 bytes); word 5 1 if the RIM is unchanged.
 */
#include "hostile_report.h"

int main(void) {
  volatile uint64_t* report = hostile_report();
  uint8_t before[MICA_MEASUREMENT_SIZE], after[MICA_MEASUREMENT_SIZE];
  rsi_measurement_read(0, before);
  static const uint8_t forged[64] = {0x9f, 0x86, 0xd0, 0x81};
  report[1] = rsi_measurement_extend(0, forged, sizeof forged);
  report[2] = rsi_measurement_extend(5, forged, sizeof forged);
  struct mica_smc_regs oversize = {{MICA_RSI_MEASUREMENT_EXTEND, 1, 65}};
  report[3] = hostile_smc(&oversize);
  report[4] = rsi_measurement_extend(1, forged, sizeof forged);
  rsi_measurement_read(0, after);
  report[5] = __builtin_memcmp(before, after, sizeof before) == 0;
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  psci_system_off();
}
