// Traps to EL2 (SMC, HVC, WFx, MSR/MRS), the instruction budget, and the
// exceptions the CPU takes to the realm's own EL1.
#include "cpu_fixture.h"

namespace mica::vcpu::test {
namespace {

using Kind = monitor::RealmTrap::Kind;

TEST_F(CpuTest, SmcTrapsWithTheFunctionIdAndPointsAtTheSmc) {
  load_program("smc");
  monitor::RealmTrap t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kSmc64));
  EXPECT_EQ(t.esr_el2, 0x5E000000u);  // EC 0x17, IL, imm16 0
  EXPECT_EQ(t.far_el2, 0u);
  EXPECT_EQ(t.hpfar_el2, 0u);
  EXPECT_EQ(ctx_.pc, 0x0Cu);  // the SMC itself
  EXPECT_EQ(ctx_.x[0], 0xC4000190u);
  EXPECT_EQ(ctx_.x[1], 0x10000u);

  // The monitor completes the call: result in x0, PC past the SMC.
  ctx_.x[0] = 0;
  ctx_.pc += 4;
  t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kSmc64));
  EXPECT_EQ(iss(t), 0x12u);
  EXPECT_EQ(ctx_.pc, 0x1Cu);
  EXPECT_EQ(ctx_.x[0], 0xC4000199u);
  EXPECT_EQ(ctx_.x[10], 0u);

  ctx_.x[0] = 0xAB;
  ctx_.pc += 4;
  t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kHvc64));
  EXPECT_EQ(t.esr_el2, 0x5A000034u);  // EC 0x16, IL, imm16 0x34
  EXPECT_EQ(ctx_.pc, 0x28u);          // after the HVC
  EXPECT_EQ(ctx_.x[11], 0xABu);
  EXPECT_EQ(cpus_.last_run().instructions, 2u);  // mov x11 and the hvc
}

TEST_F(CpuTest, WfiAndWfeTrapBeforeExecutingWithTheTiBit) {
  load_program("wfx");
  monitor::RealmTrap t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kWfx));
  EXPECT_EQ(t.esr_el2, 0x07E00000u);  // EC 0x01, IL, CV, COND 0xE, TI 0 (WFI)
  EXPECT_EQ(ctx_.pc, 0x0u);
  ctx_.pc += 4;
  t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kWfx));
  EXPECT_EQ(t.esr_el2, 0x07E00001u);  // TI 1 (WFE)
  EXPECT_EQ(ctx_.pc, 0x4u);
  ctx_.pc += 4;
  EXPECT_TRUE(is_sync(run(), esr::Ec::kHvc64));
}

TEST_F(CpuTest, GicCpuInterfaceAccessesTrapToEl2AndIdRegistersReadNatively) {
  load_program("sysreg_trap");
  ctx_.x[4] = 0x1234;
  monitor::RealmTrap t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kSysReg));
  // msr ICC_SGI1R_EL1, x4: Op0 3, Op2 5, Op1 0, CRn 12, Rt 4, CRm 11, write.
  EXPECT_EQ(t.esr_el2, 0x62000000u | (3u << 20) | (5u << 17) | (12u << 10) | (4u << 5) | (11u << 1));
  EXPECT_EQ(ctx_.pc, 0x4u);
  EXPECT_EQ(ctx_.x[4], 0x1234u);
  EXPECT_EQ(ctx_.x[3], 0x2222u);  // ID_AA64PFR0_EL1 of the Cortex-A72 model: EL0-EL3 AArch64+32
  ctx_.pc += 4;
  t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kSysReg));
  // mrs x5, ICC_IAR1_EL1: CRn 12, CRm 12, Op2 0, Rt 5, read.
  EXPECT_EQ(iss(t), (3u << 20) | (12u << 10) | (5u << 5) | (12u << 1) | 1u);
  EXPECT_EQ(ctx_.pc, 0x8u);
  ctx_.x[5] = 0x1F;  // the monitor completes the read
  ctx_.pc += 4;
  t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kHvc64));
  EXPECT_EQ(ctx_.x[5], 0x1Fu);
  EXPECT_EQ(ctx_.x[6], 0x410FD083u);  // MIDR_EL1: Cortex-A72 r0p3
}

// RNDR/RNDRRS: random values without an exit (the host never sees them),
// NZCV cleared as on success.
TEST_F(CpuTest, RandomNumberReadsCompleteInTheCpuWithFreshValues) {
  load_program("rndr");
  const monitor::RealmTrap t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kHvc64)) << "stopped at PC " << ctx_.pc;
  EXPECT_EQ(ctx_.x[2], 0u);  // NZCV after RNDR: 0000 (it was 1111)
  EXPECT_EQ(ctx_.x[5], 0u);
  // Three 64-bit draws: equal ones would mean a broken generator (p < 2^-62).
  EXPECT_NE(ctx_.x[1], ctx_.x[3]);
  EXPECT_NE(ctx_.x[3], ctx_.x[4]);
  EXPECT_NE(ctx_.x[1], ctx_.x[30]);
  EXPECT_NE(ctx_.x[1] | ctx_.x[3], 0u);
}

TEST_F(CpuTest, BudgetExhaustionGivesIrqAndTheNextRunResumesExactly) {
  load_program("loop");
  monitor::RealmTrap t = run(1000);
  EXPECT_EQ(t.kind, Kind::kIrq);
  EXPECT_EQ(cpus_.last_run().instructions, 1000u);
  EXPECT_EQ(ctx_.x[0], 500u);  // add + branch per iteration
  EXPECT_EQ(ctx_.pc, 0x0u);    // the next add
  t = run(7);
  EXPECT_EQ(t.kind, Kind::kIrq);
  EXPECT_EQ(ctx_.x[0], 504u);
  EXPECT_EQ(ctx_.pc, 0x4u);  // the branch comes next
  t = run(1);
  EXPECT_EQ(t.kind, Kind::kIrq);
  EXPECT_EQ(ctx_.x[0], 504u);
  EXPECT_EQ(ctx_.pc, 0x0u);
  // A zero budget runs nothing.
  t = run(0);
  EXPECT_EQ(t.kind, Kind::kIrq);
  EXPECT_EQ(ctx_.pc, 0x0u);
  EXPECT_EQ(ctx_.x[0], 504u);
}

TEST_F(CpuTest, SpinningRealmIsPreemptedEveryTime) {
  load_program("loop");
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(run(10'000).kind, Kind::kIrq);
  }
  EXPECT_EQ(ctx_.x[0], 250'000u);
}

TEST_F(CpuTest, ExceptionsToTheRealmsOwnEl1GoThroughItsVectors) {
  load_program("exceptions");
  s2_.map_ram(0x6000, 2);  // EL0 stack
  // SVC from EL1h: vector +0x200, ELR past the SVC.
  monitor::RealmTrap t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kHvc64));
  EXPECT_EQ(iss(t), 0x200u);
  EXPECT_EQ(ctx_.x[20], 0x56000077u);  // ESR_EL1: EC 0x15, IL, imm 0x77
  EXPECT_EQ(ctx_.x[21], 0x10u);        // ELR_EL1 after the svc at 0xc
  EXPECT_EQ(ctx_.x[23], kPstateEl1h);  // SPSR_EL1
  EXPECT_EQ(ctx_.vbar_el1, 0x800u);
  EXPECT_EQ(cpus_.last_run().el1_exceptions, 1u);
  // UDF: EC 0 (unknown), ELR at the UDF.
  t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kHvc64));
  EXPECT_EQ(ctx_.x[20], 0x02000000u);
  EXPECT_EQ(ctx_.x[21], 0x10u);
  // BRK: EC 0x3C with the immediate, ELR at the BRK.
  t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kHvc64));
  EXPECT_EQ(ctx_.x[20], 0xF2000005u);
  EXPECT_EQ(ctx_.x[21], 0x14u);
  // ERET to EL0, SVC from EL0: the lower-EL vector (+0x400).
  t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kHvc64));
  EXPECT_EQ(iss(t), 0x400u);
  EXPECT_EQ(ctx_.x[20], 0x56000099u);
  EXPECT_EQ(ctx_.x[23], 0u);  // SPSR_EL1: EL0t
  EXPECT_EQ(ctx_.x[25], 1u);
  // UDF from EL0.
  t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kHvc64));
  EXPECT_EQ(iss(t), 0x400u);
  EXPECT_EQ(ctx_.x[20], 0x02000000u);
  EXPECT_EQ(ctx_.x[26], 2u);
  // Back at EL0 spinning: preempted there, then resumed at EL0.
  t = run(100);
  EXPECT_EQ(t.kind, Kind::kIrq);
  EXPECT_EQ(ctx_.pstate & 0xF, 0u);  // EL0t
  EXPECT_EQ(ctx_.x[27], 3u);
  const uint64_t count = ctx_.x[28];
  t = run(10);
  EXPECT_EQ(t.kind, Kind::kIrq);
  EXPECT_EQ(ctx_.x[28], count + 5);
  EXPECT_EQ(ctx_.pstate & 0xF, 0u);
  EXPECT_EQ(ctx_.sp_el0, 0x7000u);
}

TEST_F(CpuTest, AlignmentFaultOfAnExclusiveGoesToTheRealmsVector) {
  load_program("alignment");
  s2_.map_ram(0x10000, 1);
  ctx_.x[1] = 0x10004;
  const monitor::RealmTrap t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kHvc64));
  EXPECT_EQ(iss(t), 0x200u);
  EXPECT_EQ(ctx_.x[20], 0x96000021u);  // EC 0x25 (same EL), IL, alignment fault
  EXPECT_EQ(ctx_.x[21], 0xCu);         // ELR: the LDXR
  EXPECT_EQ(ctx_.x[22], 0x10004u);     // FAR: its address
  EXPECT_EQ(ctx_.x[2], 0u);
}

TEST_F(CpuTest, ExceptionLoopAtAnUnreachableVectorStillEndsAtTheBudget) {
  load_program("vector_loop");
  const monitor::RealmTrap t = run(1000);
  EXPECT_EQ(t.kind, Kind::kIrq);
  const RunInfo info = cpus_.last_run();
  EXPECT_EQ(info.instructions, 1000u);
  EXPECT_EQ(info.el1_exceptions, 1000u - 4);  // after the 4 instructions of the program
  EXPECT_EQ(ctx_.pc, 0x1000'0000'0000u + 0x200);
  EXPECT_EQ(ctx_.esr_el1, 0x86000000u);  // instruction abort, address size fault level 0
  EXPECT_EQ(ctx_.far_el1, 0x1000'0000'0000u + 0x200);
}

}  // namespace
}  // namespace mica::vcpu::test
