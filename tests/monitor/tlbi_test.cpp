// What the monitor asks of its platform: a TLB invalidation for every valid
// stage-2 mapping it breaks (and none when nothing valid went away), REC
// state dropped with the REC, and granule table sizing.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "monitor/abi/rmi.h"
#include "monitor/monitor.h"
#include "monitor_fixture.h"
#include "recording_platform.h"

namespace mica::monitor::testing {
namespace {

constexpr uint64_t k2M = 2ull << 20;

class PlatformCallsTest : public ::testing::Test {
 protected:
  PlatformCallsTest()
      : machine_(config()), platform_(machine_), monitor_(std::make_unique<Monitor>(platform_)) {}

  static platform::MachineConfig config() {
    platform::MachineConfig c;
    c.dram_base = kDramBase;
    c.dram_size = 16ull << 20;
    c.state_dir = ::testing::TempDir() + "mica-monitor-test-state";
    return c;
  }

  SmcResult rmi(RmiCommand command, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0,
                uint64_t x5 = 0) {
    SmcArgs args;
    args.x[0] = abi::rmi_fid(command);
    args.x[1] = x1;
    args.x[2] = x2;
    args.x[3] = x3;
    args.x[4] = x4;
    args.x[5] = x5;
    return monitor_->handle_rmi(args);
  }
  PhysAddr granule() {
    const PhysAddr pa(next_);
    next_ += kGranuleSize;
    return pa;
  }
  PhysAddr delegated() {
    const PhysAddr pa = granule();
    EXPECT_EQ(rmi(RmiCommand::kGranuleDelegate, pa.value()).x[0], kSuccess);
    return pa;
  }
  PhysAddr ns_page(uint64_t offset, const void* bytes, size_t len) {
    const PhysAddr pa = granule();
    std::vector<uint8_t> page(kGranuleSize, 0);
    std::memcpy(page.data() + offset, bytes, len);
    EXPECT_EQ(machine_.host_write(pa, page.data(), page.size()), platform::AccessResult::kOk);
    return pa;
  }
  // A realm (s2sz 40, start level 0, VMID 9) with L1..L3 tables at IPA 0 and one RAM page at 0x1000.
  void build_realm() {
    rd_ = delegated();
    root_ = delegated();
    std::vector<uint8_t> params(kGranuleSize, 0);
    const uint32_t s2sz = 40, one = 1;
    const uint16_t vmid = 9;
    const uint64_t rtt_base = root_.value();
    std::memcpy(&params[0x8], &s2sz, 4);
    std::memcpy(&params[0x18], &one, 4);
    std::memcpy(&params[0x20], &one, 4);
    std::memcpy(&params[0x800], &vmid, 2);
    std::memcpy(&params[0x808], &rtt_base, 8);
    std::memcpy(&params[0x818], &one, 4);
    const PhysAddr params_pa = ns_page(0, params.data(), params.size());
    ASSERT_EQ(rmi(RmiCommand::kRealmCreate, rd_.value(), params_pa.value()).x[0], kSuccess);
    for (uint64_t level = 1; level <= 3; ++level) {
      ASSERT_EQ(rmi(RmiCommand::kRttCreate, rd_.value(), delegated().value(), 0, level).x[0], kSuccess);
    }
    ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, rd_.value(), 0, k2M).x[0], kSuccess);
    const uint8_t byte = 0x5A;
    data_ = delegated();
    ASSERT_EQ(rmi(RmiCommand::kDataCreate, rd_.value(), data_.value(), 0x1000, ns_page(0, &byte, 1).value(), 1).x[0],
              kSuccess);
    platform_.tlbis.clear();
  }

  platform::Machine machine_;
  RecordingPlatform platform_;
  std::unique_ptr<Monitor> monitor_;
  uint64_t next_ = kDramBase;
  PhysAddr rd_, root_, data_;
};

TEST_F(PlatformCallsTest, BuildingARealmNeverInvalidates) {
  build_realm();
  // Building up (creating tables, assigning, mapping) breaks nothing.
  EXPECT_EQ(rmi(RmiCommand::kRttCreate, rd_.value(), delegated().value(), 1ull << 39, 1).x[0], kSuccess);
  EXPECT_EQ(rmi(RmiCommand::kRttMapUnprotected, rd_.value(), 1ull << 39, 1, 0x4000'0000).x[0], kSuccess);
  EXPECT_EQ(rmi(RmiCommand::kDataCreateUnknown, rd_.value(), delegated().value(), 0x2000).x[0], kSuccess);
  EXPECT_TRUE(platform_.tlbis.empty());
}

TEST_F(PlatformCallsTest, DataDestroyOfAMappedPageInvalidatesIt) {
  build_realm();
  ASSERT_EQ(rmi(RmiCommand::kDataDestroy, rd_.value(), 0x1000).x[0], kSuccess);
  EXPECT_EQ(platform_.tlbis, (std::vector<TlbiRecord>{{9, 0x1000, 0x1000, false}}));
  // An ASSIGNED/EMPTY page was never mapped: nothing to invalidate.
  ASSERT_EQ(rmi(RmiCommand::kRttCreate, rd_.value(), delegated().value(), k2M, 3).x[0], kSuccess);
  platform_.tlbis.clear();
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, rd_.value(), delegated().value(), k2M + 0x3000).x[0], kSuccess);
  ASSERT_EQ(rmi(RmiCommand::kDataDestroy, rd_.value(), k2M + 0x3000).x[0], kSuccess);
  EXPECT_TRUE(platform_.tlbis.empty());
}

TEST_F(PlatformCallsTest, UnmapUnprotectedInvalidates) {
  build_realm();
  const uint64_t ns_ipa = 1ull << 39;
  ASSERT_EQ(rmi(RmiCommand::kRttCreate, rd_.value(), delegated().value(), ns_ipa, 1).x[0], kSuccess);
  ASSERT_EQ(rmi(RmiCommand::kRttMapUnprotected, rd_.value(), ns_ipa, 1, 0x4000'0000).x[0], kSuccess);
  ASSERT_EQ(rmi(RmiCommand::kRttUnmapUnprotected, rd_.value(), ns_ipa, 1).x[0], kSuccess);
  EXPECT_EQ(platform_.tlbis, (std::vector<TlbiRecord>{{9, ns_ipa, 1ull << 30, false}}));
}

TEST_F(PlatformCallsTest, RttDestroyAndFoldInvalidateTheRangeTheyCover) {
  build_realm();
  ASSERT_EQ(rmi(RmiCommand::kRttCreate, rd_.value(), delegated().value(), 2 * k2M, 3).x[0], kSuccess);
  ASSERT_EQ(rmi(RmiCommand::kRttDestroy, rd_.value(), 2 * k2M, 3).x[0], kSuccess);
  ASSERT_EQ(rmi(RmiCommand::kRttCreate, rd_.value(), delegated().value(), 4 * k2M, 3).x[0], kSuccess);
  ASSERT_EQ(rmi(RmiCommand::kRttFold, rd_.value(), 4 * k2M, 3).x[0], kSuccess);
  EXPECT_EQ(platform_.tlbis, (std::vector<TlbiRecord>{{9, 2 * k2M, k2M, false}, {9, 4 * k2M, k2M, false}}));
}

TEST_F(PlatformCallsTest, SplittingAValidBlockBreaksBeforeMaking) {
  build_realm();
  const uint64_t ns_ipa = 1ull << 39;
  ASSERT_EQ(rmi(RmiCommand::kRttCreate, rd_.value(), delegated().value(), ns_ipa, 1).x[0], kSuccess);
  ASSERT_EQ(rmi(RmiCommand::kRttCreate, rd_.value(), delegated().value(), ns_ipa, 2).x[0], kSuccess);
  ASSERT_EQ(rmi(RmiCommand::kRttMapUnprotected, rd_.value(), ns_ipa, 2, 0x20'0000).x[0], kSuccess);
  platform_.tlbis.clear();
  ASSERT_EQ(rmi(RmiCommand::kRttCreate, rd_.value(), delegated().value(), ns_ipa, 3).x[0], kSuccess);
  EXPECT_EQ(platform_.tlbis, (std::vector<TlbiRecord>{{9, ns_ipa, k2M, false}}));
  // Splitting an unassigned entry breaks nothing.
  platform_.tlbis.clear();
  ASSERT_EQ(rmi(RmiCommand::kRttCreate, rd_.value(), delegated().value(), ns_ipa + k2M, 3).x[0], kSuccess);
  EXPECT_TRUE(platform_.tlbis.empty());
}

TEST_F(PlatformCallsTest, RipasChangeToEmptyInvalidatesTheMappedPage) {
  build_realm();
  const PhysAddr rec = delegated();
  std::vector<uint8_t> params(kGranuleSize, 0);
  const uint64_t runnable = 1, num_aux = 16;
  std::memcpy(&params[0], &runnable, 8);
  std::memcpy(&params[0x800], &num_aux, 8);
  for (unsigned i = 0; i < 16; ++i) {
    const uint64_t aux = delegated().value();
    std::memcpy(&params[0x808 + 8 * i], &aux, 8);
  }
  const PhysAddr params_pa = ns_page(0, params.data(), params.size());
  ASSERT_EQ(rmi(RmiCommand::kRecCreate, rd_.value(), rec.value(), params_pa.value()).x[0], kSuccess);
  ASSERT_TRUE(monitor_->test_set_ripas_request(rec, Ipa(0x1000), Ipa(0x2000), Ripas::kEmpty, false));
  ASSERT_EQ(rmi(RmiCommand::kRttSetRipas, rd_.value(), rec.value(), 0x1000, 0x2000).x[0], kSuccess);
  EXPECT_EQ(platform_.tlbis, (std::vector<TlbiRecord>{{9, 0x1000, 0x1000, false}}));

  // Destroying the REC lets the platform drop its CPU state.
  ASSERT_EQ(rmi(RmiCommand::kRecDestroy, rec.value()).x[0], kSuccess);
  EXPECT_EQ(platform_.forgotten_recs, std::vector<uint64_t>{rec.value()});
}

TEST_F(PlatformCallsTest, RealmDestroyInvalidatesTheWholeVmid) {
  build_realm();
  ASSERT_EQ(rmi(RmiCommand::kDataDestroy, rd_.value(), 0x1000).x[0], kSuccess);
  for (uint64_t level = 3; level >= 1; --level) {
    ASSERT_EQ(rmi(RmiCommand::kRttDestroy, rd_.value(), 0, level).x[0], kSuccess);
  }
  platform_.tlbis.clear();
  ASSERT_EQ(rmi(RmiCommand::kRealmDestroy, rd_.value()).x[0], kSuccess);
  EXPECT_EQ(platform_.tlbis, (std::vector<TlbiRecord>{{9, 0, 0, true}}));
}

TEST_F(PlatformCallsTest, El3RefusingDelegationChangesNothing) {
  platform_.refuse_delegation = true;
  const PhysAddr pa = granule();
  EXPECT_EQ(rmi(RmiCommand::kGranuleDelegate, pa.value()).x[0], kErrorInput);
  EXPECT_EQ(monitor_->granule_state(pa), GranuleState::kUndelegated);
  EXPECT_EQ(machine_.gpt().pas(pa), platform::Pas::kNonSecure);
}

TEST_F(PlatformCallsTest, MonitorNotReadyAnswersNothing) {
  platform_.dram_size_override_ = (1ull << 30) + kGranuleSize;
  const auto too_big_holder = std::make_unique<Monitor>(platform_);
  Monitor& too_big = *too_big_holder;
  EXPECT_FALSE(too_big.ready());
  SmcArgs args;
  args.x[0] = abi::rmi_fid(RmiCommand::kVersion);
  args.x[1] = 0x10000;
  EXPECT_EQ(too_big.handle_rmi(args).x[0], kSmcUnknown);
}

}  // namespace
}  // namespace mica::monitor::testing
