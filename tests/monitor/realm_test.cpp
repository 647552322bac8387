// RMI_REALM_CREATE / RMI_REALM_ACTIVATE / RMI_REALM_DESTROY.
#include "monitor_fixture.h"
#include "rim_reference.h"

namespace mica::monitor::testing {
namespace {

using platform::Pas;

class RealmTest : public MonitorTest {
 protected:
  // REALM_CREATE with these params must fail with ERROR_INPUT and change nothing.
  void expect_create_refused(const RealmParams& params, PhysAddr rd) {
    const PhysAddr params_pa = write_realm_params(params);
    expect_refused(kErrorInput, RmiCommand::kRealmCreate, rd.value(), params_pa.value());
  }
  // Fresh RD and root RTTs for params (num roots from params).
  RealmParams with_fresh_roots(RealmParams params) {
    params.rtt_base = delegated_run(params.rtt_num_start).value();
    if (params.vmid < 0) params.vmid = 100;
    return params;
  }
};

TEST_F(RealmTest, CreateTurnsTheRdAndRootsIntoARealm) {
  RealmParams params;
  params.vmid = 7;
  params.rpv[0] = 0xAB;
  params.rpv[63] = 0xCD;
  const Realm realm = create_realm(params);
  EXPECT_EQ(state(realm.rd), GranuleState::kRd);
  EXPECT_EQ(state(realm.rtt_base), GranuleState::kRtt);
  EXPECT_EQ(refcount(realm.rd), 0u);
  EXPECT_EQ(refcount(realm.rtt_base), 0u);

  const RealmInfo info = realm_info(realm);
  EXPECT_EQ(info.state, RealmState::kNew);
  EXPECT_EQ(info.vmid, 7);
  EXPECT_EQ(info.s2sz, 40);
  EXPECT_EQ(info.start_level, 0);
  EXPECT_EQ(info.num_root_rtts, 1);
  EXPECT_EQ(info.rtt_base, realm.rtt_base);
  EXPECT_EQ(info.rec_count, 0u);
  EXPECT_EQ(info.hash_algo, HashAlgo::kSha256);
  EXPECT_EQ(info.rpv[0], 0xAB);
  EXPECT_EQ(info.rpv[63], 0xCD);
  EXPECT_EQ(info.stage2.root_rtt, realm.rtt_base);
  EXPECT_EQ(info.stage2.vmid, 7);
  EXPECT_EQ(info.stage2.ipa_width, 40);

  // RIM0 as §7.2 computes it; the bytes past the digest stay zero.
  EXPECT_EQ(rim(realm), rim_reference::rim0({}));
  for (size_t i = 32; i < 64; ++i) EXPECT_EQ(info.measurements[0][i], 0);
  for (unsigned slot = 1; slot < 5; ++slot) {
    for (size_t i = 0; i < 64; ++i) ASSERT_EQ(info.measurements[slot][i], 0) << "REM" << slot;
  }
}

TEST_F(RealmTest, RootTableIsRealVmsaDescriptors) {
  const Realm realm = create_realm();  // s2sz 40, start level 0: 512 GiB per entry
  // Entry 0 maps the PAR [0, 2^39): UNASSIGNED/EMPTY (all zero bits).
  EXPECT_EQ(raw_u64(realm.rtt_base, 0), 0u);
  // Entry 1 maps [2^39, 2^40): UNASSIGNED_NS = NS bit 55 only.
  EXPECT_EQ(raw_u64(realm.rtt_base, 8), uint64_t{1} << 55);
  // Entries past the IPA space stay zero.
  for (unsigned i = 2; i < 512; ++i) ASSERT_EQ(raw_u64(realm.rtt_base, 8 * i), 0u) << i;

  EntryRead e = read_entry(realm, 0, 0);
  EXPECT_EQ(e.x0, kSuccess);
  EXPECT_EQ(e.level, 0);
  EXPECT_EQ(e.state, abi::RmiRttEntryState::kUnassigned);
  EXPECT_EQ(e.ripas, Ripas::kEmpty);
  e = read_entry(realm, realm.par_end(), 0);
  EXPECT_EQ(e.state, abi::RmiRttEntryState::kUnassigned);
  EXPECT_EQ(e.desc, 0u);
}

TEST_F(RealmTest, ConcatenatedRootsCoverTheIpaSpace) {
  RealmParams params;
  params.s2sz = 43;
  params.rtt_level_start = 1;
  params.rtt_num_start = 16;
  const Realm realm = create_realm(params);
  for (unsigned i = 0; i < 16; ++i) {
    const PhysAddr root = realm.rtt_base.plus(i * kGranuleSize);
    EXPECT_EQ(state(root), GranuleState::kRtt);
    // Roots 0..7 map the PAR (1 GiB entries, 512 per root), 8..15 the NS half.
    const uint64_t expected = i < 8 ? 0 : uint64_t{1} << 55;
    for (unsigned e = 0; e < 512; ++e) ASSERT_EQ(raw_u64(root, 8 * e), expected) << "root " << i << " entry " << e;
  }
  const EntryRead last = read_entry(realm, realm.ipa_size() - (1ull << 30), 1);
  EXPECT_EQ(last.x0, kSuccess);
  EXPECT_EQ(last.level, 1);
}

TEST_F(RealmTest, ValidGeometriesFollowTheStartLevelRules) {
  struct Geometry {
    int64_t sl;
    uint32_t s2sz;
    uint32_t roots;
  };
  // The table of §4.1 for LPA2 off, plus its edges.
  std::vector<Geometry> valid;
  for (uint32_t s = 40; s <= 48; ++s) valid.push_back({0, s, 1});
  for (uint32_t s = 32; s <= 39; ++s) valid.push_back({1, s, 1});
  valid.push_back({1, 40, 2});
  valid.push_back({1, 41, 4});
  valid.push_back({1, 42, 8});
  valid.push_back({1, 43, 16});
  valid.push_back({2, 32, 4});
  valid.push_back({2, 33, 8});
  valid.push_back({2, 34, 16});

  for (int64_t sl = -1; sl <= 3; ++sl) {
    for (uint32_t s2sz = 30; s2sz <= 50; ++s2sz) {
      for (uint32_t roots : {1u, 2u, 3u, 4u, 8u, 16u, 17u}) {
        bool expected = false;
        for (const Geometry& g : valid) expected |= g.sl == sl && g.s2sz == s2sz && g.roots == roots;
        RealmParams params;
        params.s2sz = s2sz;
        params.rtt_level_start = sl;
        params.rtt_num_start = roots;
        params.vmid = 200;
        const uint32_t allocated = roots > 16 ? 16 : roots;
        const PhysAddr rd = delegated();
        params.rtt_base = delegated_run(allocated).value();
        const uint64_t x0 = try_create_realm(rd, params);
        ASSERT_EQ(x0, expected ? kSuccess : kErrorInput) << "sl=" << sl << " s2sz=" << s2sz << " roots=" << roots;
        if (expected) {
          ASSERT_EQ(rmi(RmiCommand::kRealmDestroy, rd.value()).x[0], kSuccess);
        } else {
          ASSERT_EQ(state(rd), GranuleState::kDelegated);
          ASSERT_EQ(state(PhysAddr(params.rtt_base)), GranuleState::kDelegated);
        }
        // Give the granules back so the test does not run out of DRAM.
        ASSERT_EQ(rmi(RmiCommand::kGranuleUndelegate, rd.value()).x[0], kSuccess);
        for (uint32_t i = 0; i < allocated; ++i) {
          ASSERT_EQ(rmi(RmiCommand::kGranuleUndelegate, params.rtt_base + i * kGranuleSize).x[0], kSuccess);
        }
        next_free_ -= (1 + allocated) * kGranuleSize;
      }
    }
  }
}

TEST_F(RealmTest, CreateRefusesParamsTheFeaturesDoNotAllow) {
  const PhysAddr rd = delegated();
  auto refused = [&](auto mutate, const char* what) {
    SCOPED_TRACE(what);
    RealmParams params = with_fresh_roots({});
    mutate(params);
    expect_create_refused(params, rd);
  };
  refused([](RealmParams& p) { p.flags = abi::realm_params::kFlagLpa2; }, "LPA2 without FEAT_LPA2");
  refused([](RealmParams& p) { p.flags = abi::realm_params::kFlagSve; }, "SVE without SVE");
  refused([](RealmParams& p) { p.flags = abi::realm_params::kFlagPmu; }, "PMU without a PMU");
  refused([](RealmParams& p) { p.num_bps = 0; }, "no breakpoints");
  refused([](RealmParams& p) { p.num_bps = 6; }, "more breakpoints than the PE has");
  refused([](RealmParams& p) { p.num_wps = 0; }, "no watchpoints");
  refused([](RealmParams& p) { p.num_wps = 4; }, "more watchpoints than the PE has");
  refused([](RealmParams& p) { p.hash_algo = 2; }, "unknown hash algorithm");
  refused([](RealmParams& p) { p.hash_algo = 0xFF; }, "unknown hash algorithm 0xFF");
  refused([](RealmParams& p) { p.s2sz = 31; }, "s2sz below 32");
  refused([](RealmParams& p) { p.s2sz = 49; }, "s2sz above the PA width");
  refused([](RealmParams& p) { p.s2sz = 40 + (1u << 8); }, "s2sz with bits above the byte");
  refused([](RealmParams& p) { p.rtt_level_start = -1; }, "start level -1 needs LPA2");
  refused([](RealmParams& p) { p.rtt_level_start = 1; }, "start level 1 for s2sz 40 needs 2 roots");
  refused([](RealmParams& p) { p.rtt_num_start = 2; }, "2 roots where 1 is needed");
  refused([](RealmParams& p) { p.rtt_num_start = 0; }, "no roots");
  refused([](RealmParams& p) { p.rtt_level_start = int64_t{1} << 40; }, "absurd start level");
}

TEST_F(RealmTest, UncheckedFieldsAreAcceptedAndMeasured) {
  // sve_vl and pmu_num_ctrs are not checked when their feature is off, but enter the RIM.
  RealmParams params;
  params.sve_vl = 3;
  params.pmu_num_ctrs = 0x1234;
  params.num_bps = 5;
  params.num_wps = 3;
  params.extra_bytes = {{0x040, 0xFF}, {0x3FF, 0xFF}, {0x900, 0xFF}};  // reserved bytes are ignored
  const Realm realm = create_realm(params);
  rim_reference::RealmMeasuredParams measured;
  measured.sve_vl = 3;
  measured.pmu_num_ctrs = 0x1234;
  measured.num_bps = 5;
  measured.num_wps = 3;
  EXPECT_EQ(rim(realm), rim_reference::rim0(measured));
}

TEST_F(RealmTest, Sha512RealmHasA64ByteRim) {
  RealmParams params;
  params.hash_algo = 1;
  const Realm realm = create_realm(params);
  const RealmInfo info = realm_info(realm);
  EXPECT_EQ(info.hash_algo, HashAlgo::kSha512);
  rim_reference::RealmMeasuredParams measured;
  measured.hash_algo = 1;
  EXPECT_EQ(rim(realm), rim_reference::rim0(measured));
  EXPECT_EQ(rim(realm).size(), 64u);
}

TEST_F(RealmTest, ParamsMustBeAReadableNsGranule) {
  const PhysAddr rd = delegated();
  const RealmParams params = with_fresh_roots({});
  const PhysAddr good = write_realm_params(params);
  expect_refused(kErrorInput, RmiCommand::kRealmCreate, rd.value(), good.value() + 8);
  expect_refused(kErrorInput, RmiCommand::kRealmCreate, rd.value(), kDramBase + kDramSize);
  expect_refused(kErrorInput, RmiCommand::kRealmCreate, rd.value(), 0);
  // Params in the Realm PAS (a delegated granule, even one holding the right bytes).
  const PhysAddr in_realm_pas = write_realm_params(params);
  ASSERT_EQ(rmi(RmiCommand::kGranuleDelegate, in_realm_pas.value()).x[0], kSuccess);
  expect_refused(kErrorInput, RmiCommand::kRealmCreate, rd.value(), in_realm_pas.value());
  // The RD itself as params.
  expect_refused(kErrorInput, RmiCommand::kRealmCreate, rd.value(), rd.value());
  // Tracked as NS but the GPC says otherwise: the faulting NS read refuses it.
  const PhysAddr secure = write_realm_params(params);
  machine().gpt().set(secure, Pas::kSecure);
  expect_refused(kErrorInput, RmiCommand::kRealmCreate, rd.value(), secure.value());
  machine().gpt().set(secure, Pas::kNonSecure);
  // The same params from a proper NS granule work.
  EXPECT_EQ(rmi(RmiCommand::kRealmCreate, rd.value(), good.value()).x[0], kSuccess);
}

TEST_F(RealmTest, RdAndRootsMustBeDelegated) {
  const RealmParams params = with_fresh_roots({});
  const PhysAddr params_pa = write_realm_params(params);
  // RD not delegated, unaligned, outside DRAM, already an RD.
  const Realm other = create_realm();
  for (uint64_t rd : {ns_granule().value(), delegated().value() + 0x10, kDramBase + kDramSize, other.rd.value(),
                      other.rtt_base.value()}) {
    expect_refused(kErrorInput, RmiCommand::kRealmCreate, rd, params_pa.value());
  }
  // A root that is not delegated: the last of four concatenated roots is NS.
  RealmParams four;
  four.s2sz = 32;
  four.rtt_level_start = 2;
  four.rtt_num_start = 4;
  four.vmid = 300;
  const PhysAddr roots = delegated_run(3);
  const PhysAddr ns_root = ns_granule();
  ASSERT_EQ(ns_root, roots.plus(3 * kGranuleSize));
  four.rtt_base = roots.value();
  expect_create_refused(four, delegated());
  // Roots unaligned.
  RealmParams unaligned = with_fresh_roots({});
  unaligned.rtt_base += 0x100;
  expect_create_refused(unaligned, delegated());
}

TEST_F(RealmTest, RdMustNotAliasARootRtt) {
  RealmParams params;
  params.s2sz = 40;
  params.rtt_level_start = 1;
  params.rtt_num_start = 2;
  params.vmid = 400;
  const PhysAddr roots = delegated_run(2);
  params.rtt_base = roots.value();
  expect_create_refused(params, roots);                       // RD = first root
  expect_create_refused(params, roots.plus(kGranuleSize));    // RD = second root
  // The VMID was given back each time: the realm can be created with it now.
  EXPECT_EQ(try_create_realm(delegated(), params), kSuccess);
  EXPECT_EQ(state(roots), GranuleState::kRtt);
}

TEST_F(RealmTest, RdMayLieBelowOrAboveTheRoots) {
  RealmParams params;
  params.s2sz = 40;
  params.rtt_level_start = 1;
  params.rtt_num_start = 2;
  const PhysAddr below = delegated();
  params.rtt_base = delegated_run(2).value();
  params.vmid = 10;
  EXPECT_EQ(try_create_realm(below, params), kSuccess);
  params.rtt_base = delegated_run(2).value();
  params.vmid = 11;
  EXPECT_EQ(try_create_realm(delegated(), params), kSuccess);
}

TEST_F(RealmTest, VmidsAreUniqueAmongLiveRealms) {
  RealmParams params;
  params.vmid = 0xBEEF;
  const Realm first = create_realm(params);
  expect_create_refused(with_fresh_roots(params), delegated());
  // After the first realm is gone, its VMID is free again.
  ASSERT_EQ(rmi(RmiCommand::kRealmDestroy, first.rd.value()).x[0], kSuccess);
  const Realm second = create_realm(params);
  EXPECT_EQ(realm_info(second).vmid, 0xBEEF);
  // VMID 0 and the largest 16-bit VMID are ordinary values.
  params.vmid = 0;
  create_realm(params);
  params.vmid = 0xFFFF;
  create_realm(params);
}

TEST_F(RealmTest, AVmidReservedByAFailedCreateIsReleased) {
  RealmParams params;
  params.vmid = 42;
  params.rtt_base = delegated().value();
  // The RD is NS: the VMID was reserved (params valid) and must be released.
  expect_create_refused(params, ns_granule());
  EXPECT_EQ(try_create_realm(delegated(), params), kSuccess);
}

TEST_F(RealmTest, ActivateMovesNewToActiveOnce) {
  const Realm realm = create_realm();
  EXPECT_EQ(rmi(RmiCommand::kRealmActivate, realm.rd.value()).x[0], kSuccess);
  EXPECT_EQ(realm_info(realm).state, RealmState::kActive);
  expect_refused(kErrorRealm, RmiCommand::kRealmActivate, realm.rd.value());
}

TEST_F(RealmTest, ActivateNeedsAnRd) {
  const Realm realm = create_realm();
  for (uint64_t bad : {realm.rd.value() + 8, realm.rtt_base.value(), delegated().value(), ns_granule().value(),
                       uint64_t{0}}) {
    expect_refused(kErrorInput, RmiCommand::kRealmActivate, bad);
  }
  EXPECT_EQ(realm_info(realm).state, RealmState::kNew);
}

TEST_F(RealmTest, DestroyReturnsEveryGranuleZeroed) {
  RealmParams params;
  params.s2sz = 41;
  params.rtt_level_start = 1;
  params.rtt_num_start = 4;
  const Realm realm = create_realm(params);
  ASSERT_EQ(rmi(RmiCommand::kRealmActivate, realm.rd.value()).x[0], kSuccess);
  ASSERT_EQ(rmi(RmiCommand::kRealmDestroy, realm.rd.value()).x[0], kSuccess);
  EXPECT_EQ(state(realm.rd), GranuleState::kDelegated);
  EXPECT_EQ(raw_granule(realm.rd), std::vector<uint8_t>(kGranuleSize, 0));
  for (unsigned i = 0; i < 4; ++i) {
    const PhysAddr root = realm.rtt_base.plus(i * kGranuleSize);
    EXPECT_EQ(state(root), GranuleState::kDelegated);
    EXPECT_EQ(raw_granule(root), std::vector<uint8_t>(kGranuleSize, 0));
  }
  RealmInfo info;
  EXPECT_FALSE(monitor().realm_info(realm.rd, info));
  // And the granules can leave the realm world.
  EXPECT_EQ(rmi(RmiCommand::kGranuleUndelegate, realm.rd.value()).x[0], kSuccess);
}

TEST_F(RealmTest, DestroyRefusesWhileRecsLive) {
  const Realm realm = create_realm();
  const Rec rec = create_rec(realm, 0);
  expect_refused(kErrorRealm, RmiCommand::kRealmDestroy, realm.rd.value());
  ASSERT_EQ(rmi(RmiCommand::kRecDestroy, rec.pa.value()).x[0], kSuccess);
  EXPECT_EQ(rmi(RmiCommand::kRealmDestroy, realm.rd.value()).x[0], kSuccess);
}

TEST_F(RealmTest, DestroyRefusesWhileRttsLiveBelowTheRoots) {
  const Realm realm = create_realm();
  const PhysAddr l1 = create_rtt(realm, 0, 1);
  EXPECT_EQ(refcount(realm.rtt_base), 1u);
  expect_refused(kErrorRealm, RmiCommand::kRealmDestroy, realm.rd.value());
  ASSERT_EQ(rmi(RmiCommand::kRttDestroy, realm.rd.value(), 0, 1).x[0], kSuccess);
  EXPECT_EQ(state(l1), GranuleState::kDelegated);
  EXPECT_EQ(rmi(RmiCommand::kRealmDestroy, realm.rd.value()).x[0], kSuccess);
}

TEST_F(RealmTest, DestroyPriorityRecsBeforeRtts) {
  const Realm realm = create_realm();
  create_rtt(realm, 0, 1);
  create_rec(realm, 0);
  expect_refused(kErrorRealm, RmiCommand::kRealmDestroy, realm.rd.value());
}

TEST_F(RealmTest, DestroyNeedsAnRd) {
  const Realm realm = create_realm();
  const Rec rec = create_rec(realm, 0);
  for (uint64_t bad : {realm.rd.value() + 0x800, realm.rtt_base.value(), rec.pa.value(), delegated().value(),
                       ns_granule().value()}) {
    expect_refused(kErrorInput, RmiCommand::kRealmDestroy, bad);
  }
}

TEST_F(RealmTest, DestroyAllowsUnprotectedMappingsInTheRoot) {
  // Start level 1: the roots may hold ASSIGNED_NS 1 GiB blocks, which the
  // reference count does not count.
  RealmParams params;
  params.s2sz = 32;
  params.rtt_level_start = 1;
  params.rtt_num_start = 1;
  const Realm realm = create_realm(params);
  const uint64_t ns_ipa = realm.par_end();
  ASSERT_EQ(rmi(RmiCommand::kRttMapUnprotected, realm.rd.value(), ns_ipa, 1, 0x4000'0000).x[0], kSuccess);
  EXPECT_EQ(refcount(realm.rtt_base), 0u);
  EXPECT_EQ(rmi(RmiCommand::kRealmDestroy, realm.rd.value()).x[0], kSuccess);
  EXPECT_EQ(raw_granule(realm.rtt_base), std::vector<uint8_t>(kGranuleSize, 0));
}

}  // namespace
}  // namespace mica::monitor::testing
