#include "vcpu/stage2_walker.h"

#include <gtest/gtest.h>

#include "test_machine.h"

namespace mica::vcpu::test {
namespace {

class WalkerTest : public ::testing::Test {
 protected:
  WalkerTest() : s2_(m_), walker_(m_.at(m_.base()), m_.base(), m_.size(), m_.physical_memory().pas_of) {}
  Translation walk(uint64_t ipa) { return walker_.translate(s2_.config(), ipa); }

  TestMachine m_{16ull << 20};
  Stage2Builder s2_;  // IPA width 40, start level 1 (two concatenated roots)
  Stage2Walker walker_;
};

TEST_F(WalkerTest, PageMappingTranslatesWithPermissions) {
  const uint64_t pa = m_.alloc();
  s2_.map_page(0x5000, pa, kRo);
  const Translation t = walk(0x5abc);
  EXPECT_EQ(t.outcome, WalkOutcome::kMapped);
  EXPECT_EQ(t.level, 3);
  EXPECT_EQ(t.leaf_ipa, 0x5000u);
  EXPECT_EQ(t.leaf_size, kGranule);
  EXPECT_EQ(t.leaf_pa, pa);
  EXPECT_TRUE(t.readable);
  EXPECT_FALSE(t.writable);
  EXPECT_FALSE(t.executable);
  EXPECT_FALSE(t.ns);
}

TEST_F(WalkerTest, TranslationFaultReportsTheLevelWhereTheWalkStopped) {
  s2_.map_page(0x5000, m_.alloc(), kRw);
  EXPECT_EQ(walk(0x6000).outcome, WalkOutcome::kTranslationFault);
  EXPECT_EQ(walk(0x6000).level, 3);  // L3 table exists, entry invalid
  EXPECT_EQ(walk(0x400000).level, 2);  // L2 entry invalid
  EXPECT_EQ(walk(0x4000'0000).level, 1);  // L1 (root) entry invalid
  // The second concatenated root table covers [512 GiB, 1 TiB).
  EXPECT_EQ(walk(0x80'0000'0000).level, 1);
  // Beyond the 40-bit IPA space.
  const Translation beyond = walk(uint64_t{1} << 40);
  EXPECT_EQ(beyond.outcome, WalkOutcome::kTranslationFault);
  EXPECT_EQ(beyond.level, 0);
}

TEST_F(WalkerTest, BlocksAtLevelsOneAndTwo) {
  const uint64_t block = m_.alloc_contiguous(512 + 511) ;  // room to align a 2 MiB block
  const uint64_t aligned = (block + (2 << 20) - 1) & ~uint64_t{(2 << 20) - 1};
  s2_.map_block(0x20'0000, aligned, 2, kRwx);
  const Translation t = walk(0x20'0000 + 0x12345);
  EXPECT_EQ(t.outcome, WalkOutcome::kMapped);
  EXPECT_EQ(t.level, 2);
  EXPECT_EQ(t.leaf_ipa, 0x20'0000u);
  EXPECT_EQ(t.leaf_size, uint64_t{2} << 20);
  EXPECT_EQ(t.leaf_pa, aligned);
  EXPECT_TRUE(t.executable);
  // A 1 GiB block whose output is not DRAM: external abort on the access.
  s2_.map_block(0x4000'0000, 0x1'0000'0000, 1, kRw, /*ns=*/true);
  const Translation sea = walk(0x4000'1000);
  EXPECT_EQ(sea.outcome, WalkOutcome::kOutputExternalAbort);
  EXPECT_EQ(sea.level, 1);
  EXPECT_EQ(sea.leaf_size, uint64_t{1} << 30);
}

TEST_F(WalkerTest, AccessFlagAndReservedEncodings) {
  s2_.map_page(0x7000, m_.alloc(), kRw, false, /*access_flag=*/false);
  EXPECT_EQ(walk(0x7000).outcome, WalkOutcome::kAccessFlagFault);
  EXPECT_EQ(walk(0x7000).level, 3);
  // Level-3 descriptor with type bits 0b01 is reserved: translation fault.
  m_.write<uint64_t>(s2_.entry_pa(0x8000, 3), m_.alloc() | (1u << 10) | 0xC0 | 0x1);
  EXPECT_EQ(walk(0x8000).outcome, WalkOutcome::kTranslationFault);
  EXPECT_EQ(walk(0x8000).level, 3);
}

TEST_F(WalkerTest, GranuleProtectionOfOutputsAndTables) {
  const uint64_t ns_page = m_.alloc(Pas::kNonSecure);
  const uint64_t realm_page = m_.alloc(Pas::kRealm);
  s2_.map_page(0x1000, ns_page, kRw, /*ns=*/true);
  s2_.map_page(0x2000, realm_page, kRw, /*ns=*/true);   // NS mapping of a Realm granule
  s2_.map_page(0x3000, ns_page, kRw, /*ns=*/false);     // protected mapping of an NS granule
  EXPECT_EQ(walk(0x1000).outcome, WalkOutcome::kMapped);
  EXPECT_TRUE(walk(0x1000).ns);
  EXPECT_EQ(walk(0x2000).outcome, WalkOutcome::kOutputGpf);
  EXPECT_EQ(walk(0x3000).outcome, WalkOutcome::kOutputGpf);
  // A table the walk must fetch from a granule that is not Realm PAS.
  const uint64_t l3 = m_.read<uint64_t>(s2_.entry_pa(0x1000, 2)) & 0x0000'FFFF'FFFF'F000ull;
  m_.set_pas(l3, Pas::kNonSecure);
  EXPECT_EQ(walk(0x1000).outcome, WalkOutcome::kWalkGpf);
  EXPECT_EQ(walk(0x1000).level, 3);
  // A table outside DRAM.
  m_.write<uint64_t>(s2_.entry_pa(0x1000, 2), 0x10'0000 | 3);
  EXPECT_EQ(walk(0x1000).outcome, WalkOutcome::kWalkExternalAbort);
  EXPECT_EQ(walk(0x1000).level, 3);
}

TEST(WalkerConfig, RejectsWhatNoMmuCouldWalk) {
  monitor::Stage2Config s2{};
  s2.root_rtt = monitor::PhysAddr(0x8000'0000);
  s2.start_level = 1;
  s2.ipa_width = 40;
  s2.num_root_rtts = 2;
  EXPECT_EQ(Stage2Walker::check_config(s2), nullptr);
  s2.num_root_rtts = 1;
  EXPECT_NE(Stage2Walker::check_config(s2), nullptr);  // 40 bits at level 1 need 2 roots
  s2.num_root_rtts = 2;
  s2.start_level = -1;
  EXPECT_NE(Stage2Walker::check_config(s2), nullptr);  // no LPA2
  s2.start_level = 0;
  s2.ipa_width = 48;
  s2.num_root_rtts = 1;
  EXPECT_EQ(Stage2Walker::check_config(s2), nullptr);
  s2.ipa_width = 49;
  EXPECT_NE(Stage2Walker::check_config(s2), nullptr);
  s2.start_level = 2;
  s2.ipa_width = 34;
  s2.num_root_rtts = 16;
  EXPECT_EQ(Stage2Walker::check_config(s2), nullptr);
  s2.ipa_width = 35;  // would need 32 roots
  EXPECT_NE(Stage2Walker::check_config(s2), nullptr);
  s2.ipa_width = 34;
  s2.root_rtt = monitor::PhysAddr(0x8000'0800);
  EXPECT_NE(Stage2Walker::check_config(s2), nullptr);
}

}  // namespace
}  // namespace mica::vcpu::test
