// The untrusted host of the monitor benchmarks: raw RMI and Mica RMI calls
// over any SMC entry (the machine's EL3, or a Monitor on a scripted realm
// CPU), NS granules of one emulated machine, and the few building blocks a
// benchmark prepares its objects with (a realm, its RTTs and RECs, a realm
// SDK program loaded by the host's load plan, a workflow).
//
// Setup that fails throws std::runtime_error: a benchmark whose objects
// cannot be built is a bug, not a measurement. Timed calls go through
// smc()/rmi()/mica() and are checked by the caller after the clock stops.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "host/load_plan.h"
#include "host/machine_host.h"
#include "host/realm_loader.h"
#include "host/rmi_client.h"
#include "monitor/abi/mica.h"
#include "monitor/abi/rmi.h"
#include "monitor/types.h"
#include "platform/machine.h"

namespace mica::bench {

namespace abi = monitor::abi;
using abi::MicaRmiCommand;
using abi::RmiCommand;
using monitor::Ipa;
using monitor::kGranuleSize;
using monitor::PhysAddr;
using monitor::SmcArgs;
using monitor::SmcResult;

// A machine configuration for benchmarks: DRAM of `dram_mib` MiB and a
// state directory under the system's temporary directory (the platform
// attestation key of the benchmarks lives there, never the user's).
platform::MachineConfig bench_machine_config(uint64_t dram_mib = 64);

// The realm SDK program `name` as the build cross-compiled it.
std::string realm_program_path(const std::string& name);

// A realm built command by command (not by the load plan): s2sz 40, start
// level 1, two concatenated root RTTs, as the project's VMM lays it out.
struct RawRealm {
  PhysAddr rd;
  PhysAddr roots;  // two contiguous granules
  uint16_t vmid = 0;
  struct Rtt {
    uint64_t ipa;
    int level;
    PhysAddr pa;
  };
  std::vector<Rtt> rtts;  // in creation order
};
inline constexpr uint32_t kRawS2sz = 40;
inline constexpr int kRawStartLevel = 1;
inline constexpr uint32_t kRawRootRtts = 2;

class BenchHost {
 public:
  // `smc` is where calls go; `machine` provides the NS memory and granules.
  BenchHost(host::SmcFunction smc, platform::Machine& machine);
  BenchHost(const BenchHost&) = delete;
  BenchHost& operator=(const BenchHost&) = delete;

  // --- raw calls (what is timed) ---
  SmcResult smc(uint64_t fid, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0, uint64_t x5 = 0,
                uint64_t x6 = 0) {
    const SmcArgs args{{fid, x1, x2, x3, x4, x5, x6}};
    return smc_(args);
  }
  SmcResult rmi(RmiCommand command, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0,
                uint64_t x5 = 0) {
    return smc(abi::rmi_fid(command), x1, x2, x3, x4, x5);
  }
  SmcResult mica(MicaRmiCommand command, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0) {
    return smc(abi::mica_rmi_fid(command), x1, x2, x3, x4);
  }
  // Throws unless X0 is RMI_SUCCESS; `what` names the call.
  static void expect_success(const SmcResult& result, const std::string& what);
  static void expect_success(uint64_t x0, const std::string& what) {
    SmcResult result;
    result.x[0] = x0;
    expect_success(result, what);
  }

  // --- the host's typed RMI client, memory and granules (setup) ---
  host::RmiClient& client() { return rmi_; }
  host::PhysicalMemory& memory() { return memory_; }
  host::GranuleAllocator& granules() { return granules_; }
  platform::Machine& machine() { return machine_; }

  PhysAddr ns_granule();
  // `count` contiguous NS granules aligned to count * 4 KiB.
  PhysAddr ns_granules(uint64_t count);
  void write(PhysAddr pa, const void* bytes, size_t size);
  void read(PhysAddr pa, void* bytes, size_t size);
  PhysAddr delegated();
  PhysAddr delegated_run(uint64_t count);
  // GRANULE_UNDELEGATE and back to the pool.
  void undelegate(PhysAddr pa);
  void release(PhysAddr pa) { granules_.release(pa); }
  // VMIDs 1..255 in turn (a destroyed realm's VMID is free again).
  uint16_t next_vmid() {
    const uint16_t vmid = next_vmid_;
    next_vmid_ = static_cast<uint16_t>(next_vmid_ % 255 + 1);
    return vmid;
  }

  // --- a realm command by command ---
  // RmiRealmParams for a RawRealm in a fresh NS granule.
  PhysAddr realm_params(uint16_t vmid, PhysAddr roots);
  // RmiRecParams (entry `pc`, kRecAuxCount aux granules delegated here).
  PhysAddr rec_params(uint64_t mpidr, uint64_t pc, std::vector<PhysAddr>& aux, bool runnable = true);
  RawRealm create_realm();
  // RTT_CREATE of the tables from start level + 1 down to `level` covering
  // `ipa` that are missing.
  void create_rtts(RawRealm& realm, uint64_t ipa, int level);
  // RTT_DESTROY of every RTT (deepest first), REALM_DESTROY, undelegation.
  void destroy_realm(RawRealm& realm);

  // --- realm SDK programs through the host's load plan ---
  struct Loaded {
    host::LoadedRealm realm;
    PhysAddr run;  // an NS RmiRecRun granule
  };
  // Loaded and, unless `activate` is false, activated.
  Loaded load(const std::string& program, uint64_t ram_size, unsigned recs = 1, bool activate = true);
  void activate(Loaded& loaded);
  // The RTTs down to `level` covering `ipa` that are missing, recorded in
  // the realm so that destroy() removes them.
  void create_rtts(host::LoadedRealm& realm, uint64_t ipa, int level);
  // Shared pages must be unmapped before destroy().
  void destroy(Loaded& loaded);

  // --- Mica workflows ---
  struct Workflow {
    PhysAddr wf;
    PhysAddr params;
    std::vector<PhysAddr> sources;
    std::vector<PhysAddr> aux;
  };
  // NS sources and params written, aux granules and `wf` delegated; not created.
  Workflow prepare_workflow(const std::vector<uint8_t>& policy);
  SmcResult create_workflow(const Workflow& workflow) {
    return mica(MicaRmiCommand::kWorkflowCreate, workflow.wf.value(), workflow.params.value());
  }
  Workflow make_workflow(const std::vector<uint8_t>& policy);
  // MICA_WORKFLOW_DESTROY (unless `created` is false) and every granule back.
  void discard_workflow(Workflow& workflow, bool created = true);

 private:
  host::SmcFunction smc_;
  platform::Machine& machine_;
  host::MachineMemory memory_;
  host::RangeGranuleAllocator granules_;
  host::RmiClient rmi_;
  uint16_t next_vmid_ = 1;
};

}  // namespace mica::bench
