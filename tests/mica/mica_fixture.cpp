#include "mica_fixture.h"

#include <algorithm>
#include <cstring>

#include "realm/realm_descriptor.h"
#include "s2tt/descriptor.h"

namespace mica::monitor::testing {

namespace {

template <class T>
void put(std::vector<uint8_t>& page, uint64_t offset, T value) {
  std::memcpy(page.data() + offset, &value, sizeof value);
}

}  // namespace

// --- Workflows -------------------------------------------------------------------------------

std::vector<PhysAddr> MicaTest::write_policy(const std::vector<uint8_t>& policy) {
  std::vector<PhysAddr> sources;
  for (size_t offset = 0; offset < policy.size(); offset += kGranuleSize) {
    const PhysAddr pa = ns_granule();
    const size_t chunk = std::min<size_t>(kGranuleSize, policy.size() - offset);
    EXPECT_EQ(machine_.host_write(pa, policy.data() + offset, chunk), platform::AccessResult::kOk);
    sources.push_back(pa);
  }
  return sources;
}

MicaTest::WorkflowArgs MicaTest::workflow_args(const std::vector<uint8_t>& policy) {
  WorkflowArgs args;
  args.policy_size = policy.size();
  args.sources = write_policy(policy);
  for (uint64_t i = 0; i < abi::kWorkflowAuxCount; ++i) args.aux.push_back(delegated());
  return args;
}

PhysAddr MicaTest::write_workflow_params(const WorkflowArgs& args) {
  namespace wp = abi::workflow_params;
  std::vector<uint8_t> page(kGranuleSize, 0);
  put(page, wp::kPolicySize, args.policy_size);
  put(page, wp::kNumSources, args.num_sources.value_or(args.sources.size()));
  put(page, wp::kNumAux, args.num_aux.value_or(args.aux.size()));
  for (size_t i = 0; i < args.aux.size() && i < wp::kMaxAux; ++i) put(page, wp::kAux + 8 * i, args.aux[i].value());
  for (size_t i = 0; i < args.sources.size() && i < wp::kMaxSources; ++i) {
    put(page, wp::kSources + 8 * i, args.sources[i].value());
  }
  const PhysAddr pa = ns_granule();
  EXPECT_EQ(machine_.host_write(pa, page.data(), page.size()), platform::AccessResult::kOk);
  return pa;
}

SmcResult MicaTest::try_create_workflow(PhysAddr wf, const WorkflowArgs& args) {
  return mica_rmi(MicaRmiCommand::kWorkflowCreate, wf.value(), write_workflow_params(args).value());
}

PhysAddr MicaTest::create_workflow(const std::vector<uint8_t>& policy) {
  const PhysAddr wf = delegated();
  const SmcResult r = try_create_workflow(wf, workflow_args(policy));
  EXPECT_EQ(r.x[0], kSuccess) << "MICA_WORKFLOW_CREATE: X1 " << r.x[1] << " X2 " << r.x[2];
  return wf;
}

MicaWorkflowInfo MicaTest::workflow_info(PhysAddr wf) {
  MicaWorkflowInfo info;
  EXPECT_TRUE(mica().workflow_info(wf, info));
  return info;
}

// --- Realms ------------------------------------------------------------------------------------

MicaTest::BuiltRealm MicaTest::build_realm(unsigned pages, unsigned recs, uint8_t fill, RealmParams params) {
  BuiltRealm built;
  built.realm = create_realm(params);
  for (unsigned i = 0; i < pages; ++i) {
    built.data.push_back(populate_page(built.realm, kRamIpa + i * kGranuleSize, static_cast<uint8_t>(fill + i)));
  }
  // The channel area: RTTs down to level 3, RIPAS EMPTY.
  create_rtts_down_to(built.realm, kChannelIpa, 3);
  for (unsigned i = 0; i < recs; ++i) {
    RecParams rec;
    rec.pc = kRamIpa;
    built.recs.push_back(create_rec(built.realm, i, rec));
  }
  built.rim = rim(built.realm);
  return built;
}

MicaRealmInfo MicaTest::mica_realm(const Realm& realm) {
  MicaRealmInfo info;
  EXPECT_TRUE(mica().realm_info(realm.rd, info));
  return info;
}

void MicaTest::destroy_realm(const BuiltRealm& built) {
  const Realm& realm = built.realm;
  for (const Rec& rec : built.recs) EXPECT_EQ(rmi(RmiCommand::kRecDestroy, rec.pa.value()).x[0], kSuccess);
  for (size_t i = 0; i < built.data.size(); ++i) {
    const uint64_t ipa = kRamIpa + i * kGranuleSize;
    if (read_entry(realm, ipa, 3).state == abi::RmiRttEntryState::kAssigned) {
      EXPECT_EQ(rmi(RmiCommand::kDataDestroy, realm.rd.value(), ipa).x[0], kSuccess);
    }
  }
  for (int level = 3; level > realm.start_level; --level) {
    for (uint64_t ipa : {kRamIpa, kChannelIpa}) {
      const uint64_t aligned = ipa & ~(abi::rtt_map_size(level - 1) - 1);
      const EntryRead parent = read_entry(realm, aligned, level - 1);
      if (parent.level != level - 1 || parent.state != abi::RmiRttEntryState::kTable) continue;
      EXPECT_EQ(rmi(RmiCommand::kRttDestroy, realm.rd.value(), aligned, static_cast<uint64_t>(level)).x[0], kSuccess);
    }
  }
  EXPECT_EQ(rmi(RmiCommand::kRealmDestroy, realm.rd.value()).x[0], kSuccess);
}

// --- Shares --------------------------------------------------------------------------------------

PhysAddr MicaTest::create_share(PhysAddr wf, uint32_t channel, uint64_t* page) {
  const PhysAddr share = delegated();
  const SmcResult r = mica_rmi(MicaRmiCommand::kShareCreate, wf.value(), share.value(), channel);
  EXPECT_EQ(r.x[0], kSuccess);
  if (page != nullptr) *page = r.x[1];
  return share;
}

uint64_t MicaTest::stored_descriptor(const Realm& realm, uint64_t ipa) {
  const PhysAddr table = rtt_at(realm, ipa, 3);
  return raw_u64(table, ((ipa >> 12) & 511) * 8);
}

// --- Refusals ------------------------------------------------------------------------------------

MicaSnapshot MicaTest::mica_snapshot() {
  MicaSnapshot s;
  s.machine = snapshot();
  for (size_t i = 0; i < s.machine.granules.size(); ++i) {
    if (s.machine.granules[i].state != GranuleState::kShared) continue;
    const PhysAddr pa(kDramBase + i * kGranuleSize);
    MicaShareInfo info;
    EXPECT_TRUE(mica().share_info(pa, info));
    s.shares[pa.value()] = info;
  }
  return s;
}

void MicaTest::expect_same_mica(const MicaSnapshot& before, const MicaSnapshot& after) {
  expect_same(before.machine, after.machine);
  ASSERT_EQ(before.shares.size(), after.shares.size());
  for (const auto& [pa, info] : before.shares) {
    const MicaShareInfo& other = after.shares.at(pa);
    EXPECT_EQ(info.workflow, other.workflow);
    EXPECT_EQ(info.channel, other.channel);
    EXPECT_EQ(info.page, other.page);
    EXPECT_EQ(info.mappings, other.mappings);
  }
}

SmcResult MicaTest::expect_mica_refused(uint64_t expected_x0, MicaRmiCommand command, uint64_t x1, uint64_t x2,
                                        uint64_t x3, uint64_t x4) {
  const MicaSnapshot before = mica_snapshot();
  const SmcResult result = mica_rmi(command, x1, x2, x3, x4);
  EXPECT_EQ(result.x[0], expected_x0) << "Mica command 0x" << std::hex << static_cast<unsigned>(command)
                                      << " returned 0x" << result.x[0];
  expect_same_mica(before, mica_snapshot());
  return result;
}

SmcResult MicaTest::expect_core_refused(uint64_t expected_x0, RmiCommand command, uint64_t x1, uint64_t x2,
                                        uint64_t x3, uint64_t x4, uint64_t x5) {
  const MicaSnapshot before = mica_snapshot();
  const SmcResult result = rmi(command, x1, x2, x3, x4, x5);
  EXPECT_EQ(result.x[0], expected_x0) << "command 0x" << std::hex << static_cast<unsigned>(command)
                                      << " returned 0x" << result.x[0];
  expect_same_mica(before, mica_snapshot());
  return result;
}

}  // namespace mica::monitor::testing
