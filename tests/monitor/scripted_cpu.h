// A PlatformInterface whose realm CPU is a script: each run_realm call takes
// the next step queued for that REC, which changes the REC's context as the
// realm's instructions would and returns the trap the PE would take to EL2
// ("smc with these registers", "data abort at IPA X with ESR Y", "the budget
// ran out"). Everything else (DRAM, GPT, EL3 transitions, hashing) runs on an
// emulated Machine, with the same checks the Machine's own platform makes.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "monitor/monitor.h"
#include "monitor/platform.h"
#include "machine_backed_platform.h"
#include "platform/machine.h"

namespace mica::monitor::testing {

// One stretch of realm execution ending in a trap to EL2.
using CpuStep = std::function<RealmTrap(RealmCpuContext&)>;

// What the monitor handed to one run_realm call.
struct RunRecord {
  PhysAddr rec;
  RealmCpuContext context;  // at entry
  Stage2Config stage2;
  uint64_t budget;
};

class ScriptedPlatform final : public MachineBackedPlatform {
 public:
  explicit ScriptedPlatform(platform::Machine& machine) : MachineBackedPlatform(machine, 13, 5) {}

  void tlbi_ipa(uint16_t, Ipa, uint64_t) override {}
  void tlbi_vmid(uint16_t) override {}
  RealmTrap run_realm(PhysAddr rec, RealmCpuContext& ctx, const Stage2Config& s2,
                      uint64_t instruction_budget) override;
  void forget_rec(PhysAddr) override {}

  // Queues a step for the REC at `rec`.
  void script(PhysAddr rec, CpuStep step);
  // Steps still queued for `rec`.
  size_t pending(PhysAddr rec);
  // Every run_realm call so far, in order.
  std::vector<RunRecord> runs();
  size_t run_count();
  // Called at the start of every run_realm, before the step (may block, or
  // issue RMI calls as another PE would while the REC runs).
  std::function<void(PhysAddr rec)> on_run;

 private:
  std::mutex mutex_;
  std::map<uint64_t, std::deque<CpuStep>> steps_;
  std::vector<RunRecord> runs_;
};

// --- Syndromes the scripted CPU reports -------------------------------------------------
namespace trap {

inline constexpr uint64_t kIl = uint64_t{1} << 25;
constexpr uint64_t ec(uint64_t value) { return value << 26; }

constexpr uint64_t hpfar_of(uint64_t ipa) { return (ipa >> 8) & 0xFF'FFFF'FFF0ull; }

// A data-abort ISS with a valid instruction syndrome.
struct Access {
  bool write = false;
  unsigned size_log2 = 3;  // SAS
  unsigned rt = 0;         // SRT
  bool sign_extend = false;
  bool sixty_four = true;  // SF
  bool acquire_release = false;
  uint64_t fsc = 0x07;     // translation fault, level 3
};
constexpr uint64_t data_abort_esr(const Access& a) {
  return ec(0x24) | kIl | (uint64_t{1} << 24) | (uint64_t{a.size_log2} << 22) |
         (a.sign_extend ? uint64_t{1} << 21 : 0) | (uint64_t{a.rt} << 16) | (a.sixty_four ? uint64_t{1} << 15 : 0) |
         (a.acquire_release ? uint64_t{1} << 14 : 0) | (a.write ? uint64_t{1} << 6 : 0) | a.fsc;
}

RealmTrap irq();
RealmTrap fatal();
RealmTrap smc();
RealmTrap hvc();
RealmTrap wfi();
RealmTrap wfe();
RealmTrap data_abort(uint64_t esr, uint64_t ipa, uint64_t far);
RealmTrap instruction_abort(uint64_t fsc, uint64_t ipa, uint64_t far);
RealmTrap sysreg(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2, unsigned rt, bool read);
RealmTrap sync_with_esr(uint64_t esr);

}  // namespace trap

// Steps: the realm sets X0..Xn (X0 = FID) and executes SMC #0 at `pc`.
CpuStep smc_step(uint64_t pc, std::vector<uint64_t> x0_to_xn);
// A step that runs `body` on the context first, then returns `result`.
CpuStep step(std::function<void(RealmCpuContext&)> body, RealmTrap result);

}  // namespace mica::monitor::testing
