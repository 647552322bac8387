// A small VMM for Mica end-to-end tests: it loads realm SDK programs with the
// host's load plan over RMI (stopping before REALM_ACTIVATE), creates
// workflows, binds realms, creates and maps channel pages, activates, and
// runs RECs with RMI_REC_ENTER on the emulated machine, servicing the exits
// (console and exit host calls, PSCI) and recording every exit it sees.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/load_plan.h"
#include "host/realm_loader.h"
#include "host/rmi_client.h"
#include "monitor/abi/mica.h"
#include "monitor/monitor.h"
#include "platform/machine.h"

namespace mica::monitor::testing {

struct ExitRecord {
  unsigned program = 0;
  unsigned rec = 0;
  abi::RmiRecExitReason reason = abi::RmiRecExitReason::kSync;
  uint64_t esr = 0;
  uint64_t far = 0;
  uint64_t hpfar = 0;
  uint64_t gprs[31] = {};
  uint32_t imm = 0;
  uint64_t ripas_base = 0;
  uint64_t ripas_top = 0;
};

struct Program {
  std::string name;
  unsigned id = 0;
  host::LoadedRealm realm;
  std::vector<uint8_t> rim;
  PhysAddr run;                                   // RmiRecRun granule
  std::vector<std::vector<uint64_t>> enter_gprs;  // per REC, for the next entry
  std::vector<bool> on;
  std::string console;
  std::optional<int64_t> exit_status;
  bool system_off = false;
  uint64_t irq_exits = 0;
};

class MicaHost {
 public:
  static constexpr uint64_t kRamSize = 2ull << 20;
  static constexpr uint64_t kChannelIpa = 0x8000'0000;

  // A fresh emulated machine with `dram_size` bytes of DRAM.
  explicit MicaHost(uint64_t dram_size = 64ull << 20);
  ~MicaHost();

  platform::Machine& machine() { return *machine_; }
  Monitor& monitor() { return machine_->monitor(); }

  // A realm running realm-sdk program `name`, fully loaded and still NEW.
  Program& load(const std::string& name, unsigned num_recs = 1);
  // Raw SMC (RMI or Mica RMI); X0 = fid.
  SmcResult smc(uint64_t fid, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0);
  SmcResult mica(abi::MicaRmiCommand command, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0) {
    return smc(abi::mica_rmi_fid(command), x1, x2, x3, x4);
  }
  PhysAddr delegated();
  // A fresh NS granule of the host's (not delegated).
  PhysAddr ns_granule();
  PhysAddr create_workflow(const std::vector<uint8_t>& policy);
  void bind(Program& program, PhysAddr wf, uint32_t component);
  // `pages` fresh SHARED granules of `channel`, in page order.
  std::vector<PhysAddr> create_channel_pages(PhysAddr wf, uint32_t channel, unsigned pages);
  // Maps the pages at kChannelIpa + offset (creating the RTTs there).
  void map_channel(Program& program, const std::vector<PhysAddr>& pages, uint64_t offset, bool write);
  void activate(Program& program);

  // One REC_ENTER of REC `rec` of `program`, its exit serviced. Returns the
  // RMI status word.
  uint64_t enter(Program& program, unsigned rec = 0);
  // Enters the programs' RECs round robin (skipping finished ones) until
  // `done` holds or `max_entries` entries were made.
  template <class Done>
  bool run(std::vector<Program*> programs, Done done, int max_entries = 20000) {
    for (int n = 0; n < max_entries; ++n) {
      if (done()) return true;
      Program& p = *programs[static_cast<size_t>(n) % programs.size()];
      if (p.system_off || !p.on[0]) continue;
      enter(p, 0);
    }
    return done();
  }

  std::vector<ExitRecord> exits;  // every exit of every program, in order
  // Called after every SMC the host issues (its own and its RMI client's),
  // with the arguments and the result.
  std::function<void(const SmcArgs&, const SmcResult&)> after_smc;

 private:
  class Memory;
  std::unique_ptr<platform::Machine> machine_;
  std::unique_ptr<Memory> memory_;
  std::unique_ptr<host::RangeGranuleAllocator> granules_;
  std::unique_ptr<host::RmiClient> rmi_;
  std::vector<std::unique_ptr<Program>> programs_;
  uint16_t next_vmid_ = 1;
};

std::string realm_program_path(const std::string& name);

}  // namespace mica::monitor::testing
