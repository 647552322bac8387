// The CPU's view of memory: exactly what the stage-2 tables map, with their
// permissions; aborts with the syndromes hardware reports; TLB maintenance;
// refusal of layouts too fragmented to run.
#include <functional>
#include <vector>

#include "cpu_fixture.h"

namespace mica::vcpu::test {
namespace {

using Kind = monitor::RealmTrap::Kind;

constexpr uint64_t kDataIpa = 0x10000;
constexpr uint64_t kUnprotectedIpa = uint64_t{1} << 39;  // upper half of a 40-bit IPA space

struct Abort {
  uint64_t pc, esr, far, hpfar;
};

// Runs until the program's HVC, resuming every data abort at the next
// instruction (as the monitor does after emulating MMIO).
std::vector<Abort> collect_aborts(monitor::RealmCpuContext& ctx,
                                  const std::function<monitor::RealmTrap()>& run) {
  std::vector<Abort> aborts;
  for (int i = 0; i < 64; ++i) {
    const monitor::RealmTrap t = run();
    if (t.kind != Kind::kSync || esr::ec_of(t.esr_el2) != esr::Ec::kDataAbortLowerEl) break;
    aborts.push_back(Abort{ctx.pc, t.esr_el2, t.far_el2, t.hpfar_el2});
    ctx.pc += 4;
  }
  return aborts;
}

TEST_F(CpuTest, PhysicallyScatteredPagesRunAsOneRegion) {
  load_program("memory");
  constexpr uint64_t kPages = 64;
  std::vector<uint64_t> pas;
  for (uint64_t i = 0; i < kPages; ++i) {
    pas.push_back(m_.alloc(Pas::kRealm));
    m_.alloc(Pas::kNonSecure);  // a hole: no two pages are physically adjacent
    s2_.map_page(kDataIpa + i * kGranule, pas.back(), kRw);
  }
  ctx_.x[1] = kDataIpa;
  ctx_.x[2] = kPages;
  const monitor::RealmTrap t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kHvc64));
  const uint64_t words = kPages * kGranule / 8;
  EXPECT_EQ(ctx_.x[0], 3 * words * (words - 1) / 2);
  // The realm's stores landed in the physical pages the tables name.
  for (uint64_t i = 0; i < kPages; ++i) {
    EXPECT_EQ(m_.read<uint64_t>(pas[i]), 3 * (i * 512));
    EXPECT_EQ(m_.read<uint64_t>(pas[i] + kGranule - 8), 3 * (i * 512 + 511));
  }
  EXPECT_EQ(cpus_.mapped_regions(kRecA), 2u);  // the code page and the RAM run
  EXPECT_EQ(cpus_.host_mappings_in_use(), 1u + kPages);
}

TEST_F(CpuTest, BlockMappingsAreUsable) {
  load_program("memory");
  const uint64_t area = m_.alloc_contiguous(1024);
  const uint64_t block = (area + (2 << 20) - 1) & ~uint64_t{(2 << 20) - 1};
  for (uint64_t pa = block; pa < block + (2 << 20); pa += kGranule) m_.set_pas(pa, Pas::kRealm);
  s2_.map_block(0x20'0000, block, 2, kRw);
  ctx_.x[1] = 0x20'0000;
  ctx_.x[2] = 512;
  ASSERT_TRUE(is_sync(run(), esr::Ec::kHvc64));
  const uint64_t words = 512 * kGranule / 8;
  EXPECT_EQ(ctx_.x[0], 3 * words * (words - 1) / 2);
  EXPECT_EQ(m_.read<uint64_t>(block + 8), 3u);
}

TEST_F(CpuTest, UnmappedIpaGivesTranslationFaultsWithExactSyndromes) {
  load_program("accesses");
  ctx_.x[1] = kDataIpa;  // inside the level-3 table of the code page, entry invalid
  ctx_.x[5] = 0x5555;
  ctx_.x[7] = 0x7777;
  ctx_.x[13] = 3;
  const std::vector<Abort> aborts = collect_aborts(ctx_, [&] { return run(); });
  const std::vector<Abort> expected = {
      {0x00, 0x93850047, 0x10000, 0x100},  // str w5: ISV SAS=2 SRT=5 WnR, L3 translation
      {0x04, 0x93060047, 0x10001, 0x100},  // strb w6: SAS=0 SRT=6
      {0x08, 0x93C78007, 0x10008, 0x100},  // ldr x7: SAS=3 SRT=7 SF
      {0x0C, 0x93630007, 0x10002, 0x100},  // ldrsh w3: SAS=1 SSE SRT=3
      {0x10, 0x93298007, 0x10000, 0x100},  // ldrsb x9: SAS=0 SSE SRT=9 SF
      {0x14, 0x93AA8007, 0x10004, 0x100},  // ldrsw x10: SAS=2 SSE SRT=10 SF
      {0x18, 0x92000047, 0x10000, 0x100},  // str x5, [x1], #8: writeback, ISV=0
      {0x1C, 0x92000007, 0x10000, 0x100},  // ldp: ISV=0
      {0x20, 0x93854047, 0x10000, 0x100},  // stlr w5: AR
      {0x24, 0x93DF8047, 0x10010, 0x100},  // str xzr: SRT=31 SF
      {0x28, 0x93CC8007, 0x10018, 0x100},  // ldr x12, [x1, x13, lsl #3]
      {0x2C, 0x934E0047, 0x10006, 0x100},  // strh w14: SAS=1 SRT=14
  };
  ASSERT_EQ(aborts.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(aborts[i].pc, expected[i].pc);
    EXPECT_EQ(aborts[i].esr, expected[i].esr);
    EXPECT_EQ(aborts[i].far, expected[i].far);
    EXPECT_EQ(aborts[i].hpfar, expected[i].hpfar);
  }
  // No faulting instruction changed a register: no load result, no writeback.
  EXPECT_EQ(ctx_.x[1], kDataIpa);
  EXPECT_EQ(ctx_.x[7], 0x7777u);
  EXPECT_EQ(ctx_.x[3], 0u);
  EXPECT_EQ(ctx_.pc, 0x34u);  // after the final HVC
}

TEST_F(CpuTest, TranslationFaultLevelFollowsTheWalk) {
  load_program("accesses");
  const struct {
    uint64_t ipa;
    uint64_t dfsc;
  } cases[] = {{0x40'0000, 0x06}, {0x4000'0000, 0x05}, {uint64_t{1} << 40, 0x04}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.ipa);
    ctx_ = context_at(0);
    ctx_.x[1] = c.ipa;
    const monitor::RealmTrap t = run();
    ASSERT_TRUE(is_sync(t, esr::Ec::kDataAbortLowerEl));
    EXPECT_EQ(t.esr_el2 & 0x3F, c.dfsc);
    EXPECT_EQ(t.far_el2, c.ipa);
    EXPECT_EQ(t.hpfar_el2, c.ipa >> 8);
  }
}

TEST_F(CpuTest, WriteToReadOnlyPageIsAPermissionFault) {
  load_program("accesses");
  const uint64_t pa = m_.alloc(Pas::kRealm);
  for (uint64_t off = 0; off < 32; off += 8) m_.write<uint64_t>(pa + off, 0x8877665544332211ull + off);
  s2_.map_page(kDataIpa, pa, kRo);
  ctx_.x[1] = kDataIpa;
  ctx_.x[13] = 1;
  const std::vector<Abort> aborts = collect_aborts(ctx_, [&] { return run(); });
  const std::vector<Abort> expected = {
      {0x00, 0x9385004F, 0x10000, 0x100},  // str w5: L3 permission fault
      {0x04, 0x9306004F, 0x10001, 0x100},  // strb w6
      {0x18, 0x9200004F, 0x10000, 0x100},  // str x5, [x1], #8
      {0x20, 0x9385404F, 0x10000, 0x100},  // stlr w5
      {0x24, 0x93DF804F, 0x10010, 0x100},  // str xzr
      {0x2C, 0x934E004F, 0x10006, 0x100},  // strh w14
  };
  ASSERT_EQ(aborts.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(aborts[i].pc, expected[i].pc);
    EXPECT_EQ(aborts[i].esr, expected[i].esr);
    EXPECT_EQ(aborts[i].far, expected[i].far);
    EXPECT_EQ(aborts[i].hpfar, expected[i].hpfar);
  }
  // Loads completed; memory is unchanged.
  EXPECT_EQ(ctx_.x[9], static_cast<uint64_t>(int64_t{0x11}));
  EXPECT_EQ(ctx_.x[10], 0xFFFFFFFF88776655ull);  // ldrsw of 0x88776655
  EXPECT_EQ(ctx_.x[3], 0x4433u);                // ldrsh w3 of 0x4433
  EXPECT_EQ(ctx_.x[7], 0x8877665544332211ull);  // ldp x7, x8
  EXPECT_EQ(ctx_.x[8], 0x8877665544332219ull);
  EXPECT_EQ(ctx_.x[12], 0x8877665544332219ull);  // [x1, x13, lsl #3]
  EXPECT_EQ(m_.read<uint64_t>(pa), 0x8877665544332211ull);
}

TEST_F(CpuTest, InstructionAbortsOnUnmappedAndExecuteNeverPages) {
  load_program("jump");
  ctx_.x[1] = kDataIpa;
  monitor::RealmTrap t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kInstructionAbortLowerEl));
  EXPECT_EQ(t.esr_el2, 0x82000007u);  // EC 0x20, IL, L3 translation fault
  EXPECT_EQ(t.far_el2, kDataIpa);
  EXPECT_EQ(t.hpfar_el2, kDataIpa >> 8);
  EXPECT_EQ(ctx_.pc, kDataIpa);

  // Unprotected (NS) memory is mapped execute-never.
  s2_.map_page(kUnprotectedIpa, m_.alloc(Pas::kNonSecure), kRw, /*ns=*/true);
  ctx_ = context_at(0);
  ctx_.x[1] = kUnprotectedIpa;
  t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kInstructionAbortLowerEl));
  EXPECT_EQ(t.esr_el2, 0x8200000Fu);  // L3 permission fault
  EXPECT_EQ(t.far_el2, kUnprotectedIpa);
  EXPECT_EQ(t.hpfar_el2, kUnprotectedIpa >> 8);
}

TEST_F(CpuTest, TlbiRemovesAMappingAndANewOneIsWalkedAgain) {
  load_program("read_loop");
  const uint64_t first = m_.alloc(Pas::kRealm);
  m_.write<uint64_t>(first, 0x1111);
  s2_.map_page(kDataIpa, first, kRw);
  ctx_.x[1] = kDataIpa;
  ASSERT_TRUE(is_sync(run(), esr::Ec::kHvc64));
  EXPECT_EQ(ctx_.x[3], 0x1111u);

  // Breaking the entry without TLB maintenance leaves the cached translation.
  s2_.unmap(kDataIpa);
  ASSERT_TRUE(is_sync(run(), esr::Ec::kHvc64));
  EXPECT_EQ(ctx_.x[3], 0x1111u);
  // Maintenance for another VMID changes nothing.
  cpus_.tlbi_vmid(s2_.config().vmid + 1);
  ASSERT_TRUE(is_sync(run(), esr::Ec::kHvc64));
  EXPECT_EQ(ctx_.x[3], 0x1111u);

  cpus_.tlbi_ipa(s2_.config().vmid, monitor::Ipa(kDataIpa), kGranule);
  monitor::RealmTrap t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kDataAbortLowerEl));
  EXPECT_EQ(t.esr_el2, 0x93C38007u);  // ldr x3, [x1]: L3 translation fault
  EXPECT_EQ(ctx_.pc, 0x0u);

  // A new mapping is found by the next walk.
  const uint64_t second = m_.alloc(Pas::kRealm);
  m_.write<uint64_t>(second, 0x2222);
  s2_.map_page(kDataIpa, second, kRw);
  ASSERT_TRUE(is_sync(run(), esr::Ec::kHvc64));
  EXPECT_EQ(ctx_.x[3], 0x2222u);
}

TEST_F(CpuTest, GptChangeMakesAMappedGranuleUnreachable) {
  load_program("read_loop");
  const uint64_t pa = m_.alloc(Pas::kRealm);
  s2_.map_page(kDataIpa, pa, kRw);
  ctx_.x[1] = kDataIpa;
  ASSERT_TRUE(is_sync(run(), esr::Ec::kHvc64));
  m_.set_pas(pa, Pas::kNonSecure);  // no TLBI: the generation change is enough
  const monitor::RealmTrap t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kDataAbortLowerEl));
  EXPECT_EQ(t.esr_el2, 0x92000028u);  // granule protection fault, no syndrome
  EXPECT_EQ(t.far_el2, kDataIpa);
  EXPECT_EQ(t.hpfar_el2, kDataIpa >> 8);
}

TEST_F(CpuTest, NsMappingsReachOnlyNonSecureGranules) {
  load_program("read_loop");
  const uint64_t ns_page = m_.alloc(Pas::kNonSecure);
  m_.write<uint64_t>(ns_page, 0xCAFE);
  const uint64_t realm_page = m_.alloc(Pas::kRealm);
  m_.write<uint64_t>(realm_page, 0x5EC2E7);
  s2_.map_page(kUnprotectedIpa, ns_page, kRw, /*ns=*/true);
  s2_.map_page(kUnprotectedIpa + kGranule, realm_page, kRw, /*ns=*/true);
  s2_.map_page(kDataIpa, ns_page, kRw, /*ns=*/false);

  ctx_.x[1] = kUnprotectedIpa;
  ASSERT_TRUE(is_sync(run(), esr::Ec::kHvc64));
  EXPECT_EQ(ctx_.x[3], 0xCAFEu);

  for (uint64_t ipa : {kUnprotectedIpa + kGranule, kDataIpa}) {
    SCOPED_TRACE(ipa);
    ctx_ = context_at(0);
    ctx_.x[1] = ipa;
    const monitor::RealmTrap t = run();
    ASSERT_TRUE(is_sync(t, esr::Ec::kDataAbortLowerEl));
    EXPECT_EQ(t.esr_el2, 0x92000028u);
    EXPECT_EQ(t.far_el2, ipa);
    EXPECT_EQ(ctx_.x[3], 0u);  // the Realm granule's secret never arrived
  }
}

TEST_F(CpuTest, AccessFlagAndExternalAborts) {
  load_program("read_loop");
  s2_.map_page(kDataIpa, m_.alloc(Pas::kRealm), kRw, false, /*access_flag=*/false);
  s2_.map_page(kUnprotectedIpa, 0x1000, kRw, /*ns=*/true);  // not DRAM
  ctx_.x[1] = kDataIpa;
  monitor::RealmTrap t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kDataAbortLowerEl));
  EXPECT_EQ(t.esr_el2, 0x93C3800Bu);  // L3 access flag fault, with syndrome
  ctx_ = context_at(0);
  ctx_.x[1] = kUnprotectedIpa;
  t = run();
  ASSERT_TRUE(is_sync(t, esr::Ec::kDataAbortLowerEl));
  EXPECT_EQ(t.esr_el2, 0x92000010u);  // synchronous external abort
}

class SmallLimitsTest : public CpuTest {
 protected:
  SmallLimitsTest() : CpuTest(Limits{16, 64, 1024, uint64_t{1} << 30}) {}
};

// Pages at consecutive IPAs whose permissions alternate: every page is a
// region of its own.
void map_checkerboard(TestMachine& m, Stage2Builder& s2, uint64_t ipa, uint64_t pages) {
  for (uint64_t i = 0; i < pages; ++i) {
    s2.map_page(ipa + i * kGranule, m.alloc(Pas::kRealm), (i % 2) == 0 ? kRw : kRo);
  }
}

TEST_F(SmallLimitsTest, TooFragmentedLayoutIsRefused) {
  load_program("touch");
  map_checkerboard(m_, s2_, kDataIpa, 40);
  ctx_.x[1] = kDataIpa;
  ctx_.x[2] = 40;
  const monitor::RealmTrap t = run();
  EXPECT_EQ(t.kind, Kind::kFatal);
  EXPECT_EQ(t.esr_el2, static_cast<uint64_t>(FatalReason::kLayoutTooFragmented));
  EXPECT_EQ(cpus_.last_run().fatal, FatalReason::kLayoutTooFragmented);
  EXPECT_EQ(cpus_.mapped_regions(kRecA), 16u);
  // The first 15 data pages were read; the 16th could not be mapped.
  EXPECT_EQ(ctx_.x[1], kDataIpa + 15 * kGranule);
  EXPECT_EQ(ctx_.pc, 0x0u);
  // Nothing leaked when the CPU goes.
  cpus_.forget(kRecA);
  EXPECT_EQ(cpus_.cpu_count(), 0u);
  EXPECT_EQ(cpus_.host_mappings_in_use(), 0u);
}

TEST_F(SmallLimitsTest, TooManyHostMappingsIsRefused) {
  load_program("memory");
  for (uint64_t i = 0; i < 100; ++i) {  // one run, 100 physically scattered pages
    s2_.map_page(kDataIpa + i * kGranule, m_.alloc(Pas::kRealm), kRw);
    m_.alloc(Pas::kNonSecure);
  }
  ctx_.x[1] = kDataIpa;
  ctx_.x[2] = 100;
  const monitor::RealmTrap t = run();
  EXPECT_EQ(t.kind, Kind::kFatal);
  EXPECT_EQ(t.esr_el2, static_cast<uint64_t>(FatalReason::kLayoutTooFragmented));
  EXPECT_EQ(cpus_.mapped_regions(kRecA), 1u);  // only the code
}

TEST_F(CpuTest, DefaultLimitsRefuseAHostileLayoutWithoutCrashing) {
  load_program("touch");
  constexpr uint64_t kPages = 2100;  // Unicorn itself aborts at 1,024 regions
  map_checkerboard(m_, s2_, kDataIpa, kPages);
  ctx_.x[1] = kDataIpa;
  ctx_.x[2] = kPages;
  const monitor::RealmTrap t = run();
  EXPECT_EQ(t.kind, Kind::kFatal);
  EXPECT_EQ(t.esr_el2, static_cast<uint64_t>(FatalReason::kLayoutTooFragmented));
  EXPECT_EQ(cpus_.mapped_regions(kRecA), Limits{}.max_regions_per_cpu);
  // The same CPU still runs a sane layout afterwards.
  s2_.map_ram(0x4000'0000, 4);
  ctx_ = context_at(0);
  ctx_.x[1] = 0x4000'0000;
  ctx_.x[2] = 4;
  cpus_.tlbi_vmid(s2_.config().vmid);
  EXPECT_TRUE(is_sync(run(), esr::Ec::kHvc64));
}

class UnsafeLimitsTest : public CpuTest {
 protected:
  UnsafeLimitsTest() : CpuTest(Limits{5000, 100000, 100000, uint64_t{1} << 30}) {}
};

TEST_F(UnsafeLimitsTest, RegionLimitIsCappedBelowWhatCrashesUnicorn) {
  load_program("touch");
  map_checkerboard(m_, s2_, kDataIpa, 1100);
  ctx_.x[1] = kDataIpa;
  ctx_.x[2] = 1100;
  const monitor::RealmTrap t = run();
  EXPECT_EQ(t.kind, Kind::kFatal);
  EXPECT_EQ(t.esr_el2, static_cast<uint64_t>(FatalReason::kLayoutTooFragmented));
  EXPECT_EQ(cpus_.mapped_regions(kRecA), kEngineRegionCeiling);
}

TEST_F(CpuTest, RecsOfOneRealmRunIndependently) {
  load_program("loop");
  monitor::RealmCpuContext b = context_at(0);
  b.x[0] = 1000;
  EXPECT_EQ(run(10, kRecA).kind, Kind::kIrq);
  EXPECT_EQ(cpus_.run(kRecB, b, s2_.config(), 20).kind, Kind::kIrq);
  EXPECT_EQ(ctx_.x[0], 5u);
  EXPECT_EQ(b.x[0], 1010u);
  EXPECT_EQ(cpus_.cpu_count(), 2u);
  cpus_.forget(kRecA);
  EXPECT_EQ(cpus_.cpu_count(), 1u);
  EXPECT_EQ(cpus_.mapped_regions(kRecA), 0u);
  EXPECT_EQ(cpus_.mapped_regions(kRecB), 1u);
}

}  // namespace
}  // namespace mica::vcpu::test

namespace mica::vcpu::test {
namespace {

TEST_F(CpuTest, CodeRemappedAfterTlbiIsTheCodeThatRuns) {
  load_program("loop");
  ASSERT_EQ(run(100).kind, Kind::kIrq);  // code at IPA 0 is translated and cached
  EXPECT_EQ(ctx_.x[0], 50u);
  // The monitor replaces the page at IPA 0 (DATA_DESTROY, DATA_CREATE) with
  // other code at another physical address.
  s2_.unmap(0);
  cpus_.tlbi_ipa(s2_.config().vmid, monitor::Ipa(0), kGranule);
  s2_.load(0, program("smc"), kRx);
  ctx_ = context_at(0);
  EXPECT_TRUE(is_sync(run(100), esr::Ec::kSmc64));
  EXPECT_EQ(ctx_.pc, 0xCu);
  EXPECT_EQ(ctx_.x[0], 0xC4000190u);
}

}  // namespace
}  // namespace mica::vcpu::test
