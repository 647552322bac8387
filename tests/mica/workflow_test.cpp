// MICA_VERSION, MICA_WORKFLOW_AUX_COUNT, MICA_WORKFLOW_CREATE and
// MICA_WORKFLOW_DESTROY: success paths with the state they leave, and every
// refusal with nothing changed.
#include <cstring>

#include "mica_fixture.h"

namespace mica::monitor::testing {
namespace {

using abi::MicaPolicyError;

PolicySpec small_policy() {
  PolicySpec spec;
  spec.components.push_back(make_component("ingest", {std::vector<uint8_t>(32, 0x11)}));
  spec.components.push_back(make_component("model"));
  spec.channels.push_back(make_channel("records", "ingest", {"model"}, 2 * kGranuleSize));
  spec.gates.push_back(GateSpec{"ingest", "model"});
  return spec;
}

// Many components with many SHA-512 measurements: several granules of CBOR.
PolicySpec large_policy(unsigned components) {
  PolicySpec spec;
  for (unsigned i = 0; i < components; ++i) {
    ComponentSpec c;
    c.name = "component_" + std::to_string(1000 + i);
    for (uint8_t m = 0; m < 8; ++m) c.measurements.push_back(std::vector<uint8_t>(64, static_cast<uint8_t>(i * 8 + m)));
    spec.components.push_back(c);
  }
  return spec;
}

uint64_t policy_error(MicaPolicyError e) { return static_cast<uint64_t>(e); }

class WorkflowTest : public MicaTest {};

TEST_F(WorkflowTest, VersionAndAuxCount) {
  SmcResult r = mica_rmi(MicaRmiCommand::kVersion, abi::kMicaVersion_1_0);
  EXPECT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], abi::kMicaVersion_1_0);
  EXPECT_EQ(r.x[2], abi::kMicaVersion_1_0);
  r = mica_rmi(MicaRmiCommand::kVersion, abi::interface_version(2, 0));
  EXPECT_EQ(r.x[0], kErrorInput);
  EXPECT_EQ(r.x[1], abi::kMicaVersion_1_0);
  r = mica_rmi(MicaRmiCommand::kWorkflowAuxCount);
  EXPECT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], abi::kWorkflowAuxCount);
}

TEST_F(WorkflowTest, UnusedSlotsOfTheMicaRangeAreUnknown) {
  for (uint64_t fid : {abi::kSipSmc64Prefix | 0xF09u, abi::kSipSmc64Prefix | 0xF3Fu}) {
    const MicaSnapshot before = mica_snapshot();
    EXPECT_EQ(smc(fid, 1, 2, 3).x[0], abi::kSmcUnknownFunction);
    expect_same_mica(before, mica_snapshot());
  }
  // The SVE hint does not change the function.
  EXPECT_EQ(smc(abi::mica_rmi_fid(MicaRmiCommand::kWorkflowAuxCount) | abi::kFidSveHint).x[1],
            abi::kWorkflowAuxCount);
}

TEST_F(WorkflowTest, CreateRecordsDigestInstanceIdAndStates) {
  const std::vector<uint8_t> policy = small_policy().encode();
  const WorkflowArgs args = workflow_args(policy);
  const PhysAddr wf = delegated();
  const SmcResult r = try_create_workflow(wf, args);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], 0u);
  EXPECT_EQ(state(wf), GranuleState::kWorkflow);
  for (PhysAddr aux : args.aux) EXPECT_EQ(state(aux), GranuleState::kWorkflowAux);
  for (PhysAddr src : args.sources) EXPECT_EQ(state(src), GranuleState::kUndelegated);

  const MicaWorkflowInfo info = workflow_info(wf);
  const std::vector<uint8_t> digest = sha256(policy.data(), policy.size());
  EXPECT_EQ(hex(info.policy_digest, 32), hex(digest.data(), 32));
  EXPECT_NE(hex(info.instance_id, 32), std::string(64, '0'));
  EXPECT_EQ(info.policy_size, policy.size());
  EXPECT_EQ(info.component_count, 2u);
  EXPECT_EQ(info.channel_count, 1u);
  EXPECT_EQ(info.gate_count, 1u);
  EXPECT_EQ(info.bound_realms, 0u);
  EXPECT_EQ(info.shares, 0u);
  for (uint64_t i = 0; i < abi::kWorkflowAuxCount; ++i) EXPECT_EQ(info.aux[i], args.aux[i]);
  // The host cannot read what the monitor keeps.
  uint8_t byte;
  EXPECT_EQ(machine().host_read(wf, &byte, 1), platform::AccessResult::kGranuleProtectionFault);
  EXPECT_EQ(machine().host_read(args.aux[0], &byte, 1), platform::AccessResult::kGranuleProtectionFault);
}

TEST_F(WorkflowTest, EachInstanceOfOnePolicyHasItsOwnInstanceId) {
  const std::vector<uint8_t> policy = small_policy().encode();
  const PhysAddr a = create_workflow(policy);
  const PhysAddr b = create_workflow(policy);
  const MicaWorkflowInfo ia = workflow_info(a);
  const MicaWorkflowInfo ib = workflow_info(b);
  EXPECT_EQ(hex(ia.policy_digest, 32), hex(ib.policy_digest, 32));
  EXPECT_NE(hex(ia.instance_id, 32), hex(ib.instance_id, 32));
  EXPECT_NE(ia.slot, ib.slot);
}

TEST_F(WorkflowTest, PolicySpanningSeveralGranules) {
  const std::vector<uint8_t> policy = large_policy(40).encode();
  ASSERT_GT(policy.size(), 4 * kGranuleSize);
  const PhysAddr wf = create_workflow(policy);
  const MicaWorkflowInfo info = workflow_info(wf);
  EXPECT_EQ(info.component_count, 40u);
  EXPECT_EQ(info.policy_size, policy.size());
  const std::vector<uint8_t> digest = sha256(policy.data(), policy.size());
  EXPECT_EQ(hex(info.policy_digest, 32), hex(digest.data(), 32));
}

TEST_F(WorkflowTest, RefusedArgumentsChangeNothing) {
  const std::vector<uint8_t> policy = small_policy().encode();
  const WorkflowArgs good = workflow_args(policy);
  const PhysAddr wf = delegated();
  auto refused = [&](const WorkflowArgs& args, PhysAddr target, uint64_t x1 = 0) {
    const PhysAddr params = write_workflow_params(args);
    const SmcResult r = expect_mica_refused(kErrorInput, MicaRmiCommand::kWorkflowCreate, target.value(), params.value());
    EXPECT_EQ(r.x[1], x1);
  };
  // Parameters not in an NS granule.
  expect_mica_refused(kErrorInput, MicaRmiCommand::kWorkflowCreate, wf.value(), delegated().value());
  expect_mica_refused(kErrorInput, MicaRmiCommand::kWorkflowCreate, wf.value(), kDramBase + dram_size_);
  expect_mica_refused(kErrorInput, MicaRmiCommand::kWorkflowCreate, wf.value(), ns_granule().value() + 8);
  // Sizes.
  WorkflowArgs args = good;
  args.policy_size = 0;
  refused(args, wf);
  args = good;
  args.policy_size = abi::kMaxPolicyBytes + 1;
  refused(args, wf, policy_error(MicaPolicyError::kTooLarge));
  args = good;
  args.num_sources = good.sources.size() + 1;
  refused(args, wf);
  args = good;
  args.num_aux = abi::kWorkflowAuxCount - 1;
  refused(args, wf);
  // A source granule that is not NS.
  args = good;
  args.sources[0] = delegated();
  refused(args, wf);
  // The workflow granule: not DELEGATED, or one of the auxiliary granules.
  refused(good, ns_granule());
  refused(good, good.aux[3]);
  refused(good, PhysAddr(wf.value() + 1));
  // An auxiliary granule that is not DELEGATED, or named twice.
  args = good;
  args.aux[5] = ns_granule();
  refused(args, wf);
  args = good;
  args.aux[7] = args.aux[2];
  refused(args, wf);
  args = good;
  args.aux[0] = wf;
  refused(args, wf);
  // And then the same arguments succeed.
  EXPECT_EQ(try_create_workflow(wf, good).x[0], kSuccess);
}

// Each malformed policy is refused with the decoder's reason in X1 and the
// offset where it stopped in X2; nothing changes.
TEST_F(WorkflowTest, MalformedAndOversizePoliciesAreRefused) {
  struct Case {
    const char* what;
    std::vector<uint8_t> bytes;
    MicaPolicyError expected;
  };
  std::vector<Case> cases;
  const std::vector<uint8_t> good = small_policy().encode();
  {
    std::vector<uint8_t> b = good;
    b.pop_back();
    cases.push_back({"truncated", b, MicaPolicyError::kCbor});
  }
  {
    std::vector<uint8_t> b = good;
    b.push_back(0x00);
    cases.push_back({"trailing byte", b, MicaPolicyError::kCbor});
  }
  {
    std::vector<uint8_t> b = good;
    b[0] = 0x86;  // an array of 6 instead of the top-level map
    cases.push_back({"not a map", b, MicaPolicyError::kSchema});
  }
  {
    std::vector<uint8_t> b = good;
    b[2] = 0x02;  // format version 2
    cases.push_back({"unknown version", b, MicaPolicyError::kSchema});
  }
  {
    std::vector<uint8_t> b = good;
    b[0] = 0xBF;  // indefinite-length map
    cases.push_back({"indefinite length", b, MicaPolicyError::kCbor});
  }
  {
    PolicySpec s = small_policy();
    s.components[0].memory = 1000;
    cases.push_back({"memory not a granule multiple", s.encode(), MicaPolicyError::kOutOfRange});
  }
  {
    PolicySpec s = small_policy();
    s.components[0].recs = 0;
    cases.push_back({"no RECs", s.encode(), MicaPolicyError::kOutOfRange});
  }
  {
    PolicySpec s = small_policy();
    s.components[1].name = "9model";
    s.channels.clear();
    s.gates.clear();
    cases.push_back({"name not an identifier", s.encode(), MicaPolicyError::kBadName});
  }
  {
    PolicySpec s = small_policy();
    s.components.push_back(s.components[0]);
    s.channels.clear();
    s.gates.clear();
    cases.push_back({"duplicate component", s.encode(), MicaPolicyError::kDuplicate});
  }
  {
    PolicySpec s = small_policy();
    s.channels[0].readers = {"ingest"};
    cases.push_back({"channel to itself", s.encode(), MicaPolicyError::kBadReference});
  }
  {
    PolicySpec s = small_policy();
    s.components[0].windows = {make_window("a", true, 0, 2 * kGranuleSize), make_window("b", false, kGranuleSize, kGranuleSize)};
    cases.push_back({"overlapping windows", s.encode(), MicaPolicyError::kBadReference});
  }
  {
    PolicySpec s = large_policy(65);
    cases.push_back({"more components than the monitor holds", s.encode(), MicaPolicyError::kCapacity});
  }
  {
    std::vector<uint8_t> b(abi::kMaxPolicyBytes + 1, 0);
    cases.push_back({"larger than any policy", b, MicaPolicyError::kTooLarge});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    WorkflowArgs args = workflow_args(c.bytes.size() > abi::kMaxPolicyBytes ? std::vector<uint8_t>(1, 0) : c.bytes);
    args.policy_size = c.bytes.size();
    if (c.bytes.size() > abi::kMaxPolicyBytes) args.num_sources = (c.bytes.size() + kGranuleSize - 1) / kGranuleSize;
    const PhysAddr wf = delegated();
    const PhysAddr params = write_workflow_params(args);
    const SmcResult r = expect_mica_refused(kErrorInput, MicaRmiCommand::kWorkflowCreate, wf.value(), params.value());
    EXPECT_EQ(r.x[1], policy_error(c.expected));
    if (c.expected != MicaPolicyError::kTooLarge) {
      EXPECT_LE(r.x[2], c.bytes.size());
    }
    EXPECT_EQ(state(wf), GranuleState::kDelegated);
    for (PhysAddr aux : args.aux) EXPECT_EQ(state(aux), GranuleState::kDelegated);
  }
}

// A malformed policy is reported before the granules are looked at, and a
// bad parameter granule before the policy.
TEST_F(WorkflowTest, CreateErrorPriority) {
  std::vector<uint8_t> bad = small_policy().encode();
  bad.push_back(0);
  WorkflowArgs args = workflow_args(bad);
  args.aux[0] = ns_granule();
  const PhysAddr params = write_workflow_params(args);
  SmcResult r = expect_mica_refused(kErrorInput, MicaRmiCommand::kWorkflowCreate, ns_granule().value(), params.value());
  EXPECT_EQ(r.x[1], policy_error(MicaPolicyError::kCbor));
  r = expect_mica_refused(kErrorInput, MicaRmiCommand::kWorkflowCreate, ns_granule().value(), delegated().value());
  EXPECT_EQ(r.x[1], 0u);
  // With a good policy the bad aux granule is what fails (X1 = 0).
  WorkflowArgs good = workflow_args(small_policy().encode());
  good.aux[0] = ns_granule();
  r = expect_mica_refused(kErrorInput, MicaRmiCommand::kWorkflowCreate, delegated().value(),
                          write_workflow_params(good).value());
  EXPECT_EQ(r.x[1], 0u);
}

TEST_F(WorkflowTest, DestroyReturnsEveryGranuleZeroed) {
  const PhysAddr wf = delegated();
  const WorkflowArgs args = workflow_args(small_policy().encode());
  ASSERT_EQ(try_create_workflow(wf, args).x[0], kSuccess);
  EXPECT_EQ(mica_rmi(MicaRmiCommand::kWorkflowDestroy, wf.value()).x[0], kSuccess);
  EXPECT_EQ(state(wf), GranuleState::kDelegated);
  EXPECT_EQ(raw_granule(wf), std::vector<uint8_t>(kGranuleSize, 0));
  for (PhysAddr aux : args.aux) {
    EXPECT_EQ(state(aux), GranuleState::kDelegated);
    EXPECT_EQ(raw_granule(aux), std::vector<uint8_t>(kGranuleSize, 0));
  }
  EXPECT_FALSE(mica().workflow_info(wf, *std::make_unique<MicaWorkflowInfo>()));
  // The granules can be given back to the host.
  EXPECT_EQ(rmi(RmiCommand::kGranuleUndelegate, wf.value()).x[0], kSuccess);
  EXPECT_EQ(rmi(RmiCommand::kGranuleUndelegate, args.aux[0].value()).x[0], kSuccess);
}

TEST_F(WorkflowTest, DestroyRefusals) {
  const PhysAddr wf = create_workflow(small_policy().encode());
  const MicaWorkflowInfo info = workflow_info(wf);
  // Not a workflow: an aux granule, a delegated one, an NS one, unaligned.
  expect_mica_refused(kErrorInput, MicaRmiCommand::kWorkflowDestroy, info.aux[0].value());
  expect_mica_refused(kErrorInput, MicaRmiCommand::kWorkflowDestroy, delegated().value());
  expect_mica_refused(kErrorInput, MicaRmiCommand::kWorkflowDestroy, ns_granule().value());
  expect_mica_refused(kErrorInput, MicaRmiCommand::kWorkflowDestroy, wf.value() + 0x10);
  // A workflow with a realm bound (lying host: destroy it under the realm).
  const BuiltRealm built = build_realm();
  ASSERT_EQ(bind(built.realm, wf, 0).x[0], kSuccess);
  expect_mica_refused(kErrorRealm, MicaRmiCommand::kWorkflowDestroy, wf.value());
  EXPECT_EQ(state(wf), GranuleState::kWorkflow);
}

TEST_F(WorkflowTest, DestroyRefusedWhileSharesExist) {
  const PhysAddr wf = create_workflow(small_policy().encode());
  const PhysAddr share = create_share(wf, 0);
  expect_mica_refused(kErrorRealm, MicaRmiCommand::kWorkflowDestroy, wf.value());
  ASSERT_EQ(mica_rmi(MicaRmiCommand::kShareDestroy, share.value()).x[0], kSuccess);
  EXPECT_EQ(mica_rmi(MicaRmiCommand::kWorkflowDestroy, wf.value()).x[0], kSuccess);
}

class WorkflowSlotsTest : public MicaTest {
 protected:
  WorkflowSlotsTest() : MicaTest(16ull << 20) {}
};

TEST_F(WorkflowSlotsTest, AtMostMaxWorkflowsAndRefusalsLeakNoSlot) {
  PolicySpec spec;
  spec.components.push_back(make_component("solo"));
  const std::vector<uint8_t> policy = spec.encode();
  // Refused creates (a policy error, a bad aux granule) must not keep a slot.
  for (int i = 0; i < 3; ++i) {
    WorkflowArgs args = workflow_args(policy);
    args.aux[1] = ns_granule();
    EXPECT_EQ(try_create_workflow(delegated(), args).x[0], kErrorInput);
  }
  const std::vector<PhysAddr> sources = write_policy(policy);
  std::vector<PhysAddr> created;
  for (uint64_t i = 0; i < abi::kMaxWorkflows; ++i) {
    WorkflowArgs args;
    args.policy_size = policy.size();
    args.sources = sources;
    for (uint64_t a = 0; a < abi::kWorkflowAuxCount; ++a) args.aux.push_back(delegated());
    const PhysAddr wf = delegated();
    ASSERT_EQ(try_create_workflow(wf, args).x[0], kSuccess) << "workflow " << i;
    created.push_back(wf);
  }
  WorkflowArgs args;
  args.policy_size = policy.size();
  args.sources = sources;
  for (uint64_t a = 0; a < abi::kWorkflowAuxCount; ++a) args.aux.push_back(delegated());
  const PhysAddr extra = delegated();
  const PhysAddr params = write_workflow_params(args);
  const SmcResult r = expect_mica_refused(kErrorInput, MicaRmiCommand::kWorkflowCreate, extra.value(), params.value());
  EXPECT_EQ(r.x[1], policy_error(MicaPolicyError::kNoWorkflowSlot));
  // Destroying one frees its slot.
  ASSERT_EQ(mica_rmi(MicaRmiCommand::kWorkflowDestroy, created[50].value()).x[0], kSuccess);
  EXPECT_EQ(mica_rmi(MicaRmiCommand::kWorkflowCreate, extra.value(), params.value()).x[0], kSuccess);
}

}  // namespace
}  // namespace mica::monitor::testing
