// The lying host races the realm: while a REC of a bound realm runs on one
// PE (inside RMI_REC_ENTER, reference count 1, no lock held), the host issues
// RMI calls on another PE against the objects that run depends on. The
// scripted realm CPU (tests/monitor/scripted_cpu.h) stops the run at a known
// point and lets the test act as the second PE. Each racing call must get
// the exact status, change nothing, and leave every invariant holding with
// the REC still running; after the run every invariant holds at rest.
#include <algorithm>
#include <cstring>
#include <functional>

#include "checked.h"
#include "monitor/abi/mica.h"
#include "policy_spec.h"
#include "realm_run_fixture.h"

namespace mica::monitor::testing {
namespace {

using C = abi::MicaRmiCommand;
constexpr uint64_t kErrorRtt3 = abi::rmi_status_word(abi::RmiStatus::kErrorRtt, 3);
// A level-3 table of its own for the channel: [4 MiB, 6 MiB) is UNASSIGNED/EMPTY in the layout.
constexpr uint64_t kChannelIpa = 0x40'0000;

class RacingHost : public RealmRunTest {
 protected:
  RacingHost() : checker_(*monitor_, machine_.gpt()) {
    after_smc_ = [this](const SmcArgs& args, const SmcResult& result) { expect_invariants(checker_, args, result); };
  }

  void SetUp() override {
    RealmOptions options;
    options.activate = false;
    build_realm(options);
    ComponentSpec app = make_component("app");
    app.recs = 3;
    spec_.components = {app, make_component("peer")};
    spec_.channels = {make_channel("link", "app", {"peer"})};
    wf_ = create_workflow(spec_.encode());
    ASSERT_EQ(mica(C::kRealmBind, realm_.rd.value(), wf_.value(), spec_.component("app")).x[0], kRmiSuccess);
    share_ = delegated();
    ASSERT_EQ(mica(C::kShareCreate, wf_.value(), share_.value(), 0).x[0], kRmiSuccess);
    ASSERT_EQ(rmi(RmiCommand::kRttCreate, realm_.rd.value(), delegated().value(), kChannelIpa, 3).x[0], kRmiSuccess);
    ASSERT_EQ(mica(C::kShareMap, realm_.rd.value(), share_.value(), kChannelIpa, abi::kShareMapWrite).x[0],
              kRmiSuccess);
    ASSERT_EQ(rmi(RmiCommand::kRealmActivate, realm_.rd.value()).x[0], kRmiSuccess);
  }

  // One Mica RMI call, as rmi() makes core ones.
  SmcResult mica(C command, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0) {
    SmcArgs args;
    args.x[0] = abi::mica_rmi_fid(command);
    args.x[1] = x1;
    args.x[2] = x2;
    args.x[3] = x3;
    args.x[4] = x4;
    ++rmi_depth_;
    const SmcResult result = monitor_->handle_rmi(args);
    --rmi_depth_;
    if (rmi_depth_ == 0 && after_smc_) after_smc_(args, result);
    return result;
  }

  PhysAddr create_workflow(const std::vector<uint8_t>& policy) {
    namespace wp = abi::workflow_params;
    std::vector<uint8_t> params(kGranuleSize, 0);
    auto put = [&params](uint64_t offset, uint64_t value) { std::memcpy(params.data() + offset, &value, 8); };
    put(wp::kPolicySize, policy.size());
    uint64_t sources = 0;
    for (size_t offset = 0; offset < policy.size(); offset += kGranuleSize, ++sources) {
      const PhysAddr src = ns_granule();
      host_write(src, policy.data() + offset, std::min<size_t>(kGranuleSize, policy.size() - offset));
      put(wp::kSources + 8 * sources, src.value());
    }
    put(wp::kNumSources, sources);
    put(wp::kNumAux, abi::kWorkflowAuxCount);
    for (uint64_t i = 0; i < abi::kWorkflowAuxCount; ++i) put(wp::kAux + 8 * i, delegated().value());
    const PhysAddr params_pa = ns_granule();
    host_write(params_pa, params.data(), params.size());
    const PhysAddr wf = delegated();
    EXPECT_EQ(mica(C::kWorkflowCreate, wf.value(), params_pa.value()).x[0], kRmiSuccess);
    return wf;
  }

  // Runs REC 0 once; while it runs, `attack` acts as a second PE.
  void race(const std::function<void()>& attack) {
    bool attacked = false;
    platform_.on_run = [&](PhysAddr running) {
      if (attacked || running != rec(0)) return;
      attacked = true;
      EXPECT_TRUE(rec_info(rec(0)).running);
      attack();
    };
    script(rec(0), step([](RealmCpuContext&) {}, trap::irq()));
    ASSERT_EQ(enter(rec(0)), kRmiSuccess);
    platform_.on_run = nullptr;
    EXPECT_TRUE(attacked);
    EXPECT_FALSE(rec_info(rec(0)).running);
  }

  // A racing call: the exact status, nothing changed (granules, DRAM, the
  // share's tag), every invariant holding with REC 0 running.
  void refused(uint64_t expected, const SmcArgs& args) {
    const Snapshot before = snapshot();
    MicaShareInfo share_before;
    ASSERT_TRUE(monitor_->mica().share_info(share_, share_before));
    ++rmi_depth_;
    const SmcResult result = monitor_->handle_rmi(args);
    --rmi_depth_;
    EXPECT_EQ(result.x[0], expected) << "racing SMC 0x" << std::hex << args.x[0];
    expect_unchanged(before);
    MicaShareInfo share_after;
    ASSERT_TRUE(monitor_->mica().share_info(share_, share_after));
    EXPECT_EQ(share_after.mappings, share_before.mappings);
    EXPECT_EQ(share_after.workflow, share_before.workflow);
    expect_invariants(checker_, args, result, {rec(0)});
  }
  static SmcArgs call(uint64_t fid, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0) {
    SmcArgs args;
    args.x[0] = fid;
    args.x[1] = x1;
    args.x[2] = x2;
    args.x[3] = x3;
    return args;
  }

  InvariantChecker checker_;
  PolicySpec spec_;
  PhysAddr wf_;
  PhysAddr share_;
};

TEST_F(RacingHost, WorkflowDestroyWhileItsRealmRuns) {
  race([&] { refused(kRmiErrorRealm, call(abi::mica_rmi_fid(C::kWorkflowDestroy), wf_.value())); });
  EXPECT_EQ(monitor_->granule_state(wf_), GranuleState::kWorkflow);
}

TEST_F(RacingHost, ShareDestroyWhileTheRunningRealmMapsIt) {
  race([&] { refused(kRmiErrorRealm, call(abi::mica_rmi_fid(C::kShareDestroy), share_.value())); });
  EXPECT_EQ(monitor_->granule_state(share_), GranuleState::kShared);
}

TEST_F(RacingHost, RebindTheRunningRealm) {
  race([&] {
    refused(kRmiErrorRealm,
            call(abi::mica_rmi_fid(C::kRealmBind), realm_.rd.value(), wf_.value(), spec_.component("peer")));
  });
  MicaRealmInfo info;
  ASSERT_TRUE(monitor_->mica().realm_info(realm_.rd, info));
  EXPECT_EQ(info.component, spec_.component("app"));
}

TEST_F(RacingHost, ChannelTableDestroyWhileTheRealmRuns) {
  race([&] { refused(kErrorRtt3, call(abi::rmi_fid(RmiCommand::kRttDestroy), realm_.rd.value(), kChannelIpa, 3)); });
  EXPECT_EQ(entry(kChannelIpa).first, abi::RmiRttEntryState::kAssigned);
}

TEST_F(RacingHost, RealmDestroyUnderTheRunningRec) {
  race([&] { refused(kRmiErrorRealm, call(abi::rmi_fid(RmiCommand::kRealmDestroy), realm_.rd.value())); });
  PhysAddr rd;
  uint64_t generation = 0;
  ASSERT_TRUE(monitor_->mica().workflow_component(wf_, spec_.component("app"), rd, generation));
  EXPECT_EQ(rd, realm_.rd);
}

TEST_F(RacingHost, UndelegateTheRunningRecAndItsAux) {
  RecInfo info = rec_info(rec(0));
  race([&] {
    refused(kRmiErrorInput, call(abi::rmi_fid(RmiCommand::kGranuleUndelegate), rec(0).value()));
    refused(kRmiErrorInput, call(abi::rmi_fid(RmiCommand::kGranuleUndelegate), info.aux[0].value()));
  });
  EXPECT_EQ(monitor_->granule_state(rec(0)), GranuleState::kRec);
}

}  // namespace
}  // namespace mica::monitor::testing
