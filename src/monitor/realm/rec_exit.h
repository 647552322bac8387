// RmiRecExit as the monitor builds it during one REC_ENTER, and its encoding
// into the exit half of the host's RmiRecRun granule (RMM 1.0 §4.3). Every
// field the host sees is written at its ABI offset; everything else is 0.
#pragma once

#include <cstdint>

#include "monitor/abi/rmi.h"

namespace mica::monitor {

struct RecExit {
  abi::RmiRecExitReason reason = abi::RmiRecExitReason::kSync;
  uint64_t esr = 0;
  uint64_t far = 0;
  uint64_t hpfar = 0;
  uint64_t gprs[abi::rec_run::kGprCount] = {};
  uint64_t gicv3_hcr = 0;
  uint64_t gicv3_lrs[abi::rec_run::kGicv3LrCount] = {};
  uint64_t gicv3_misr = 0;
  uint64_t gicv3_vmcr = 0;
  uint64_t cntp_ctl = 0;
  uint64_t cntp_cval = 0;
  uint64_t cntv_ctl = 0;
  uint64_t cntv_cval = 0;
  uint64_t ripas_base = 0;
  uint64_t ripas_top = 0;
  uint8_t ripas_value = 0;
  uint32_t imm = 0;
  uint64_t pmu_ovf_status = 0;
};

// Size of RmiRecExit: the second half of the RmiRecRun granule.
inline constexpr uint64_t kRecExitSize = 0x800;

// Writes `exit` as the RmiRecExit layout into out[0, kRecExitSize).
void encode_rec_exit(const RecExit& exit, uint8_t (&out)[kRecExitSize]);

}  // namespace mica::monitor
