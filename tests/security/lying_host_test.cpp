// The lying host: RMI and Mica RMI calls a hostile normal world makes to
// escape what the monitor promises. Each attack asserts the exact status
// code and that nothing changed (every granule's state, reference count and
// PAS, every byte of DRAM, the share tags: MicaTest's snapshots), and the
// invariant checker runs after every call the test makes, setup included.
// The cases follow the failure conditions of the RMM 1.0 commands
// (../shared/spec/rmm-1.0-facts.md §1.5) and of the Mica commands
// (docs/abi.md), in the manner of the CCA RMM compliance suite's negative
// tests: one bad argument at a time -- out of range, unaligned, in the wrong
// PAS, in the wrong state, aliasing another argument -- and then what only a
// lying host tries: replays, recreations, forged policies. docs/security.md
// lists every attack with its expected outcome.
#include <cstddef>
#include <cstring>
#include <memory>

#include "checked.h"
#include "mica/workflow.h"
#include "mica_fixture.h"
#include "platform/gpt.h"
#include "realm/realm_descriptor.h"
#include "s2tt/descriptor.h"

namespace mica::monitor::testing {
namespace {

using C = MicaRmiCommand;
using R = RmiCommand;

constexpr uint64_t kPage = kGranuleSize;

class LyingHost : public MicaTest {
 protected:
  // 4 MiB are plenty for three realms and two workflows, and keep the
  // snapshots of every refusal (all of DRAM, twice) quick.
  LyingHost() : MicaTest(4ull << 20), checker_(monitor(), machine().gpt()) {
    after_smc_ = [this](const SmcArgs& args, const SmcResult& result) { expect_invariants(checker_, args, result); };
    ComponentSpec alpha = make_component("alpha");
    alpha.windows = {make_window("feed", true, 0, 2 * kPage), make_window("drain", false, 0x10000, kPage)};
    spec_.components = {alpha, make_component("beta"), make_component("gamma")};
    spec_.channels = {make_channel("pipe", "alpha", {"beta"}, 2 * kPage)};
    wf_ = create_workflow(spec_.encode());
    pipe_ = spec_.channel("pipe");
  }
  void TearDown() override { EXPECT_GT(checker_.checks(), 0u) << "the invariant checker never ran"; }

  // A realm (one DATA page, one REC) bound to `component` of wf_, still NEW.
  BuiltRealm bound(const std::string& component, uint8_t fill = 0x10) {
    BuiltRealm built = build_realm(1, 1, fill);
    EXPECT_EQ(bind(built.realm, wf_, spec_.component(component)).x[0], kSuccess);
    return built;
  }
  // A DATA source page in NS memory.
  PhysAddr source(uint8_t fill) {
    const PhysAddr src = ns_granule();
    std::vector<uint8_t> bytes(kPage, fill);
    EXPECT_EQ(machine().host_write(src, bytes.data(), bytes.size()), platform::AccessResult::kOk);
    return src;
  }
  // RmiRecParams for REC `mpidr` with fresh delegated aux granules.
  RecParams rec_params(uint64_t mpidr) {
    RecParams p;
    p.mpidr = mpidr;
    p.pc = kRamIpa;
    for (unsigned i = 0; i < abi::kRecAuxCount; ++i) p.aux[i] = delegated().value();
    return p;
  }
  MicaWorkflowInfo info(PhysAddr wf) { return workflow_info(wf); }
  PhysAddr slot_realm(PhysAddr wf, uint32_t component, uint64_t* generation = nullptr) {
    PhysAddr rd;
    uint64_t g = 0;
    EXPECT_TRUE(mica().workflow_component(wf, component, rd, g));
    if (generation != nullptr) *generation = g;
    return rd;
  }

  InvariantChecker checker_;
  PolicySpec spec_;
  PhysAddr wf_;
  uint32_t pipe_ = 0;
};

// ===== Physical address spaces and parameter pages ==========================================

TEST_F(LyingHost, DelegateOfAGranuleInTheSecurePas) {
  const PhysAddr secure = ns_granule();
  machine().gpt().set(secure, platform::Pas::kSecure);
  expect_core_refused(kErrorInput, R::kGranuleDelegate, secure.value());
  EXPECT_EQ(state(secure), GranuleState::kUndelegated);
  EXPECT_EQ(machine().gpt().pas(secure), platform::Pas::kSecure);
}

TEST_F(LyingHost, ObjectArgumentsOutsideDramOrUnaligned) {
  const BuiltRealm realm = bound("alpha");
  const PhysAddr share = create_share(wf_, pipe_);
  const uint64_t bad[] = {0x1000,                        // below DRAM: device memory
                          kDramBase + dram_size_,        // just past the end of DRAM
                          uint64_t{1} << 48,             // beyond a 48-bit PA
                          ~uint64_t{0} & ~(kPage - 1),   // the top granule of the PA space
                          realm.realm.rd.value() + 0x800};  // inside a real RD, unaligned
  for (const uint64_t pa : bad) {
    SCOPED_TRACE(pa);
    expect_core_refused(kErrorInput, R::kGranuleDelegate, pa);
    expect_core_refused(kErrorInput, R::kRealmActivate, pa);
    expect_core_refused(kErrorInput, R::kRecDestroy, pa);
    expect_core_refused(kErrorInput, R::kRttReadEntry, pa, kRamIpa, 3);
    expect_mica_refused(kErrorInput, C::kWorkflowDestroy, pa);
    expect_mica_refused(kErrorInput, C::kRealmBind, realm.realm.rd.value(), pa, 0);
    expect_mica_refused(kErrorInput, C::kShareCreate, wf_.value(), pa, pipe_);
    expect_mica_refused(kErrorInput, C::kShareMap, realm.realm.rd.value(), pa, kChannelIpa, 0);
    expect_mica_refused(kErrorInput, C::kShareMap, pa, share.value(), kChannelIpa, 0);
  }
}

TEST_F(LyingHost, UndelegateOfEveryLiveObject) {
  const BuiltRealm realm = bound("alpha");
  const PhysAddr share = create_share(wf_, pipe_);
  ASSERT_EQ(share_map(realm.realm, share, kChannelIpa, true).x[0], kSuccess);
  const PhysAddr live[] = {realm.realm.rd,     realm.realm.rtt_base,          realm.data[0],
                           realm.recs[0].pa,   PhysAddr(realm.recs[0].aux[0]), wf_,
                           info(wf_).aux[0],   share,                          rtt_at(realm.realm, kChannelIpa, 3)};
  for (const PhysAddr pa : live) {
    SCOPED_TRACE(granule_state_name(state(pa)));
    expect_core_refused(kErrorInput, R::kGranuleUndelegate, pa.value());
  }
}

TEST_F(LyingHost, RealmParamsInAnotherRealmsDescriptor) {
  const BuiltRealm victim = build_realm();
  const PhysAddr rd = delegated();
  delegated();  // a root RTT candidate next to it
  expect_core_refused(kErrorInput, R::kRealmCreate, rd.value(), victim.realm.rd.value());
  EXPECT_EQ(state(rd), GranuleState::kDelegated);
}

TEST_F(LyingHost, RealmParamsInTheSecurePas) {
  RealmParams p;
  p.vmid = 40;
  p.rtt_base = delegated().value();
  const PhysAddr params = write_realm_params(p);
  machine().gpt().set(params, platform::Pas::kSecure);
  const PhysAddr rd = delegated();
  expect_core_refused(kErrorInput, R::kRealmCreate, rd.value(), params.value());
  // The VMID was never taken: a realm may use it.
  machine().gpt().set(params, platform::Pas::kNonSecure);
  EXPECT_EQ(rmi(R::kRealmCreate, rd.value(), params.value()).x[0], kSuccess);
}

TEST_F(LyingHost, RecParamsInTheRealmsOwnMemory) {
  const BuiltRealm realm = build_realm(1, 0);
  expect_core_refused(kErrorInput, R::kRecCreate, realm.realm.rd.value(), delegated().value(),
                      realm.data[0].value());
  EXPECT_EQ(realm_info(realm.realm).rec_count, 0u);
}

TEST_F(LyingHost, RecRunPageInTheRealmPas) {
  const BuiltRealm realm = build_realm();
  ASSERT_EQ(activate(realm.realm), kSuccess);
  for (const uint64_t run : {realm.recs[0].aux[0], realm.data[0].value(), realm.recs[0].pa.value()}) {
    expect_core_refused(kErrorInput, R::kRecEnter, realm.recs[0].pa.value(), run);
  }
}

TEST_F(LyingHost, DataSourceIsAnotherRealmsPage) {
  const BuiltRealm victim = build_realm(1, 1, 0xC5);
  const BuiltRealm attacker = build_realm(1, 1, 0x01);
  const PhysAddr data = delegated();
  expect_core_refused(kErrorInput, R::kDataCreate, attacker.realm.rd.value(), data.value(), kRamIpa + 4 * kPage,
                      victim.data[0].value(), 1);
  EXPECT_EQ(rim(attacker.realm), attacker.rim);
  EXPECT_EQ(raw_granule(data), std::vector<uint8_t>(kPage, 0));
}

TEST_F(LyingHost, WorkflowParamsInTheRealmPas) {
  const BuiltRealm realm = build_realm();
  // The host points the monitor at an RD for its parameters: the monitor must not read Realm memory for it.
  expect_mica_refused(kErrorInput, C::kWorkflowCreate, delegated().value(), realm.realm.rd.value());
  expect_mica_refused(kErrorInput, C::kWorkflowCreate, delegated().value(), delegated().value());
}

TEST_F(LyingHost, PolicySourceIsAnotherWorkflowsAux) {
  // The decoded policy of a live instance, offered as the bytes of a new one.
  WorkflowArgs args = workflow_args(spec_.encode());
  args.sources[0] = info(wf_).aux[0];
  const PhysAddr params = write_workflow_params(args);
  const SmcResult r = expect_mica_refused(kErrorInput, C::kWorkflowCreate, delegated().value(), params.value());
  EXPECT_EQ(r.x[1], 0u);  // an address problem, not a policy verdict
}

// ===== Aliasing: one granule named for two roles ============================================

TEST_F(LyingHost, RootRttsOfAnotherRealm) {
  const Realm victim = create_realm();
  RealmParams p;
  p.vmid = 41;
  p.rtt_base = victim.rtt_base.value();
  const PhysAddr params = write_realm_params(p);
  expect_core_refused(kErrorInput, R::kRealmCreate, delegated().value(), params.value());
  EXPECT_EQ(state(victim.rtt_base), GranuleState::kRtt);
  EXPECT_EQ(realm_info(victim).rtt_base, victim.rtt_base);
}

TEST_F(LyingHost, RealmCreatedOverALiveWorkflow) {
  RealmParams p;
  p.vmid = 42;
  p.rtt_base = delegated().value();
  const PhysAddr params = write_realm_params(p);
  expect_core_refused(kErrorInput, R::kRealmCreate, wf_.value(), params.value());
  EXPECT_EQ(state(wf_), GranuleState::kWorkflow);
  EXPECT_EQ(info(wf_).component_count, 3u);
}

TEST_F(LyingHost, RecIsItsOwnAux) {
  const BuiltRealm realm = build_realm(1, 0);
  const PhysAddr rec = delegated();
  RecParams p = rec_params(0);
  p.aux[0] = rec.value();
  const PhysAddr params = write_rec_params(p);
  expect_core_refused(kErrorInput, R::kRecCreate, realm.realm.rd.value(), rec.value(), params.value());
  EXPECT_EQ(state(PhysAddr(p.aux[1])), GranuleState::kDelegated);  // the claimed aux went back
}

TEST_F(LyingHost, RecAuxNamedTwice) {
  const BuiltRealm realm = build_realm(1, 0);
  RecParams p = rec_params(0);
  p.aux[9] = p.aux[3];
  const PhysAddr params = write_rec_params(p);
  expect_core_refused(kErrorInput, R::kRecCreate, realm.realm.rd.value(), delegated().value(), params.value());
}

TEST_F(LyingHost, RecAuxBelongsToAnotherRec) {
  const BuiltRealm realm = build_realm(1, 1);
  RecParams p = rec_params(1);
  p.aux[15] = realm.recs[0].aux[4];
  const PhysAddr params = write_rec_params(p);
  expect_core_refused(kErrorInput, R::kRecCreate, realm.realm.rd.value(), delegated().value(), params.value());
  RecInfo first;
  ASSERT_TRUE(monitor().rec_info(realm.recs[0].pa, first));
  EXPECT_EQ(first.aux[4].value(), realm.recs[0].aux[4]);
}

TEST_F(LyingHost, DataGranuleIsTheRealmsOwnRd) {
  const BuiltRealm realm = build_realm(1, 0);
  const uint64_t rd = realm.realm.rd.value();
  expect_core_refused(kErrorInput, R::kDataCreate, rd, rd, kRamIpa + 4 * kPage, source(0x77).value(), 0);
  expect_core_refused(kErrorInput, R::kDataCreateUnknown, rd, rd, kRamIpa + 4 * kPage);
}

TEST_F(LyingHost, RttGranuleIsAChannelPage) {
  const BuiltRealm realm = bound("alpha");
  const PhysAddr share = create_share(wf_, pipe_);
  // A table made of a channel page would let a peer write this realm's stage 2.
  expect_core_refused(kErrorInput, R::kRttCreate, realm.realm.rd.value(), share.value(), 0x3000'0000, 3);
  EXPECT_EQ(state(share), GranuleState::kShared);
}

TEST_F(LyingHost, WorkflowIsOneOfItsAux) {
  WorkflowArgs args = workflow_args(spec_.encode());
  const PhysAddr params = write_workflow_params(args);
  expect_mica_refused(kErrorInput, C::kWorkflowCreate, args.aux[5].value(), params.value());
  for (const PhysAddr aux : args.aux) EXPECT_EQ(state(aux), GranuleState::kDelegated);
}

TEST_F(LyingHost, WorkflowAuxNamedTwice) {
  WorkflowArgs args = workflow_args(spec_.encode());
  args.aux[13] = args.aux[0];
  const PhysAddr params = write_workflow_params(args);
  expect_mica_refused(kErrorInput, C::kWorkflowCreate, delegated().value(), params.value());
}

TEST_F(LyingHost, ChannelPageNamedAsTheRealm) {
  const PhysAddr share = create_share(wf_, pipe_);
  expect_mica_refused(kErrorInput, C::kShareMap, share.value(), share.value(), kChannelIpa, 0);
  expect_mica_refused(kErrorInput, C::kShareCreate, share.value(), share.value(), pipe_);
}

TEST_F(LyingHost, PsciCompleteWithOneRecAsBothEnds) {
  const BuiltRealm realm = build_realm(1, 2);
  ASSERT_EQ(activate(realm.realm), kSuccess);
  ASSERT_TRUE(monitor().test_set_psci_request(realm.recs[0].pa, abi::psci::kCpuOn64, 1, kRamIpa, 7));
  expect_core_refused(kErrorInput, R::kPsciComplete, realm.recs[0].pa.value(), realm.recs[0].pa.value(), 0);
  // Named properly it completes: the target is runnable, so the realm hears ALREADY_ON.
  EXPECT_EQ(rmi(R::kPsciComplete, realm.recs[0].pa.value(), realm.recs[1].pa.value(), 0).x[0], kSuccess);
  RecInfo caller;
  ASSERT_TRUE(monitor().rec_info(realm.recs[0].pa, caller));
  EXPECT_FALSE(caller.psci_pending);
  EXPECT_EQ(static_cast<int64_t>(caller.cpu.x[0]), -4);
}

// ===== Commands in the wrong state ==========================================================

TEST_F(LyingHost, MeasuredDataAfterActivation) {
  const BuiltRealm realm = build_realm();
  ASSERT_EQ(activate(realm.realm), kSuccess);
  expect_core_refused(kErrorRealm, R::kDataCreate, realm.realm.rd.value(), delegated().value(), kRamIpa + 8 * kPage,
                      source(0x42).value(), 1);
  EXPECT_EQ(rim(realm.realm), realm.rim);
}

TEST_F(LyingHost, RecAfterActivation) {
  const BuiltRealm realm = build_realm(1, 1);
  ASSERT_EQ(activate(realm.realm), kSuccess);
  const PhysAddr params = write_rec_params(rec_params(1));
  expect_core_refused(kErrorRealm, R::kRecCreate, realm.realm.rd.value(), delegated().value(), params.value());
  EXPECT_EQ(realm_info(realm.realm).rec_count, 1u);
}

TEST_F(LyingHost, InitRipasAfterActivation) {
  const BuiltRealm realm = build_realm();
  ASSERT_EQ(activate(realm.realm), kSuccess);
  expect_core_refused(kErrorRealm, R::kRttInitRipas, realm.realm.rd.value(), kRamIpa + 16 * kPage,
                      kRamIpa + 17 * kPage);
}

TEST_F(LyingHost, DestroyRealmWhileAChannelPageIsMapped) {
  const BuiltRealm realm = bound("alpha");
  const PhysAddr share = create_share(wf_, pipe_);
  ASSERT_EQ(share_map(realm.realm, share, kChannelIpa, true).x[0], kSuccess);
  // Everything else goes: RECs, DATA, the RAM's level-3 table.
  ASSERT_EQ(rmi(R::kRecDestroy, realm.recs[0].pa.value()).x[0], kSuccess);
  ASSERT_EQ(rmi(R::kDataDestroy, realm.realm.rd.value(), kRamIpa).x[0], kSuccess);
  ASSERT_EQ(rmi(R::kRttDestroy, realm.realm.rd.value(), kRamIpa, 3).x[0], kSuccess);
  expect_core_refused(kErrorRealm, R::kRealmDestroy, realm.realm.rd.value());
  EXPECT_EQ(slot_realm(wf_, spec_.component("alpha")), realm.realm.rd);
  // Once the page is unmapped, the realm can go and its component is free.
  ASSERT_EQ(share_unmap(realm.realm, kChannelIpa).x[0], kSuccess);
  for (int level = 3; level > 0; --level) {
    const uint64_t aligned = kChannelIpa & ~(abi::rtt_map_size(level - 1) - 1);
    ASSERT_EQ(rmi(R::kRttDestroy, realm.realm.rd.value(), aligned, static_cast<uint64_t>(level)).x[0], kSuccess);
  }
  EXPECT_EQ(rmi(R::kRealmDestroy, realm.realm.rd.value()).x[0], kSuccess);
  EXPECT_EQ(slot_realm(wf_, spec_.component("alpha")).value(), 0u);
  EXPECT_EQ(refcount(share), 0u);
}

TEST_F(LyingHost, RttDestroyUnderAChannelPage) {
  const BuiltRealm realm = bound("alpha");
  const PhysAddr share = create_share(wf_, pipe_);
  ASSERT_EQ(share_map(realm.realm, share, kChannelIpa, true).x[0], kSuccess);
  const SmcResult r = expect_core_refused(error_rtt(3), R::kRttDestroy, realm.realm.rd.value(), kChannelIpa, 3);
  EXPECT_EQ(r.x[2], kChannelIpa);
  EXPECT_EQ(refcount(share), 1u);
}

TEST_F(LyingHost, RttFoldOverAChannelPage) {
  const BuiltRealm realm = bound("alpha");
  const PhysAddr share = create_share(wf_, pipe_);
  ASSERT_EQ(share_map(realm.realm, share, kChannelIpa, true).x[0], kSuccess);
  expect_core_refused(error_rtt(3), R::kRttFold, realm.realm.rd.value(), kChannelIpa, 3);
}

TEST_F(LyingHost, DataCreateOverAChannelPage) {
  const BuiltRealm realm = bound("alpha");
  const PhysAddr share = create_share(wf_, pipe_);
  ASSERT_EQ(share_map(realm.realm, share, kChannelIpa, true).x[0], kSuccess);
  const uint64_t rd = realm.realm.rd.value();
  expect_core_refused(error_rtt(3), R::kDataCreate, rd, delegated().value(), kChannelIpa, source(0x33).value(), 1);
  expect_core_refused(error_rtt(3), R::kDataCreateUnknown, rd, delegated().value(), kChannelIpa);
  EXPECT_EQ(read_entry(realm.realm, kChannelIpa, 3).desc, share.value());
}

TEST_F(LyingHost, MapUnprotectedInsideThePar) {
  const BuiltRealm realm = bound("alpha");
  const PhysAddr ns = ns_granule();
  expect_core_refused(kErrorInput, R::kRttMapUnprotected, realm.realm.rd.value(), kChannelIpa, 3, ns.value());
  expect_core_refused(kErrorInput, R::kRttMapUnprotected, realm.realm.rd.value(), kRamIpa, 3, ns.value());
}

TEST_F(LyingHost, UnmapUnprotectedOfAChannelPage) {
  const BuiltRealm realm = bound("alpha");
  const PhysAddr share = create_share(wf_, pipe_);
  ASSERT_EQ(share_map(realm.realm, share, kChannelIpa, true).x[0], kSuccess);
  expect_core_refused(kErrorInput, R::kRttUnmapUnprotected, realm.realm.rd.value(), kChannelIpa, 3);
}

TEST_F(LyingHost, ActivateWithAnUnmeasuredExtraRec) {
  // A REC created not runnable does not enter the RIM, but it is a REC: the
  // component allows one, so the realm must not run with two.
  const BuiltRealm realm = bound("alpha");
  RecParams p = rec_params(1);
  p.flags = 0;
  const PhysAddr params = write_rec_params(p);
  ASSERT_EQ(rmi(R::kRecCreate, realm.realm.rd.value(), delegated().value(), params.value()).x[0], kSuccess);
  EXPECT_EQ(rim(realm.realm), realm.rim);
  expect_core_refused(kErrorRealm, R::kRealmActivate, realm.realm.rd.value());
  EXPECT_EQ(realm_info(realm.realm).state, RealmState::kNew);
}

// ===== Binding and workflows ================================================================

// A descriptor for RTT_MAP_UNPROTECTED: the NS PA with S2AP read-write (or read-only).
uint64_t ns_descriptor(PhysAddr pa, bool writable) { return pa.value() | (uint64_t{writable ? 0b11u : 0b01u} << 6); }

TEST_F(LyingHost, BindARealmThatAlreadySharesMemoryWithTheHost) {
  // While the realm is unbound no window applies: the host maps NS pages,
  // writable, where alpha's `in` window will be and where alpha has no
  // window at all, and only then binds the realm to alpha.
  const BuiltRealm realm = build_realm();
  const uint64_t rd = realm.realm.rd.value();
  const uint64_t base = realm.realm.par_end();
  create_rtts_down_to(realm.realm, base, 3);
  ASSERT_EQ(rmi(R::kRttMapUnprotected, rd, base, 3, ns_descriptor(ns_granule(), true)).x[0], kSuccess);
  ASSERT_EQ(rmi(R::kRttMapUnprotected, rd, base + 0x40000, 3, ns_descriptor(ns_granule(), true)).x[0], kSuccess);
  expect_mica_refused(kErrorRealm, C::kRealmBind, rd, wf_.value(), spec_.component("alpha"));
  EXPECT_FALSE(mica_realm(realm.realm).bound);
  // Even with the pages unmapped, unprotected tables left behind are refused ...
  ASSERT_EQ(rmi(R::kRttUnmapUnprotected, rd, base, 3).x[0], kSuccess);
  ASSERT_EQ(rmi(R::kRttUnmapUnprotected, rd, base + 0x40000, 3).x[0], kSuccess);
  expect_mica_refused(kErrorRealm, C::kRealmBind, rd, wf_.value(), spec_.component("alpha"));
  // ... and once they are gone too, the realm binds; its windows are checked from then on.
  for (int level = 3; level >= 1; --level) {
    ASSERT_EQ(rmi(R::kRttDestroy, rd, base, static_cast<uint64_t>(level)).x[0], kSuccess);
  }
  ASSERT_EQ(bind(realm.realm, wf_, spec_.component("alpha")).x[0], kSuccess);
  create_rtts_down_to(realm.realm, base, 3);
  expect_core_refused(kErrorInput, R::kRttMapUnprotected, rd, base + 0x40000, 3, ns_descriptor(ns_granule(), true));
}

TEST_F(LyingHost, FoldAnInWindowPageIntoAWritableBlock) {
  // Two adjacent windows fill one 2 MiB block: `in` (forced read-only) then
  // `out`. The host maps every page asking for write access and folds the
  // 512 pages into one writable block.
  PolicySpec spec;
  ComponentSpec delta = make_component("delta");
  delta.windows = {make_window("a_in", true, 0, 0x10'0000), make_window("b_out", false, 0x10'0000, 0x10'0000)};
  spec.components = {delta};
  const PhysAddr wf = create_workflow(spec.encode());
  const BuiltRealm realm = build_realm();
  ASSERT_EQ(bind(realm.realm, wf, 0).x[0], kSuccess);
  const uint64_t rd = realm.realm.rd.value();
  const uint64_t base = realm.realm.par_end();
  create_rtts_down_to(realm.realm, base, 3);
  const PhysAddr ns = ns_granules(1);
  const uint64_t block = ns.value() & ~0x1F'FFFFull;  // NS PAs for a contiguous block (never touched)
  after_smc_ = nullptr;  // 512 mappings: the checker runs once after them
  for (uint64_t i = 0; i < 512; ++i) {
    ASSERT_EQ(rmi(R::kRttMapUnprotected, rd, base + i * kPage, 3, ns_descriptor(PhysAddr(block + i * kPage), true)).x[0],
              kSuccess);
  }
  after_smc_ = [this](const SmcArgs& args, const SmcResult& result) { expect_invariants(checker_, args, result); };
  EXPECT_TRUE(checker_.check().empty());
  expect_core_refused(error_rtt(3), R::kRttFold, rd, base, 3);
  EXPECT_EQ(read_entry(realm.realm, base, 3).level, 3);
}


TEST_F(LyingHost, BindToASecondWorkflow) {
  const BuiltRealm realm = bound("alpha");
  const PhysAddr other = create_workflow(spec_.encode());
  expect_mica_refused(kErrorRealm, C::kRealmBind, realm.realm.rd.value(), other.value(), 0);
  expect_mica_refused(kErrorRealm, C::kRealmBind, realm.realm.rd.value(), wf_.value(), spec_.component("beta"));
  EXPECT_EQ(mica_realm(realm.realm).workflow, wf_);
}

TEST_F(LyingHost, BindToTheWrongComponent) {
  // The host binds a realm to a component whose measurement is another image's.
  PolicySpec spec;
  spec.components = {make_component("reader", {std::vector<uint8_t>(32, 0x11)}), make_component("writer")};
  const PhysAddr wf = create_workflow(spec.encode());
  const BuiltRealm realm = build_realm();
  ASSERT_EQ(bind(realm.realm, wf, spec.component("reader")).x[0], kSuccess);
  expect_core_refused(kErrorRealm, R::kRealmActivate, realm.realm.rd.value());
  EXPECT_EQ(realm_info(realm.realm).state, RealmState::kNew);
  // Nor can it move the realm to the component that would accept it.
  expect_mica_refused(kErrorRealm, C::kRealmBind, realm.realm.rd.value(), wf.value(), spec.component("writer"));
}

TEST_F(LyingHost, StealABoundComponent) {
  const BuiltRealm owner = bound("beta");
  uint64_t generation = 0;
  slot_realm(wf_, spec_.component("beta"), &generation);
  const BuiltRealm thief = build_realm(1, 1, 0x66);
  expect_mica_refused(kErrorInput, C::kRealmBind, thief.realm.rd.value(), wf_.value(), spec_.component("beta"));
  uint64_t after = 0;
  EXPECT_EQ(slot_realm(wf_, spec_.component("beta"), &after), owner.realm.rd);
  EXPECT_EQ(after, generation);
  EXPECT_FALSE(mica_realm(thief.realm).bound);
}

TEST_F(LyingHost, DestroyAndRecreateABoundRealm) {
  const BuiltRealm original = build_realm(1, 1, 0x10);
  PolicySpec spec;
  spec.components = {make_component("client"), make_component("server", {original.rim})};
  const PhysAddr wf = create_workflow(spec.encode());
  const uint32_t server = spec.component("server");
  ASSERT_EQ(bind(original.realm, wf, server).x[0], kSuccess);
  ASSERT_EQ(activate(original.realm), kSuccess);
  uint64_t first = 0;
  ASSERT_EQ(slot_realm(wf, server, &first), original.realm.rd);

  // The host tears the server down and builds another image in the same RD.
  destroy_realm(original);
  EXPECT_EQ(slot_realm(wf, server).value(), 0u);
  RealmParams p;
  p.vmid = 90;
  p.rtt_base = delegated().value();
  ASSERT_EQ(try_create_realm(original.realm.rd, p), kSuccess);
  Realm impostor = original.realm;
  impostor.rtt_base = PhysAddr(p.rtt_base);
  impostor.vmid = 90;
  populate_page(impostor, kRamIpa, 0x66);
  ASSERT_EQ(bind(impostor, wf, server).x[0], kSuccess);
  uint64_t second = 0;
  ASSERT_EQ(slot_realm(wf, server, &second), original.realm.rd);
  // Peers see a new generation for the same RD, and the impostor cannot run as the server.
  EXPECT_GT(second, first);
  expect_core_refused(kErrorRealm, R::kRealmActivate, impostor.rd.value());
}

TEST_F(LyingHost, ReplayWorkflowCreate) {
  const WorkflowArgs args = workflow_args(spec_.encode());
  const PhysAddr params = write_workflow_params(args);
  const PhysAddr wf = delegated();
  ASSERT_EQ(mica_rmi(C::kWorkflowCreate, wf.value(), params.value()).x[0], kSuccess);
  const MicaWorkflowInfo first = info(wf);
  // Replayed while the instance lives: its granules are taken.
  expect_mica_refused(kErrorInput, C::kWorkflowCreate, wf.value(), params.value());
  // Replayed after it is gone: a new instance, which no attestation can confuse with the old one.
  ASSERT_EQ(mica_rmi(C::kWorkflowDestroy, wf.value()).x[0], kSuccess);
  ASSERT_EQ(mica_rmi(C::kWorkflowCreate, wf.value(), params.value()).x[0], kSuccess);
  const MicaWorkflowInfo second = info(wf);
  EXPECT_EQ(std::memcmp(first.policy_digest, second.policy_digest, 32), 0);
  EXPECT_NE(std::memcmp(first.instance_id, second.instance_id, 32), 0);
  EXPECT_EQ(second.bind_generation, 0u);
}

TEST_F(LyingHost, ForgedPolicyReaderIsTheWriter) {
  PolicySpec forged = spec_;
  forged.channels = {make_channel("pipe", "alpha", {"alpha"})};
  const PhysAddr params = write_workflow_params(workflow_args(forged.encode()));
  const SmcResult r = expect_mica_refused(kErrorInput, C::kWorkflowCreate, delegated().value(), params.value());
  EXPECT_EQ(r.x[1], static_cast<uint64_t>(abi::MicaPolicyError::kBadReference));
}

TEST_F(LyingHost, ForgedPolicyOverlappingWindows) {
  // An `out` window over part of an `in` window would make host-written input writable by the realm... and out.
  PolicySpec forged = spec_;
  forged.components[0].windows = {make_window("feed", true, 0, 2 * kPage), make_window("leak", false, kPage, 2 * kPage)};
  const PhysAddr params = write_workflow_params(workflow_args(forged.encode()));
  const SmcResult r = expect_mica_refused(kErrorInput, C::kWorkflowCreate, delegated().value(), params.value());
  EXPECT_EQ(r.x[1], static_cast<uint64_t>(abi::MicaPolicyError::kBadReference));
}

TEST_F(LyingHost, ForgedPolicyNonCanonicalEncoding) {
  // The same policy with one integer in a longer form: another digest for the same meaning.
  std::vector<uint8_t> bytes = spec_.encode();
  ASSERT_EQ(bytes[1], 0x00);  // key 0 of the top-level map
  bytes[1] = 0x18;
  bytes.insert(bytes.begin() + 2, 0x00);
  const PhysAddr params = write_workflow_params(workflow_args(bytes));
  const SmcResult r = expect_mica_refused(kErrorInput, C::kWorkflowCreate, delegated().value(), params.value());
  EXPECT_EQ(r.x[1], static_cast<uint64_t>(abi::MicaPolicyError::kCbor));
}

TEST_F(LyingHost, PolicySizeLargerThanItsSources) {
  WorkflowArgs args = workflow_args(spec_.encode());
  args.policy_size += kPage;
  args.sources.push_back(delegated());  // the "rest" of the policy lies in the Realm PAS
  const PhysAddr params = write_workflow_params(args);
  const SmcResult r = expect_mica_refused(kErrorInput, C::kWorkflowCreate, delegated().value(), params.value());
  EXPECT_EQ(r.x[1], 0u);
}

// ===== Out-of-range IPAs and levels =========================================================

TEST_F(LyingHost, RttLevelsOutOfRange) {
  const BuiltRealm realm = build_realm(1, 0);
  const uint64_t rd = realm.realm.rd.value();
  const PhysAddr rtt = delegated();
  for (const uint64_t level : {uint64_t{0}, uint64_t{4}, ~uint64_t{0}, uint64_t{1} << 63, uint64_t{0x103}}) {
    SCOPED_TRACE(level);
    expect_core_refused(kErrorInput, R::kRttCreate, rd, rtt.value(), 0, level);
    expect_core_refused(kErrorInput, R::kRttDestroy, rd, 0, level);
    expect_core_refused(kErrorInput, R::kRttFold, rd, 0, level);
    expect_core_refused(kErrorInput, R::kRttMapUnprotected, rd, realm.realm.par_end(), level, ns_granule().value());
  }
  expect_core_refused(kErrorInput, R::kRttReadEntry, rd, 0, 4);
  expect_core_refused(kErrorInput, R::kRttReadEntry, rd, 0, ~uint64_t{0});
}

TEST_F(LyingHost, IpasBeyondTheIpaSpace) {
  const BuiltRealm realm = bound("alpha");
  const uint64_t rd = realm.realm.rd.value();
  const uint64_t top = realm.realm.ipa_size();
  const PhysAddr share = create_share(wf_, pipe_);
  expect_core_refused(kErrorInput, R::kRttCreate, rd, delegated().value(), top, 1);
  expect_core_refused(kErrorInput, R::kRttReadEntry, rd, ~uint64_t{0} & ~(kPage - 1), 3);
  expect_core_refused(kErrorInput, R::kRttInitRipas, rd, realm.realm.par_end() - kPage, realm.realm.par_end() + kPage);
  expect_core_refused(kErrorInput, R::kRttInitRipas, rd, ~uint64_t{0} & ~(kPage - 1), kPage);  // wraps around
  expect_core_refused(kErrorInput, R::kDataCreateUnknown, rd, delegated().value(), realm.realm.par_end());
  expect_core_refused(kErrorInput, R::kRttMapUnprotected, rd, top, 3, ns_granule().value());
  expect_mica_refused(kErrorInput, C::kShareMap, rd, share.value(), top, 0);
  expect_mica_refused(kErrorInput, C::kShareUnmap, rd, top);
}

TEST_F(LyingHost, UnprotectedIpaMisalignedForItsLevel) {
  const BuiltRealm realm = bound("alpha");
  const uint64_t rd = realm.realm.rd.value();
  const uint64_t ipa = realm.realm.par_end() + kPage;  // 4 KiB aligned, not 2 MiB
  expect_core_refused(kErrorInput, R::kRttMapUnprotected, rd, ipa, 2, ns_granule().value() & ~0x1F'FFFFull);
  expect_core_refused(kErrorInput, R::kRttUnmapUnprotected, rd, ipa, 2);
  expect_core_refused(kErrorInput, R::kRttMapUnprotected, rd, ipa + 0x800, 3, ns_granule().value());
}

TEST_F(LyingHost, ShareMapWhereTheChannelCannotFit) {
  const BuiltRealm realm = bound("alpha");
  const PhysAddr page0 = create_share(wf_, pipe_);
  // Page 0 of a two-page channel in the last page of the PAR: page 1 would be unprotected.
  expect_mica_refused(kErrorInput, C::kShareMap, realm.realm.rd.value(), page0.value(),
                      realm.realm.par_end() - kPage, abi::kShareMapWrite);
}

// ===== Function identifiers ===============================================================

TEST_F(LyingHost, UnknownFunctionIdsAroundTheRanges) {
  const BuiltRealm realm = build_realm();
  const uint64_t fids[] = {
      0xC400014F,  // just below RMI
      0xC400016A,  // just above RMI 1.0, still forwarded by EL3
      0x84000150,  // RMI_VERSION as an SMC32 call
      0x44000158,  // REALM_CREATE without the fast-call bit
      0xC2000F09,  // first unused Mica RMI slot
      0xC2000F3F,  // last Mica RMI slot
      0xC2000F42,  // MICA_PEER_INFO, a realm command, from the host
      0x82000F04,  // MICA_REALM_BIND as an SMC32 call
  };
  for (const uint64_t fid : fids) {
    SCOPED_TRACE(fid);
    const MicaSnapshot before = mica_snapshot();
    const SmcResult r = smc(fid, realm.realm.rd.value(), wf_.value(), 1);
    EXPECT_EQ(r.x[0], kSmcUnknown);
    expect_same_mica(before, mica_snapshot());
  }
  EXPECT_FALSE(mica_realm(realm.realm).bound);  // not bound through any of them
}

// ===== The checker itself finds what it is there to find ====================================
// Each case breaks one invariant behind the monitor's back (raw DRAM or GPT
// writes, as only a broken monitor could) and expects the checker to say so.

class CheckerCatches : public LyingHost {
 protected:
  void SetUp() override { after_smc_ = nullptr; }
  void expect_caught(const std::string& what) {
    const std::vector<std::string> violations = checker_.check();
    ASSERT_FALSE(violations.empty()) << "the checker did not notice: " << what;
    bool named = false;
    for (const std::string& v : violations) named = named || v.find(what) != std::string::npos;
    EXPECT_TRUE(named) << "expected a violation mentioning '" << what << "', got:\n" << describe(violations);
  }
  template <class T>
  void poke(PhysAddr pa, uint64_t offset, T value) {
    std::memcpy(machine().dram().at(pa) + offset, &value, sizeof value);
  }
};

TEST_F(CheckerCatches, ADirtyDelegatedGranule) {
  const PhysAddr pa = delegated();
  ASSERT_TRUE(checker_.check().empty());
  poke<uint8_t>(pa, 100, 1);
  expect_caught("is not zero");
}

TEST_F(CheckerCatches, AGptThatDisagrees) {
  const BuiltRealm realm = build_realm();
  machine().gpt().set(realm.data[0], platform::Pas::kNonSecure);
  expect_caught("GPT");
}

TEST_F(CheckerCatches, ADataGranuleMappedTwice) {
  const BuiltRealm a = build_realm(1, 0);
  const BuiltRealm b = build_realm(1, 0, 0x20);
  // Point b's level-3 entry at a's DATA granule.
  const PhysAddr table = rtt_at(b.realm, kRamIpa, 3);
  const uint64_t index = (kRamIpa >> 12) & 511;
  const uint64_t entry = raw_u64(table, index * 8);
  poke<uint64_t>(table, index * 8, (entry & ~s2tt::output_address_mask(3)) | a.data[0].value());
  expect_caught("mapped twice");
}

TEST_F(CheckerCatches, AReaderMappedWritable) {
  const BuiltRealm reader = bound("beta");
  const PhysAddr share = create_share(wf_, pipe_);
  ASSERT_EQ(share_map(reader.realm, share, kChannelIpa, false).x[0], kSuccess);
  ASSERT_TRUE(checker_.check().empty());
  const PhysAddr table = rtt_at(reader.realm, kChannelIpa, 3);
  const uint64_t offset = ((kChannelIpa >> 12) & 511) * 8;
  poke<uint64_t>(table, offset, raw_u64(table, offset) | (uint64_t{1} << 7));
  expect_caught("writable for a reader");
}

TEST_F(CheckerCatches, AChannelPageInAnOutsider) {
  const BuiltRealm outsider = bound("gamma");
  const PhysAddr share = create_share(wf_, pipe_);
  // Forge the mapping the monitor refused to make (an EMPTY entry turned into a shared page).
  const PhysAddr table = rtt_at(outsider.realm, kChannelIpa, 3);
  poke<uint64_t>(table, ((kChannelIpa >> 12) & 511) * 8,
                 s2tt::Rtte::assigned_shared(share, false).raw());
  expect_caught("no endpoint");
}

TEST_F(CheckerCatches, AWrongReferenceCount) {
  const BuiltRealm realm = build_realm(2, 0);
  // Drop one DATA mapping from its table without the table's count going down.
  const PhysAddr table = rtt_at(realm.realm, kRamIpa, 3);
  poke<uint64_t>(table, ((kRamIpa >> 12) & 511) * 8, uint64_t{0});
  expect_caught("reference count");
}

TEST_F(CheckerCatches, AnUnprotectedMappingOutsideEveryWindow) {
  const BuiltRealm realm = bound("alpha");
  const uint64_t ipa = realm.realm.par_end() + 0x40000;  // no window there
  create_rtts_down_to(realm.realm, ipa, 3);
  const PhysAddr table = rtt_at(realm.realm, ipa, 3);
  poke<uint64_t>(table, ((ipa >> 12) & 511) * 8,
                 s2tt::Rtte::assigned_ns(s2tt::field::kS2ap.put(0, s2tt::value::kS2apReadWrite), ns_granule(), 3).raw());
  expect_caught("outside every window");
}

TEST_F(CheckerCatches, AChangedRimOfAnActiveRealm) {
  const BuiltRealm realm = build_realm();
  ASSERT_EQ(activate(realm.realm), kSuccess);
  ASSERT_TRUE(checker_.check().empty());
  poke<uint8_t>(realm.realm.rd, offsetof(RealmDescriptor, measurements), 0xEE);
  expect_caught("RIM of an active realm changed");
}

TEST_F(CheckerCatches, AMiscountedWorkflow) {
  const BuiltRealm realm = bound("alpha");
  poke<uint32_t>(wf_, offsetof(ext::WorkflowDescriptor, bound_realms), 2);
  expect_caught("bound realms");
}

}  // namespace
}  // namespace mica::monitor::testing
