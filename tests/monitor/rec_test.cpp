// RMI_REC_CREATE / RMI_REC_DESTROY / RMI_REC_AUX_COUNT / RMI_PSCI_COMPLETE.
#include "monitor_fixture.h"
#include "rim_reference.h"

namespace mica::monitor::testing {
namespace {

namespace psci = abi::psci;

class RecTest : public MonitorTest {
 protected:
  // Everything REC_CREATE needs, prepared but not yet issued.
  struct Prepared {
    PhysAddr rec;
    PhysAddr params;
    RecParams fields;
  };
  Prepared prepare(uint64_t mpidr, RecParams fields = {}) {
    Prepared p;
    p.rec = delegated();
    fields.mpidr = mpidr;
    for (uint64_t i = 0; i < fields.num_aux && i < 16; ++i) {
      if (fields.aux[i] == 0) fields.aux[i] = delegated().value();
    }
    p.fields = fields;
    p.params = write_rec_params(fields);
    return p;
  }
  uint64_t issue(const Realm& realm, const Prepared& p) {
    return rmi(RmiCommand::kRecCreate, realm.rd.value(), p.rec.value(), p.params.value()).x[0];
  }
  void expect_create_refused(uint64_t x0, const Realm& realm, const Prepared& p) {
    expect_refused(x0, RmiCommand::kRecCreate, realm.rd.value(), p.rec.value(), p.params.value());
  }
  RecInfo info(PhysAddr rec) {
    RecInfo i;
    EXPECT_TRUE(monitor().rec_info(rec, i));
    return i;
  }
};

TEST_F(RecTest, CreateInitialisesTheRecPerSpec) {
  const Realm realm = create_realm();
  RecParams fields;
  fields.pc = 0x8000'1234;
  for (unsigned i = 0; i < 8; ++i) fields.gprs[i] = 0x1000 + i;
  const Prepared p = prepare(0, fields);
  ASSERT_EQ(issue(realm, p), kSuccess);

  EXPECT_EQ(state(p.rec), GranuleState::kRec);
  for (unsigned i = 0; i < 16; ++i) EXPECT_EQ(state(PhysAddr(p.fields.aux[i])), GranuleState::kRecAux) << i;
  EXPECT_EQ(refcount(realm.rd), 1u);
  EXPECT_EQ(realm_info(realm).rec_count, 1u);
  EXPECT_EQ(realm_info(realm).live_recs, 1u);

  const RecInfo rec = info(p.rec);
  EXPECT_EQ(rec.rd, realm.rd);
  EXPECT_EQ(rec.index, 0u);
  EXPECT_TRUE(rec.runnable);
  EXPECT_FALSE(rec.running);
  EXPECT_FALSE(rec.psci_pending);
  EXPECT_EQ(rec.num_aux, 16u);
  for (unsigned i = 0; i < 8; ++i) EXPECT_EQ(rec.cpu.x[i], 0x1000u + i);
  for (unsigned i = 8; i < 31; ++i) EXPECT_EQ(rec.cpu.x[i], 0u);
  EXPECT_EQ(rec.cpu.pc, 0x8000'1234u);
  EXPECT_EQ(rec.cpu.pstate, 0x3C5u) << "EL1h, DAIF masked";
  EXPECT_EQ(rec.cpu.mpidr_el1, uint64_t{1} << 31);
  EXPECT_EQ(rec.cpu.sp_el1, 0u);
  EXPECT_EQ(rec.cpu.vbar_el1, 0u);
  EXPECT_EQ(rec.cpu.sctlr_el1 & 1, 0u) << "MMU off at reset";
  EXPECT_EQ(rec.ripas.base, rec.ripas.top) << "no RIPAS change pending";
}

TEST_F(RecTest, RecsAreCreatedInMpidrOrder) {
  const Realm realm = create_realm();
  // Index 0..17: Aff0 holds 4 bits, then Aff1 counts.
  for (uint64_t index = 0; index < 18; ++index) {
    const uint64_t mpidr = (index & 0xF) | ((index >> 4) << 8);
    const Prepared p = prepare(mpidr);
    ASSERT_EQ(issue(realm, p), kSuccess) << index;
    EXPECT_EQ(info(p.rec).index, index);
    EXPECT_EQ(info(p.rec).cpu.mpidr_el1, mpidr | (uint64_t{1} << 31));
  }
  EXPECT_EQ(realm_info(realm).rec_count, 18u);
}

TEST_F(RecTest, Aff3MovesToBits39To32InVmpidr) {
  EXPECT_EQ(abi::rec_mpidr_to_vmpidr(0x0102'0300), (uint64_t{0x01} << 32) | 0x02'0300 | (uint64_t{1} << 31));
  EXPECT_EQ(abi::rec_mpidr_to_index(0x0102'0301), 1u | (3u << 4) | (2u << 12) | (1u << 20));
  EXPECT_EQ(abi::mpidr_el1_to_rec_index((uint64_t{0x01} << 32) | 0x02'0301), 1u | (3u << 4) | (2u << 12) | (1u << 20));
}

TEST_F(RecTest, OnlyARunnableRecIsMeasured) {
  const Realm realm = create_realm();
  const std::vector<uint8_t> before = rim(realm);
  RecParams not_runnable;
  not_runnable.flags = 0;
  create_rec(realm, 0, not_runnable);
  EXPECT_EQ(rim(realm), before);
  RecParams runnable;
  runnable.pc = 0x1234;
  runnable.gprs[3] = 99;
  create_rec(realm, 1, runnable);
  EXPECT_EQ(rim(realm), rim_reference::extend_rec(rim_reference::Algo::kSha256, before, 1, 0x1234,
                                                  {0, 0, 0, 99, 0, 0, 0, 0}));
}

TEST_F(RecTest, ParamsMustBeAReadableNsGranule) {
  const Realm realm = create_realm();
  Prepared p = prepare(0);
  expect_refused(kErrorInput, RmiCommand::kRecCreate, realm.rd.value(), p.rec.value(), p.params.value() + 8);
  ASSERT_EQ(rmi(RmiCommand::kGranuleDelegate, p.params.value()).x[0], kSuccess);
  expect_create_refused(kErrorInput, realm, p);
}

TEST_F(RecTest, AuxGranulesAreCheckedAndGivenBackOnFailure) {
  const Realm realm = create_realm();
  {
    RecParams fields;
    fields.num_aux = 17;
    expect_create_refused(kErrorInput, realm, prepare(0, fields));
  }
  {
    // aux[5] is NS: aux[0..4] were claimed while checking and must be DELEGATED again.
    RecParams fields;
    fields.aux[5] = ns_granule().value();
    const Prepared p = prepare(0, fields);
    expect_create_refused(kErrorInput, realm, p);
    for (unsigned i = 0; i < 16; ++i) {
      if (i == 5) continue;
      EXPECT_EQ(state(PhysAddr(p.fields.aux[i])), GranuleState::kDelegated) << i;
    }
  }
  {
    RecParams fields;
    const PhysAddr dup = delegated();
    fields.aux[2] = dup.value();
    fields.aux[9] = dup.value();
    expect_create_refused(kErrorInput, realm, prepare(0, fields));
  }
  {
    RecParams fields;
    fields.aux[0] = realm.rd.value();
    expect_create_refused(kErrorInput, realm, prepare(0, fields));
  }
  {
    // The REC granule also listed as an aux granule.
    Prepared p = prepare(0);
    p.fields.aux[15] = p.rec.value();
    p.params = write_rec_params(p.fields);
    expect_create_refused(kErrorInput, realm, p);
  }
  {
    RecParams fields;
    fields.aux[3] = delegated().value() + 0x10;
    expect_create_refused(kErrorInput, realm, prepare(0, fields));
  }
}

TEST_F(RecTest, RecMustBeDelegatedAndRdAnRd) {
  const Realm realm = create_realm();
  const Realm other = create_realm();
  Prepared p = prepare(0);
  // REC granule in the wrong state.
  for (uint64_t bad : {ns_granule().value(), p.rec.value() + 0x40, other.rd.value(), realm.rtt_base.value()}) {
    expect_refused(kErrorInput, RmiCommand::kRecCreate, realm.rd.value(), bad, p.params.value());
  }
  // RD in the wrong state.
  for (uint64_t bad : {delegated().value(), realm.rtt_base.value(), ns_granule().value()}) {
    expect_refused(kErrorInput, RmiCommand::kRecCreate, bad, p.rec.value(), p.params.value());
  }
  // Same granule for both.
  expect_refused(kErrorInput, RmiCommand::kRecCreate, realm.rd.value(), realm.rd.value(), p.params.value());
  EXPECT_EQ(issue(realm, p), kSuccess);
}

TEST_F(RecTest, RealmMustBeNew) {
  const Realm realm = create_realm();
  ASSERT_EQ(rmi(RmiCommand::kRealmActivate, realm.rd.value()).x[0], kSuccess);
  expect_create_refused(kErrorRealm, realm, prepare(0));
}

TEST_F(RecTest, MpidrMustBeValidAndNameTheNextIndex) {
  const Realm realm = create_realm();
  expect_create_refused(kErrorInput, realm, prepare(1));             // index 1 before 0
  expect_create_refused(kErrorInput, realm, prepare(0x10));          // Aff0 bit 4
  expect_create_refused(kErrorInput, realm, prepare(uint64_t{1} << 32));
  expect_create_refused(kErrorInput, realm, prepare(0x80));          // Aff0 bit 7
  ASSERT_EQ(issue(realm, prepare(0)), kSuccess);
  expect_create_refused(kErrorInput, realm, prepare(0));             // index 0 again
  ASSERT_EQ(issue(realm, prepare(1)), kSuccess);
}

TEST_F(RecTest, NumAuxMustMatchTheAuxCount) {
  const Realm realm = create_realm();
  for (uint64_t n : {0u, 1u, 15u}) {
    RecParams fields;
    fields.num_aux = n;
    expect_create_refused(kErrorInput, realm, prepare(0, fields));
  }
}

TEST_F(RecTest, ErrorPriorityFollowsTheSpecOrder) {
  const Realm realm = create_realm();
  ASSERT_EQ(rmi(RmiCommand::kRealmActivate, realm.rd.value()).x[0], kSuccess);
  // Realm not NEW (ERROR_REALM) wins over a bad MPIDR and a short aux list (ERROR_INPUT, checked later).
  RecParams fields;
  fields.num_aux = 3;
  expect_create_refused(kErrorRealm, realm, prepare(5, fields));
  // A bad aux granule (checked before the RD) wins over the realm state.
  RecParams bad_aux;
  bad_aux.aux[0] = ns_granule().value();
  expect_create_refused(kErrorInput, realm, prepare(0, bad_aux));
  // Too many aux granules is checked first of all.
  RecParams too_many;
  too_many.num_aux = 17;
  expect_create_refused(kErrorInput, realm, prepare(0, too_many));
}

TEST_F(RecTest, DestroyReturnsRecAndAuxZeroedButKeepsTheIndex) {
  const Realm realm = create_realm();
  const Rec rec = create_rec(realm, 0);
  ASSERT_EQ(rmi(RmiCommand::kRecDestroy, rec.pa.value()).x[0], kSuccess);
  EXPECT_EQ(state(rec.pa), GranuleState::kDelegated);
  EXPECT_EQ(raw_granule(rec.pa), std::vector<uint8_t>(kGranuleSize, 0));
  for (uint64_t aux : rec.aux) {
    EXPECT_EQ(state(PhysAddr(aux)), GranuleState::kDelegated);
    EXPECT_EQ(raw_granule(PhysAddr(aux)), std::vector<uint8_t>(kGranuleSize, 0));
  }
  EXPECT_EQ(refcount(realm.rd), 0u);
  // The REC count does not go down: the next REC is index 1.
  EXPECT_EQ(realm_info(realm).rec_count, 1u);
  expect_create_refused(kErrorInput, realm, prepare(0));
  EXPECT_EQ(issue(realm, prepare(1)), kSuccess);
}

TEST_F(RecTest, DestroyRefusesARunningRec) {
  const Realm realm = create_realm();
  const Rec rec = create_rec(realm, 0);
  ASSERT_TRUE(monitor().test_set_rec_running(rec.pa, true));
  expect_refused(kErrorRec, RmiCommand::kRecDestroy, rec.pa.value());
  ASSERT_TRUE(monitor().test_set_rec_running(rec.pa, false));
  EXPECT_EQ(rmi(RmiCommand::kRecDestroy, rec.pa.value()).x[0], kSuccess);
}

TEST_F(RecTest, DestroyNeedsARec) {
  const Realm realm = create_realm();
  const Rec rec = create_rec(realm, 0);
  for (uint64_t bad : {rec.pa.value() + 8, rec.aux[0], realm.rd.value(), delegated().value(), ns_granule().value()}) {
    expect_refused(kErrorInput, RmiCommand::kRecDestroy, bad);
  }
}

TEST_F(RecTest, AuxCountIsSixteen) {
  const Realm realm = create_realm();
  const SmcResult r = rmi(RmiCommand::kRecAuxCount, realm.rd.value(), 0, 0, 0x77);
  EXPECT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], 16u);
  EXPECT_EQ(r.x[4], 0x77u);
  const SmcResult bad = expect_refused(kErrorInput, RmiCommand::kRecAuxCount, realm.rtt_base.value());
  EXPECT_EQ(bad.x[1], 0u);
  expect_refused(kErrorInput, RmiCommand::kRecAuxCount, delegated().value());
}

// 1023 RECs need 1023 * 17 granules: a larger machine for this one.
class ManyRecsTest : public MonitorTest {
 protected:
  ManyRecsTest() : MonitorTest(80ull << 20) {}
};

TEST_F(ManyRecsTest, ARealmHoldsAtMost1023Recs) {
  const Realm realm = create_realm();
  for (uint64_t index = 0; index < abi::kMaxRecs; ++index) {
    const uint64_t mpidr = (index & 0xF) | ((index >> 4) << 8);
    const PhysAddr rec = delegated();
    RecParams fields;
    fields.flags = 0;
    fields.mpidr = mpidr;
    for (unsigned i = 0; i < 16; ++i) fields.aux[i] = delegated().value();
    const PhysAddr params = write_rec_params(fields);
    ASSERT_EQ(rmi(RmiCommand::kRecCreate, realm.rd.value(), rec.value(), params.value()).x[0], kSuccess) << index;
    next_free_ -= kGranuleSize;  // the params granule is reused
  }
  EXPECT_EQ(refcount(realm.rd), 1023u);
  const PhysAddr rec = delegated();
  RecParams fields;
  fields.mpidr = (1023 & 0xF) | ((1023 >> 4) << 8);
  for (unsigned i = 0; i < 16; ++i) fields.aux[i] = delegated().value();
  const PhysAddr params = write_rec_params(fields);
  // The limit is checked before the MPIDR and the aux count.
  const MachineSnapshot before = snapshot();
  EXPECT_EQ(rmi(RmiCommand::kRecCreate, realm.rd.value(), rec.value(), params.value()).x[0], kErrorRealm);
  expect_same(before, snapshot());
}

// --- RMI_PSCI_COMPLETE ----------------------------------------------------------------

class PsciCompleteTest : public RecTest {
 protected:
  void SetUp() override {
    realm = create_realm();
    RecParams on;
    on.pc = 0x100;
    rec0 = create_rec(realm, 0, on).pa;
    RecParams off;
    off.flags = 0;
    rec1 = create_rec(realm, 1, off).pa;
  }
  Realm realm;
  PhysAddr rec0;
  PhysAddr rec1;
};

TEST_F(PsciCompleteTest, CpuOnSuccessResetsTheTarget) {
  ASSERT_TRUE(monitor().test_set_psci_request(rec0, psci::kCpuOn64, 1, 0x8000'2000, 0xC0FFEE));
  const SmcResult r = rmi(RmiCommand::kPsciComplete, rec0.value(), rec1.value(), 0, 0x44);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[4], 0x44u);
  const RecInfo target = info(rec1);
  EXPECT_TRUE(target.runnable);
  EXPECT_EQ(target.cpu.pc, 0x8000'2000u);
  EXPECT_EQ(target.cpu.x[0], 0xC0FFEEu);
  EXPECT_EQ(target.cpu.pstate, 0x3C5u);
  const RecInfo caller = info(rec0);
  EXPECT_FALSE(caller.psci_pending);
  EXPECT_EQ(caller.cpu.x[0], 0u) << "PSCI_SUCCESS";
  EXPECT_EQ(caller.cpu.x[1], 0u);
  EXPECT_EQ(caller.cpu.x[2], 0u);
  EXPECT_EQ(caller.cpu.x[3], 0u);
}

TEST_F(PsciCompleteTest, CpuOnDeniedLeavesTheTargetOff) {
  ASSERT_TRUE(monitor().test_set_psci_request(rec0, psci::kCpuOn32, 1, 0x2000, 1));
  ASSERT_EQ(rmi(RmiCommand::kPsciComplete, rec0.value(), rec1.value(), static_cast<uint64_t>(-3)).x[0], kSuccess);
  EXPECT_FALSE(info(rec1).runnable);
  EXPECT_EQ(static_cast<int64_t>(info(rec0).cpu.x[0]), psci::kDenied);
}

TEST_F(PsciCompleteTest, CpuOnOfARunnableTargetIsAlreadyOn) {
  ASSERT_TRUE(monitor().test_set_psci_request(rec1, psci::kCpuOn64, 0, 0x2000, 1));
  // Denying it is not allowed: the target is on.
  expect_refused(kErrorInput, RmiCommand::kPsciComplete, rec1.value(), rec0.value(), static_cast<uint64_t>(-3));
  ASSERT_EQ(rmi(RmiCommand::kPsciComplete, rec1.value(), rec0.value(), 0).x[0], kSuccess);
  EXPECT_EQ(static_cast<int64_t>(info(rec1).cpu.x[0]), psci::kAlreadyOn);
  EXPECT_EQ(info(rec0).cpu.pc, 0x100u) << "the running target is not reset";
}

TEST_F(PsciCompleteTest, CpuOnRefusesStatusesOtherThanSuccessAndDenied) {
  ASSERT_TRUE(monitor().test_set_psci_request(rec0, psci::kCpuOn64, 1, 0x2000, 1));
  for (int64_t status : {-1, -2, -4, 1}) {
    expect_refused(kErrorInput, RmiCommand::kPsciComplete, rec0.value(), rec1.value(), static_cast<uint64_t>(status));
  }
}

TEST_F(PsciCompleteTest, AffinityInfoReportsOnAndOff) {
  ASSERT_TRUE(monitor().test_set_psci_request(rec0, psci::kAffinityInfo64, 1, 0, 0));
  expect_refused(kErrorInput, RmiCommand::kPsciComplete, rec0.value(), rec1.value(), static_cast<uint64_t>(-3));
  ASSERT_EQ(rmi(RmiCommand::kPsciComplete, rec0.value(), rec1.value(), 0).x[0], kSuccess);
  EXPECT_EQ(static_cast<int64_t>(info(rec0).cpu.x[0]), psci::kAffinityOff);
  ASSERT_TRUE(monitor().test_set_psci_request(rec1, psci::kAffinityInfo32, 0, 0, 0));
  ASSERT_EQ(rmi(RmiCommand::kPsciComplete, rec1.value(), rec0.value(), 0).x[0], kSuccess);
  EXPECT_EQ(static_cast<int64_t>(info(rec1).cpu.x[0]), psci::kAffinityOn);
}

TEST_F(PsciCompleteTest, RefusesInconsistentRequests) {
  // No pending request.
  expect_refused(kErrorInput, RmiCommand::kPsciComplete, rec0.value(), rec1.value(), 0);
  ASSERT_TRUE(monitor().test_set_psci_request(rec0, psci::kCpuOn64, 1, 0x2000, 1));
  // Same REC twice, not RECs, unaligned.
  expect_refused(kErrorInput, RmiCommand::kPsciComplete, rec0.value(), rec0.value(), 0);
  expect_refused(kErrorInput, RmiCommand::kPsciComplete, rec0.value(), realm.rd.value(), 0);
  expect_refused(kErrorInput, RmiCommand::kPsciComplete, realm.rd.value(), rec1.value(), 0);
  expect_refused(kErrorInput, RmiCommand::kPsciComplete, rec0.value() + 8, rec1.value(), 0);
  // The calling REC is running.
  ASSERT_TRUE(monitor().test_set_rec_running(rec0, true));
  expect_refused(kErrorInput, RmiCommand::kPsciComplete, rec0.value(), rec1.value(), 0);
  ASSERT_TRUE(monitor().test_set_rec_running(rec0, false));
  // A REC of another realm.
  const Realm other = create_realm();
  const PhysAddr foreign = create_rec(other, 0).pa;
  ASSERT_TRUE(monitor().test_set_psci_request(rec0, psci::kCpuOn64, 0, 0x2000, 1));
  expect_refused(kErrorInput, RmiCommand::kPsciComplete, rec0.value(), foreign.value(), 0);
  // The target is not the REC the realm named (it named index 2).
  const PhysAddr rec2 = create_rec(realm, 2).pa;
  ASSERT_TRUE(monitor().test_set_psci_request(rec0, psci::kCpuOn64, 2, 0x2000, 1));
  expect_refused(kErrorInput, RmiCommand::kPsciComplete, rec0.value(), rec1.value(), 0);
  EXPECT_EQ(rmi(RmiCommand::kPsciComplete, rec0.value(), rec2.value(), 0).x[0], kSuccess);
}

}  // namespace
}  // namespace mica::monitor::testing
