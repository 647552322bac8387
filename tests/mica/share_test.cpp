// Shared protected memory: MICA_SHARE_CREATE / DESTROY / MAP / UNMAP, the
// stage-2 descriptors they write, and the lying host's attempts to move a
// channel page somewhere the policy does not allow it.
#include "mica_fixture.h"
#include "s2tt/descriptor.h"

namespace mica::monitor::testing {
namespace {

namespace f = s2tt::field;

class ShareTest : public MicaTest {
 protected:
  ShareTest() {
    spec_.components = {make_component("alpha"), make_component("beta"), make_component("gamma")};
    spec_.channels = {make_channel("pipe", "alpha", {"beta"}, 2 * kGranuleSize),
                      make_channel("duplex", "alpha", {"gamma"}, kGranuleSize, true)};
    wf_ = create_workflow(spec_.encode());
    pipe_ = spec_.channel("pipe");
    duplex_ = spec_.channel("duplex");
  }

  BuiltRealm bound_realm(const std::string& component, PhysAddr wf, uint8_t fill = 0x10) {
    BuiltRealm built = build_realm(1, 1, fill);
    EXPECT_EQ(bind(built.realm, wf, spec_.component(component)).x[0], kSuccess);
    return built;
  }

  PolicySpec spec_;
  PhysAddr wf_;
  uint32_t pipe_ = 0;
  uint32_t duplex_ = 0;
};

TEST_F(ShareTest, CreateGivesPagesInOrderZeroed) {
  uint64_t page = 99;
  const PhysAddr first = create_share(wf_, pipe_, &page);
  EXPECT_EQ(page, 0u);
  const PhysAddr second = create_share(wf_, pipe_, &page);
  EXPECT_EQ(page, 1u);
  EXPECT_EQ(state(first), GranuleState::kShared);
  EXPECT_EQ(raw_granule(first), std::vector<uint8_t>(kGranuleSize, 0));
  MicaShareInfo info;
  ASSERT_TRUE(mica().share_info(second, info));
  EXPECT_EQ(info.workflow, wf_);
  EXPECT_EQ(info.channel, pipe_);
  EXPECT_EQ(info.page, 1u);
  EXPECT_EQ(info.mappings, 0u);
  EXPECT_EQ(workflow_info(wf_).shares, 2u);
  // The channel has two pages: a third is refused.
  expect_mica_refused(kErrorInput, MicaRmiCommand::kShareCreate, wf_.value(), delegated().value(), pipe_);
}

TEST_F(ShareTest, CreateRefusals) {
  using C = MicaRmiCommand;
  const PhysAddr share = delegated();
  expect_mica_refused(kErrorInput, C::kShareCreate, delegated().value(), share.value(), pipe_);
  expect_mica_refused(kErrorInput, C::kShareCreate, workflow_info(wf_).aux[0].value(), share.value(), pipe_);
  expect_mica_refused(kErrorInput, C::kShareCreate, wf_.value(), ns_granule().value(), pipe_);
  expect_mica_refused(kErrorInput, C::kShareCreate, wf_.value(), wf_.value(), pipe_);
  expect_mica_refused(kErrorInput, C::kShareCreate, wf_.value(), share.value() + 0x800, pipe_);
  expect_mica_refused(kErrorInput, C::kShareCreate, wf_.value(), share.value(), 2);
  // A DATA granule cannot become a channel page.
  const BuiltRealm realm = build_realm();
  expect_mica_refused(kErrorInput, C::kShareCreate, wf_.value(), realm.data[0].value(), pipe_);
  // Nor can a page of another channel.
  const PhysAddr other = create_share(wf_, duplex_);
  expect_mica_refused(kErrorInput, C::kShareCreate, wf_.value(), other.value(), pipe_);
}

TEST_F(ShareTest, WriterMapsReadWriteReaderReadOnlyNeverExecutable) {
  const BuiltRealm writer = bound_realm("alpha", wf_);
  const BuiltRealm reader = bound_realm("beta", wf_, 0x20);
  const PhysAddr page0 = create_share(wf_, pipe_);
  ASSERT_EQ(share_map(writer.realm, page0, kChannelIpa, true).x[0], kSuccess);
  ASSERT_EQ(share_map(reader.realm, page0, kChannelIpa, false).x[0], kSuccess);

  const uint64_t w = stored_descriptor(writer.realm, kChannelIpa);
  const uint64_t r = stored_descriptor(reader.realm, kChannelIpa);
  EXPECT_EQ(w & s2tt::output_address_mask(3), page0.value());
  EXPECT_EQ(f::kType.get(w), s2tt::value::kTypeTableOrPage);
  EXPECT_EQ(f::kS2ap.get(w), s2tt::value::kS2apReadWrite);
  EXPECT_EQ(f::kS2ap.get(r), s2tt::value::kS2apReadOnly);
  EXPECT_EQ(f::kXn.get(w), s2tt::value::kXnNoExecute);
  EXPECT_EQ(f::kXn.get(r), s2tt::value::kXnNoExecute);
  EXPECT_EQ(f::kNs.get(r), 0u);
  EXPECT_EQ(f::kMicaShared.get(r), 1u);
  EXPECT_EQ(refcount(page0), 2u);
  // The host sees an assigned RAM page with the shared granule's address.
  const EntryRead entry = read_entry(reader.realm, kChannelIpa, 3);
  EXPECT_EQ(entry.state, abi::RmiRttEntryState::kAssigned);
  EXPECT_EQ(entry.ripas, Ripas::kRam);
  EXPECT_EQ(entry.desc, page0.value());
}

TEST_F(ShareTest, PageKSitsAtBasePlusKPagesInEveryRealm) {
  const BuiltRealm writer = bound_realm("alpha", wf_);
  const PhysAddr page0 = create_share(wf_, pipe_);
  const PhysAddr page1 = create_share(wf_, pipe_);
  // The first mapping (page 1 at X) fixes the base at X - 4 KiB.
  ASSERT_EQ(share_map(writer.realm, page1, kChannelIpa + kGranuleSize, true).x[0], kSuccess);
  expect_mica_refused(kErrorInput, MicaRmiCommand::kShareMap, writer.realm.rd.value(), page0.value(),
                      kChannelIpa + 2 * kGranuleSize, abi::kShareMapWrite);
  EXPECT_EQ(share_map(writer.realm, page0, kChannelIpa, true).x[0], kSuccess);
  // Page 1 of a channel cannot go below IPA 4 KiB.
  const BuiltRealm reader = bound_realm("beta", wf_, 0x30);
  expect_mica_refused(kErrorInput, MicaRmiCommand::kShareMap, reader.realm.rd.value(), page1.value(), 0, 0);
}

TEST_F(ShareTest, LyingHostCannotMapAChannelPageOutsideItsChannel) {
  const PhysAddr other_wf = create_workflow(spec_.encode());  // the same policy, another instance
  const BuiltRealm writer = bound_realm("alpha", wf_);
  const BuiltRealm reader = bound_realm("beta", wf_, 0x20);
  const BuiltRealm outsider = bound_realm("gamma", wf_, 0x30);
  const BuiltRealm other_instance = bound_realm("beta", other_wf, 0x40);
  const BuiltRealm unbound = build_realm(1, 1, 0x50);
  const PhysAddr page0 = create_share(wf_, pipe_);
  using C = MicaRmiCommand;
  const uint64_t ipa = kChannelIpa;

  // A realm bound to a component that is not an endpoint of the channel.
  expect_mica_refused(kErrorRealm, C::kShareMap, outsider.realm.rd.value(), page0.value(), ipa, 0);
  // A realm bound to the right component of another instance of the same policy.
  expect_mica_refused(kErrorRealm, C::kShareMap, other_instance.realm.rd.value(), page0.value(), ipa, 0);
  // A realm bound to no workflow.
  expect_mica_refused(kErrorRealm, C::kShareMap, unbound.realm.rd.value(), page0.value(), ipa, 0);
  // A reader's page mapped writable.
  expect_mica_refused(kErrorInput, C::kShareMap, reader.realm.rd.value(), page0.value(), ipa, abi::kShareMapWrite);
  // Unknown flags, IPAs outside the PAR or unaligned.
  expect_mica_refused(kErrorInput, C::kShareMap, reader.realm.rd.value(), page0.value(), ipa, 2);
  expect_mica_refused(kErrorInput, C::kShareMap, reader.realm.rd.value(), page0.value(), reader.realm.par_end(), 0);
  expect_mica_refused(kErrorInput, C::kShareMap, reader.realm.rd.value(), page0.value(), ipa + 8, 0);
  // Over the realm's own memory: a DATA page, or RAM not populated yet.
  expect_mica_refused(error_rtt(3), C::kShareMap, writer.realm.rd.value(), page0.value(), kRamIpa, 0);
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, writer.realm.rd.value(), kRamIpa + kGranuleSize,
                kRamIpa + 2 * kGranuleSize).x[0],
            kSuccess);
  expect_mica_refused(error_rtt(3), C::kShareMap, writer.realm.rd.value(), page0.value(), kRamIpa + kGranuleSize,
                      0);
  // Where no level-3 table exists yet.
  expect_mica_refused(error_rtt(2), C::kShareMap, writer.realm.rd.value(), page0.value(), 0x3000'0000, 0);
  // The endpoints themselves succeed, and the duplex channel is writable for both ends.
  EXPECT_EQ(share_map(writer.realm, page0, ipa, true).x[0], kSuccess);
  EXPECT_EQ(share_map(reader.realm, page0, ipa, false).x[0], kSuccess);
  const PhysAddr duplex = create_share(wf_, duplex_);
  EXPECT_EQ(share_map(outsider.realm, duplex, ipa + 0x10000, true).x[0], kSuccess);
  EXPECT_EQ(share_map(writer.realm, duplex, ipa + 0x10000, true).x[0], kSuccess);
  // Mapped once per realm: the same page at a second IPA is refused.
  expect_mica_refused(kErrorInput, C::kShareMap, reader.realm.rd.value(), page0.value(), ipa + 0x20000, 0);
}

// docs/abi.md gives MICA_SHARE_MAP's checks in order; where two fail, the first wins.
TEST_F(ShareTest, MapErrorPriority) {
  const BuiltRealm reader = bound_realm("beta", wf_, 0x20);
  const BuiltRealm outsider = bound_realm("gamma", wf_, 0x30);
  const BuiltRealm unbound = build_realm(1, 1, 0x50);
  const PhysAddr page0 = create_share(wf_, pipe_);
  using C = MicaRmiCommand;
  // Unknown flags before anything else, even an RD that is not one.
  expect_mica_refused(kErrorInput, C::kShareMap, delegated().value(), page0.value(), kChannelIpa, 4);
  // The IPA's alignment before the realm's binding.
  expect_mica_refused(kErrorInput, C::kShareMap, unbound.realm.rd.value(), page0.value(), kChannelIpa + 4, 0);
  // An unbound realm before a forbidden write.
  expect_mica_refused(kErrorRealm, C::kShareMap, unbound.realm.rd.value(), page0.value(), kChannelIpa,
                      abi::kShareMapWrite);
  // Not an endpoint before the RTT walk (no level-3 table at 0x3000'0000).
  expect_mica_refused(kErrorRealm, C::kShareMap, outsider.realm.rd.value(), page0.value(), 0x3000'0000, 0);
  // A reader's write request before the RTT walk.
  expect_mica_refused(kErrorInput, C::kShareMap, reader.realm.rd.value(), page0.value(), 0x3000'0000,
                      abi::kShareMapWrite);
  // The walk: level 2 reached.
  expect_mica_refused(error_rtt(2), C::kShareMap, reader.realm.rd.value(), page0.value(), 0x3000'0000, 0);
}

TEST_F(ShareTest, NoDataGranuleIsEverMappedIntoTwoRealms) {
  const BuiltRealm a = bound_realm("alpha", wf_);
  const BuiltRealm b = bound_realm("beta", wf_, 0x20);
  // a's DATA granule, named as a channel page for b: not a SHARED granule.
  expect_mica_refused(kErrorInput, MicaRmiCommand::kShareMap, b.realm.rd.value(), a.data[0].value(), kChannelIpa, 0);
  // A channel page named as b's new DATA granule: not DELEGATED.
  const PhysAddr page0 = create_share(wf_, pipe_);
  ASSERT_EQ(share_map(a.realm, page0, kChannelIpa, true).x[0], kSuccess);
  const uint64_t next = kRamIpa + kGranuleSize;
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, b.realm.rd.value(), next, next + kGranuleSize).x[0], kSuccess);
  expect_core_refused(kErrorInput, RmiCommand::kDataCreate, b.realm.rd.value(), page0.value(), next,
                      ns_granule().value(), 0);
  expect_core_refused(kErrorInput, RmiCommand::kDataCreateUnknown, b.realm.rd.value(), page0.value(), next);
  expect_core_refused(kErrorInput, RmiCommand::kRttCreate, b.realm.rd.value(), page0.value(), 0x4000'0000, 2);
}

TEST_F(ShareTest, MappedPagesCannotBeDestroyedUndelegatedOrUnmappedAsData) {
  const BuiltRealm writer = bound_realm("alpha", wf_);
  const PhysAddr page0 = create_share(wf_, pipe_);
  ASSERT_EQ(share_map(writer.realm, page0, kChannelIpa, true).x[0], kSuccess);
  const uint64_t rd = writer.realm.rd.value();
  expect_mica_refused(kErrorRealm, MicaRmiCommand::kShareDestroy, page0.value());
  expect_core_refused(kErrorInput, RmiCommand::kGranuleUndelegate, page0.value());
  expect_core_refused(error_rtt(3), RmiCommand::kDataDestroy, rd, kChannelIpa);
  expect_core_refused(error_rtt(3), RmiCommand::kRttDestroy, rd, kChannelIpa & ~(abi::rtt_map_size(2) - 1), 3);
  expect_core_refused(error_rtt(3), RmiCommand::kRttFold, rd, kChannelIpa & ~(abi::rtt_map_size(2) - 1), 3);
  expect_core_refused(kErrorRealm, RmiCommand::kRealmDestroy, rd);
  // Destroying the whole workflow under it is refused too.
  expect_mica_refused(kErrorRealm, MicaRmiCommand::kWorkflowDestroy, wf_.value());
}

TEST_F(ShareTest, RipasChangesStopAtAChannelPage) {
  const BuiltRealm writer = bound_realm("alpha", wf_);
  const PhysAddr page0 = create_share(wf_, pipe_);
  ASSERT_EQ(share_map(writer.realm, page0, kChannelIpa, true).x[0], kSuccess);
  ASSERT_EQ(activate(writer.realm), kSuccess);
  for (Ripas value : {Ripas::kEmpty, Ripas::kRam}) {
    ASSERT_TRUE(monitor().test_set_ripas_request(writer.recs[0].pa, Ipa(kChannelIpa), Ipa(kChannelIpa + kGranuleSize),
                                                 value, true));
    expect_core_refused(error_rtt(3), RmiCommand::kRttSetRipas, writer.realm.rd.value(), writer.recs[0].pa.value(),
                        kChannelIpa, kChannelIpa + kGranuleSize);
  }
  EXPECT_EQ(f::kS2ap.get(stored_descriptor(writer.realm, kChannelIpa)), s2tt::value::kS2apReadWrite);
}

TEST_F(ShareTest, UnmapAndDestroyScrubInReverseOrder) {
  const BuiltRealm writer = bound_realm("alpha", wf_);
  const BuiltRealm reader = bound_realm("beta", wf_, 0x20);
  const PhysAddr page0 = create_share(wf_, pipe_);
  const PhysAddr page1 = create_share(wf_, pipe_);
  ASSERT_EQ(share_map(writer.realm, page0, kChannelIpa, true).x[0], kSuccess);
  ASSERT_EQ(share_map(reader.realm, page0, kChannelIpa, false).x[0], kSuccess);
  // What a realm wrote into the page.
  std::memset(machine().dram().at(page0), 0xC5, kGranuleSize);

  SmcResult r = share_unmap(writer.realm, kChannelIpa);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], page0.value());
  EXPECT_EQ(refcount(page0), 1u);
  const EntryRead after = read_entry(writer.realm, kChannelIpa, 3);
  EXPECT_EQ(after.state, abi::RmiRttEntryState::kUnassigned);
  EXPECT_EQ(after.ripas, Ripas::kEmpty);
  expect_mica_refused(kErrorRealm, MicaRmiCommand::kShareDestroy, page0.value());
  ASSERT_EQ(share_unmap(reader.realm, kChannelIpa).x[0], kSuccess);
  EXPECT_EQ(refcount(page0), 0u);
  // Page 1 goes first.
  expect_mica_refused(kErrorInput, MicaRmiCommand::kShareDestroy, page0.value());
  ASSERT_EQ(mica_rmi(MicaRmiCommand::kShareDestroy, page1.value()).x[0], kSuccess);
  ASSERT_EQ(mica_rmi(MicaRmiCommand::kShareDestroy, page0.value()).x[0], kSuccess);
  EXPECT_EQ(state(page0), GranuleState::kDelegated);
  EXPECT_EQ(raw_granule(page0), std::vector<uint8_t>(kGranuleSize, 0));
  EXPECT_EQ(workflow_info(wf_).shares, 0u);
  // The next page 0 is a fresh zeroed page, and the realm can map it again at a new base.
  uint64_t page = 9;
  const PhysAddr again = create_share(wf_, pipe_, &page);
  EXPECT_EQ(page, 0u);
  EXPECT_EQ(share_map(writer.realm, again, kChannelIpa + 0x8000, true).x[0], kSuccess);
}

TEST_F(ShareTest, UnmapRefusals) {
  const BuiltRealm writer = bound_realm("alpha", wf_);
  using C = MicaRmiCommand;
  const uint64_t rd = writer.realm.rd.value();
  expect_mica_refused(kErrorInput, C::kShareUnmap, delegated().value(), kChannelIpa);
  expect_mica_refused(kErrorInput, C::kShareUnmap, rd, kChannelIpa + 1);
  expect_mica_refused(kErrorInput, C::kShareUnmap, rd, writer.realm.par_end());
  expect_mica_refused(error_rtt(3), C::kShareUnmap, rd, kChannelIpa);  // nothing mapped
  expect_mica_refused(error_rtt(3), C::kShareUnmap, rd, kRamIpa);      // a DATA page
  expect_mica_refused(error_rtt(2), C::kShareUnmap, rd, 0x3000'0000);  // no level-3 table
}

TEST_F(ShareTest, DestroyRefusals) {
  expect_mica_refused(kErrorInput, MicaRmiCommand::kShareDestroy, delegated().value());
  expect_mica_refused(kErrorInput, MicaRmiCommand::kShareDestroy, wf_.value());
  const PhysAddr page0 = create_share(wf_, pipe_);
  expect_mica_refused(kErrorInput, MicaRmiCommand::kShareDestroy, page0.value() + 0x40);
}

}  // namespace
}  // namespace mica::monitor::testing
