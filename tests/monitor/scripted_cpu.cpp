#include "scripted_cpu.h"

#include <gtest/gtest.h>

#include <cstring>


namespace mica::monitor::testing {

namespace {

RealmTrap sync(uint64_t esr, uint64_t far = 0, uint64_t hpfar = 0) {
  return RealmTrap{RealmTrap::Kind::kSync, esr, far, hpfar};
}

}  // namespace

RealmTrap ScriptedPlatform::run_realm(PhysAddr rec, RealmCpuContext& ctx, const Stage2Config& s2,
                                      uint64_t instruction_budget) {
  if (on_run) on_run(rec);
  CpuStep next;
  {
    std::lock_guard lock(mutex_);
    runs_.push_back(RunRecord{rec, ctx, s2, instruction_budget});
    auto& queue = steps_[rec.value()];
    if (queue.empty()) {
      ADD_FAILURE() << "the monitor ran REC 0x" << std::hex << rec.value() << " beyond its script";
      return trap::fatal();
    }
    next = std::move(queue.front());
    queue.pop_front();
  }
  return next(ctx);
}

void ScriptedPlatform::script(PhysAddr rec, CpuStep step) {
  std::lock_guard lock(mutex_);
  steps_[rec.value()].push_back(std::move(step));
}

size_t ScriptedPlatform::pending(PhysAddr rec) {
  std::lock_guard lock(mutex_);
  return steps_[rec.value()].size();
}

std::vector<RunRecord> ScriptedPlatform::runs() {
  std::lock_guard lock(mutex_);
  return runs_;
}

size_t ScriptedPlatform::run_count() {
  std::lock_guard lock(mutex_);
  return runs_.size();
}

namespace trap {

RealmTrap irq() { return RealmTrap{RealmTrap::Kind::kIrq, 0, 0, 0}; }
RealmTrap fatal() { return RealmTrap{RealmTrap::Kind::kFatal, 0, 0, 0}; }
RealmTrap smc() { return sync(ec(0x17) | kIl); }
RealmTrap hvc() { return sync(ec(0x16) | kIl); }
// WFx ISS: CV = 1, COND = 0b1110, TI = 0 (WFI) / 1 (WFE).
RealmTrap wfi() { return sync(ec(0x01) | kIl | (uint64_t{1} << 24) | (uint64_t{0xE} << 20)); }
RealmTrap wfe() { return sync(ec(0x01) | kIl | (uint64_t{1} << 24) | (uint64_t{0xE} << 20) | 1); }
RealmTrap data_abort(uint64_t esr, uint64_t ipa, uint64_t far) { return sync(esr, far, hpfar_of(ipa)); }
RealmTrap instruction_abort(uint64_t fsc, uint64_t ipa, uint64_t far) {
  return sync(ec(0x20) | kIl | fsc, far, hpfar_of(ipa));
}
RealmTrap sysreg(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2, unsigned rt, bool read) {
  const uint64_t iss = (uint64_t{op0} << 20) | (uint64_t{op2} << 17) | (uint64_t{op1} << 14) |
                       (uint64_t{crn} << 10) | (uint64_t{rt} << 5) | (uint64_t{crm} << 1) | (read ? 1 : 0);
  return sync(ec(0x18) | kIl | iss);
}
RealmTrap sync_with_esr(uint64_t esr) { return sync(esr); }

}  // namespace trap

CpuStep smc_step(uint64_t pc, std::vector<uint64_t> x0_to_xn) {
  return [pc, regs = std::move(x0_to_xn)](RealmCpuContext& ctx) {
    ctx.pc = pc;
    for (size_t i = 0; i < regs.size(); ++i) ctx.x[i] = regs[i];
    return trap::smc();
  };
}

CpuStep step(std::function<void(RealmCpuContext&)> body, RealmTrap result) {
  return [body = std::move(body), result](RealmCpuContext& ctx) {
    body(ctx);
    return result;
  };
}

}  // namespace mica::monitor::testing
