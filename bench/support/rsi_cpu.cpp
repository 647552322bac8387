#include "rsi_cpu.h"

#include <stdexcept>

namespace mica::bench {

namespace {

constexpr uint64_t kSmcPc = 0x1000;
constexpr uint64_t kEsrSmc = (uint64_t{0x17} << 26) | (uint64_t{1} << 25);  // EC SMC64, IL

}  // namespace

RsiCpu::Program& RsiCpu::find(PhysAddr rec) {
  for (Program& p : programs_) {
    if (p.rec == rec) return p;
  }
  throw std::logic_error("RsiCpu: the monitor ran a REC without a program");
}

void RsiCpu::program(PhysAddr rec, std::vector<RsiCall> calls, uint64_t rounds) {
  for (Program& p : programs_) {
    if (p.rec == rec) {
      p = Program{rec, std::move(calls), 0, rounds, false, {}};
      return;
    }
  }
  programs_.push_back(Program{rec, std::move(calls), 0, rounds, false, {}});
}

void RsiCpu::rearm(PhysAddr rec, uint64_t rounds) {
  Program& p = find(rec);
  p.next = 0;
  p.rounds_left = rounds;
}

const RealmCpuContext& RsiCpu::last_answer(PhysAddr rec) { return find(rec).answer; }

RealmTrap RsiCpu::run_realm(PhysAddr rec, RealmCpuContext& ctx, const monitor::Stage2Config&, uint64_t) {
  Program& p = find(rec);
  if (p.in_call) {
    // The monitor answered the previous SMC (PC moved past it).
    const RsiCall& done = p.calls[(p.next + p.calls.size() - 1) % p.calls.size()];
    if (ctx.x[0] != done.accept && ctx.x[0] != done.accept_also) ++refused_;
    p.answer = ctx;
    p.in_call = false;
  }
  if (p.rounds_left == 0 || p.calls.empty()) return RealmTrap{RealmTrap::Kind::kIrq, 0, 0, 0};
  const RsiCall& call = p.calls[p.next];
  for (size_t i = 0; i < call.x.size(); ++i) ctx.x[i] = call.x[i];
  ctx.pc = kSmcPc;
  p.in_call = true;
  if (++p.next == p.calls.size()) {
    p.next = 0;
    if (p.rounds_left != UINT64_MAX) --p.rounds_left;
  }
  return RealmTrap{RealmTrap::Kind::kSync, kEsrSmc, 0, 0};
}

}  // namespace mica::bench
