/* Hostile: floods the monitor with RSI, PSCI and Mica calls whose registers
 * are garbage (a fixed xorshift sequence): every function the realm can
 * name, and random function IDs besides. Calls that would write realm memory
 * get addresses outside its RAM, so the flood cannot wreck the program
 * itself. Every call must come back to the realm with an answer; nothing but
 * the scheduler's IRQ exits reaches the host; the RIM never changes.
 * Report: word 1 the calls made, words 2.. a histogram of X0 (see below).
 */
#include "hostile_report.h"

enum { kCalls = 3000 };
enum { kCount = 1, kSuccess, kErrorInput, kErrorState, kIncomplete, kUnknown, kPsciDenied, kPsciNotSupported,
       kOther, kRimSame };

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint64_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

static const uint32_t kFids[] = {
    MICA_RSI_VERSION, MICA_RSI_FEATURES, MICA_RSI_MEASUREMENT_READ, MICA_RSI_MEASUREMENT_EXTEND,
    MICA_RSI_ATTEST_TOKEN_INIT, MICA_RSI_ATTEST_TOKEN_CONTINUE, MICA_RSI_REALM_CONFIG, MICA_RSI_IPA_STATE_SET,
    MICA_RSI_IPA_STATE_GET, MICA_RSI_HOST_CALL, 0xC400019Au, 0xC40001AFu,
    MICA_PSCI_VERSION, MICA_PSCI_CPU_SUSPEND, MICA_PSCI_CPU_OFF, MICA_PSCI_CPU_ON, MICA_PSCI_AFFINITY_INFO,
    MICA_PSCI_FEATURES, 0x84000004u, 0xC4000014u, MICA_SMCCC_VERSION_FID,
    0xC2000F40u, 0xC2000F41u, 0xC2000F42u, 0xC2000F43u, 0xC2000F44u, 0xC2000F45u, 0xC2000F46u, 0xC2000F47u,
    0xC2000F5Fu, 0xC2000F02u, 0xC4000150u,
};

/* Calls whose X1 names realm memory the monitor would write. */
static int writes_memory(uint32_t fid) {
  return fid == MICA_RSI_REALM_CONFIG || fid == MICA_RSI_ATTEST_TOKEN_CONTINUE || fid == MICA_RSI_HOST_CALL;
}

int main(void) {
  volatile uint64_t* report = hostile_report();
  uint8_t rim_before[MICA_MEASUREMENT_SIZE], rim_after[MICA_MEASUREMENT_SIZE];
  rsi_measurement_read(0, rim_before);
  uint64_t histogram[kRimSame + 1] = {0};
  for (unsigned n = 0; n < kCalls; ++n) {
    struct mica_smc_regs regs;
    for (unsigned i = 1; i < 11; ++i) regs.x[i] = next();
    const uint64_t pick = next();
    uint32_t fid = (pick & 7) == 0 ? (uint32_t)(pick >> 32) : kFids[(pick >> 3) % (sizeof kFids / sizeof kFids[0])];
    if (fid == MICA_PSCI_SYSTEM_OFF || fid == MICA_PSCI_SYSTEM_RESET) fid = MICA_PSCI_VERSION;
    /* Outside RAM: beyond 2^38 in the protected half, or in the unprotected half. */
    if (writes_memory(fid)) regs.x[1] = (regs.x[1] & ((1ull << 38) - 1)) | (1ull << (38 + (regs.x[2] & 1)));
    regs.x[0] = fid;
    const uint64_t x0 = hostile_smc(&regs);
    if (x0 == MICA_RSI_SUCCESS) ++histogram[kSuccess];
    else if (x0 == MICA_RSI_ERROR_INPUT) ++histogram[kErrorInput];
    else if (x0 == MICA_RSI_ERROR_STATE) ++histogram[kErrorState];
    else if (x0 == MICA_RSI_INCOMPLETE) ++histogram[kIncomplete];
    else if (x0 == MICA_SMC_UNKNOWN) ++histogram[kUnknown];
    else if ((int64_t)x0 == MICA_PSCI_DENIED) ++histogram[kPsciDenied];
    else if ((int64_t)x0 == MICA_PSCI_NOT_SUPPORTED) ++histogram[kPsciNotSupported];
    else ++histogram[kOther];
    ++histogram[kCount];
  }
  rsi_measurement_read(0, rim_after);
  histogram[kRimSame] = __builtin_memcmp(rim_before, rim_after, sizeof rim_before) == 0;
  for (unsigned i = 1; i <= kRimSame; ++i) report[i] = histogram[i];
  report[HOSTILE_WORD_DONE] = HOSTILE_REPORT_DONE;
  psci_system_off();
}
