// RMI_RTT_INIT_RIPAS and RMI_RTT_SET_RIPAS.
#include "monitor_fixture.h"
#include "rim_reference.h"

namespace mica::monitor::testing {
namespace {

using State = abi::RmiRttEntryState;
using rim_reference::Algo;

constexpr uint64_t k2M = 2ull << 20;
constexpr uint64_t k1G = 1ull << 30;

class InitRipasTest : public MonitorTest {
 protected:
  void SetUp() override { realm = create_realm(); }
  Realm realm;
};

TEST_F(InitRipasTest, MarksPagesRamAndMeasuresEachEntry) {
  create_rtts_down_to(realm, 0, 3);
  std::vector<uint8_t> expected = rim(realm);
  const SmcResult r = rmi(RmiCommand::kRttInitRipas, realm.rd.value(), 0x3000, 0x6000, 0x77);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], 0x6000u);
  EXPECT_EQ(r.x[4], 0x77u);
  for (uint64_t a = 0x3000; a < 0x6000; a += 0x1000) {
    EXPECT_EQ(read_entry(realm, a, 3).ripas, Ripas::kRam);
    expected = rim_reference::extend_ripas(Algo::kSha256, expected, a, a + 0x1000);
  }
  EXPECT_EQ(read_entry(realm, 0x2000, 3).ripas, Ripas::kEmpty);
  EXPECT_EQ(read_entry(realm, 0x6000, 3).ripas, Ripas::kEmpty);
  EXPECT_EQ(rim(realm), expected);
}

TEST_F(InitRipasTest, WorksOnWholeBlocksAtTheLevelTheWalkReaches) {
  create_rtts_down_to(realm, 0, 2);  // L2 table: 2 MiB entries
  std::vector<uint8_t> expected = rim(realm);
  const SmcResult r = rmi(RmiCommand::kRttInitRipas, realm.rd.value(), 2 * k2M, 5 * k2M);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], 5 * k2M);
  for (uint64_t a = 2 * k2M; a < 5 * k2M; a += k2M) {
    expected = rim_reference::extend_ripas(Algo::kSha256, expected, a, a + k2M);
    const EntryRead e = read_entry(realm, a, 3);
    EXPECT_EQ(e.level, 2);
    EXPECT_EQ(e.ripas, Ripas::kRam);
  }
  EXPECT_EQ(rim(realm), expected) << "one descriptor per 2 MiB entry, not per page";
}

TEST_F(InitRipasTest, StopsAtTheEndOfTheTable) {
  create_rtts_down_to(realm, 0, 3);
  const SmcResult r = rmi(RmiCommand::kRttInitRipas, realm.rd.value(), k2M - 0x2000, k2M + 0x4000);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], k2M) << "the loop never crosses into the next RTT";
}

TEST_F(InitRipasTest, SkipsRamEntriesButStopsAtAssignedOnes) {
  create_rtts_down_to(realm, 0, 3);
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), 0x2000, 0x3000).x[0], kSuccess);
  std::vector<uint8_t> expected = rim(realm);
  populate_page(realm, 0x5000, 1);  // ASSIGNED at 0x5000
  expected = rim_reference::extend_ripas(Algo::kSha256, expected, 0x5000, 0x6000);
  std::vector<uint8_t> page(kGranuleSize, 1);
  expected = rim_reference::extend_data(Algo::kSha256, expected, 0x5000, 1, page);
  ASSERT_EQ(rim(realm), expected);

  // [0x1000, 0x8000): 0x1000 EMPTY -> RAM, 0x2000 already RAM (kept, still measured),
  // 0x3000, 0x4000 EMPTY -> RAM, 0x5000 ASSIGNED stops the loop.
  const SmcResult r = rmi(RmiCommand::kRttInitRipas, realm.rd.value(), 0x1000, 0x8000);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], 0x5000u);
  for (uint64_t a = 0x1000; a < 0x5000; a += 0x1000) {
    expected = rim_reference::extend_ripas(Algo::kSha256, expected, a, a + 0x1000);
  }
  EXPECT_EQ(rim(realm), expected);
  // Starting on the assigned entry makes no progress at all.
  expect_refused(error_rtt(3), RmiCommand::kRttInitRipas, realm.rd.value(), 0x5000, 0x8000);
}

TEST_F(InitRipasTest, Refusals) {
  create_rtts_down_to(realm, 0, 2);
  const uint64_t rd = realm.rd.value();
  expect_refused(kErrorInput, RmiCommand::kRttInitRipas, rd, 0x2000, 0x2000);
  expect_refused(kErrorInput, RmiCommand::kRttInitRipas, rd, 0x3000, 0x2000);
  expect_refused(kErrorInput, RmiCommand::kRttInitRipas, realm.rtt_base.value(), 0, k2M);
  expect_refused(kErrorInput, RmiCommand::kRttInitRipas, rd, 0x800, k2M);
  expect_refused(kErrorInput, RmiCommand::kRttInitRipas, rd, 0, k2M + 8);
  expect_refused(kErrorInput, RmiCommand::kRttInitRipas, rd, realm.par_end(), realm.par_end() + k2M);
  expect_refused(kErrorInput, RmiCommand::kRttInitRipas, rd, realm.par_end() - k2M, realm.par_end() + 0x1000);
  expect_refused(kErrorInput, RmiCommand::kRttInitRipas, rd, 0, realm.ipa_size());
  // base is not aligned to the 2 MiB entries the walk reaches.
  expect_refused(error_rtt(2), RmiCommand::kRttInitRipas, rd, 0x1000, k2M);
  // The range does not cover one whole entry at that level.
  expect_refused(error_rtt(2), RmiCommand::kRttInitRipas, rd, 0, 0x1000);
  // Walk stops at level 1 for the second GiB: 1 GiB entries.
  expect_refused(error_rtt(1), RmiCommand::kRttInitRipas, rd, k1G, k1G + k2M);
}

TEST_F(InitRipasTest, NeedsANewRealmButChecksArgumentsFirst) {
  create_rtts_down_to(realm, 0, 3);
  ASSERT_EQ(rmi(RmiCommand::kRealmActivate, realm.rd.value()).x[0], kSuccess);
  const uint64_t rd = realm.rd.value();
  expect_refused(kErrorRealm, RmiCommand::kRttInitRipas, rd, 0, 0x1000);
  // Realm state (3) before the walk (4).
  expect_refused(kErrorRealm, RmiCommand::kRttInitRipas, rd, 0x1000, k2M);
  // Argument checks (1, 2) before the realm state.
  expect_refused(kErrorInput, RmiCommand::kRttInitRipas, rd, 0x1000, 0x1000);
  expect_refused(kErrorInput, RmiCommand::kRttInitRipas, rd, realm.par_end(), realm.par_end() + 0x1000);
}

// --- RMI_RTT_SET_RIPAS ------------------------------------------------------------------

class SetRipasTest : public MonitorTest {
 protected:
  void SetUp() override {
    realm = create_realm();
    create_rtts_down_to(realm, 0, 3);
    l3 = rtt_at(realm, 0, 3);
    rec = create_rec(realm, 0).pa;
  }
  RecInfo rec_state() {
    RecInfo info;
    EXPECT_TRUE(monitor().rec_info(rec, info));
    return info;
  }
  Realm realm;
  PhysAddr l3;
  PhysAddr rec;
};

TEST_F(SetRipasTest, RamRequestProgressesAndRecordsWhereItGot) {
  ASSERT_TRUE(monitor().test_set_ripas_request(rec, Ipa(0x1000), Ipa(0x5000), Ripas::kRam, false));
  SmcResult r = rmi(RmiCommand::kRttSetRipas, realm.rd.value(), rec.value(), 0x1000, 0x3000);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], 0x3000u);
  EXPECT_EQ(rec_state().ripas.progress, Ipa(0x3000));
  EXPECT_EQ(read_entry(realm, 0x1000, 3).ripas, Ripas::kRam);
  EXPECT_EQ(read_entry(realm, 0x2000, 3).ripas, Ripas::kRam);
  EXPECT_EQ(read_entry(realm, 0x3000, 3).ripas, Ripas::kEmpty);
  // The host continues exactly where it stopped.
  expect_refused(kErrorInput, RmiCommand::kRttSetRipas, realm.rd.value(), rec.value(), 0x1000, 0x5000);
  r = rmi(RmiCommand::kRttSetRipas, realm.rd.value(), rec.value(), 0x3000, 0x5000);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], 0x5000u);
  EXPECT_EQ(rec_state().ripas.progress, Ipa(0x5000));
  // Not measured: SET_RIPAS happens at runtime.
}

TEST_F(SetRipasTest, DoesNotTouchTheRim) {
  const std::vector<uint8_t> before = rim(realm);
  ASSERT_TRUE(monitor().test_set_ripas_request(rec, Ipa(0), Ipa(0x2000), Ripas::kRam, false));
  ASSERT_EQ(rmi(RmiCommand::kRttSetRipas, realm.rd.value(), rec.value(), 0, 0x2000).x[0], kSuccess);
  EXPECT_EQ(rim(realm), before);
}

TEST_F(SetRipasTest, RamOverAssignedEmptyBecomesAValidMapping) {
  const PhysAddr data = delegated();
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, realm.rd.value(), data.value(), 0x4000).x[0], kSuccess);
  ASSERT_EQ(raw_u64(l3, 8 * 4) & 0b11, 0u);
  ASSERT_TRUE(monitor().test_set_ripas_request(rec, Ipa(0x4000), Ipa(0x5000), Ripas::kRam, false));
  ASSERT_EQ(rmi(RmiCommand::kRttSetRipas, realm.rd.value(), rec.value(), 0x4000, 0x5000).x[0], kSuccess);
  EXPECT_EQ(raw_u64(l3, 8 * 4) & 0b11, 0b11u);
  const EntryRead e = read_entry(realm, 0x4000, 3);
  EXPECT_EQ(e.state, State::kAssigned);
  EXPECT_EQ(e.ripas, Ripas::kRam);
  EXPECT_EQ(e.desc, data.value());
}

TEST_F(SetRipasTest, EmptyOverAssignedRamKeepsThePageButUnmapsIt) {
  const PhysAddr data = populate_page(realm, 0x6000, 0x44);
  ASSERT_EQ(rmi(RmiCommand::kRealmActivate, realm.rd.value()).x[0], kSuccess);  // realm state is not checked
  ASSERT_TRUE(monitor().test_set_ripas_request(rec, Ipa(0x6000), Ipa(0x7000), Ripas::kEmpty, false));
  ASSERT_EQ(rmi(RmiCommand::kRttSetRipas, realm.rd.value(), rec.value(), 0x6000, 0x7000).x[0], kSuccess);
  EXPECT_EQ(raw_u64(l3, 8 * 6), data.value() | (1u << 2)) << "ASSIGNED/EMPTY: invalid, PA kept";
  EXPECT_EQ(state(data), GranuleState::kData);
}

TEST_F(SetRipasTest, DestroyedEntriesChangeOnlyWhenAsked) {
  populate_page(realm, 0x2000, 0x44);
  ASSERT_EQ(rmi(RmiCommand::kDataDestroy, realm.rd.value(), 0x2000).x[0], kSuccess);  // UNASSIGNED/DESTROYED
  ASSERT_TRUE(monitor().test_set_ripas_request(rec, Ipa(0x1000), Ipa(0x4000), Ripas::kRam, false));
  // 0x1000 changes, 0x2000 (DESTROYED, no CHANGE_DESTROYED) stops the loop.
  SmcResult r = rmi(RmiCommand::kRttSetRipas, realm.rd.value(), rec.value(), 0x1000, 0x4000);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], 0x2000u);
  // Starting on it makes no progress: ERROR_RTT at the level of the walk.
  expect_refused(error_rtt(3), RmiCommand::kRttSetRipas, realm.rd.value(), rec.value(), 0x2000, 0x4000);
  // With CHANGE_DESTROYED the request goes through.
  ASSERT_TRUE(monitor().test_set_ripas_request(rec, Ipa(0x2000), Ipa(0x4000), Ripas::kRam, true));
  r = rmi(RmiCommand::kRttSetRipas, realm.rd.value(), rec.value(), 0x2000, 0x4000);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], 0x4000u);
  EXPECT_EQ(read_entry(realm, 0x2000, 3).ripas, Ripas::kRam);
}

TEST_F(SetRipasTest, EmptyRequestFollowsTheChangeTable) {
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), 0, 0x2000).x[0], kSuccess);
  const PhysAddr data = delegated();
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, realm.rd.value(), data.value(), 0x2000).x[0], kSuccess);
  ASSERT_EQ(rmi(RmiCommand::kDataDestroy, realm.rd.value(), 0x2000).x[0], kSuccess);  // EMPTY -> UNASSIGNED/EMPTY
  // [0, 0x4000): RAM -> EMPTY, RAM -> EMPTY, EMPTY stays, EMPTY stays.
  ASSERT_TRUE(monitor().test_set_ripas_request(rec, Ipa(0), Ipa(0x4000), Ripas::kEmpty, false));
  const SmcResult r = rmi(RmiCommand::kRttSetRipas, realm.rd.value(), rec.value(), 0, 0x4000);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], 0x4000u);
  for (uint64_t a = 0; a < 0x4000; a += 0x1000) EXPECT_EQ(read_entry(realm, a, 3).ripas, Ripas::kEmpty) << a;
}

TEST_F(SetRipasTest, StopsAtATableWhenWorkingOnBlocks) {
  // Request over [2 MiB, 6 MiB) where the walk stops at L2: entry 1 is a 2 MiB
  // unassigned block, entry 2 an L3 table.
  create_rtt(realm, 2 * k2M, 3);
  ASSERT_TRUE(monitor().test_set_ripas_request(rec, Ipa(k2M), Ipa(3 * k2M), Ripas::kRam, false));
  const SmcResult r = rmi(RmiCommand::kRttSetRipas, realm.rd.value(), rec.value(), k2M, 3 * k2M);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], 2 * k2M);
  EXPECT_EQ(read_entry(realm, k2M, 3).level, 2);
  EXPECT_EQ(read_entry(realm, k2M, 3).ripas, Ripas::kRam);
}

TEST_F(SetRipasTest, Refusals) {
  const Realm other = create_realm();
  const PhysAddr foreign_rec = create_rec(other, 0).pa;
  const uint64_t rd = realm.rd.value();
  // No request pending.
  expect_refused(kErrorInput, RmiCommand::kRttSetRipas, rd, rec.value(), 0, 0x1000);
  ASSERT_TRUE(monitor().test_set_ripas_request(rec, Ipa(0x1000), Ipa(0x3000), Ripas::kRam, false));
  expect_refused(kErrorInput, RmiCommand::kRttSetRipas, rd, rec.value(), 0x1000, 0x1000);
  expect_refused(kErrorInput, RmiCommand::kRttSetRipas, rd, rd, 0x1000, 0x3000);
  expect_refused(kErrorInput, RmiCommand::kRttSetRipas, rec.value(), rec.value(), 0x1000, 0x3000);
  expect_refused(kErrorInput, RmiCommand::kRttSetRipas, realm.rtt_base.value(), rec.value(), 0x1000, 0x3000);
  expect_refused(kErrorInput, RmiCommand::kRttSetRipas, rd, rec.value() + 8, 0x1000, 0x3000);
  // Not where the request stands, or past its top.
  expect_refused(kErrorInput, RmiCommand::kRttSetRipas, rd, rec.value(), 0x2000, 0x3000);
  expect_refused(kErrorInput, RmiCommand::kRttSetRipas, rd, rec.value(), 0x1000, 0x4000);
  // A REC of another realm.
  ASSERT_TRUE(monitor().test_set_ripas_request(foreign_rec, Ipa(0x1000), Ipa(0x3000), Ripas::kRam, false));
  expect_refused(kErrorRec, RmiCommand::kRttSetRipas, rd, foreign_rec.value(), 0x1000, 0x3000);
  // A running REC: ERROR_REC even when the range is also wrong (checked later).
  ASSERT_TRUE(monitor().test_set_rec_running(rec, true));
  expect_refused(kErrorRec, RmiCommand::kRttSetRipas, rd, rec.value(), 0x1000, 0x3000);
  expect_refused(kErrorRec, RmiCommand::kRttSetRipas, rd, rec.value(), 0x2000, 0x9000);
  // ... but a bad RD is reported first.
  expect_refused(kErrorInput, RmiCommand::kRttSetRipas, delegated().value(), rec.value(), 0x1000, 0x3000);
  ASSERT_TRUE(monitor().test_set_rec_running(rec, false));
  EXPECT_EQ(rmi(RmiCommand::kRttSetRipas, rd, rec.value(), 0x1000, 0x3000).x[0], kSuccess);
}

TEST_F(SetRipasTest, BaseMustBeAlignedToTheLevelReached) {
  ASSERT_TRUE(monitor().test_set_ripas_request(rec, Ipa(k1G + 0x1000), Ipa(k1G + k2M), Ripas::kRam, false));
  expect_refused(error_rtt(1), RmiCommand::kRttSetRipas, realm.rd.value(), rec.value(), k1G + 0x1000, k1G + k2M);
}

TEST_F(SetRipasTest, TestHookOnlyAcceptsRequestsARealmCouldMake) {
  EXPECT_FALSE(monitor().test_set_ripas_request(rec, Ipa(0), Ipa(0x1000), Ripas::kDestroyed, false));
  EXPECT_FALSE(monitor().test_set_ripas_request(rec, Ipa(0x1000), Ipa(0x1000), Ripas::kRam, false));
  EXPECT_FALSE(monitor().test_set_ripas_request(rec, Ipa(0x800), Ipa(0x1000), Ripas::kRam, false));
  EXPECT_FALSE(monitor().test_set_ripas_request(rec, Ipa(0), Ipa(realm.par_end() + 0x1000), Ripas::kRam, false));
  EXPECT_FALSE(monitor().test_set_ripas_request(realm.rd, Ipa(0), Ipa(0x1000), Ripas::kRam, false));
}

}  // namespace
}  // namespace mica::monitor::testing
