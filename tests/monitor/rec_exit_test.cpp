// Realm exits (RMM 1.0 §5.2): every exit reason with the exact RmiRecExit
// fields the host sees, the REC state after it, aborts decided by the RIPAS
// of the faulting IPA, exceptions injected into the realm, WFx, system
// registers, the budget and the bound on exits handled inside the monitor.
#include "realm_run_fixture.h"

namespace mica::monitor::testing {
namespace {

namespace run = abi::rec_run;

constexpr uint64_t kExitSync = 0, kExitIrq = 1, kExitSerror = 6;
constexpr uint64_t kEl1hMasked = 0x3C5;
constexpr uint64_t kVbar = 0x0000'7000;
constexpr uint64_t kFaultPc = 0x1230;

class RecExitTest : public RealmRunTest {
 protected:
  void SetUp() override { build_realm(); }

  // Runs REC 0 with the given steps queued; expects REC_ENTER to succeed.
  ExitView run_steps(std::vector<CpuStep> steps, const EnterArgs& args = {}) {
    for (CpuStep& s : steps) script(rec(0), std::move(s));
    EXPECT_EQ(enter(rec(0), args), kRmiSuccess);
    EXPECT_EQ(platform_.pending(rec(0)), 0u) << "the monitor stopped before the script did";
    return exit_view();
  }
  RealmCpuContext cpu() { return rec_info(rec(0)).cpu; }

  // Context the abort tests start from: at kFaultPc in EL1h, with a vector table.
  static void at_fault_pc(RealmCpuContext& ctx) {
    ctx.pc = kFaultPc;
    ctx.vbar_el1 = kVbar;
    ctx.pstate = 0x3C5 & ~(uint64_t{0xF} << 6);  // EL1h, interrupts unmasked
    ctx.x[5] = 0x1122'3344'5566'7788;
  }
  // The exit must carry nothing but its reason (and the empty GIC state).
  static void expect_only_reason(const ExitView& exit, uint64_t reason) {
    std::vector<uint8_t> expected(0x800, 0);
    expected[0] = static_cast<uint8_t>(reason);
    EXPECT_EQ(exit.raw, expected);
  }
  // The state an abort injected into the realm leaves in the REC.
  void expect_sea_injected(uint64_t esr_el1, uint64_t far, uint64_t vector_offset = 0x200) {
    const RealmCpuContext c = cpu();
    EXPECT_EQ(c.esr_el1, esr_el1);
    EXPECT_EQ(c.far_el1, far);
    EXPECT_EQ(c.elr_el1, kFaultPc);
    EXPECT_EQ(c.spsr_el1, 0x5u);
    EXPECT_EQ(c.pc, kVbar + vector_offset);
    EXPECT_EQ(c.pstate, kEl1hMasked);
  }
};

// --- IRQ (budget) and fatal ---------------------------------------------------------------------

TEST_F(RecExitTest, BudgetExhaustedIsAnIrqExitWithNothingElse) {
  const ExitView exit = run_steps({step([](RealmCpuContext& ctx) { ctx.pc = 0x1800; ctx.x[9] = 99; }, trap::irq())});
  expect_only_reason(exit, kExitIrq);
  EXPECT_EQ(cpu().pc, 0x1800u);
  EXPECT_EQ(cpu().x[9], 99u);
  EXPECT_EQ(platform_.runs().back().budget, kRealmInstructionBudget);
}

TEST_F(RecExitTest, FatalCpuFailureIsAnSerrorExitAndTheRecCanBeEnteredAgain) {
  const ExitView exit = run_steps({step([](RealmCpuContext& ctx) { ctx.pc = 0x1804; },
                                        RealmTrap{RealmTrap::Kind::kFatal, 0xFFFF'FFFF'0000'0001, 0x55, 0x66})});
  EXPECT_EQ(exit.reason, kExitSerror);
  // IDS (implementation-defined syndrome) with the platform's reason code in ISS[23:0].
  EXPECT_EQ(exit.esr, (uint64_t{1} << 24) | 1);
  EXPECT_EQ(exit.far, 0u);
  EXPECT_EQ(exit.hpfar, 0u);
  EXPECT_EQ(cpu().pc, 0x1804u);
  EXPECT_TRUE(rec_info(rec(0)).runnable);
  EXPECT_EQ(realm_info().state, RealmState::kActive);
  // The host may retry; nothing of the realm was damaged.
  expect_only_reason(run_steps({step([](RealmCpuContext&) {}, trap::irq())}), kExitIrq);
  // MMIO completion is not possible after it.
  EnterArgs args;
  args.flags = run::kFlagEmulMmio;
  run_steps({step([](RealmCpuContext&) {}, trap::fatal())});
  expect_refused(kRmiErrorRec, rec(0), args);
}

// --- WFI / WFE ------------------------------------------------------------------------------------------

TEST_F(RecExitTest, TrappedWfiAndWfeExitWithEcAndTiAndThePcPastThem) {
  EnterArgs args;
  args.flags = run::kFlagTrapWfi | run::kFlagTrapWfe;
  ExitView exit = run_steps({step([](RealmCpuContext& ctx) { ctx.pc = 0x1100; }, trap::wfi())}, args);
  EXPECT_EQ(exit.reason, kExitSync);
  EXPECT_EQ(exit.esr, trap::ec(0x01));
  EXPECT_EQ(exit.far, 0u);
  EXPECT_EQ(exit.hpfar, 0u);
  EXPECT_EQ(cpu().pc, 0x1104u);
  exit = run_steps({step([](RealmCpuContext& ctx) { ctx.pc = 0x1200; }, trap::wfe())}, args);
  EXPECT_EQ(exit.esr, trap::ec(0x01) | 1);
  EXPECT_EQ(cpu().pc, 0x1204u);
}

TEST_F(RecExitTest, UntrappedWfiWaitsForTheHostsInterruptAndUntrappedWfeCompletes) {
  EnterArgs only_wfe;
  only_wfe.flags = run::kFlagTrapWfe;
  expect_only_reason(run_steps({step([](RealmCpuContext& ctx) { ctx.pc = 0x1100; }, trap::wfi())}, only_wfe),
                     kExitIrq);
  EXPECT_EQ(cpu().pc, 0x1104u);
  EnterArgs only_wfi;
  only_wfi.flags = run::kFlagTrapWfi;
  bool resumed_after_wfe = false;
  expect_only_reason(run_steps({step([](RealmCpuContext& ctx) { ctx.pc = 0x1200; }, trap::wfe()),
                                step([&](RealmCpuContext& ctx) { resumed_after_wfe = ctx.pc == 0x1204; }, trap::irq())},
                               only_wfi),
                     kExitIrq);
  EXPECT_TRUE(resumed_after_wfe);
}

// --- HVC ---------------------------------------------------------------------------------------------------------

TEST_F(RecExitTest, HvcInjectsUndefinedInstructionAndTheRealmRunsOn) {
  RealmCpuContext seen{};
  run_steps({step(
                 [](RealmCpuContext& ctx) {
                   at_fault_pc(ctx);
                   ctx.pc = kFaultPc + 4;  // ELR_EL2 of an HVC: the next instruction
                   ctx.far_el1 = 0xFA;
                 },
                 trap::hvc()),
             step([&](RealmCpuContext& ctx) { seen = ctx; }, trap::irq())});
  EXPECT_EQ(seen.esr_el1, trap::kIl);  // EC 0 (unknown reason), IL
  EXPECT_EQ(seen.elr_el1, kFaultPc + 4);
  EXPECT_EQ(seen.spsr_el1, 0x5u);
  EXPECT_EQ(seen.pc, kVbar + 0x200);
  EXPECT_EQ(seen.pstate, kEl1hMasked);
  EXPECT_EQ(seen.far_el1, 0xFAu);  // untouched
}

TEST_F(RecExitTest, InjectedExceptionsUseTheVectorOfTheInterruptedContext) {
  const std::pair<uint64_t, uint64_t> cases[] = {{0x4 /*EL1t*/, 0x000}, {0x5 /*EL1h*/, 0x200}, {0x0 /*EL0t*/, 0x400}};
  for (const auto& [mode, offset] : cases) {
    RealmCpuContext seen{};
    run_steps({step(
                   [mode = mode](RealmCpuContext& ctx) {
                     ctx.vbar_el1 = kVbar;
                     ctx.pstate = mode;
                     ctx.pc = 0x1104;
                   },
                   trap::hvc()),
               step([&](RealmCpuContext& ctx) { seen = ctx; }, trap::irq())});
    EXPECT_EQ(seen.pc, kVbar + offset) << mode;
    EXPECT_EQ(seen.spsr_el1, mode);
  }
}

// --- Data aborts outside the PAR (MMIO) -----------------------------------------------------------------

TEST_F(RecExitTest, EmulatableWriteShowsMaskedSyndromeOffsetAndTheValue) {
  const trap::Access access{.write = true, .size_log2 = 2, .rt = 5, .acquire_release = true};
  const uint64_t esr = trap::data_abort_esr(access);
  const uint64_t far = layout::kUnprotected + 0x123;
  const ExitView exit =
      run_steps({step(at_fault_pc, trap::data_abort(esr, layout::kUnprotected, far))});
  EXPECT_EQ(exit.reason, kExitSync);
  // SRT (5) and AR are hidden; EC, ISV, SAS, SF, WnR, FSC are shown.
  EXPECT_EQ(exit.esr, trap::ec(0x24) | (uint64_t{1} << 24) | (uint64_t{2} << 22) | (uint64_t{1} << 15) |
                          (uint64_t{1} << 6) | 0x07);
  EXPECT_EQ(exit.far, 0x123u);
  EXPECT_EQ(exit.hpfar, trap::hpfar_of(layout::kUnprotected));
  EXPECT_EQ(exit.gprs[0], 0x5566'7788u);  // 32-bit store of X5
  for (unsigned i = 1; i < 31; ++i) EXPECT_EQ(exit.gprs[i], 0u);
  EXPECT_EQ(cpu().pc, kFaultPc);  // not complete until the host says so
}

TEST_F(RecExitTest, WriteOfXzrShowsZero) {
  const uint64_t esr = trap::data_abort_esr({.write = true, .rt = 31});
  const ExitView exit = run_steps(
      {step(at_fault_pc, trap::data_abort(esr, layout::kUnprotected, layout::kUnprotected))});
  EXPECT_EQ(exit.gprs[0], 0u);
}

TEST_F(RecExitTest, EmulatedMmioWriteCompletesWithPcPlus4Only) {
  const uint64_t esr = trap::data_abort_esr({.write = true, .rt = 5});
  run_steps({step(at_fault_pc, trap::data_abort(esr, layout::kUnprotected, layout::kUnprotected))});
  const RealmCpuContext before = cpu();
  EnterArgs args;
  args.flags = run::kFlagEmulMmio;
  args.gprs[0] = 0xDEAD;
  RealmCpuContext seen{};
  run_steps({step([&](RealmCpuContext& ctx) { seen = ctx; }, trap::irq())}, args);
  EXPECT_EQ(seen.pc, kFaultPc + 4);
  for (unsigned i = 0; i < 31; ++i) EXPECT_EQ(seen.x[i], before.x[i]) << i;
}

struct MmioRead {
  trap::Access access;
  uint64_t host_value;
  uint64_t expected;
};

TEST_F(RecExitTest, EmulatedMmioReadDeliversTheValueExtendedAsTheLoadWould) {
  const MmioRead cases[] = {
      {{.size_log2 = 0, .rt = 7}, 0xABCD'EF12'3456'78F0, 0xF0},
      {{.size_log2 = 1, .rt = 7}, 0xFFFF'0000'0000'8001, 0x8001},
      {{.size_log2 = 1, .rt = 7, .sign_extend = true, .sixty_four = true}, 0x8001, 0xFFFF'FFFF'FFFF'8001},
      {{.size_log2 = 1, .rt = 7, .sign_extend = true, .sixty_four = false}, 0x8001, 0xFFFF'8001},
      {{.size_log2 = 2, .rt = 7, .sign_extend = true}, 0x7FFF'FFFF, 0x7FFF'FFFF},
      {{.size_log2 = 3, .rt = 30}, 0x0123'4567'89AB'CDEF, 0x0123'4567'89AB'CDEF},
  };
  for (const MmioRead& c : cases) {
    const uint64_t esr = trap::data_abort_esr(c.access);
    const ExitView exit =
        run_steps({step(at_fault_pc, trap::data_abort(esr, layout::kUnprotected, layout::kUnprotected))});
    EXPECT_EQ(exit.gprs[0], 0u);  // a read shows no value
    EnterArgs args;
    args.flags = run::kFlagEmulMmio;
    args.gprs[0] = c.host_value;
    RealmCpuContext seen{};
    run_steps({step([&](RealmCpuContext& ctx) { seen = ctx; }, trap::irq())}, args);
    EXPECT_EQ(seen.x[c.access.rt], c.expected) << std::hex << c.host_value;
    EXPECT_EQ(seen.pc, kFaultPc + 4);
  }
}

TEST_F(RecExitTest, ReadIntoXzrChangesNoRegister) {
  const uint64_t esr = trap::data_abort_esr({.rt = 31});
  run_steps({step(at_fault_pc, trap::data_abort(esr, layout::kUnprotected, layout::kUnprotected))});
  const RealmCpuContext before = cpu();
  EnterArgs args;
  args.flags = run::kFlagEmulMmio;
  args.gprs[0] = 0x77;
  RealmCpuContext seen{};
  run_steps({step([&](RealmCpuContext& ctx) { seen = ctx; }, trap::irq())}, args);
  for (unsigned i = 0; i < 31; ++i) EXPECT_EQ(seen.x[i], before.x[i]);
}

TEST_F(RecExitTest, UnprotectedAbortWithoutSyndromeIsShownButCannotBeEmulated) {
  const uint64_t esr = trap::ec(0x24) | trap::kIl | (uint64_t{1} << 6) | 0x06;  // ISV = 0, write, level 2
  const ExitView exit =
      run_steps({step(at_fault_pc, trap::data_abort(esr, layout::kUnprotected, layout::kUnprotected + 0x10))});
  EXPECT_EQ(exit.esr, trap::ec(0x24) | (uint64_t{1} << 6) | 0x06);
  EXPECT_EQ(exit.far, 0x10u);
  EXPECT_EQ(exit.gprs[0], 0u);  // no syndrome, no register named: nothing disclosed
}

TEST_F(RecExitTest, InjectSeaAfterAnUnprotectedAbortRaisesItInTheRealm) {
  const uint64_t esr = trap::data_abort_esr({.rt = 3}) | (uint64_t{1} << 10) | (uint64_t{1} << 7);  // FnV, S1PTW
  const uint64_t far = layout::kUnprotected + 0x44;
  run_steps({step(at_fault_pc, trap::data_abort(esr, layout::kUnprotected, far))});
  EnterArgs args;
  args.flags = run::kFlagInjectSea | run::kFlagEmulMmio;  // EMUL_MMIO is ignored with INJECT_SEA
  args.gprs[0] = 0x99;
  const uint64_t x3_before = cpu().x[3];
  run_steps({step([](RealmCpuContext&) {}, trap::irq())}, args);
  // ESR_EL1: the syndrome, EC "from EL1", FSC = SEA, EA set, FnV and S1PTW cleared.
  const uint64_t kept = esr & ~(trap::ec(0x3F) | 0x3F | (uint64_t{1} << 10) | (uint64_t{1} << 7));
  expect_sea_injected(kept | trap::ec(0x25) | (uint64_t{1} << 9) | 0x10, far);
  EXPECT_EQ(cpu().x[3], x3_before);
}

// --- Data aborts inside the PAR -----------------------------------------------------------------------------

TEST_F(RecExitTest, AbortOnUnmappedRamOrDestroyedPageGoesToTheHostWithoutDetails) {
  for (uint64_t ipa : {layout::kUnmappedRam, layout::kDestroyed, layout::kL2RamBlock + 0x5000}) {
    const uint64_t esr = trap::data_abort_esr({.write = true, .rt = 5}) | (uint64_t{1} << 9);
    const ExitView exit = run_steps({step(at_fault_pc, trap::data_abort(esr, ipa, ipa + 0x18))});
    EXPECT_EQ(exit.reason, kExitSync);
    EXPECT_EQ(exit.esr, trap::ec(0x24) | (uint64_t{1} << 9) | 0x07) << std::hex << ipa;  // EC, EA, FSC
    EXPECT_EQ(exit.far, 0u);
    EXPECT_EQ(exit.hpfar, trap::hpfar_of(ipa));
    EXPECT_EQ(exit.gprs[0], 0u);
    EXPECT_EQ(cpu().pc, kFaultPc);
    EnterArgs args;
    args.flags = run::kFlagEmulMmio;
    expect_refused(kRmiErrorRec, rec(0), args);
    args.flags = run::kFlagInjectSea;
    expect_refused(kRmiErrorRec, rec(0), args);
  }
}

TEST_F(RecExitTest, AbortOnEmptyPageOrBeyondTheIpaSpaceIsInjectedWithoutExit) {
  for (uint64_t ipa : {layout::kUnassignedEmpty, layout::kAssignedEmpty, layout::kIpaSize, layout::kIpaSize * 4}) {
    const uint64_t esr = trap::data_abort_esr({.rt = 1});
    const uint64_t far = ipa + 0x28;
    run_steps({step(at_fault_pc, trap::data_abort(esr, ipa, far)),
               step([](RealmCpuContext&) {}, trap::irq())});
    const uint64_t kept = esr & ~(trap::ec(0x3F) | 0x3F);
    expect_sea_injected(kept | trap::ec(0x25) | (uint64_t{1} << 9) | 0x10, far);
  }
}

TEST_F(RecExitTest, AbortFromEl0IsInjectedAsALowerElAbort) {
  const uint64_t esr = trap::data_abort_esr({});
  RealmCpuContext seen{};
  run_steps({step(
                 [](RealmCpuContext& ctx) {
                   at_fault_pc(ctx);
                   ctx.pstate = 0x0;  // EL0t
                 },
                 trap::data_abort(esr, layout::kUnassignedEmpty, layout::kUnassignedEmpty)),
             step([&](RealmCpuContext& ctx) { seen = ctx; }, trap::irq())});
  EXPECT_EQ(seen.esr_el1 >> 26, 0x24u);
  EXPECT_EQ(seen.pc, kVbar + 0x400);
  EXPECT_EQ(seen.spsr_el1, 0u);
}

TEST_F(RecExitTest, Aarch32AccessToUnprotectedIpaIsNotEmulatable) {
  const uint64_t esr = trap::data_abort_esr({.write = true, .rt = 5});
  const ExitView exit = run_steps({step(
      [](RealmCpuContext& ctx) {
        at_fault_pc(ctx);
        ctx.pstate = 0x10;  // AArch32 User
      },
      trap::data_abort(esr, layout::kUnprotected, layout::kUnprotected + 4))});
  EXPECT_EQ(exit.esr, trap::ec(0x24) | 0x07);
  EXPECT_EQ(exit.far, 0u);
  EXPECT_EQ(exit.gprs[0], 0u);
  EnterArgs args;
  args.flags = run::kFlagEmulMmio;
  expect_refused(kRmiErrorRec, rec(0), args);
}

// --- Synchronous external aborts ---------------------------------------------------------------------------

TEST_F(RecExitTest, RecoverableExternalAbortIsInjectedAndReported) {
  const uint64_t esr = trap::data_abort_esr({.write = true, .rt = 5, .fsc = 0x10});  // SET = UER (0)
  const uint64_t far = layout::kUnprotected + 8;
  const ExitView exit = run_steps({step(at_fault_pc, trap::data_abort(esr, layout::kUnprotected, far))});
  EXPECT_EQ(exit.reason, kExitSync);
  EXPECT_EQ(exit.esr, trap::ec(0x24) | 0x10);
  EXPECT_EQ(exit.far, 0u);
  EXPECT_EQ(exit.hpfar, 0u);
  EXPECT_EQ(exit.gprs[0], 0u);
  const uint64_t kept = esr & ~(trap::ec(0x3F) | 0x3F);
  expect_sea_injected(kept | trap::ec(0x25) | (uint64_t{1} << 9) | 0x10, far);
}

TEST_F(RecExitTest, RestartableExternalAbortIsReportedOnly) {
  const uint64_t esr = trap::data_abort_esr({.fsc = 0x15}) | (uint64_t{0b11} << 11);  // SEA on walk L1, UEO
  const ExitView exit = run_steps({step(at_fault_pc, trap::data_abort(esr, layout::kMappedFirst, 0x40))});
  EXPECT_EQ(exit.esr, trap::ec(0x24) | (uint64_t{0b11} << 11) | 0x15);
  EXPECT_EQ(cpu().pc, kFaultPc);
  EXPECT_EQ(cpu().esr_el1, 0u);
}

// --- Instruction aborts ------------------------------------------------------------------------------------------

TEST_F(RecExitTest, InstructionAbortOnUnmappedProtectedPageGoesToTheHost) {
  const ExitView exit = run_steps({step(at_fault_pc, trap::instruction_abort(0x07, layout::kUnmappedRam + 0x1000,
                                                                             layout::kUnmappedRam + 0x1010))});
  EXPECT_EQ(exit.reason, kExitSync);
  EXPECT_EQ(exit.esr, trap::ec(0x20) | 0x07);
  EXPECT_EQ(exit.hpfar, trap::hpfar_of(layout::kUnmappedRam + 0x1000));
  EXPECT_EQ(exit.far, 0u);
}

TEST_F(RecExitTest, InstructionAbortOutsideThePrOrOnEmptyPagesIsInjected) {
  for (uint64_t ipa : {layout::kUnprotected, layout::kUnassignedEmpty, layout::kIpaSize}) {
    run_steps({step(at_fault_pc, trap::instruction_abort(0x07, ipa, ipa + 4)), step([](RealmCpuContext&) {}, trap::irq())});
    expect_sea_injected(trap::kIl | trap::ec(0x21) | (uint64_t{1} << 9) | 0x10, ipa + 4);
  }
}

TEST_F(RecExitTest, InstructionAbortOtherThanTranslationFaultDisclosesNothing) {
  const ExitView exit =
      run_steps({step(at_fault_pc, trap::instruction_abort(0x0F /*permission L3*/, layout::kMappedFirst, 0x10))});
  expect_only_reason(exit, kExitSync);
}

// --- System registers ----------------------------------------------------------------------------------------------

TEST_F(RecExitTest, GicSgiWriteGoesToTheHostWithTheValue) {
  const RealmTrap sgi1r = trap::sysreg(3, 0, 12, 11, 5, 3, /*read=*/false);
  const ExitView exit = run_steps({step(
      [](RealmCpuContext& ctx) {
        ctx.pc = 0x1400;
        ctx.x[3] = 0x0001'0000'0000'0001;
      },
      sgi1r)});
  EXPECT_EQ(exit.reason, kExitSync);
  EXPECT_EQ(exit.esr, sgi1r.esr_el2);  // unmasked
  EXPECT_EQ(exit.gprs[0], 0x0001'0000'0000'0001u);
  EXPECT_EQ(cpu().pc, 0x1404u);
}

TEST_F(RecExitTest, GicRegisterReadIsCompletedByTheNextEntry) {
  const RealmTrap pmr_read = trap::sysreg(3, 0, 4, 6, 0, 9, /*read=*/true);
  const ExitView exit = run_steps({step([](RealmCpuContext& ctx) { ctx.pc = 0x1400; }, pmr_read)});
  EXPECT_EQ(exit.esr, pmr_read.esr_el2);
  EXPECT_EQ(exit.gprs[0], 0u);
  EnterArgs args;
  args.gprs[0] = 0xF0;
  RealmCpuContext seen{};
  run_steps({step([&](RealmCpuContext& ctx) { seen = ctx; }, trap::irq())}, args);
  EXPECT_EQ(seen.x[9], 0xF0u);
  EXPECT_EQ(seen.pc, 0x1404u);
}

TEST_F(RecExitTest, OtherTrappedRegistersReadAsZeroAndIgnoreWritesInsideTheMonitor) {
  RealmCpuContext seen{};
  run_steps({step(
                 [](RealmCpuContext& ctx) {
                   ctx.pc = 0x1400;
                   ctx.x[4] = 0x55;
                 },
                 trap::sysreg(3, 0, 0, 4, 0, 4, /*read=*/true)),  // ID_AA64PFR0_EL1
             step([](RealmCpuContext& ctx) { ctx.x[6] = 0x66; },
                  trap::sysreg(3, 3, 9, 12, 0, 6, /*read=*/false)),  // PMCR_EL0 write
             step([&](RealmCpuContext& ctx) { seen = ctx; }, trap::irq())});
  EXPECT_EQ(seen.x[4], 0u);
  EXPECT_EQ(seen.x[6], 0x66u);
  EXPECT_EQ(seen.pc, 0x1408u);
}

TEST_F(RecExitTest, UnknownExceptionClassExitsWithNoSyndrome) {
  const ExitView exit =
      run_steps({step(at_fault_pc, trap::sync_with_esr(trap::ec(0x07) | trap::kIl | 0x1234))});  // FP access
  expect_only_reason(exit, kExitSync);
  EXPECT_EQ(cpu().pc, kFaultPc);
}

// --- Bounded work per REC_ENTER -------------------------------------------------------------------------------------

TEST_F(RecExitTest, RealmCannotKeepTheHostOutWithCallsTheMonitorAnswers) {
  const uint64_t version = abi::rsi_fid(abi::RsiCommand::kVersion);
  std::vector<CpuStep> steps;
  for (unsigned i = 0; i <= kMaxRealmResumesPerEntry; ++i) {
    steps.push_back(smc_step(0x1000 + 8 * i, {version, 0x10000}));
  }
  const ExitView exit = run_steps(std::move(steps));
  expect_only_reason(exit, kExitIrq);
  EXPECT_EQ(platform_.run_count(), kMaxRealmResumesPerEntry + 1);
  // The last call completed before the host got control.
  EXPECT_EQ(cpu().pc, 0x1000 + 8 * kMaxRealmResumesPerEntry + 4);
  EXPECT_EQ(cpu().x[1], 0x10000u);
}

TEST_F(RecExitTest, HandledExitsLeaveNothingInTheExitRecord) {
  // A host call fills gprs and imm; an IRQ exit after a handled call must
  // not show any of it.
  run_steps({smc_step(0x1000, {abi::rsi_fid(abi::RsiCommand::kHostCall), 0x2000})});
  EXPECT_EQ(exit_view().reason, 5u);
  const uint64_t version = abi::rsi_fid(abi::RsiCommand::kVersion);
  expect_only_reason(run_steps({smc_step(0x1004, {version, 0x10000}), step([](RealmCpuContext&) {}, trap::irq())}),
                     kExitIrq);
}

}  // namespace
}  // namespace mica::monitor::testing
