// RMI_RTT_CREATE / DESTROY / FOLD / READ_ENTRY / MAP_UNPROTECTED /
// UNMAP_UNPROTECTED, with the stage-2 descriptors checked bit for bit.
#include "monitor_fixture.h"

namespace mica::monitor::testing {
namespace {

using State = abi::RmiRttEntryState;

constexpr uint64_t k2M = 2ull << 20;
constexpr uint64_t k1G = 1ull << 30;
constexpr uint64_t kNsBit = uint64_t{1} << 55;
// A valid RAM leaf the monitor writes: AF, SH inner shareable, S2AP RW, MemAttr normal WB (FWB).
constexpr uint64_t kRamAttributes = (1u << 10) | (0b11u << 8) | (0b11u << 6) | (0b0110u << 2);

class RttTest : public MonitorTest {
 protected:
  RttTest() : MonitorTest(16ull << 20) {}

  // Index of ipa's entry in the table at `level`.
  static uint64_t index(uint64_t ipa, int level) { return (ipa >> abi::rtt_level_shift(level)) & 511; }
  uint64_t raw_entry(PhysAddr table, uint64_t ipa, int level) { return raw_u64(table, 8 * index(ipa, level)); }

  // A realm whose L3 table at `ipa` holds 512 ASSIGNED pages of `ripas`
  // backed by 2 MiB-aligned contiguous DATA granules. Returns the first PA.
  PhysAddr fill_l3_with_data(const Realm& realm, uint64_t ipa, Ripas ripas) {
    create_rtts_down_to(realm, ipa, 3);
    if (ripas == Ripas::kRam) {
      EXPECT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), ipa, ipa + k2M).x[0], kSuccess);
    }
    const PhysAddr data = delegated_aligned_run(512, k2M);
    for (uint64_t i = 0; i < 512; ++i) {
      EXPECT_EQ(rmi(RmiCommand::kDataCreateUnknown, realm.rd.value(), data.value() + i * kGranuleSize,
                    ipa + i * kGranuleSize)
                    .x[0],
                kSuccess);
    }
    return data;
  }
};

TEST_F(RttTest, CreateLinksATableIntoItsParent) {
  const Realm realm = create_realm();
  const PhysAddr l1 = create_rtt(realm, 0, 1);
  EXPECT_EQ(state(l1), GranuleState::kRtt);
  EXPECT_EQ(refcount(realm.rtt_base), 1u);
  EXPECT_EQ(refcount(l1), 0u);
  // The root entry is a VMSAv8-64 table descriptor: next-level PA | 0b11.
  EXPECT_EQ(raw_u64(realm.rtt_base, 0), l1.value() | 0b11);
  // All children inherit UNASSIGNED/EMPTY: invalid, all zero.
  EXPECT_EQ(raw_granule(l1), std::vector<uint8_t>(kGranuleSize, 0));

  EntryRead e = read_entry(realm, 0, 0);
  EXPECT_EQ(e.state, State::kTable);
  EXPECT_EQ(e.desc, l1.value());
  EXPECT_EQ(e.ripas, Ripas::kEmpty);
  e = read_entry(realm, 0, 1);
  EXPECT_EQ(e.level, 1);
  EXPECT_EQ(e.state, State::kUnassigned);

  const PhysAddr l2 = create_rtt(realm, 0, 2);
  const PhysAddr l3 = create_rtt(realm, 0, 3);
  EXPECT_EQ(raw_u64(l1, 0), l2.value() | 0b11);
  EXPECT_EQ(raw_u64(l2, 0), l3.value() | 0b11);
  e = read_entry(realm, 0x1000, 3);
  EXPECT_EQ(e.level, 3);
  EXPECT_EQ(e.state, State::kUnassigned);
}

TEST_F(RttTest, ChildrenInheritTheUnassignedKind) {
  const Realm realm = create_realm();
  // NS half: UNASSIGNED_NS children.
  const PhysAddr ns_l1 = create_rtt(realm, realm.par_end(), 1);
  for (unsigned i = 0; i < 512; ++i) ASSERT_EQ(raw_u64(ns_l1, 8 * i), kNsBit);
  // RAM: INIT_RIPAS of a whole 1 GiB L1 entry, then split it.
  create_rtt(realm, 0, 1);
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), 0, k1G).x[0], kSuccess);
  const PhysAddr l2 = create_rtt(realm, 0, 2);
  for (unsigned i = 0; i < 512; ++i) ASSERT_EQ(raw_u64(l2, 8 * i), 1u << 5) << "RIPAS RAM, HIPAS UNASSIGNED";
  EXPECT_EQ(read_entry(realm, 0x20'0000, 2).ripas, Ripas::kRam);
  // DESTROYED: destroy an L3, then create it again.
  create_rtt(realm, 0, 3);
  ASSERT_EQ(rmi(RmiCommand::kRttDestroy, realm.rd.value(), 0, 3).x[0], kSuccess);
  EXPECT_EQ(raw_u64(l2, 0), 2u << 5) << "parent entry UNASSIGNED/DESTROYED";
  const PhysAddr l3 = create_rtt(realm, 0, 3);
  for (unsigned i = 0; i < 512; ++i) ASSERT_EQ(raw_u64(l3, 8 * i), 2u << 5);
  EXPECT_EQ(refcount(l3), 0u);
}

TEST_F(RttTest, CreateRefusesBadGranulesAndLevels) {
  const Realm realm = create_realm();
  const PhysAddr rtt = delegated();
  const uint64_t rd = realm.rd.value();
  // Granules.
  expect_refused(kErrorInput, RmiCommand::kRttCreate, rd, ns_granule().value(), 0, 1);
  expect_refused(kErrorInput, RmiCommand::kRttCreate, rd, rtt.value() + 0x10, 0, 1);
  expect_refused(kErrorInput, RmiCommand::kRttCreate, rd, realm.rtt_base.value(), 0, 1);
  expect_refused(kErrorInput, RmiCommand::kRttCreate, rd, rd, 0, 1);
  expect_refused(kErrorInput, RmiCommand::kRttCreate, rtt.value(), rtt.value(), 0, 1);
  expect_refused(kErrorInput, RmiCommand::kRttCreate, delegated().value(), rtt.value(), 0, 1);
  // Levels: the root level, beyond 3, negative.
  for (uint64_t level : {uint64_t{0}, uint64_t{4}, ~uint64_t{0}, uint64_t{1} << 63}) {
    expect_refused(kErrorInput, RmiCommand::kRttCreate, rd, rtt.value(), 0, level);
  }
  // IPA not aligned to the parent's entry, or past the IPA space.
  expect_refused(kErrorInput, RmiCommand::kRttCreate, rd, rtt.value(), 0x1000, 3);
  expect_refused(kErrorInput, RmiCommand::kRttCreate, rd, rtt.value(), k1G / 2, 2);
  expect_refused(kErrorInput, RmiCommand::kRttCreate, rd, rtt.value(), realm.ipa_size(), 1);
  expect_refused(kErrorInput, RmiCommand::kRttCreate, rd, rtt.value(), uint64_t{1} << 47, 1);
}

TEST_F(RttTest, CreateReportsWhereTheWalkStopped) {
  const Realm realm = create_realm();
  const PhysAddr rtt = delegated();
  const uint64_t rd = realm.rd.value();
  // No L1 yet: an L3 create walks as far as level 0.
  expect_refused(error_rtt(0), RmiCommand::kRttCreate, rd, rtt.value(), 0, 3);
  create_rtt(realm, 0, 1);
  expect_refused(error_rtt(1), RmiCommand::kRttCreate, rd, rtt.value(), 0, 3);
  // The parent entry is already a table.
  expect_refused(error_rtt(0), RmiCommand::kRttCreate, rd, rtt.value(), 0, 1);
  // Priority: an argument error beats a walk that would fail.
  expect_refused(kErrorInput, RmiCommand::kRttCreate, rd, rtt.value(), 0x20'1000, 3);
  expect_refused(kErrorInput, RmiCommand::kRttCreate, rd, ns_granule().value(), 0, 3);
}

TEST_F(RttTest, DestroyUnlinksAnEmptyTable) {
  const Realm realm = create_realm();
  create_rtts_down_to(realm, 0, 2);
  const PhysAddr l3 = create_rtt(realm, 0x40'0000, 3);
  const EntryRead l2_entry = read_entry(realm, 0x40'0000, 2);
  ASSERT_EQ(l2_entry.state, State::kTable);
  const PhysAddr l2 = rtt_at(realm, 0, 2);
  EXPECT_EQ(refcount(l2), 1u);

  const SmcResult r = rmi(RmiCommand::kRttDestroy, realm.rd.value(), 0x40'0000, 3);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], l3.value());
  EXPECT_EQ(r.x[2], k1G) << "nothing live after it in the L2 table: top is the table's end";
  EXPECT_EQ(state(l3), GranuleState::kDelegated);
  EXPECT_EQ(raw_granule(l3), std::vector<uint8_t>(kGranuleSize, 0));
  EXPECT_EQ(refcount(l2), 0u);
  const EntryRead e = read_entry(realm, 0x40'0000, 3);
  EXPECT_EQ(e.level, 2);
  EXPECT_EQ(e.state, State::kUnassigned);
  EXPECT_EQ(e.ripas, Ripas::kDestroyed);
}

TEST_F(RttTest, DestroyTopPointsAtTheNextLiveEntry) {
  const Realm realm = create_realm();
  create_rtts_down_to(realm, 0, 2);
  create_rtt(realm, 0, 3);
  create_rtt(realm, 5 * k2M, 3);
  const SmcResult r = rmi(RmiCommand::kRttDestroy, realm.rd.value(), 0, 3);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[2], 5 * k2M);
}

TEST_F(RttTest, DestroyInTheUnprotectedHalfLeavesUnassignedNs) {
  const Realm realm = create_realm();
  const uint64_t ipa = realm.par_end();
  create_rtt(realm, ipa, 1);
  const PhysAddr l2 = create_rtt(realm, ipa, 2);
  // An ASSIGNED_NS page below does not keep the table alive.
  create_rtt(realm, ipa, 3);
  ASSERT_EQ(rmi(RmiCommand::kRttMapUnprotected, realm.rd.value(), ipa, 3, 0x9000'0000).x[0], kSuccess);
  const SmcResult r = rmi(RmiCommand::kRttDestroy, realm.rd.value(), ipa, 3);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(raw_u64(l2, 0), kNsBit);
}

TEST_F(RttTest, DestroyRefusesLiveTables) {
  const Realm realm = create_realm();
  const uint64_t base = 3 * k1G;
  populate_page(realm, base + 0x3000, 0x5A);
  const SmcResult l3 = expect_refused(error_rtt(3), RmiCommand::kRttDestroy, realm.rd.value(), base, 3);
  EXPECT_EQ(l3.x[1], 0u);
  EXPECT_EQ(l3.x[2], base) << "X2 = the IPA argument";
  const SmcResult l2 = expect_refused(error_rtt(2), RmiCommand::kRttDestroy, realm.rd.value(), base, 2);
  EXPECT_EQ(l2.x[2], base);
  const SmcResult l1 = expect_refused(error_rtt(1), RmiCommand::kRttDestroy, realm.rd.value(), 0, 1);
  EXPECT_EQ(l1.x[2], 0u);
}

TEST_F(RttTest, DestroyReportsWhereTheWalkStopped) {
  const Realm realm = create_realm();
  create_rtt(realm, 0, 1);
  // No L2 at 1 GiB: the walk to level 2 stops at the L1 entry.
  SmcResult r = expect_refused(error_rtt(1), RmiCommand::kRttDestroy, realm.rd.value(), k1G, 3);
  EXPECT_EQ(r.x[2], 512 * k1G) << "top: no live entry after it in the L1 table";
  // The L1 entry at 0 is not a table: the walk reaches level 1 but finds no table.
  r = expect_refused(error_rtt(1), RmiCommand::kRttDestroy, realm.rd.value(), 0, 2);
  EXPECT_EQ(r.x[2], 512 * k1G);
  // Level 0 entry above 0 is not a table.
  r = expect_refused(error_rtt(0), RmiCommand::kRttDestroy, realm.rd.value(), realm.par_end(), 1);
  EXPECT_EQ(r.x[2], 1ull << 48);
}

TEST_F(RttTest, DestroyRefusesBadArguments) {
  const Realm realm = create_realm();
  create_rtt(realm, 0, 1);
  for (uint64_t level : {uint64_t{0}, uint64_t{4}, ~uint64_t{0}}) {
    const SmcResult r = expect_refused(kErrorInput, RmiCommand::kRttDestroy, realm.rd.value(), 0, level);
    EXPECT_EQ(r.x[2], 0u);
  }
  expect_refused(kErrorInput, RmiCommand::kRttDestroy, realm.rd.value(), 0x1000, 1);
  expect_refused(kErrorInput, RmiCommand::kRttDestroy, realm.rd.value(), realm.ipa_size(), 1);
  expect_refused(kErrorInput, RmiCommand::kRttDestroy, realm.rtt_base.value(), 0, 1);
  expect_refused(kErrorInput, RmiCommand::kRttDestroy, delegated().value(), 0, 1);
}

TEST_F(RttTest, ReadEntryReportsEveryKind) {
  const Realm realm = create_realm();
  // ASSIGNED/RAM page.
  const PhysAddr data = populate_page(realm, 0x5000, 0x11);
  EntryRead e = read_entry(realm, 0x5000, 3);
  EXPECT_EQ(e.level, 3);
  EXPECT_EQ(e.state, State::kAssigned);
  EXPECT_EQ(e.desc, data.value());
  EXPECT_EQ(e.ripas, Ripas::kRam);
  // UNASSIGNED/RAM (INIT_RIPAS without data).
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), 0x6000, 0x7000).x[0], kSuccess);
  e = read_entry(realm, 0x6000, 3);
  EXPECT_EQ(e.state, State::kUnassigned);
  EXPECT_EQ(e.ripas, Ripas::kRam);
  EXPECT_EQ(e.desc, 0u);
  // ASSIGNED/EMPTY: unknown data on an EMPTY entry.
  const PhysAddr empty_data = delegated();
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, realm.rd.value(), empty_data.value(), 0x8000).x[0], kSuccess);
  e = read_entry(realm, 0x8000, 3);
  EXPECT_EQ(e.state, State::kAssigned);
  EXPECT_EQ(e.desc, empty_data.value());
  EXPECT_EQ(e.ripas, Ripas::kEmpty);
  // UNASSIGNED/DESTROYED after DATA_DESTROY of the RAM page, then ASSIGNED/DESTROYED.
  ASSERT_EQ(rmi(RmiCommand::kDataDestroy, realm.rd.value(), 0x5000).x[0], kSuccess);
  e = read_entry(realm, 0x5000, 3);
  EXPECT_EQ(e.state, State::kUnassigned);
  EXPECT_EQ(e.ripas, Ripas::kDestroyed);
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, realm.rd.value(), data.value(), 0x5000).x[0], kSuccess);
  e = read_entry(realm, 0x5000, 3);
  EXPECT_EQ(e.state, State::kAssigned);
  EXPECT_EQ(e.ripas, Ripas::kDestroyed);
  EXPECT_EQ(e.desc, 0u) << "TF-RMM 1.0 does not report a destroyed page's PA";
  // UNASSIGNED_NS and TABLE.
  e = read_entry(realm, realm.par_end(), 0);
  EXPECT_EQ(e.state, State::kUnassigned);
  EXPECT_EQ(e.ripas, Ripas::kEmpty);
  e = read_entry(realm, 0, 2);
  EXPECT_EQ(e.state, State::kTable);
}

TEST_F(RttTest, ReadEntryStopsAtTheDeepestTable) {
  const Realm realm = create_realm();
  create_rtt(realm, 0, 1);
  const EntryRead e = read_entry(realm, 0x7000, 3);
  EXPECT_EQ(e.x0, kSuccess);
  EXPECT_EQ(e.level, 1);
}

TEST_F(RttTest, ReadEntryRefusesBadArguments) {
  const Realm realm = create_realm();
  for (uint64_t level : {uint64_t{4}, ~uint64_t{0}}) {
    const SmcResult r = expect_refused(kErrorInput, RmiCommand::kRttReadEntry, realm.rd.value(), 0, level);
    EXPECT_EQ(r.x[1], 0u);
    EXPECT_EQ(r.x[2], 0u);
    EXPECT_EQ(r.x[3], 0u);
  }
  expect_refused(kErrorInput, RmiCommand::kRttReadEntry, realm.rd.value(), 0x1000, 2);
  expect_refused(kErrorInput, RmiCommand::kRttReadEntry, realm.rd.value(), realm.ipa_size(), 0);
  expect_refused(kErrorInput, RmiCommand::kRttReadEntry, realm.rtt_base.value(), 0, 0);
}

TEST_F(RttTest, MapUnprotectedWritesAValidNsDescriptor) {
  const Realm realm = create_realm();
  const uint64_t ipa = realm.par_end() + 0x1000;
  create_rtts_down_to(realm, ipa, 3);
  const PhysAddr l3 = rtt_at(realm, ipa, 3);
  // Host descriptor: PA, MemAttr[4:2] = 0b101, S2AP = 0b01 (read-only).
  const uint64_t desc = 0x1'2345'6000ull | (0b101u << 2) | (0b01u << 6);
  ASSERT_EQ(rmi(RmiCommand::kRttMapUnprotected, realm.rd.value(), ipa, 3, desc).x[0], kSuccess);
  const uint64_t raw = raw_u64(l3, 8);
  EXPECT_EQ(raw, desc | (1u << 10) | (0b11u << 8) | (uint64_t{0b10} << 53) | kNsBit | 0b11);
  EXPECT_EQ(refcount(l3), 0u) << "ASSIGNED_NS is not counted";
  const EntryRead e = read_entry(realm, ipa, 3);
  EXPECT_EQ(e.state, State::kAssigned);
  EXPECT_EQ(e.desc, desc) << "READ_ENTRY returns exactly the host's bits";
  EXPECT_EQ(e.ripas, Ripas::kEmpty);
}

TEST_F(RttTest, MapUnprotectedBlocks) {
  const Realm realm = create_realm();
  const uint64_t ipa = realm.par_end();
  const PhysAddr l1 = create_rtt(realm, ipa, 1);
  ASSERT_EQ(rmi(RmiCommand::kRttMapUnprotected, realm.rd.value(), ipa + k1G, 1, 0x40'0000'0000).x[0], kSuccess);
  EXPECT_EQ(raw_u64(l1, 8), 0x40'0000'0000ull | (1u << 10) | (0b11u << 8) | (uint64_t{0b10} << 53) | kNsBit | 0b01);
  const PhysAddr l2 = create_rtt(realm, ipa, 2);
  ASSERT_EQ(rmi(RmiCommand::kRttMapUnprotected, realm.rd.value(), ipa + k2M, 2, 0x20'0000 | (0b11u << 6)).x[0],
            kSuccess);
  EXPECT_EQ(raw_u64(l2, 8) & 0b11, 0b01u);
  EXPECT_EQ(read_entry(realm, ipa + k2M, 3).level, 2);
}

TEST_F(RttTest, MapUnprotectedRefusesBadArguments) {
  const Realm realm = create_realm();
  const uint64_t ipa = realm.par_end();
  create_rtts_down_to(realm, ipa, 3);
  const uint64_t rd = realm.rd.value();
  const uint64_t good = 0x9000'0000;
  for (uint64_t level : {uint64_t{0}, uint64_t{4}, ~uint64_t{0}}) {
    expect_refused(kErrorInput, RmiCommand::kRttMapUnprotected, rd, ipa, level, good);
  }
  expect_refused(kErrorInput, RmiCommand::kRttMapUnprotected, realm.rtt_base.value(), ipa, 3, good);
  // Descriptor bits the host may not set.
  for (uint64_t bad : {good | 1, good | 0b11, good | (1u << 10), good | (0b11u << 8), good | kNsBit,
                       good | (uint64_t{1} << 54), good | (uint64_t{1} << 48), good | (uint64_t{1} << 63),
                       good | 0x800, good | (0b100u << 2)}) {
    expect_refused(kErrorInput, RmiCommand::kRttMapUnprotected, rd, ipa, 3, bad);
  }
  // PA not aligned to a level-2 block.
  expect_refused(kErrorInput, RmiCommand::kRttMapUnprotected, rd, ipa, 2, good + 0x1000);
  // IPA in the PAR, unaligned, beyond the IPA space.
  expect_refused(kErrorInput, RmiCommand::kRttMapUnprotected, rd, 0, 3, good);
  expect_refused(kErrorInput, RmiCommand::kRttMapUnprotected, rd, ipa + 0x800, 3, good);
  expect_refused(kErrorInput, RmiCommand::kRttMapUnprotected, rd, realm.ipa_size(), 3, good);
  // Priority: an IPA in the PAR is refused before any walk.
  expect_refused(kErrorInput, RmiCommand::kRttMapUnprotected, rd, 0x4000'0000, 3, good);
}

TEST_F(RttTest, MapUnprotectedNeedsAnUnassignedNsEntryAtThatLevel) {
  const Realm realm = create_realm();
  const uint64_t ipa = realm.par_end();
  const uint64_t rd = realm.rd.value();
  expect_refused(error_rtt(0), RmiCommand::kRttMapUnprotected, rd, ipa, 3, 0x9000'0000);
  create_rtt(realm, ipa, 1);
  expect_refused(error_rtt(1), RmiCommand::kRttMapUnprotected, rd, ipa, 3, 0x9000'0000);
  ASSERT_EQ(rmi(RmiCommand::kRttMapUnprotected, rd, ipa, 1, 0x4000'0000).x[0], kSuccess);
  expect_refused(error_rtt(1), RmiCommand::kRttMapUnprotected, rd, ipa, 1, 0x8000'0000);
  // A table is not UNASSIGNED_NS either.
  create_rtt(realm, ipa + k1G, 2);
  expect_refused(error_rtt(1), RmiCommand::kRttMapUnprotected, rd, ipa + k1G, 1, 0x4000'0000);
}

TEST_F(RttTest, MapUnprotectedBelowTheStartLevelStopsAtTheRoot) {
  RealmParams params;
  params.s2sz = 33;
  params.rtt_level_start = 2;
  params.rtt_num_start = 8;
  const Realm realm = create_realm(params);
  expect_refused(error_rtt(2), RmiCommand::kRttMapUnprotected, realm.rd.value(), 1ull << 32, 1, 0x4000'0000);
  EXPECT_EQ(rmi(RmiCommand::kRttMapUnprotected, realm.rd.value(), 1ull << 32, 2, 0x20'0000).x[0], kSuccess);
}

TEST_F(RttTest, UnmapUnprotectedBreaksTheMapping) {
  const Realm realm = create_realm();
  const uint64_t ipa = realm.par_end();
  create_rtts_down_to(realm, ipa, 3);
  const PhysAddr l3 = rtt_at(realm, ipa, 3);
  ASSERT_EQ(rmi(RmiCommand::kRttMapUnprotected, realm.rd.value(), ipa, 3, 0x9000'0000).x[0], kSuccess);
  ASSERT_EQ(rmi(RmiCommand::kRttMapUnprotected, realm.rd.value(), ipa + 0x3000, 3, 0x9000'3000).x[0], kSuccess);
  SmcResult r = rmi(RmiCommand::kRttUnmapUnprotected, realm.rd.value(), ipa, 3);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], ipa + 0x3000) << "top: the next live entry";
  EXPECT_EQ(raw_u64(l3, 0), kNsBit);
  // Not mapped any more: ERROR_RTT at level 3, top still reported.
  r = expect_refused(error_rtt(3), RmiCommand::kRttUnmapUnprotected, realm.rd.value(), ipa, 3);
  EXPECT_EQ(r.x[1], ipa + 0x3000);
  r = rmi(RmiCommand::kRttUnmapUnprotected, realm.rd.value(), ipa + 0x3000, 3);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], ipa + k2M) << "nothing live left: the end of the table";
}

TEST_F(RttTest, UnmapUnprotectedRefusals) {
  const Realm realm = create_realm();
  const uint64_t ipa = realm.par_end();
  const uint64_t rd = realm.rd.value();
  // Walk stops early.
  SmcResult r = expect_refused(error_rtt(0), RmiCommand::kRttUnmapUnprotected, rd, ipa, 3);
  EXPECT_EQ(r.x[1], 1ull << 48);
  // Bad arguments give X1 = 0.
  for (uint64_t level : {uint64_t{0}, uint64_t{4}}) {
    r = expect_refused(kErrorInput, RmiCommand::kRttUnmapUnprotected, rd, ipa, level);
    EXPECT_EQ(r.x[1], 0u);
  }
  expect_refused(kErrorInput, RmiCommand::kRttUnmapUnprotected, rd, 0, 3);
  expect_refused(kErrorInput, RmiCommand::kRttUnmapUnprotected, rd, ipa + 8, 3);
  expect_refused(kErrorInput, RmiCommand::kRttUnmapUnprotected, realm.rtt_base.value(), ipa, 3);
}

TEST_F(RttTest, FoldUnassignedTablesBackIntoTheirParent) {
  const Realm realm = create_realm();
  create_rtts_down_to(realm, 0, 2);
  const PhysAddr l2 = rtt_at(realm, 0, 2);
  const PhysAddr l3 = create_rtt(realm, k2M, 3);
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), k2M, 2 * k2M).x[0], kSuccess);
  const SmcResult r = rmi(RmiCommand::kRttFold, realm.rd.value(), k2M, 3);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], l3.value());
  EXPECT_EQ(state(l3), GranuleState::kDelegated);
  EXPECT_EQ(raw_granule(l3), std::vector<uint8_t>(kGranuleSize, 0));
  EXPECT_EQ(raw_u64(l2, 8), 1u << 5) << "UNASSIGNED/RAM block entry";
  EXPECT_EQ(refcount(l2), 0u);
}

TEST_F(RttTest, FoldRefusesMixedTables) {
  const Realm realm = create_realm();
  create_rtts_down_to(realm, 0, 3);
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), 0x1000, 0x2000).x[0], kSuccess);
  expect_refused(error_rtt(3), RmiCommand::kRttFold, realm.rd.value(), 0, 3);
  // One assigned page: reference count 1.
  populate_page(realm, 0x4000, 0x22);
  expect_refused(error_rtt(3), RmiCommand::kRttFold, realm.rd.value(), 0, 3);
}

TEST_F(RttTest, FoldAndSplitAssignedRamBlocks) {
  const Realm realm = create_realm();
  const uint64_t ipa = 4 * k2M;
  const PhysAddr data = fill_l3_with_data(realm, ipa, Ripas::kRam);
  const PhysAddr l2 = rtt_at(realm, ipa, 2);
  const PhysAddr l3 = rtt_at(realm, ipa, 3);
  EXPECT_EQ(refcount(l3), 512u);
  const uint16_t l2_refs = refcount(l2);

  ASSERT_EQ(rmi(RmiCommand::kRttFold, realm.rd.value(), ipa, 3).x[0], kSuccess);
  EXPECT_EQ(raw_u64(l2, 8 * index(ipa, 2)), data.value() | kRamAttributes | 0b01) << "a 2 MiB block descriptor";
  EXPECT_EQ(refcount(l2), l2_refs) << "the block replaces the table reference";
  EXPECT_EQ(state(l3), GranuleState::kDelegated);
  EntryRead e = read_entry(realm, ipa + 0x5000, 3);
  EXPECT_EQ(e.level, 2);
  EXPECT_EQ(e.state, State::kAssigned);
  EXPECT_EQ(e.desc, data.value());
  EXPECT_EQ(e.ripas, Ripas::kRam);
  for (uint64_t i = 0; i < 512; ++i) ASSERT_EQ(state(data.plus(i * kGranuleSize)), GranuleState::kData);

  // Split it again: 512 page descriptors with consecutive PAs.
  const PhysAddr again = create_rtt(realm, ipa, 3);
  EXPECT_EQ(refcount(again), 512u);
  EXPECT_EQ(refcount(l2), l2_refs);
  for (uint64_t i = 0; i < 512; ++i) {
    ASSERT_EQ(raw_u64(again, 8 * i), (data.value() + i * kGranuleSize) | kRamAttributes | 0b11) << i;
  }
  e = read_entry(realm, ipa + 0x5000, 3);
  EXPECT_EQ(e.level, 3);
  EXPECT_EQ(e.desc, data.value() + 0x5000);
}

TEST_F(RttTest, FoldAndSplitAssignedEmptyBlocks) {
  const Realm realm = create_realm();
  const uint64_t ipa = 6 * k2M;
  const PhysAddr data = fill_l3_with_data(realm, ipa, Ripas::kEmpty);
  ASSERT_EQ(rmi(RmiCommand::kRttFold, realm.rd.value(), ipa, 3).x[0], kSuccess);
  const EntryRead e = read_entry(realm, ipa, 3);
  EXPECT_EQ(e.level, 2);
  EXPECT_EQ(e.state, State::kAssigned);
  EXPECT_EQ(e.ripas, Ripas::kEmpty);
  EXPECT_EQ(e.desc, data.value());
  const PhysAddr again = create_rtt(realm, ipa, 3);
  EXPECT_EQ(read_entry(realm, ipa + 0x1000, 3).desc, data.value() + 0x1000);
  EXPECT_EQ(raw_u64(again, 8) & 0b11, 0u) << "ASSIGNED/EMPTY stays an invalid descriptor";
}

TEST_F(RttTest, FoldRefusesNonContiguousAssignedPages) {
  const Realm realm = create_realm();
  const uint64_t ipa = 8 * k2M;
  const PhysAddr data = fill_l3_with_data(realm, ipa, Ripas::kRam);
  // Swap the backing of page 7 for another granule.
  ASSERT_EQ(rmi(RmiCommand::kDataDestroy, realm.rd.value(), ipa + 7 * kGranuleSize).x[0], kSuccess);
  const PhysAddr other = delegated();
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, realm.rd.value(), other.value(), ipa + 7 * kGranuleSize).x[0],
            kSuccess);
  expect_refused(error_rtt(3), RmiCommand::kRttFold, realm.rd.value(), ipa, 3);
  (void)data;
}

TEST_F(RttTest, FoldAssignedNsPages) {
  const Realm realm = create_realm();
  const uint64_t ipa = realm.par_end() + 2 * k2M;
  create_rtts_down_to(realm, ipa, 3);
  const PhysAddr l2 = rtt_at(realm, ipa, 2);
  const uint64_t attrs = (0b111u << 2) | (0b10u << 6);
  for (uint64_t i = 0; i < 512; ++i) {
    ASSERT_EQ(rmi(RmiCommand::kRttMapUnprotected, realm.rd.value(), ipa + i * kGranuleSize, 3,
                  (0x1'0000'0000 + i * kGranuleSize) | attrs)
                  .x[0],
              kSuccess);
  }
  const uint16_t l2_refs = refcount(l2);
  ASSERT_EQ(rmi(RmiCommand::kRttFold, realm.rd.value(), ipa, 3).x[0], kSuccess);
  EXPECT_EQ(refcount(l2), l2_refs - 1) << "ASSIGNED_NS blocks are not counted";
  const EntryRead e = read_entry(realm, ipa, 3);
  EXPECT_EQ(e.level, 2);
  EXPECT_EQ(e.state, State::kAssigned);
  EXPECT_EQ(e.desc, 0x1'0000'0000ull | attrs);
  // And split back.
  const PhysAddr l3 = create_rtt(realm, ipa, 3);
  EXPECT_EQ(read_entry(realm, ipa + 0x2000, 3).desc, (0x1'0000'2000ull) | attrs);
  EXPECT_EQ(refcount(l3), 0u);
}

TEST_F(RttTest, FoldRefusesNsPagesWithDifferentAttributes) {
  const Realm realm = create_realm();
  const uint64_t ipa = realm.par_end();
  create_rtts_down_to(realm, ipa, 3);
  for (uint64_t i = 0; i < 512; ++i) {
    const uint64_t s2ap = i == 300 ? (0b01u << 6) : (0b11u << 6);
    ASSERT_EQ(rmi(RmiCommand::kRttMapUnprotected, realm.rd.value(), ipa + i * kGranuleSize, 3,
                  (0x1'0000'0000 + i * kGranuleSize) | s2ap)
                  .x[0],
              kSuccess);
  }
  expect_refused(error_rtt(3), RmiCommand::kRttFold, realm.rd.value(), ipa, 3);
}

TEST_F(RttTest, FoldIntoLevelZeroIsRefused) {
  const Realm realm = create_realm();
  const uint64_t ipa = realm.par_end();
  create_rtt(realm, ipa, 1);
  // 512 contiguous 1 GiB NS blocks would make a 512 GiB block, which does not exist.
  for (uint64_t i = 0; i < 512; ++i) {
    ASSERT_EQ(rmi(RmiCommand::kRttMapUnprotected, realm.rd.value(), ipa + i * k1G, 1, i * k1G).x[0], kSuccess);
  }
  expect_refused(error_rtt(0), RmiCommand::kRttFold, realm.rd.value(), ipa, 1);
}

TEST_F(RttTest, FoldReportsWhereTheWalkStopped) {
  const Realm realm = create_realm();
  expect_refused(error_rtt(0), RmiCommand::kRttFold, realm.rd.value(), 0, 2);
  create_rtt(realm, 0, 1);
  expect_refused(error_rtt(1), RmiCommand::kRttFold, realm.rd.value(), 0, 2);
  expect_refused(error_rtt(1), RmiCommand::kRttFold, realm.rd.value(), 0, 3);
  expect_refused(kErrorInput, RmiCommand::kRttFold, realm.rd.value(), 0, 0);
  expect_refused(kErrorInput, RmiCommand::kRttFold, realm.rd.value(), 0x1000, 3);
  expect_refused(kErrorInput, RmiCommand::kRttFold, delegated().value(), 0, 1);
}

TEST_F(RttTest, FoldOfAFullTableOfTablesChecksTheLevelFirst) {
  const Realm realm = create_realm();
  const PhysAddr l1 = create_rtt(realm, 0, 1);
  // 512 L2 tables under the L1 table: reference count 512, but nothing to fold into level 0.
  for (uint64_t i = 0; i < 512; ++i) create_rtt(realm, i * k1G, 2);
  EXPECT_EQ(refcount(l1), 512u);
  expect_refused(error_rtt(0), RmiCommand::kRttFold, realm.rd.value(), 0, 1);
}

TEST_F(RttTest, FoldOfAFullTableOfTablesAtLevelTwoIsRefusedByContent) {
  const Realm realm = create_realm();
  create_rtt(realm, 0, 1);
  const PhysAddr l2 = create_rtt(realm, 0, 2);
  for (uint64_t i = 0; i < 512; ++i) create_rtt(realm, i * k2M, 3);
  EXPECT_EQ(refcount(l2), 512u);
  expect_refused(error_rtt(2), RmiCommand::kRttFold, realm.rd.value(), 0, 2);
}

}  // namespace
}  // namespace mica::monitor::testing
