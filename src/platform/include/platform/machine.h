// The emulated Arm CCA machine: DRAM, the granule protection table, the EL3
// firmware that routes SMCs and performs granule transitions, the realm CPU,
// and the monitor (R-EL2) running on top of them.
//
// The normal world (the untrusted host) reaches this machine only through
// smc() and the GPC-checked host_read()/host_write(): touching a granule that
// is not in the NS PAS is a granule protection fault, never a read.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "monitor/types.h"
#include "platform/dram.h"
#include "platform/gpt.h"

namespace mica::monitor {
class Monitor;
}
namespace mica::vcpu {
class RealmCpus;
}

namespace mica::platform {

class PlatformAttestation;

struct MachineConfig {
  uint64_t dram_base = 0x8000'0000;    // DRAM at 2 GiB, as on Arm reference platforms
  uint64_t dram_size = 64ull << 20;    // 64 MiB
  // Where the platform attestation key lives (docs/attestation.md §2).
  // Empty: default_state_dir().
  std::string state_dir;
};

// The per-user default state directory: $XDG_STATE_HOME/mica when that is an
// absolute path, else $HOME/.local/state/mica, else ./state (no home).
std::string default_state_dir();

enum class AccessResult : uint8_t { kOk, kGranuleProtectionFault, kOutOfRange };
const char* access_result_name(AccessResult result);

// FID ranges EL3 forwards to the monitor.
inline constexpr uint64_t kRmiFidFirst = 0xC4000150;
inline constexpr uint64_t kRmiFidLast = 0xC400018E;
// Mica's implementation-defined RMI commands live in the SiP service range
// (SMCCC OEN 2), which SMCCC reserves for implementation-defined calls.
inline constexpr uint64_t kMicaRmiFidFirst = 0xC2000F00;
inline constexpr uint64_t kMicaRmiFidLast = 0xC2000F3F;

struct MachineCounters {
  uint64_t smc_calls = 0;
  uint64_t smc_unknown = 0;
  uint64_t granule_protection_faults = 0;
  uint64_t delegations = 0;
  uint64_t undelegations = 0;
};

class Machine {
 public:
  explicit Machine(MachineConfig config = {});
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // An SMC from the normal world: x0 = FID, x1..x6 = arguments.
  monitor::SmcResult smc(const monitor::SmcArgs& args);

  // The host's only way to touch physical memory: every granule of the range
  // must be in the NS PAS, else nothing is read or written.
  AccessResult host_read(PhysAddr pa, void* dst, size_t len);
  AccessResult host_write(PhysAddr pa, const void* src, size_t len);

  monitor::Monitor& monitor() { return *monitor_; }
  Dram& dram() { return dram_; }
  Gpt& gpt() { return gpt_; }
  vcpu::RealmCpus& cpus() { return *cpus_; }
  const MachineConfig& config() const { return config_; }
  MachineCounters counters() const;

  // The platform's attestation: the platform key (loaded from, or created
  // in, state_dir()), this boot's realm attestation key and the platform
  // token. Created on first use -- the first RSI_ATTEST_TOKEN_INIT or a call
  // here -- because generating the RAK and signing the token cost a few
  // milliseconds that machines which never attest need not pay. Throws
  // std::runtime_error when the platform key cannot be created or trusted;
  // the monitor then gets "cannot attest" (RSI ERROR_UNKNOWN) instead.
  PlatformAttestation& attestation();
  // config().state_dir, or default_state_dir() when that is empty.
  const std::string& state_dir() const { return state_dir_; }

  // Implementation of the monitor's PlatformInterface (defined in machine.cpp).
  class MonitorPlatform;

 private:
  friend class MonitorPlatform;
  AccessResult check_ns(PhysAddr pa, size_t len) const;
  bool el3_transition(PhysAddr pa, Pas from, Pas to);

  MachineConfig config_;
  std::string state_dir_;
  Dram dram_;
  Gpt gpt_;
  // Held shared by every GPC-checked access and exclusively by PAS changes,
  // so that an access checks and completes against one PAS.
  mutable std::shared_mutex gpc_lock_;
  struct AtomicCounters {
    std::atomic<uint64_t> smc_calls{0}, smc_unknown{0}, granule_protection_faults{0},
        delegations{0}, undelegations{0};
  };
  mutable AtomicCounters counters_;
  std::unique_ptr<vcpu::RealmCpus> cpus_;  // the PEs that run realm code
  std::unique_ptr<MonitorPlatform> platform_;
  std::unique_ptr<monitor::Monitor> monitor_;
  // Created by attestation() under the lock; a failed creation is retried
  // on the next use (the state directory may have been fixed meanwhile).
  std::mutex attestation_lock_;
  std::unique_ptr<PlatformAttestation> attestation_;
};

}  // namespace mica::platform
