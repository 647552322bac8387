// PSCI 1.1 from a realm and RMI_PSCI_COMPLETE (RMM 1.0 §6, §1.5): what the
// monitor answers itself, the PSCI exits and their gprs, the REC states they
// leave, and the round trips through the host.
#include <optional>

#include "realm_run_fixture.h"

namespace mica::monitor::testing {
namespace {

namespace ps = abi::psci;

constexpr uint64_t kSmcPc = 0x1500;
constexpr uint64_t kExitIrq = 1, kExitPsci = 3;
constexpr uint64_t word(int64_t v) { return static_cast<uint64_t>(v); }

class PsciTest : public RealmRunTest {
 protected:
  // REC 0 and REC 2 are runnable, REC 1 is not (off).
  void SetUp() override { build_realm(); }

  static CpuStep call_step(std::vector<uint64_t> regs) {
    return [regs = std::move(regs)](RealmCpuContext& ctx) {
      for (unsigned i = 0; i < 31; ++i) ctx.x[i] = 0xAB00 + i;
      for (size_t i = 0; i < regs.size(); ++i) ctx.x[i] = regs[i];
      ctx.pc = kSmcPc;
      return trap::smc();
    };
  }
  // A call the monitor answers itself: the realm's context afterwards.
  RealmCpuContext call(std::vector<uint64_t> regs, unsigned rec_index = 0) {
    RealmCpuContext resumed{};
    script(rec(rec_index), call_step(std::move(regs)));
    script(rec(rec_index), step([&](RealmCpuContext& ctx) { resumed = ctx; }, trap::irq()));
    EXPECT_EQ(enter(rec(rec_index)), kRmiSuccess);
    EXPECT_EQ(exit_view().reason, kExitIrq) << "the call went to the host";
    return resumed;
  }
  // A call that exits to the host.
  ExitView call_exiting(std::vector<uint64_t> regs, unsigned rec_index = 0) {
    script(rec(rec_index), call_step(std::move(regs)));
    EXPECT_EQ(enter(rec(rec_index)), kRmiSuccess);
    EXPECT_EQ(platform_.pending(rec(rec_index)), 0u);
    return exit_view();
  }
  RealmCpuContext resume(unsigned rec_index) {
    RealmCpuContext resumed{};
    script(rec(rec_index), step([&](RealmCpuContext& ctx) { resumed = ctx; }, trap::irq()));
    EXPECT_EQ(enter(rec(rec_index)), kRmiSuccess);
    return resumed;
  }
  uint64_t complete(unsigned caller, unsigned target, int64_t status) {
    return rmi(RmiCommand::kPsciComplete, rec(caller).value(), rec(target).value(), word(status)).x[0];
  }
  // The exit names the FID (and target) only.
  static void expect_psci_exit(const ExitView& exit, uint64_t fid, std::optional<uint64_t> target = {}) {
    EXPECT_EQ(exit.reason, kExitPsci);
    EXPECT_EQ(exit.gprs[0], fid);
    EXPECT_EQ(exit.gprs[1], target.value_or(0));
    for (unsigned i = 2; i < 31; ++i) EXPECT_EQ(exit.gprs[i], 0u) << i;
    EXPECT_EQ(exit.esr, 0u);
  }
  static void expect_result(const RealmCpuContext& c, uint64_t x0) {
    EXPECT_EQ(c.x[0], x0);
    EXPECT_EQ(c.x[1], 0u);
    EXPECT_EQ(c.x[2], 0u);
    EXPECT_EQ(c.x[3], 0u);
    for (unsigned i = 4; i < 31; ++i) EXPECT_EQ(c.x[i], 0xAB00u + i) << i;
    EXPECT_EQ(c.pc, kSmcPc + 4);
  }
};

TEST_F(PsciTest, VersionIsOneOne) { expect_result(call({ps::kVersion}), 0x10001); }

TEST_F(PsciTest, FeaturesListsTheImplementedFunctions) {
  for (uint32_t implemented : {ps::kCpuSuspend32, ps::kCpuSuspend64, ps::kCpuOff, ps::kCpuOn32, ps::kCpuOn64,
                               ps::kAffinityInfo32, ps::kAffinityInfo64, ps::kSystemOff, ps::kSystemReset,
                               ps::kFeatures, abi::kSmcccVersionFid}) {
    expect_result(call({ps::kFeatures, implemented}), word(ps::kSuccess));
  }
  for (uint64_t other : {0x8400'0005ull /*MIGRATE*/, 0xC400'0002ull /*CPU_OFF is SMC32 only*/, 0x8400'0012ull,
                         0xC400'0190ull /*RSI_VERSION*/, 0x8000'0001ull}) {
    expect_result(call({ps::kFeatures, other}), word(ps::kNotSupported));
  }
}

TEST_F(PsciTest, OtherPsciFunctionsAreNotSupportedWithoutExit) {
  for (uint64_t fid : {0x8400'0005ull, 0x8400'0007ull, 0xC400'0012ull, 0x8400'0014ull}) {
    expect_result(call({fid}), word(ps::kNotSupported));
  }
}

// --- CPU_ON -----------------------------------------------------------------------------------------------------

TEST_F(PsciTest, CpuOnRoundTripStartsTheTargetAtTheEntryWithTheContextId) {
  const ExitView exit = call_exiting({ps::kCpuOn64, 1, 0x3000, 0x77});
  expect_psci_exit(exit, ps::kCpuOn64, 1);
  RecInfo caller = rec_info(rec(0));
  EXPECT_TRUE(caller.psci_pending);
  EXPECT_EQ(caller.cpu.x[0], ps::kCpuOn64);  // the request stays in X0..X3
  EXPECT_EQ(caller.cpu.x[1], 1u);
  EXPECT_EQ(caller.cpu.x[2], 0x3000u);
  EXPECT_EQ(caller.cpu.x[3], 0x77u);
  EXPECT_EQ(caller.cpu.pc, kSmcPc + 4);
  EXPECT_FALSE(rec_info(rec(1)).runnable);

  ASSERT_EQ(complete(0, 1, ps::kSuccess), kRmiSuccess);
  const RecInfo target = rec_info(rec(1));
  EXPECT_TRUE(target.runnable);
  EXPECT_EQ(target.cpu.pc, 0x3000u);
  EXPECT_EQ(target.cpu.x[0], 0x77u);
  EXPECT_EQ(target.cpu.pstate, 0x3C5u);
  EXPECT_FALSE(rec_info(rec(0)).psci_pending);

  expect_result(resume(0), word(ps::kSuccess));
  const RealmCpuContext started = resume(1);
  EXPECT_EQ(started.pc, 0x3000u);
  EXPECT_EQ(started.x[0], 0x77u);
}

TEST_F(PsciTest, CpuOnDeniedByTheHostLeavesTheTargetOff) {
  call_exiting({ps::kCpuOn32, 1, 0x3000, 0x77});
  ASSERT_EQ(complete(0, 1, ps::kDenied), kRmiSuccess);
  EXPECT_FALSE(rec_info(rec(1)).runnable);
  expect_result(resume(0), word(ps::kDenied));
  expect_refused(kRmiErrorRec, rec(1));
}

TEST_F(PsciTest, CpuOnOfARunnableTargetIsAlreadyOnAndCannotBeDenied) {
  call_exiting({ps::kCpuOn64, 2, 0x3000, 0x77});
  const RecInfo target_before = rec_info(rec(2));
  const Snapshot before = snapshot();
  EXPECT_EQ(complete(0, 2, ps::kDenied), kRmiErrorInput);
  expect_unchanged(before);
  ASSERT_EQ(complete(0, 2, ps::kSuccess), kRmiSuccess);
  EXPECT_EQ(rec_info(rec(2)).cpu.pc, target_before.cpu.pc);  // not reset
  expect_result(resume(0), word(ps::kAlreadyOn));
}

TEST_F(PsciTest, CpuOnChecksTheEntryAndTheTargetWithoutExit) {
  // Entry outside the PAR.
  expect_result(call({ps::kCpuOn64, 1, layout::kParSize, 0}), word(ps::kInvalidAddress));
  // No such REC (3 RECs exist), or an MPIDR naming REC 16.
  expect_result(call({ps::kCpuOn64, 3, 0x3000, 0}), word(ps::kInvalidParams));
  expect_result(call({ps::kCpuOn64, 0x100, 0x3000, 0}), word(ps::kInvalidParams));
  // Itself.
  expect_result(call({ps::kCpuOn64, 0, 0x3000, 0}), word(ps::kAlreadyOn));
  // The entry is checked first.
  expect_result(call({ps::kCpuOn64, 3, layout::kParSize, 0}), word(ps::kInvalidAddress));
  EXPECT_FALSE(rec_info(rec(0)).psci_pending);
}

// --- AFFINITY_INFO ---------------------------------------------------------------------------------------------

TEST_F(PsciTest, AffinityInfoOfItselfIsOnAndBadArgumentsAreInvalidParams) {
  expect_result(call({ps::kAffinityInfo64, 0, 0}), word(ps::kAffinityOn));
  expect_result(call({ps::kAffinityInfo64, 1, 1}), word(ps::kInvalidParams));
  expect_result(call({ps::kAffinityInfo32, 7, 0}), word(ps::kInvalidParams));
}

TEST_F(PsciTest, AffinityInfoAsksTheHostAndReportsOnOrOff) {
  expect_psci_exit(call_exiting({ps::kAffinityInfo64, 1, 0}), ps::kAffinityInfo64, 1);
  EXPECT_EQ(complete(0, 1, ps::kDenied), kRmiErrorInput);  // only SUCCESS is an answer
  ASSERT_EQ(complete(0, 1, ps::kSuccess), kRmiSuccess);
  expect_result(resume(0), word(ps::kAffinityOff));

  expect_psci_exit(call_exiting({ps::kAffinityInfo32, 2, 0}), ps::kAffinityInfo32, 2);
  ASSERT_EQ(complete(0, 2, ps::kSuccess), kRmiSuccess);
  expect_result(resume(0), word(ps::kAffinityOn));
}

TEST_F(PsciTest, PsciCompleteMustNameTheRequestedTarget) {
  call_exiting({ps::kCpuOn64, 1, 0x3000, 0x77});
  const Snapshot before = snapshot();
  EXPECT_EQ(complete(0, 2, ps::kSuccess), kRmiErrorInput);
  EXPECT_EQ(complete(2, 1, ps::kSuccess), kRmiErrorInput);  // REC 2 asked nothing
  EXPECT_EQ(complete(0, 0, ps::kSuccess), kRmiErrorInput);
  EXPECT_EQ(complete(0, 1, -2), kRmiErrorInput);            // neither SUCCESS nor DENIED
  expect_unchanged(before);
}

// --- CPU_OFF, CPU_SUSPEND ----------------------------------------------------------------------------------------

TEST_F(PsciTest, CpuOffStopsTheRecUntilAnotherRecTurnsItOn) {
  const ExitView exit = call_exiting({ps::kCpuOff});
  expect_psci_exit(exit, ps::kCpuOff);
  const RecInfo off = rec_info(rec(0));
  EXPECT_FALSE(off.runnable);
  EXPECT_EQ(off.cpu.x[0], word(ps::kSuccess));
  EXPECT_EQ(off.cpu.pc, kSmcPc + 4);
  expect_refused(kRmiErrorRec, rec(0));
  // REC 2 turns it on again, at a new entry point.
  call_exiting({ps::kCpuOn64, 0, 0x5000, 0x12}, 2);
  ASSERT_EQ(complete(2, 0, ps::kSuccess), kRmiSuccess);
  const RealmCpuContext restarted = resume(0);
  EXPECT_EQ(restarted.pc, 0x5000u);
  EXPECT_EQ(restarted.x[0], 0x12u);
}

TEST_F(PsciTest, CpuSuspendIsANotificationToTheHost) {
  for (uint64_t fid : {uint64_t{ps::kCpuSuspend32}, uint64_t{ps::kCpuSuspend64}}) {
    expect_psci_exit(call_exiting({fid, 0x1234, 0x3000, 9}), fid);
    const RecInfo info = rec_info(rec(0));
    EXPECT_TRUE(info.runnable);
    EXPECT_FALSE(info.psci_pending);
    EXPECT_EQ(info.cpu.x[0], word(ps::kSuccess));
    EXPECT_EQ(info.cpu.x[1], 0u);
    expect_result(resume(0), word(ps::kSuccess));
  }
}

// --- SYSTEM_OFF / SYSTEM_RESET -----------------------------------------------------------------------------------

TEST_F(PsciTest, SystemOffEndsTheRealm) {
  expect_psci_exit(call_exiting({ps::kSystemOff, 5}), ps::kSystemOff);
  EXPECT_EQ(realm_info().state, RealmState::kSystemOff);
  EXPECT_EQ(rec_info(rec(0)).cpu.x[0], ps::kSystemOff);  // no result: the realm never runs again
  for (unsigned i : {0u, 1u, 2u}) expect_refused(0x102, rec(i));
}

TEST_F(PsciTest, SystemResetEndsTheRealmToo) {
  expect_psci_exit(call_exiting({ps::kSystemReset}, 2), ps::kSystemReset);
  EXPECT_EQ(realm_info().state, RealmState::kSystemOff);
  expect_refused(0x102, rec(0));
}

TEST_F(PsciTest, SecondSystemOffFromAnotherRunningRecIsHarmless) {
  // REC 2 is running when REC 0 turns the realm off; its own SYSTEM_OFF
  // finds the realm off already.
  script(rec(2), call_step({ps::kSystemOff}));
  bool done = false;
  platform_.on_run = [&](PhysAddr running) {
    if (running != rec(2) || done) return;
    done = true;
    script(rec(0), call_step({ps::kSystemOff}));
    const PhysAddr other_run = ns_granule();
    EXPECT_EQ(rmi(RmiCommand::kRecEnter, rec(0).value(), other_run.value()).x[0], kRmiSuccess);
    EXPECT_EQ(realm_info().state, RealmState::kSystemOff);
  };
  ASSERT_EQ(enter(rec(2)), kRmiSuccess);
  EXPECT_TRUE(done);
  expect_psci_exit(exit_view(), ps::kSystemOff);
  EXPECT_EQ(realm_info().state, RealmState::kSystemOff);
}

}  // namespace
}  // namespace mica::monitor::testing
