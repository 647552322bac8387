// RealmCpuContext round trips: what the monitor loads is what the realm
// sees, what the realm writes is what the monitor gets back, and exceptions
// the monitor injects by editing the context are taken by the realm.
#include "cpu_fixture.h"

namespace mica::vcpu::test {
namespace {

using Kind = monitor::RealmTrap::Kind;

TEST_F(CpuTest, ContextLoadsIntoAndStoresFromTheCpu) {
  load_program("sysregs");
  ctx_.mpidr_el1 = 0x80000103;
  ctx_.elr_el1 = 0xE1;
  ctx_.spsr_el1 = 0x200003C4;
  ctx_.esr_el1 = 0x56000001;
  ctx_.far_el1 = 0xFA;
  ctx_.vbar_el1 = 0x800;
  ctx_.tpidr_el0 = 1;
  ctx_.tpidr_el1 = 2;
  ctx_.tpidrro_el0 = 3;
  ctx_.sp_el0 = 0x5000;
  ctx_.sp_el1 = 0x6000;
  ctx_.pstate = 0x90000000 | kPstateEl1h;  // N and V set
  ASSERT_TRUE(is_sync(run(), esr::Ec::kHvc64));
  EXPECT_EQ(ctx_.x[1], 0x80000103u);  // MPIDR_EL1 reads the REC's VMPIDR
  EXPECT_EQ(ctx_.x[2], 0xE1u);
  EXPECT_EQ(ctx_.x[3], 0x200003C4u);
  EXPECT_EQ(ctx_.x[4], 0x56000001u);
  EXPECT_EQ(ctx_.x[5], 0xFAu);
  EXPECT_EQ(ctx_.x[6], 0x800u);
  EXPECT_EQ(ctx_.x[7], 1u);
  EXPECT_EQ(ctx_.x[8], 2u);
  EXPECT_EQ(ctx_.x[9], 3u);
  EXPECT_EQ(ctx_.x[10], ctx_.sctlr_el1);
  EXPECT_EQ(ctx_.x[11], 3u << 20);
  EXPECT_EQ(ctx_.x[12], 4u);  // CurrentEL: EL1
  EXPECT_EQ(ctx_.x[13], 0x6000u);
  EXPECT_EQ(ctx_.x[14], 0x5000u);
  EXPECT_EQ(ctx_.x[15], 0x90000000u);
  EXPECT_EQ(ctx_.x[16], 0x3C0u);
  // The values the monitor loaded are still in the context.
  EXPECT_EQ(ctx_.elr_el1, 0xE1u);
  EXPECT_EQ(ctx_.spsr_el1, 0x200003C4u);

  ASSERT_TRUE(is_sync(run(), esr::Ec::kHvc64));
  EXPECT_EQ(ctx_.elr_el1, 0x1230u);
  EXPECT_EQ(ctx_.spsr_el1, 0x3C4u);
  EXPECT_EQ(ctx_.esr_el1, 0x56000000u);
  EXPECT_EQ(ctx_.far_el1, 0xFA00u);
  EXPECT_EQ(ctx_.vbar_el1, 0x8000u);
  EXPECT_EQ(ctx_.tpidr_el0, 0x11u);
  EXPECT_EQ(ctx_.tpidr_el1, 0x22u);
  EXPECT_EQ(ctx_.tpidrro_el0, 0x33u);
  EXPECT_EQ(ctx_.sp_el0, 0x7000u);
  EXPECT_EQ(ctx_.sp_el1, 0x9000u);
  EXPECT_EQ(ctx_.pstate, 0x60000000u | 0x340u | 0x5u);  // C, V; IRQ unmasked; EL1h
  EXPECT_EQ(ctx_.mpidr_el1, 0x80000103u);
}

TEST_F(CpuTest, ExceptionsTheMonitorInjectsAreTakenAtTheVector) {
  load_program("vectors_report");
  ctx_.vbar_el1 = 0x800;
  // A synchronous external abort injected while the realm ran at EL1h.
  ctx_.spsr_el1 = kPstateEl1h | 0x40000000;
  ctx_.elr_el1 = 0x0;
  ctx_.esr_el1 = 0x96000010;
  ctx_.far_el1 = 0x4000;
  ctx_.pc = 0x800 + 0x200;
  ctx_.pstate = kPstateEl1h;
  monitor::RealmTrap t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kHvc64));
  EXPECT_EQ(iss(t), 0x200u);
  EXPECT_EQ(ctx_.x[20], 0x96000010u);
  EXPECT_EQ(ctx_.x[21], 0x0u);
  EXPECT_EQ(ctx_.x[22], 0x4000u);
  EXPECT_EQ(ctx_.x[23], kPstateEl1h | 0x40000000);
  EXPECT_EQ(ctx_.pc, 0x800u + 0x200 + 0x14);

  // An UNDEF injected for an HVC made at EL0: the lower-EL vector.
  ctx_.spsr_el1 = 0;  // EL0t
  ctx_.elr_el1 = 0x1234;
  ctx_.esr_el1 = 0x02000000;
  ctx_.pc = 0x800 + 0x400;
  ctx_.pstate = kPstateEl1h;
  t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kHvc64));
  EXPECT_EQ(iss(t), 0x400u);
  EXPECT_EQ(ctx_.x[20], 0x02000000u);
  EXPECT_EQ(ctx_.x[21], 0x1234u);
  EXPECT_EQ(ctx_.x[23], 0u);
}

TEST_F(CpuTest, FpSimdStateStaysWithTheRecsCpu) {
  load_program("fp");
  const uint64_t bits_a = 0x4045000000000000;  // 42.0
  const uint64_t bits_b = 0x3FF0000000000000;  // 1.0
  ctx_.x[1] = bits_a;
  monitor::RealmCpuContext b = context_at(0);
  b.x[1] = bits_b;
  ASSERT_TRUE(is_sync(run(), esr::Ec::kHvc64));
  ASSERT_TRUE(is_sync(cpus_.run(kRecB, b, s2_.config(), 1000), esr::Ec::kHvc64));
  ASSERT_TRUE(is_sync(run(), esr::Ec::kHvc64));
  ASSERT_TRUE(is_sync(cpus_.run(kRecB, b, s2_.config(), 1000), esr::Ec::kHvc64));
  EXPECT_EQ(ctx_.x[2], bits_a);
  EXPECT_EQ(b.x[2], bits_b);
}

TEST_F(CpuTest, UnsupportedStatesAndConfigurationsAreRefused) {
  load_program("loop");
  ctx_.pstate = 0x3C9;  // EL2h
  monitor::RealmTrap t = run();
  EXPECT_EQ(t.kind, Kind::kFatal);
  EXPECT_EQ(t.esr_el2, static_cast<uint64_t>(FatalReason::kUnsupportedCpuState));
  ctx_.pstate = 0x3D0;  // AArch32 User
  EXPECT_EQ(run().esr_el2, static_cast<uint64_t>(FatalReason::kUnsupportedCpuState));
  EXPECT_EQ(ctx_.x[0], 0u);

  ctx_.pstate = kPstateEl1h;
  monitor::Stage2Config bad = s2_.config();
  bad.num_root_rtts = 1;  // 40 bits at level 1 need two
  t = cpus_.run(kRecA, ctx_, bad, 100);
  EXPECT_EQ(t.kind, Kind::kFatal);
  EXPECT_EQ(t.esr_el2, static_cast<uint64_t>(FatalReason::kInvalidStage2Config));
  EXPECT_EQ(ctx_.pc, 0u);
  EXPECT_EQ(run(100).kind, Kind::kIrq);
}

}  // namespace
}  // namespace mica::vcpu::test
