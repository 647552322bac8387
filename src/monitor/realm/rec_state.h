// What the monitor keeps about one REC, stored in the REC granule and
// protected by its lock. The REC's saved PE state (RealmCpuContext) lives
// here too, so a REC needs no storage outside host-donated granules.
#pragma once

#include <cstdint>

#include "mica/state.h"
#include "monitor/abi/rmi.h"
#include "monitor/objects.h"
#include "monitor/platform.h"
#include "monitor/types.h"

namespace mica::monitor {

// The syndrome of the REC's last synchronous exit to the host, as the PE
// reported it (unmasked). REC_ENTER checks EMUL_MMIO and INJECT_SEA against
// it and completes a trapped system-register read with it. esr = 0: the last
// exit was not a synchronous exception (or the REC has not exited yet).
struct RecLastExit {
  uint64_t esr;
  uint64_t far;
  uint64_t hpfar;
  // The exit was a data abort the host may emulate: ISV = 1, AArch64, at an
  // IPA outside the PAR (only then may the host complete it with EMUL_MMIO).
  bool emulatable_mmio;
  uint8_t reserved[7];
};

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

  // --- Realm execution (REC_ENTER and RSI, rmi/rec_enter.cpp) ---------------
  // Set by RSI_HOST_CALL; completed by the next REC_ENTER, which copies the
  // host's results into the RsiHostCall at host_call_ipa.
  bool host_call_pending;
  uint8_t reserved1[7];
  Ipa host_call_ipa;
  RecLastExit last_exit;
  // The host's virtual GIC state (ICH_HCR_EL2 bits it may set, list
  // registers), validated on entry and handed back on exit.
  uint64_t gicv3_hcr;
  uint64_t gicv3_lrs[abi::rec_run::kGicv3LrCount];

  // The Mica extension's gate state of this REC (mica/state.h).
  ext::RecGate gate;
};
static_assert(sizeof(RecState) <= kGranuleSize);

// PSTATE of a REC at reset: AArch64 EL1h with D, A, I and F masked.
inline constexpr uint64_t kRecResetPstate = (0xFull << 6) | 0b0101;
// SCTLR_EL1 at reset: only the bits RES1 in ARMv8.0 (MMU and caches off,
// little-endian).
inline constexpr uint64_t kSctlrEl1ResetValue = 0x30D0'0800;
inline constexpr uint64_t kSctlrEl1Ee = uint64_t{1} << 25;

}  // namespace mica::monitor
