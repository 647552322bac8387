// The Realm Services Interface (RSI 1.0) and the PSCI/SMCCC calls a realm
// makes with SMC #0 (RMM 1.0 §6). A realm's SMC reaches the monitor as a
// synchronous trap; handle_smc() decodes the function ID in X0 and runs the
// handler, each of which decides, TF-RMM style, what happens next:
//
//   kReturn        the results go to X0..X4, PC + 4, the realm runs on;
//   kReturnAndExit the results go to X0..X4, PC + 4, REC_ENTER returns the
//                  exit the handler filled in (the host is notified);
//   kExit          the registers stay as the realm left them (the host's
//                  answer completes the call on a later REC_ENTER), PC + 4;
//   kStage2Abort   nothing changes in the REC, not even the PC: the host sees
//                  an emulated stage-2 data abort at the IPA in X1, maps the
//                  page and re-enters, and the SMC is executed again.
//   kRetry         nothing changes in the REC, not even the PC: the host sees
//                  the exit the handler filled in, and the SMC is executed
//                  again when the REC next runs (Mica gate calls).
//
// Register convention (RMM 1.0 §1.2): X1..X3 a call does not produce are 0,
// X4 is preserved unless produced, X5..X30 are untouched (except
// RSI_MEASUREMENT_READ, which writes X5..X8).
#pragma once

#include <cstdint>

#include "realm/rec_run.h"

namespace mica::monitor::rsi {

enum class Action : uint8_t { kReturn, kReturnAndExit, kExit, kStage2Abort, kRetry };

struct Result {
  Action action = Action::kReturn;
  uint64_t x[5] = {};  // X0..X4; x[4] starts as the caller's X4
  int walk_level = 0;  // kStage2Abort: the level where the RTT walk stopped

  void returns(uint64_t x0) {
    action = Action::kReturn;
    x[0] = x0;
  }
  void stage2_abort(int level) {
    action = Action::kStage2Abort;
    walk_level = level;
  }
};

using Handler = void (*)(RecRun& run, Result& result);

// Handles the SMC the REC trapped on (X0 = function ID).
TrapOutcome handle_smc(RecRun& run);

// --- Handlers (one file each under rsi/) ---------------------------------------------
void version(RecRun&, Result&);               // RSI_VERSION
void features(RecRun&, Result&);              // RSI_FEATURES
void measurement_read(RecRun&, Result&);      // RSI_MEASUREMENT_READ
void measurement_extend(RecRun&, Result&);    // RSI_MEASUREMENT_EXTEND
void attest_token_init(RecRun&, Result&);     // RSI_ATTEST_TOKEN_INIT
void attest_token_continue(RecRun&, Result&); // RSI_ATTEST_TOKEN_CONTINUE
void realm_config(RecRun&, Result&);          // RSI_REALM_CONFIG
void ipa_state_set(RecRun&, Result&);         // RSI_IPA_STATE_SET
void ipa_state_get(RecRun&, Result&);         // RSI_IPA_STATE_GET
void host_call(RecRun&, Result&);             // RSI_HOST_CALL
// PSCI_* (SMC32 0x84000000..0x84000014, SMC64 0xC4000000..0xC4000014).
void psci(RecRun&, Result&, uint32_t fid);
// SMCCC_VERSION.
void smccc_version(RecRun&, Result&);

// --- Completion on the next REC_ENTER ---------------------------------------------------
enum class Completion : uint8_t {
  kDone,         // nothing was pending, or the call is complete
  kStage2Abort,  // the realm page is not mapped: run.exit holds an emulated
                 // stage-2 data abort, the call stays pending, the REC must not run
};
// Copies the host's results (RmiRecEnter.gprs) into the pending RsiHostCall.
Completion complete_host_call(RecRun& run, const uint64_t (&host_gprs)[abi::rec_run::kGprCount]);

// Fills run.exit with the emulated stage-2 data abort the RMM reports when an
// RSI call needs a realm page that is not mapped but whose RIPAS is not
// EMPTY: a translation fault at `level` for the address the realm passed.
void emulated_stage2_abort_exit(RecRun& run, int level, uint64_t realm_address);

}  // namespace mica::monitor::rsi
