// RMI_DATA_CREATE / RMI_DATA_CREATE_UNKNOWN / RMI_DATA_DESTROY.
#include "monitor_fixture.h"
#include "rim_reference.h"

namespace mica::monitor::testing {
namespace {

using platform::Pas;
using State = abi::RmiRttEntryState;

constexpr uint64_t kRamPage = (1u << 10) | (0b11u << 8) | (0b11u << 6) | (0b0110u << 2) | 0b11;
constexpr uint64_t kHipasAssigned = 1u << 2;

class DataTest : public MonitorTest {
 protected:
  void SetUp() override {
    realm = create_realm();
    create_rtts_down_to(realm, 0, 3);
    l3 = rtt_at(realm, 0, 3);
  }
  PhysAddr source(uint8_t seed) {
    const PhysAddr src = ns_granule();
    std::vector<uint8_t> bytes(kGranuleSize);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7 + seed);
    EXPECT_EQ(machine().host_write(src, bytes.data(), bytes.size()), platform::AccessResult::kOk);
    return src;
  }
  std::vector<uint8_t> host_bytes(PhysAddr src) {
    std::vector<uint8_t> bytes(kGranuleSize);
    EXPECT_EQ(machine().host_read(src, bytes.data(), bytes.size()), platform::AccessResult::kOk);
    return bytes;
  }
  Realm realm;
  PhysAddr l3;
};

TEST_F(DataTest, CreateCopiesMapsAndMeasures) {
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), 0x2000, 0x3000).x[0], kSuccess);
  const std::vector<uint8_t> rim_before = rim(realm);
  const PhysAddr src = source(3);
  const PhysAddr data = delegated();
  ASSERT_EQ(rmi(RmiCommand::kDataCreate, realm.rd.value(), data.value(), 0x2000, src.value(), 1).x[0], kSuccess);
  EXPECT_EQ(state(data), GranuleState::kData);
  EXPECT_EQ(raw_granule(data), host_bytes(src));
  EXPECT_EQ(raw_u64(l3, 8 * 2), data.value() | kRamPage);
  EXPECT_EQ(refcount(l3), 1u);
  EXPECT_EQ(rim(realm), rim_reference::extend_data(rim_reference::Algo::kSha256, rim_before, 0x2000, 1,
                                                   host_bytes(src)));
}

TEST_F(DataTest, UnmeasuredContentStillEntersTheRimDescriptor) {
  const std::vector<uint8_t> rim_before = rim(realm);
  const PhysAddr src = source(9);
  ASSERT_EQ(rmi(RmiCommand::kDataCreate, realm.rd.value(), delegated().value(), 0x4000, src.value(), 0).x[0],
            kSuccess);
  EXPECT_EQ(rim(realm), rim_reference::extend_data(rim_reference::Algo::kSha256, rim_before, 0x4000, 0, {}));
}

TEST_F(DataTest, CreateMapsRamWhateverTheRipasWas) {
  // EMPTY (never initialised) and DESTROYED entries both become ASSIGNED/RAM.
  const PhysAddr first = delegated();
  ASSERT_EQ(rmi(RmiCommand::kDataCreate, realm.rd.value(), first.value(), 0x1000, source(1).value(), 0).x[0],
            kSuccess);
  EXPECT_EQ(read_entry(realm, 0x1000, 3).ripas, Ripas::kRam);
  ASSERT_EQ(rmi(RmiCommand::kDataDestroy, realm.rd.value(), 0x1000).x[0], kSuccess);
  ASSERT_EQ(read_entry(realm, 0x1000, 3).ripas, Ripas::kDestroyed);
  ASSERT_EQ(rmi(RmiCommand::kDataCreate, realm.rd.value(), first.value(), 0x1000, source(2).value(), 0).x[0],
            kSuccess);
  const EntryRead e = read_entry(realm, 0x1000, 3);
  EXPECT_EQ(e.state, State::kAssigned);
  EXPECT_EQ(e.ripas, Ripas::kRam);
}

TEST_F(DataTest, CreateChecksInSpecOrder) {
  const uint64_t rd = realm.rd.value();
  const PhysAddr data = delegated();
  const PhysAddr src = source(5);
  // 1. flags: anything but 0 or 1, even when every other argument is wrong too.
  expect_refused(kErrorInput, RmiCommand::kDataCreate, rd, data.value(), 0x1000, src.value(), 2);
  expect_refused(kErrorInput, RmiCommand::kDataCreate, 0, 0, 1, 0, ~uint64_t{0});
  // 2. the source must be an NS granule.
  const PhysAddr delegated_src = delegated();
  for (uint64_t bad : {src.value() + 8, delegated_src.value(), rd, kDramBase + kDramSize}) {
    expect_refused(kErrorInput, RmiCommand::kDataCreate, rd, data.value(), 0x1000, bad, 0);
  }
  // 3. data must be DELEGATED, rd an RD, and they must differ.
  for (uint64_t bad : {ns_granule().value(), l3.value(), data.value() + 0x100, rd}) {
    expect_refused(kErrorInput, RmiCommand::kDataCreate, rd, bad, 0x1000, src.value(), 0);
  }
  expect_refused(kErrorInput, RmiCommand::kDataCreate, realm.rtt_base.value(), data.value(), 0x1000, src.value(), 0);
  // 5. IPA in the PAR and page aligned.
  for (uint64_t bad : {uint64_t{0x1001}, realm.par_end(), realm.ipa_size(), uint64_t{1} << 50}) {
    expect_refused(kErrorInput, RmiCommand::kDataCreate, rd, data.value(), bad, src.value(), 0);
  }
  // 7. walk: no tables at 1 GiB.
  expect_refused(error_rtt(1), RmiCommand::kDataCreate, rd, data.value(), 1ull << 30, src.value(), 0);
  create_rtt(realm, 1ull << 30, 2);
  expect_refused(error_rtt(2), RmiCommand::kDataCreate, rd, data.value(), 1ull << 30, src.value(), 0);
  // 8. the entry is already assigned.
  populate_page(realm, 0x7000, 0x11);
  expect_refused(error_rtt(3), RmiCommand::kDataCreate, rd, data.value(), 0x7000, src.value(), 0);
  EXPECT_EQ(rmi(RmiCommand::kDataCreate, rd, data.value(), 0x8000, src.value(), 0).x[0], kSuccess);
}

TEST_F(DataTest, CreateNeedsANewRealmButChecksFlagsAndSourceFirst) {
  ASSERT_EQ(rmi(RmiCommand::kRealmActivate, realm.rd.value()).x[0], kSuccess);
  const uint64_t rd = realm.rd.value();
  const PhysAddr data = delegated();
  const PhysAddr src = source(1);
  expect_refused(kErrorRealm, RmiCommand::kDataCreate, rd, data.value(), 0x1000, src.value(), 0);
  // Realm state (4) is checked before the IPA (5) and the walk (7).
  expect_refused(kErrorRealm, RmiCommand::kDataCreate, rd, data.value(), realm.par_end(), src.value(), 0);
  expect_refused(kErrorRealm, RmiCommand::kDataCreate, rd, data.value(), 1ull << 35, src.value(), 0);
  // Flags (1), source (2) and granules (3) are checked before it.
  expect_refused(kErrorInput, RmiCommand::kDataCreate, rd, data.value(), 0x1000, src.value(), 3);
  expect_refused(kErrorInput, RmiCommand::kDataCreate, rd, data.value(), 0x1000, data.value(), 0);
  expect_refused(kErrorInput, RmiCommand::kDataCreate, rd, ns_granule().value(), 0x1000, src.value(), 0);
}

TEST_F(DataTest, CreateFromASourceThatFaultsLeavesNothingBehind) {
  // The monitor's table says NS, but the GPC says Secure: the copy faults.
  const PhysAddr src = source(4);
  machine().gpt().set(src, Pas::kSecure);
  const PhysAddr data = delegated();
  expect_refused(kErrorInput, RmiCommand::kDataCreate, realm.rd.value(), data.value(), 0x1000, src.value(), 1);
  EXPECT_EQ(raw_granule(data), std::vector<uint8_t>(kGranuleSize, 0));
  machine().gpt().set(src, Pas::kNonSecure);
}

TEST_F(DataTest, CreateUnknownKeepsTheRipas) {
  ASSERT_EQ(rmi(RmiCommand::kRealmActivate, realm.rd.value()).x[0], kSuccess);  // allowed in any state
  const std::vector<uint8_t> rim_before = rim(realm);
  // EMPTY stays EMPTY: an invalid descriptor that remembers the PA.
  const PhysAddr empty = delegated();
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, realm.rd.value(), empty.value(), 0x1000, 0xBAD, 0xBAD).x[0], kSuccess);
  EXPECT_EQ(raw_u64(l3, 8), empty.value() | kHipasAssigned);
  EXPECT_EQ(raw_granule(empty), std::vector<uint8_t>(kGranuleSize, 0));
  EXPECT_EQ(state(empty), GranuleState::kData);
  EXPECT_EQ(refcount(l3), 1u);
  EXPECT_EQ(rim(realm), rim_before) << "DATA_CREATE_UNKNOWN is not measured";
}

TEST_F(DataTest, CreateUnknownOnRamAndDestroyedEntries) {
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), 0x3000, 0x4000).x[0], kSuccess);
  const std::vector<uint8_t> rim_before = rim(realm);
  const PhysAddr ram = delegated();
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, realm.rd.value(), ram.value(), 0x3000).x[0], kSuccess);
  EXPECT_EQ(raw_u64(l3, 8 * 3), ram.value() | kRamPage) << "RAM: a valid mapping of the zeroed page";
  ASSERT_EQ(rmi(RmiCommand::kDataDestroy, realm.rd.value(), 0x3000).x[0], kSuccess);
  EXPECT_EQ(raw_u64(l3, 8 * 3), 2u << 5) << "UNASSIGNED/DESTROYED";
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, realm.rd.value(), ram.value(), 0x3000).x[0], kSuccess);
  EXPECT_EQ(raw_u64(l3, 8 * 3), ram.value() | kHipasAssigned | (2u << 5)) << "ASSIGNED/DESTROYED";
  EXPECT_EQ(rim(realm), rim_before);
}

TEST_F(DataTest, CreateUnknownRefusals) {
  const uint64_t rd = realm.rd.value();
  const PhysAddr data = delegated();
  expect_refused(kErrorInput, RmiCommand::kDataCreateUnknown, rd, ns_granule().value(), 0x1000);
  expect_refused(kErrorInput, RmiCommand::kDataCreateUnknown, rd, rd, 0x1000);
  expect_refused(kErrorInput, RmiCommand::kDataCreateUnknown, data.value(), data.value(), 0x1000);
  expect_refused(kErrorInput, RmiCommand::kDataCreateUnknown, rd, data.value(), 0x1800);
  expect_refused(kErrorInput, RmiCommand::kDataCreateUnknown, rd, data.value(), realm.par_end() + 0x1000);
  expect_refused(error_rtt(1), RmiCommand::kDataCreateUnknown, rd, data.value(), 5ull << 30);
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, rd, data.value(), 0x1000).x[0], kSuccess);
  expect_refused(error_rtt(3), RmiCommand::kDataCreateUnknown, rd, delegated().value(), 0x1000);
}

TEST_F(DataTest, DestroyReturnsTheGranuleAndLeavesAMark) {
  const PhysAddr data = populate_page(realm, 0x5000, 0xEE);
  const SmcResult r = rmi(RmiCommand::kDataDestroy, realm.rd.value(), 0x5000, 0, 0x99);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], data.value());
  EXPECT_EQ(r.x[2], 2ull << 20) << "top: nothing live after it in the L3 table";
  EXPECT_EQ(r.x[4], 0x99u);
  EXPECT_EQ(state(data), GranuleState::kDelegated);
  EXPECT_EQ(raw_granule(data), std::vector<uint8_t>(kGranuleSize, 0));
  EXPECT_EQ(refcount(l3), 0u);
  const EntryRead e = read_entry(realm, 0x5000, 3);
  EXPECT_EQ(e.state, State::kUnassigned);
  EXPECT_EQ(e.ripas, Ripas::kDestroyed);
}

TEST_F(DataTest, DestroyTopIsTheNextLiveEntry) {
  populate_page(realm, 0x1000, 1);
  populate_page(realm, 0x9000, 2);
  const SmcResult r = rmi(RmiCommand::kDataDestroy, realm.rd.value(), 0x1000);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[2], 0x9000u);
}

TEST_F(DataTest, DestroyOfAnAssignedEmptyPageLeavesItEmpty) {
  const PhysAddr data = delegated();
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, realm.rd.value(), data.value(), 0x6000).x[0], kSuccess);
  ASSERT_EQ(rmi(RmiCommand::kDataDestroy, realm.rd.value(), 0x6000).x[0], kSuccess);
  EXPECT_EQ(read_entry(realm, 0x6000, 3).ripas, Ripas::kEmpty);
  EXPECT_EQ(raw_u64(l3, 8 * 6), 0u);
}

TEST_F(DataTest, DestroyRefusals) {
  const uint64_t rd = realm.rd.value();
  populate_page(realm, 0x2000, 3);
  // Unassigned entry: ERROR_RTT(3) with the top of the non-live region.
  SmcResult r = expect_refused(error_rtt(3), RmiCommand::kDataDestroy, rd, 0x1000);
  EXPECT_EQ(r.x[1], 0u);
  EXPECT_EQ(r.x[2], 0x2000u);
  // Walk stops at level 1 (no L2 at 1 GiB).
  r = expect_refused(error_rtt(1), RmiCommand::kDataDestroy, rd, 1ull << 30);
  EXPECT_EQ(r.x[2], 512ull << 30);
  // Argument errors: X2 = 0.
  for (uint64_t bad : {uint64_t{0x2008}, realm.par_end(), realm.ipa_size()}) {
    r = expect_refused(kErrorInput, RmiCommand::kDataDestroy, rd, bad);
    EXPECT_EQ(r.x[2], 0u);
  }
  expect_refused(kErrorInput, RmiCommand::kDataDestroy, l3.value(), 0x2000);
}

}  // namespace
}  // namespace mica::monitor::testing
