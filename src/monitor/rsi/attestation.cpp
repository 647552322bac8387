// RSI_ATTEST_TOKEN_INIT / RSI_ATTEST_TOKEN_CONTINUE. Attestation tokens are
// not produced yet (that work needs the platform token and the RAK): INIT
// fails as an internal failure (ERROR_UNKNOWN) and, since no token is ever
// in progress, CONTINUE fails with ERROR_STATE once its arguments are valid.
// A realm never receives token bytes -- in particular never a made-up token.
#include "monitor/abi/rsi.h"
#include "rsi/rsi.h"

namespace mica::monitor::rsi {

namespace {

constexpr uint64_t status(abi::RsiStatus s) { return static_cast<uint64_t>(s); }
// The token buffer: RMM_CCA_TOKEN_BUFFER (1) pages.
constexpr uint64_t kTokenBufferSize = kGranuleSize;

}  // namespace

void attest_token_init(RecRun&, Result& result) { result.returns(status(abi::RsiStatus::kErrorUnknown)); }

void attest_token_continue(RecRun& run, Result& result) {
  const Ipa granule(run.rec.cpu.x[1]);
  const uint64_t offset = run.rec.cpu.x[2];
  const uint64_t size = run.rec.cpu.x[3];
  // RMM 1.0 §8.6 step 1: the chunk must lie inside one granule of the PAR.
  if (!granule.is_granule_aligned() || offset >= kTokenBufferSize || size > kTokenBufferSize - offset ||
      !run.realm.in_par(granule.value())) {
    return result.returns(status(abi::RsiStatus::kErrorInput));
  }
  result.returns(status(abi::RsiStatus::kErrorState));
}

}  // namespace mica::monitor::rsi
