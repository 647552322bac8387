// White-box tests of the stage-2 descriptor formats and the granule table's
// locking primitive (internal headers of src/monitor).
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "monitor/granule_table.h"
#include "monitor_fixture.h"
#include "recording_platform.h"
#include "s2tt/descriptor.h"

namespace mica::monitor::testing {
namespace {

using s2tt::EntryState;
using s2tt::HostNsDescriptor;
using s2tt::Rtte;

TEST(Descriptor, UnassignedEntriesAreInvalidWithSoftwareState) {
  EXPECT_EQ(Rtte::unassigned(Ripas::kEmpty).raw(), 0u);
  EXPECT_EQ(Rtte::unassigned(Ripas::kRam).raw(), 1u << 5);
  EXPECT_EQ(Rtte::unassigned(Ripas::kDestroyed).raw(), 2u << 5);
  EXPECT_EQ(Rtte::unassigned_ns().raw(), uint64_t{1} << 55);
  for (int level = 0; level <= 3; ++level) {
    EXPECT_EQ(Rtte::unassigned(Ripas::kRam).state(level), EntryState::kUnassignedRam);
    EXPECT_EQ(Rtte::unassigned(Ripas::kDestroyed).state(level), EntryState::kUnassignedDestroyed);
    EXPECT_EQ(Rtte::unassigned_ns().state(level), EntryState::kUnassignedNs);
    EXPECT_FALSE(Rtte::unassigned(Ripas::kRam).is_live(level));
    EXPECT_FALSE(Rtte::unassigned_ns().is_live(level));
  }
}

TEST(Descriptor, AssignedRamIsAValidPageOrBlock) {
  const PhysAddr page(0x8123'4000);
  const Rtte l3 = Rtte::assigned(Ripas::kRam, page, 3);
  EXPECT_EQ(l3.raw() & 0b11, 0b11u) << "page descriptor";
  EXPECT_EQ(l3.raw() & (1u << 10), 1u << 10) << "AF";
  EXPECT_EQ((l3.raw() >> 6) & 0b11, 0b11u) << "S2AP read/write";
  EXPECT_EQ((l3.raw() >> 2) & 0b1111, 0b0110u) << "MemAttr normal write-back";
  EXPECT_EQ((l3.raw() >> 8) & 0b11, 0b11u) << "inner shareable";
  EXPECT_EQ(l3.state(3), EntryState::kAssignedRam);
  EXPECT_EQ(l3.output_address(3), page);
  EXPECT_TRUE(l3.is_live(3));

  const PhysAddr block(0x8020'0000);
  const Rtte l2 = Rtte::assigned(Ripas::kRam, block, 2);
  EXPECT_EQ(l2.raw() & 0b11, 0b01u) << "block descriptor";
  EXPECT_EQ(l2.state(2), EntryState::kAssignedRam);
  EXPECT_EQ(l2.output_address(2), block);
  // The same bits at a table level would be a table: the level decides.
  EXPECT_EQ(l3.state(2), EntryState::kTable);
}

TEST(Descriptor, AssignedEmptyAndDestroyedRememberThePa) {
  const PhysAddr pa(0x8765'4000);
  const Rtte empty = Rtte::assigned(Ripas::kEmpty, pa, 3);
  EXPECT_EQ(empty.raw(), pa.value() | (1u << 2));
  EXPECT_EQ(empty.state(3), EntryState::kAssignedEmpty);
  EXPECT_TRUE(empty.is_live(3));
  const Rtte destroyed = Rtte::assigned(Ripas::kDestroyed, pa, 3);
  EXPECT_EQ(destroyed.raw(), pa.value() | (1u << 2) | (2u << 5));
  EXPECT_EQ(destroyed.state(3), EntryState::kAssignedDestroyed);
  EXPECT_EQ(destroyed.output_address(3), pa);
  EXPECT_FALSE(destroyed.is_valid_descriptor());
}

TEST(Descriptor, AssignedNsKeepsTheHostBits) {
  const uint64_t attrs = (0b011u << 2) | (0b10u << 6);
  const Rtte ns = Rtte::assigned_ns(attrs, PhysAddr(0x4000'0000), 1);
  EXPECT_EQ(ns.raw(), 0x4000'0000ull | attrs | (1u << 10) | (0b11u << 8) | (uint64_t{0b10} << 53) |
                          (uint64_t{1} << 55) | 0b01);
  EXPECT_EQ(ns.state(1), EntryState::kAssignedNs);
  EXPECT_EQ(ns.host_attributes(), attrs);
  EXPECT_EQ(s2tt::host_view_of_assigned_ns(ns, 1), 0x4000'0000ull | attrs);
}

TEST(Descriptor, TableDescriptorPointsAtTheNextLevel) {
  const Rtte table = Rtte::table(PhysAddr(0x8000'5000));
  EXPECT_EQ(table.raw(), 0x8000'5003u);
  for (int level = 0; level <= 2; ++level) {
    EXPECT_EQ(table.state(level), EntryState::kTable);
    EXPECT_EQ(table.output_address(level), PhysAddr(0x8000'5000));
    EXPECT_TRUE(table.is_live(level));
  }
}

TEST(Descriptor, HostNsDescriptorValidity) {
  // Level 3: PA [47:12], MemAttr[4:2], S2AP[7:6].
  EXPECT_TRUE(HostNsDescriptor(0xFFFF'FFFF'F000ull | (0b011u << 2) | (0b11u << 6)).is_valid(3));
  EXPECT_FALSE(HostNsDescriptor(0x1'0000'0000'0000ull).is_valid(3)) << "PA bit 48";
  EXPECT_FALSE(HostNsDescriptor(0x1000 | (0b100u << 2)).is_valid(3)) << "MemAttr 0b100";
  EXPECT_FALSE(HostNsDescriptor(0x1000 | (1u << 5)).is_valid(3)) << "MemAttr[3] is the monitor's";
  // Level 2: PA [47:21]; Level 1: PA [47:30].
  EXPECT_TRUE(HostNsDescriptor(0x20'0000).is_valid(2));
  EXPECT_FALSE(HostNsDescriptor(0x20'1000).is_valid(2));
  EXPECT_TRUE(HostNsDescriptor(0x4000'0000).is_valid(1));
  EXPECT_FALSE(HostNsDescriptor(0x20'0000).is_valid(1));
  EXPECT_EQ(HostNsDescriptor(0x4000'0000 | (0b01u << 6)).attributes(), 0b01u << 6);
}

TEST(Descriptor, BitFieldsPutAndGet) {
  constexpr s2tt::BitField field{5, 2};
  EXPECT_EQ(field.mask(), 0b1100000u);
  EXPECT_EQ(field.put(0, 3), 0b1100000u);
  EXPECT_EQ(field.put(~uint64_t{0}, 1), ~uint64_t{0} & ~uint64_t{0b1000000});
  EXPECT_EQ(field.get(0b1000000), 2u);
  EXPECT_EQ(field.put(0, 7), 0b1100000u) << "values wider than the field are cut";
}

class GranuleTableTest : public ::testing::Test {
 protected:
  GranuleTableTest() : machine_(config()), platform_(machine_), table_(std::make_unique<GranuleTable>(platform_)) {}
  static platform::MachineConfig config() {
    platform::MachineConfig c;
    c.dram_base = kDramBase;
    c.dram_size = 1ull << 20;
    c.state_dir = ::testing::TempDir() + "mica-monitor-test-state";
    return c;
  }
  platform::Machine machine_;
  RecordingPlatform platform_;
  std::unique_ptr<GranuleTable> table_;
};

TEST_F(GranuleTableTest, FindLockChecksAlignmentRangeAndState) {
  EXPECT_TRUE(table_->configured());
  EXPECT_EQ(table_->count(), 256u);
  EXPECT_TRUE(static_cast<bool>(table_->find_lock(PhysAddr(kDramBase), GranuleState::kUndelegated)));
  EXPECT_FALSE(static_cast<bool>(table_->find_lock(PhysAddr(kDramBase), GranuleState::kDelegated)));
  EXPECT_FALSE(static_cast<bool>(table_->find_lock(PhysAddr(kDramBase + 8), GranuleState::kUndelegated)));
  EXPECT_FALSE(static_cast<bool>(table_->find_lock(PhysAddr(kDramBase + (1 << 20)), GranuleState::kUndelegated)));
  EXPECT_FALSE(static_cast<bool>(table_->find_lock(PhysAddr(kDramBase - kGranuleSize), GranuleState::kUndelegated)));
}

TEST_F(GranuleTableTest, TwoLocksComeBackMatchedToTheirArguments) {
  const PhysAddr low(kDramBase), high(kDramBase + 5 * kGranuleSize);
  GranuleLock a, b;
  ASSERT_TRUE(table_->find_lock_two(high, GranuleState::kUndelegated, a, low, GranuleState::kUndelegated, b));
  EXPECT_EQ(a.pa(), high);
  EXPECT_EQ(b.pa(), low);
  a.release();
  b.release();
  EXPECT_FALSE(table_->find_lock_two(low, GranuleState::kUndelegated, a, low, GranuleState::kUndelegated, b));
  EXPECT_FALSE(static_cast<bool>(a));
  EXPECT_FALSE(table_->find_lock_two(low, GranuleState::kUndelegated, a, high, GranuleState::kRd, b));
  EXPECT_FALSE(static_cast<bool>(a)) << "the first lock is let go when the second fails";
  EXPECT_TRUE(static_cast<bool>(table_->find_lock(low, GranuleState::kUndelegated)));
}

TEST_F(GranuleTableTest, StateChangesOnlyThroughLegalTransitions) {
  GranuleLock lock = table_->find_lock(PhysAddr(kDramBase), GranuleState::kUndelegated);
  lock.transition(GranuleState::kDelegated);
  lock.transition(GranuleState::kRtt);
  lock.refcount_add(3);
  EXPECT_EQ(lock.refcount(), 3u);
  lock.refcount_sub(3);
  lock.transition(GranuleState::kDelegated);
  lock.release();
  GranuleInfo info;
  uint16_t refs = 0;
  ASSERT_TRUE(table_->peek(PhysAddr(kDramBase), info.state, refs));
  EXPECT_EQ(info.state, GranuleState::kDelegated);
}

TEST_F(GranuleTableTest, IllegalTransitionStopsTheMonitor) {
  EXPECT_DEATH(
      {
        GranuleLock lock = table_->find_lock(PhysAddr(kDramBase), GranuleState::kUndelegated);
        lock.transition(GranuleState::kRd);  // NS -> RD skips DELEGATED
      },
      "");
}

TEST_F(GranuleTableTest, TheLockExcludesOtherThreads) {
  // Two threads increment a plain counter only while holding the granule lock.
  uint64_t counter = 0;
  constexpr int kRounds = 20000;
  auto worker = [&] {
    for (int i = 0; i < kRounds; ++i) {
      GranuleLock lock = table_->find_lock(PhysAddr(kDramBase + kGranuleSize), GranuleState::kUndelegated);
      ASSERT_TRUE(static_cast<bool>(lock));
      counter = counter + 1;
    }
  };
  std::thread first(worker);
  std::thread second(worker);
  first.join();
  second.join();
  EXPECT_EQ(counter, 2u * kRounds);
}

}  // namespace
}  // namespace mica::monitor::testing
