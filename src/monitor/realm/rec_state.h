// What the monitor keeps about one REC, stored in the REC granule and
// protected by its lock. The REC's saved PE state (RealmCpuContext) lives
// here too, so a REC needs no storage outside host-donated granules.
#pragma once

#include <cstdint>

#include "monitor/abi/rmi.h"
#include "monitor/objects.h"
#include "monitor/platform.h"
#include "monitor/types.h"

namespace mica::monitor {

struct RecState {
  PhysAddr rd;             // owning realm
  uint64_t index;          // position in the realm's REC numbering
  uint64_t mpidr;          // RmiRecMpidr given at REC_CREATE
  bool runnable;
  bool psci_pending;       // a CPU_ON / AFFINITY_INFO awaits RMI_PSCI_COMPLETE
  uint8_t reserved0[2];
  uint32_t num_aux;
  PhysAddr aux[abi::rec_params::kMaxAux];
  RipasChangeRequest ripas;
  RealmCpuContext cpu;
};
static_assert(sizeof(RecState) <= kGranuleSize);

// PSTATE of a REC at reset: AArch64 EL1h with D, A, I and F masked.
inline constexpr uint64_t kRecResetPstate = (0xFull << 6) | 0b0101;
// SCTLR_EL1 at reset: only the bits RES1 in ARMv8.0 (MMU and caches off,
// little-endian).
inline constexpr uint64_t kSctlrEl1ResetValue = 0x30D0'0800;
inline constexpr uint64_t kSctlrEl1Ee = uint64_t{1} << 25;

}  // namespace mica::monitor
