// RTT_MAP_UNPROTECTED for a realm bound to a workflow: only inside a window
// its component grants, never beyond the window's size, and `in` windows
// mapped read-only whatever the host asks. Unbound realms are unaffected.
#include "mica_fixture.h"
#include "s2tt/descriptor.h"

namespace mica::monitor::testing {
namespace {

namespace f = s2tt::field;

// S2AP read-write, MemAttr 0b011, at the page's address: what a host asks for.
uint64_t host_descriptor(uint64_t pa, uint64_t s2ap = 0b11) {
  return pa | f::kS2ap.put(0, s2ap) | f::kHostMemAttr.put(0, 0b011);
}

class WindowTest : public MicaTest {
 protected:
  static constexpr uint64_t kInOffset = 0x10000;
  static constexpr uint64_t kOutOffset = 0x40000;

  WindowTest() {
    ComponentSpec open = make_component("open");
    open.windows = {make_window("inbox", true, kInOffset, 2 * kGranuleSize),
                    make_window("outbox", false, kOutOffset, kGranuleSize)};
    spec_.components = {open, make_component("closed")};
    wf_ = create_workflow(spec_.encode());
  }

  BuiltRealm realm_for(const std::string& component) {
    BuiltRealm built = build_realm(1, 1, 0x42);
    EXPECT_EQ(bind(built.realm, wf_, spec_.component(component)).x[0], kSuccess);
    for (uint64_t offset : {kInOffset, kOutOffset}) create_rtts_down_to(built.realm, base(built) + offset, 3);
    return built;
  }
  static uint64_t base(const BuiltRealm& built) { return built.realm.par_end(); }
  SmcResult map(const BuiltRealm& built, uint64_t ipa, uint64_t desc, int level = 3) {
    return rmi(RmiCommand::kRttMapUnprotected, built.realm.rd.value(), ipa, static_cast<uint64_t>(level), desc);
  }

  PolicySpec spec_;
  PhysAddr wf_;
};

TEST_F(WindowTest, OutWindowKeepsTheHostsPermissions) {
  const BuiltRealm built = realm_for("open");
  const uint64_t ipa = base(built) + kOutOffset;
  const PhysAddr ns = ns_granule();
  ASSERT_EQ(map(built, ipa, host_descriptor(ns.value())).x[0], kSuccess);
  const EntryRead entry = read_entry(built.realm, ipa, 3);
  EXPECT_EQ(entry.state, abi::RmiRttEntryState::kAssigned);
  EXPECT_EQ(entry.desc, host_descriptor(ns.value()));
}

TEST_F(WindowTest, InWindowIsForcedReadOnly) {
  const BuiltRealm built = realm_for("open");
  for (uint64_t page = 0; page < 2; ++page) {
    const uint64_t ipa = base(built) + kInOffset + page * kGranuleSize;
    const PhysAddr ns = ns_granule();
    ASSERT_EQ(map(built, ipa, host_descriptor(ns.value(), 0b11)).x[0], kSuccess);
    const EntryRead entry = read_entry(built.realm, ipa, 3);
    EXPECT_EQ(entry.desc, host_descriptor(ns.value(), 0b01)) << "page " << page;
    EXPECT_EQ(f::kS2ap.get(stored_descriptor(built.realm, ipa)), s2tt::value::kS2apReadOnly);
  }
  // Write-only becomes no access at all.
  ASSERT_EQ(rmi(RmiCommand::kRttUnmapUnprotected, built.realm.rd.value(), base(built) + kInOffset, 3).x[0], kSuccess);
  const PhysAddr ns = ns_granule();
  ASSERT_EQ(map(built, base(built) + kInOffset, host_descriptor(ns.value(), 0b10)).x[0], kSuccess);
  EXPECT_EQ(f::kS2ap.get(stored_descriptor(built.realm, base(built) + kInOffset)), 0u);
}

TEST_F(WindowTest, OutsideOrBeyondAWindowIsRefused) {
  const BuiltRealm built = realm_for("open");
  const uint64_t rd = built.realm.rd.value();
  const uint64_t ns = ns_granule().value();
  // Just below, between and just after the windows.
  for (uint64_t offset : {kInOffset - kGranuleSize, kInOffset + 2 * kGranuleSize, kOutOffset + kGranuleSize,
                          uint64_t{0}}) {
    create_rtts_down_to(built.realm, base(built) + offset, 3);
    expect_core_refused(kErrorInput, RmiCommand::kRttMapUnprotected, rd, base(built) + offset, 3, host_descriptor(ns));
  }
  // A 2 MiB block covering a window and more.
  const uint64_t block = base(built) + 0x200000;
  expect_core_refused(kErrorInput, RmiCommand::kRttMapUnprotected, rd, block, 2, 0x8020'0000 | 0xC0);
  expect_core_refused(kErrorInput, RmiCommand::kRttMapUnprotected, rd, base(built), 2, 0x8000'0000 | 0xC0);
  // The standard checks still come first: a protected IPA is ERROR_INPUT as ever.
  expect_core_refused(kErrorInput, RmiCommand::kRttMapUnprotected, rd, kChannelIpa, 3, host_descriptor(ns));
}

TEST_F(WindowTest, ComponentWithoutWindowsGetsNoUnprotectedMemory) {
  const BuiltRealm built = realm_for("closed");
  const uint64_t ns = ns_granule().value();
  for (uint64_t offset : {kInOffset, kOutOffset}) {
    expect_core_refused(kErrorInput, RmiCommand::kRttMapUnprotected, built.realm.rd.value(), base(built) + offset, 3,
                        host_descriptor(ns));
  }
  ASSERT_EQ(activate(built.realm), kSuccess);
  expect_core_refused(kErrorInput, RmiCommand::kRttMapUnprotected, built.realm.rd.value(), base(built) + kOutOffset,
                      3, host_descriptor(ns));
}

TEST_F(WindowTest, UnboundRealmMapsAnywhereWithTheHostsPermissions) {
  const BuiltRealm built = build_realm(1, 1, 0x42);
  const uint64_t ipa = base(built) + kInOffset + 0x100000;
  create_rtts_down_to(built.realm, ipa, 3);
  const uint64_t ns = ns_granule().value();
  ASSERT_EQ(map(built, ipa, host_descriptor(ns)).x[0], kSuccess);
  EXPECT_EQ(read_entry(built.realm, ipa, 3).desc, host_descriptor(ns));
  // The same 2 MiB block a bound realm is refused (WindowTest.OutsideOrBeyondAWindowIsRefused).
  create_rtts_down_to(built.realm, base(built) + 0x200000, 2);
  EXPECT_EQ(map(built, base(built) + 0x200000, 0x8020'0000 | 0xC0, 2).x[0], kSuccess);
}

}  // namespace
}  // namespace mica::monitor::testing
