// A realm CPU for measuring the monitor's RSI handlers: each REC runs a
// fixed program of SMCs (the registers a realm would set, then SMC #0),
// a number of rounds, then takes the host timer interrupt. Nothing is
// allocated or locked while it runs, so a REC_ENTER that makes N calls
// costs the monitor's work plus N + 1 returns from a trivial function.
//
// Memory, granule transitions, hashing and attestation come from the
// emulated machine through tests/monitor's MachineBackedPlatform, the
// same base the monitor tests' scripted CPU uses.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "machine_backed_platform.h"

namespace mica::bench {

using monitor::PhysAddr;
using monitor::RealmCpuContext;
using monitor::RealmTrap;

// One SMC: X0 (the FID) and the argument registers.
struct RsiCall {
  std::array<uint64_t, 12> x{};
  // X0 the realm accepts on return (RSI_SUCCESS = 0; attestation
  // CONTINUE also returns INCOMPLETE = 3 before the last chunk).
  uint64_t accept = 0;
  uint64_t accept_also = 0;
};

class RsiCpu final : public monitor::testing::MachineBackedPlatform {
 public:
  explicit RsiCpu(platform::Machine& machine) : MachineBackedPlatform(machine, 7, 3) {}

  void tlbi_ipa(uint16_t, monitor::Ipa, uint64_t) override {}
  void tlbi_vmid(uint16_t) override {}
  void forget_rec(PhysAddr) override {}
  RealmTrap run_realm(PhysAddr rec, RealmCpuContext& ctx, const monitor::Stage2Config& s2,
                      uint64_t instruction_budget) override;

  // The REC at `rec` makes `calls` in order, `rounds` times, before it is
  // interrupted (rounds = UINT64_MAX: for ever).
  void program(PhysAddr rec, std::vector<RsiCall> calls, uint64_t rounds);
  // Starts the REC's program again with `rounds` rounds.
  void rearm(PhysAddr rec, uint64_t rounds);
  // Calls answered with an X0 the program did not accept, for all RECs.
  uint64_t refused() const { return refused_; }
  // The registers of the REC's last completed call, as the monitor answered it.
  const RealmCpuContext& last_answer(PhysAddr rec);

 private:
  struct Program {
    PhysAddr rec;
    std::vector<RsiCall> calls;
    size_t next = 0;
    uint64_t rounds_left = 0;
    bool in_call = false;
    RealmCpuContext answer{};
  };
  Program& find(PhysAddr rec);
  std::vector<Program> programs_;
  uint64_t refused_ = 0;
};

}  // namespace mica::bench
