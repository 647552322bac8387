// RSI_VERSION, RSI_FEATURES and SMCCC_VERSION.
#include "monitor/abi/rsi.h"
#include "monitor/abi/smccc.h"
#include "rsi/rsi.h"

namespace mica::monitor::rsi {

void version(RecRun& run, Result& result) {
  const uint64_t requested = run.rec.cpu.x[1];
  // Lowest and highest implemented revision: only 1.0.
  result.x[1] = abi::kRsiVersion_1_0;
  result.x[2] = abi::kRsiVersion_1_0;
  result.returns(static_cast<uint64_t>(requested == abi::kRsiVersion_1_0 ? abi::RsiStatus::kSuccess
                                                                          : abi::RsiStatus::kErrorInput));
}

// No optional RSI features in 1.0: every feature register reads 0.
void features(RecRun&, Result& result) {
  result.x[1] = 0;
  result.returns(static_cast<uint64_t>(abi::RsiStatus::kSuccess));
}

void smccc_version(RecRun&, Result& result) { result.returns(abi::kSmcccVersion_1_2); }

}  // namespace mica::monitor::rsi
