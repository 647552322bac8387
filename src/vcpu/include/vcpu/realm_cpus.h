// The realm CPUs of the emulated machine: one emulated AArch64 PE per REC.
//
// This is the hardware below the monitor's PlatformInterface::run_realm,
// forget_rec and tlbi_* (the platform forwards to it). Each REC gets its own
// Unicorn engine, created on its first run and kept until forget(); between
// runs the architectural state lives in the monitor's RealmCpuContext, except
// FP/SIMD and the EL1 system registers the context does not carry, which stay
// in the engine as they would stay in a PE's register file.
//
// Memory: the engine can reach exactly what the realm's stage-2 tables map.
// Its memory map is derived by walking the real RTT descriptors in DRAM
// (Stage2Walker) on demand: an access to an IPA the engine has not mapped is
// a TLB miss, answered by walking the tables and mapping the whole
// IPA-contiguous run of pages with identical permissions around it as one
// engine region (its pages need not be physically contiguous: the run's host
// view is assembled from pieces of the DRAM memfd). TLB invalidation and any
// change of the GPT drop the cached regions. An access that the walk does not
// allow is reported as the stage-2 abort hardware would raise.
//
// Conventions of a RealmTrap (what `ctx` holds afterwards):
//   kSync, EC 0x17 (SMC)   ctx.pc = address OF the SMC (trapped-SMC return
//                          address); the monitor adds 4 to complete the call.
//   kSync, EC 0x16 (HVC)   ctx.pc = address AFTER the HVC.
//   kSync, EC 0x01 (WFx)   ctx.pc = address OF the WFI/WFE (not executed).
//   kSync, EC 0x18 (MSR/MRS) ctx.pc = address OF the instruction (not executed).
//   kSync, EC 0x24 / 0x20  ctx.pc = the faulting instruction (not executed,
//                          registers as before it; for an instruction abort
//                          the faulting fetch address).
//   kIrq                   ctx.pc = next instruction to execute.
//   kFatal                 esr_el2 holds a FatalReason; ctx holds the last
//                          consistent state. The REC cannot continue as is.
// Exceptions the architecture takes to the realm's own EL1 (SVC, BRK,
// undefined instructions, PC/SP alignment, alignment faults) never reach the
// monitor: the CPU enters the realm's vector (VBAR_EL1) itself, as hardware
// does, and keeps running.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "monitor/platform.h"
#include "vcpu/physical_memory.h"

namespace mica::vcpu {

// Why a run ended with RealmTrap::Kind::kFatal (carried in esr_el2).
enum class FatalReason : uint64_t {
  kNone = 0,
  // The stage-2 layout needs more engine regions or host mappings than the
  // limits allow (a host can always build such a layout; it must get an
  // error, never a crash).
  kLayoutTooFragmented = 1,
  // The host process could not provide memory or mappings.
  kHostResources = 2,
  // Stage2Config that no MMU could walk (start level, IPA width, roots).
  kInvalidStage2Config = 3,
  // RealmCpuContext.pstate names a state this CPU does not run (AArch32,
  // EL2/EL3, or an invalid mode).
  kUnsupportedCpuState = 4,
  // The emulator failed or stopped for a reason the CPU cannot model.
  kEmulationFailure = 5,
};

// Unicorn 2.0.1 aborts the whole process (an assertion in its physical
// memory map, phys_section_add) when one engine maps its 1,024th region
// (measured; independent of region sizes and gaps). Every CPU uses one
// region for its entry page, so at most this many remain for the realm.
inline constexpr size_t kEngineRegionCeiling = 1022;

struct Limits {
  // Engine regions one CPU may map for the realm (capped at
  // kEngineRegionCeiling whatever is configured).
  size_t max_regions_per_cpu = 1000;
  // Host mappings (VMAs) assembling the regions' host views: per CPU and for
  // the whole process (the kernel's default limit is 65,530 per process).
  size_t max_host_mappings_per_cpu = 8192;
  size_t max_host_mappings_total = 32768;
  // Largest single region a TLB refill maps.
  uint64_t max_region_bytes = uint64_t{1} << 30;
};

// What the last run did, for diagnostics, tests and measurements.
struct RunInfo {
  uint64_t instructions = 0;  // realm instructions started
  unsigned tlb_refills = 0;   // regions mapped during the run
  unsigned el1_exceptions = 0;  // exceptions the CPU took to the realm's EL1
  FatalReason fatal = FatalReason::kNone;
  const char* detail = "";    // static text explaining a kFatal
};

class RealmCpu;
struct MemorySystem;

class RealmCpus {
 public:
  // Throws std::runtime_error if DRAM cannot be mapped for the table walker.
  explicit RealmCpus(PhysicalMemory memory, Limits limits = {});
  ~RealmCpus();
  RealmCpus(const RealmCpus&) = delete;
  RealmCpus& operator=(const RealmCpus&) = delete;

  monitor::RealmTrap run(monitor::PhysAddr rec, monitor::RealmCpuContext& ctx,
                         const monitor::Stage2Config& s2, uint64_t instruction_budget);
  void forget(monitor::PhysAddr rec);
  void tlbi_ipa(uint16_t vmid, monitor::Ipa ipa, uint64_t size);
  void tlbi_vmid(uint16_t vmid);

  RunInfo last_run() const;
  // Realm instructions run so far by the CPUs of realms with this VMID (a
  // measure of guest work that does not depend on the host's speed).
  uint64_t instructions(uint16_t vmid) const;
  size_t cpu_count() const;
  // Engine regions currently mapped for that REC's CPU (0 if it has none).
  size_t mapped_regions(monitor::PhysAddr rec) const;
  size_t host_mappings_in_use() const;

 private:
  std::unique_ptr<MemorySystem> memory_;
  std::map<uint64_t, std::unique_ptr<RealmCpu>> cpus_;
  RunInfo last_run_;
  std::map<uint16_t, uint64_t> instructions_by_vmid_;
  mutable std::mutex mutex_;
};

}  // namespace mica::vcpu
