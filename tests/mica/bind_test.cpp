// MICA_REALM_BIND and what binding means for the RMM core commands:
// REALM_ACTIVATE checks the RIM, RECs and memory against the component;
// DATA_CREATE stays within the memory; REALM_DESTROY frees the component.
#include "mica_fixture.h"

namespace mica::monitor::testing {
namespace {

class BindTest : public MicaTest {
 protected:
  // Two components: `first` allows `rim`, `second` allows anything.
  PolicySpec policy_for(const std::vector<uint8_t>& rim, uint64_t memory = 8 * kGranuleSize, uint32_t recs = 1) {
    PolicySpec spec;
    ComponentSpec first = make_component("first", {rim});
    first.memory = memory;
    first.recs = recs;
    spec.components.push_back(first);
    spec.components.push_back(make_component("second"));
    return spec;
  }
};

TEST_F(BindTest, BindRecordsTheRealmInTheComponentSlotWithAGeneration) {
  const BuiltRealm a = build_realm();
  const BuiltRealm b = build_realm(2, 1, 0x33);
  const PhysAddr wf = create_workflow(policy_for(a.rim).encode());

  const SmcResult first = bind(a.realm, wf, 0);
  ASSERT_EQ(first.x[0], kSuccess);
  EXPECT_EQ(first.x[1], 1u);
  const SmcResult second = bind(b.realm, wf, 1);
  ASSERT_EQ(second.x[0], kSuccess);
  EXPECT_EQ(second.x[1], 2u);

  const MicaRealmInfo info = mica_realm(a.realm);
  EXPECT_TRUE(info.bound);
  EXPECT_EQ(info.workflow, wf);
  EXPECT_EQ(info.component, 0u);
  EXPECT_EQ(info.bind_generation, 1u);
  EXPECT_EQ(info.data_granules, 2u);
  PhysAddr rd;
  uint64_t generation = 0;
  ASSERT_TRUE(mica().workflow_component(wf, 1, rd, generation));
  EXPECT_EQ(rd, b.realm.rd);
  EXPECT_EQ(generation, 2u);
  EXPECT_EQ(workflow_info(wf).bound_realms, 2u);
  EXPECT_EQ(workflow_info(wf).bind_generation, 2u);
  // Binding does not touch the measurement.
  EXPECT_EQ(rim(a.realm), a.rim);
}

TEST_F(BindTest, BindRefusals) {
  const BuiltRealm a = build_realm();
  const BuiltRealm b = build_realm(1, 1, 0x44);
  const PhysAddr wf = create_workflow(policy_for(a.rim).encode());
  const PhysAddr other_wf = create_workflow(policy_for(a.rim).encode());
  using C = MicaRmiCommand;
  // Not an RD / not a workflow / the same granule twice / unaligned.
  expect_mica_refused(kErrorInput, C::kRealmBind, delegated().value(), wf.value(), 0);
  expect_mica_refused(kErrorInput, C::kRealmBind, a.realm.rd.value(), delegated().value(), 0);
  expect_mica_refused(kErrorInput, C::kRealmBind, a.realm.rd.value(), workflow_info(wf).aux[0].value(), 0);
  expect_mica_refused(kErrorInput, C::kRealmBind, a.realm.rd.value(), a.realm.rd.value(), 0);
  expect_mica_refused(kErrorInput, C::kRealmBind, a.realm.rd.value() + 8, wf.value(), 0);
  // A component the policy does not have.
  expect_mica_refused(kErrorInput, C::kRealmBind, a.realm.rd.value(), wf.value(), 2);
  expect_mica_refused(kErrorInput, C::kRealmBind, a.realm.rd.value(), wf.value(), uint64_t{1} << 32);

  ASSERT_EQ(bind(a.realm, wf, 0).x[0], kSuccess);
  // Bind twice: the same component, another component, another workflow.
  expect_mica_refused(kErrorRealm, C::kRealmBind, a.realm.rd.value(), wf.value(), 0);
  expect_mica_refused(kErrorRealm, C::kRealmBind, a.realm.rd.value(), wf.value(), 1);
  expect_mica_refused(kErrorRealm, C::kRealmBind, a.realm.rd.value(), other_wf.value(), 0);
  // A component that already has its realm.
  expect_mica_refused(kErrorInput, C::kRealmBind, b.realm.rd.value(), wf.value(), 0);
  EXPECT_EQ(bind(b.realm, wf, 1).x[0], kSuccess);
}

TEST_F(BindTest, BindAnActiveRealmIsRefused) {
  const BuiltRealm a = build_realm();
  const PhysAddr wf = create_workflow(policy_for(a.rim).encode());
  ASSERT_EQ(activate(a.realm), kSuccess);
  // The component check comes first, then the realm's state.
  expect_mica_refused(kErrorInput, MicaRmiCommand::kRealmBind, a.realm.rd.value(), wf.value(), 7);
  expect_mica_refused(kErrorRealm, MicaRmiCommand::kRealmBind, a.realm.rd.value(), wf.value(), 0);
  EXPECT_FALSE(mica_realm(a.realm).bound);
}

TEST_F(BindTest, ErrorPriorityRealmStateBeforeTakenComponent) {
  const BuiltRealm a = build_realm();
  const BuiltRealm b = build_realm(1, 1, 0x10);
  const PhysAddr wf = create_workflow(policy_for(a.rim).encode());
  ASSERT_EQ(bind(a.realm, wf, 0).x[0], kSuccess);
  ASSERT_EQ(activate(b.realm), kSuccess);
  // b is ACTIVE and component 0 is taken: ERROR_REALM wins.
  expect_mica_refused(kErrorRealm, MicaRmiCommand::kRealmBind, b.realm.rd.value(), wf.value(), 0);
}

TEST_F(BindTest, ActivationNeedsAnAllowedRim) {
  const BuiltRealm good = build_realm();
  const BuiltRealm other = build_realm(2, 1, 0x77);  // different contents: another RIM
  ASSERT_NE(good.rim, other.rim);
  PolicySpec spec = policy_for(good.rim);
  spec.components.push_back(make_component("third", {good.rim}));
  const PhysAddr wf = create_workflow(spec.encode());
  ASSERT_EQ(bind(good.realm, wf, 0).x[0], kSuccess);
  ASSERT_EQ(bind(other.realm, wf, 2).x[0], kSuccess);

  // Lying host: activate a realm whose RIM the policy does not allow.
  expect_core_refused(kErrorRealm, RmiCommand::kRealmActivate, other.realm.rd.value());
  EXPECT_EQ(realm_info(other.realm).state, RealmState::kNew);
  EXPECT_EQ(activate(good.realm), kSuccess);
  EXPECT_EQ(realm_info(good.realm).state, RealmState::kActive);
  // The RIM is not changed by Mica.
  EXPECT_EQ(rim(good.realm), good.rim);
}

TEST_F(BindTest, MeasurementAnyAllowsEveryRim) {
  const BuiltRealm a = build_realm(3, 1, 0x90);
  const PhysAddr wf = create_workflow(policy_for(std::vector<uint8_t>(32, 0)).encode());
  ASSERT_EQ(bind(a.realm, wf, 1).x[0], kSuccess);
  EXPECT_EQ(activate(a.realm), kSuccess);
}

TEST_F(BindTest, HashAlgorithmMustMatchTheMeasurement) {
  RealmParams sha512;
  sha512.hash_algo = 1;
  const BuiltRealm a = build_realm(1, 1, 0x21, sha512);
  ASSERT_EQ(a.rim.size(), 64u);
  const BuiltRealm b = build_realm(1, 1, 0x21, sha512);
  ASSERT_EQ(a.rim, b.rim);
  // The first 32 bytes of a SHA-512 RIM as a SHA-256 measurement do not match.
  const std::vector<uint8_t> prefix(a.rim.begin(), a.rim.begin() + 32);
  PolicySpec spec;
  spec.components.push_back(make_component("prefix_only", {prefix}));
  spec.components.push_back(make_component("full", {a.rim}));
  const PhysAddr wf = create_workflow(spec.encode());
  ASSERT_EQ(bind(a.realm, wf, spec.component("prefix_only")).x[0], kSuccess);
  ASSERT_EQ(bind(b.realm, wf, spec.component("full")).x[0], kSuccess);
  expect_core_refused(kErrorRealm, RmiCommand::kRealmActivate, a.realm.rd.value());
  EXPECT_EQ(activate(b.realm), kSuccess);
}

TEST_F(BindTest, ActivationNeedsTheRecsToFit) {
  const BuiltRealm two_recs = build_realm(1, 2);
  const PhysAddr wf = create_workflow(policy_for(two_recs.rim, 8 * kGranuleSize, 1).encode());
  ASSERT_EQ(bind(two_recs.realm, wf, 0).x[0], kSuccess);
  expect_core_refused(kErrorRealm, RmiCommand::kRealmActivate, two_recs.realm.rd.value());
  const PhysAddr roomy = create_workflow(policy_for(two_recs.rim, 8 * kGranuleSize, 2).encode());
  const BuiltRealm again = build_realm(1, 2);
  ASSERT_EQ(bind(again.realm, roomy, 0).x[0], kSuccess);
  EXPECT_EQ(activate(again.realm), kSuccess);
}

TEST_F(BindTest, DataGranulesStayWithinTheComponentMemory) {
  // Bound while it already has more DATA granules than declared: no activation.
  const BuiltRealm big = build_realm(3);
  const PhysAddr small_wf = create_workflow(policy_for(big.rim, 2 * kGranuleSize).encode());
  ASSERT_EQ(bind(big.realm, small_wf, 0).x[0], kSuccess);
  expect_core_refused(kErrorRealm, RmiCommand::kRealmActivate, big.realm.rd.value());

  // Bound at the limit: one more DATA granule is refused, before and after activation.
  const BuiltRealm fits = build_realm(2, 1, 0x61);
  const uint64_t next_ipa = kRamIpa + 2 * kGranuleSize;
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, fits.realm.rd.value(), next_ipa, next_ipa + kGranuleSize).x[0], kSuccess);
  const PhysAddr wf = create_workflow(policy_for(rim(fits.realm), 2 * kGranuleSize).encode());
  ASSERT_EQ(bind(fits.realm, wf, 0).x[0], kSuccess);
  const PhysAddr src = ns_granule();
  const PhysAddr data = delegated();
  expect_core_refused(kErrorRealm, RmiCommand::kDataCreate, fits.realm.rd.value(), data.value(), next_ipa,
                      src.value(), 0);
  expect_core_refused(kErrorRealm, RmiCommand::kDataCreateUnknown, fits.realm.rd.value(), data.value(), next_ipa);
  ASSERT_EQ(activate(fits.realm), kSuccess);
  expect_core_refused(kErrorRealm, RmiCommand::kDataCreateUnknown, fits.realm.rd.value(), data.value(), next_ipa);
  // A DATA granule given back makes room for another.
  ASSERT_EQ(rmi(RmiCommand::kDataDestroy, fits.realm.rd.value(), kRamIpa).x[0], kSuccess);
  EXPECT_EQ(mica_realm(fits.realm).data_granules, 1u);
  EXPECT_EQ(rmi(RmiCommand::kDataCreateUnknown, fits.realm.rd.value(), data.value(), next_ipa).x[0], kSuccess);
  EXPECT_EQ(mica_realm(fits.realm).data_granules, 2u);
}

TEST_F(BindTest, UnboundRealmsKeepStandardBehaviour) {
  const BuiltRealm a = build_realm(4, 3);
  EXPECT_FALSE(mica_realm(a.realm).bound);
  EXPECT_EQ(mica_realm(a.realm).data_granules, 4u);
  const uint64_t next_ipa = kRamIpa + 4 * kGranuleSize;
  EXPECT_EQ(rmi(RmiCommand::kDataCreateUnknown, a.realm.rd.value(), delegated().value(), next_ipa).x[0], kSuccess);
  EXPECT_EQ(activate(a.realm), kSuccess);
}

TEST_F(BindTest, RealmDestroyFreesTheComponent) {
  const BuiltRealm a = build_realm();
  const PhysAddr wf = create_workflow(policy_for(a.rim).encode());
  ASSERT_EQ(bind(a.realm, wf, 0).x[0], kSuccess);
  ASSERT_EQ(activate(a.realm), kSuccess);
  destroy_realm(a);
  PhysAddr rd;
  uint64_t generation = 7;
  ASSERT_TRUE(mica().workflow_component(wf, 0, rd, generation));
  EXPECT_EQ(rd.value(), 0u);
  EXPECT_EQ(generation, 0u);
  EXPECT_EQ(workflow_info(wf).bound_realms, 0u);
  // A new realm takes the component with a new generation.
  const BuiltRealm b = build_realm();
  const SmcResult r = bind(b.realm, wf, 0);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], 2u);
  destroy_realm(b);
  EXPECT_EQ(mica_rmi(MicaRmiCommand::kWorkflowDestroy, wf.value()).x[0], kSuccess);
}

}  // namespace
}  // namespace mica::monitor::testing
