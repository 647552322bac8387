// The load plan executed over RMI against the real monitor on the emulated
// machine: the monitor's RIM must equal the host-side calculator's, for
// real and crafted images, both algorithms and several layouts. Also checks
// what the loader leaves behind (granule states, page contents, rollback).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "elf_builder.h"
#include "host/measure.h"
#include "host/realm_loader.h"
#include "host/rim.h"
#include "monitor/monitor.h"
#include "platform/machine.h"

namespace mica::host {
namespace {

using ::testing::HasSubstr;
using monitor::GranuleState;
using platform::AccessResult;
using platform::Machine;
using platform::MachineConfig;
using testing::bytes_of;
using testing::ElfBuilder;

constexpr uint64_t kBase = 0x4000'0000;

class MachineMemory final : public PhysicalMemory {
 public:
  explicit MachineMemory(Machine& machine) : machine_(machine) {}
  bool write(PhysAddr pa, std::span<const uint8_t> bytes) override {
    return machine_.host_write(pa, bytes.data(), bytes.size()) == AccessResult::kOk;
  }
  bool read(PhysAddr pa, std::span<uint8_t> bytes) override {
    return machine_.host_read(pa, bytes.data(), bytes.size()) == AccessResult::kOk;
  }

 private:
  Machine& machine_;
};

class LoadRealmTest : public ::testing::Test {
 protected:
  LoadRealmTest()
      : machine_(make_config()),
        memory_(machine_),
        granules_(PhysAddr(machine_.dram().base()), machine_.dram().size()),
        rmi_([this](const SmcArgs& args) { return machine_.smc(args); }) {
    rmi_.set_logging(false);
  }

  static MachineConfig make_config() {
    MachineConfig config;
    config.state_dir = ::testing::TempDir() + "/mica-host-load-realm-state";
    std::filesystem::create_directories(config.state_dir);
    return config;
  }

  monitor::RealmInfo realm_info(const LoadedRealm& realm) {
    monitor::RealmInfo info;
    EXPECT_TRUE(machine_.monitor().realm_info(realm.rd, info));
    return info;
  }

  Digest monitor_rim(const LoadedRealm& realm) {
    const monitor::RealmInfo info = realm_info(realm);
    return Digest(info.hash_algo, std::span<const uint8_t>(info.rim(), info.measurement_size()));
  }

  // Loads, compares the RIMs, returns the realm (still loaded).
  LoadedRealm load_and_compare(const ElfImage& image, const RealmConfig& config, uint16_t vmid = 1) {
    auto plan = build_load_plan(image, config);
    EXPECT_TRUE(plan) << plan.error();
    auto realm = load_realm(rmi_, memory_, granules_, *plan, LoaderOptions{vmid});
    EXPECT_TRUE(realm) << realm.error();
    if (!realm) return {};
    EXPECT_EQ(monitor_rim(*realm), compute_rim(*plan).rim);
    return std::move(realm).value();
  }

  bool all_granules_undelegated() {
    const monitor::Monitor& m = machine_.monitor();
    for (uint64_t i = 0; i < m.granule_count(); ++i) {
      if (m.granule_state(m.dram_base().plus(i * kGranuleSize)) != GranuleState::kUndelegated) return false;
    }
    return true;
  }

  Machine machine_;
  MachineMemory memory_;
  RangeGranuleAllocator granules_;
  RmiClient rmi_;
};

TEST_F(LoadRealmTest, CrossCompiledRealmRimMatchesTheCalculatorAndMicaMeasure) {
  auto image = ElfImage::load(MICA_TEST_REALM);
  ASSERT_TRUE(image) << image.error();
  const RealmConfig config;
  auto plan = build_load_plan(*image, config);
  ASSERT_TRUE(plan) << plan.error();
  auto realm = load_realm(rmi_, memory_, granules_, *plan);
  ASSERT_TRUE(realm) << realm.error();

  auto measured = measure_image(MICA_TEST_REALM, config);
  ASSERT_TRUE(measured) << measured.error();
  EXPECT_EQ(monitor_rim(*realm), measured->rim);

  const monitor::RealmInfo info = realm_info(*realm);
  EXPECT_EQ(info.state, monitor::RealmState::kActive);
  EXPECT_EQ(info.s2sz, 40);
  EXPECT_EQ(info.start_level, 1);
  EXPECT_EQ(info.num_root_rtts, 2);
  EXPECT_EQ(info.rec_count, 1u);
  EXPECT_EQ(info.vmid, 1);

  // Every RAM page is a DATA granule, in ascending IPA order.
  ASSERT_EQ(realm->data.size(), config.ram_size / kGranuleSize);
  for (size_t i = 0; i < realm->data.size(); ++i) {
    EXPECT_EQ(realm->data[i].ipa, kBase + i * kGranuleSize);
    EXPECT_EQ(machine_.monitor().granule_state(realm->data[i].pa), GranuleState::kData);
  }
  for (const auto& rtt : realm->rtts) EXPECT_EQ(machine_.monitor().granule_state(rtt.pa), GranuleState::kRtt);
  ASSERT_EQ(realm->recs.size(), 1u);
  EXPECT_EQ(machine_.monitor().granule_state(realm->recs[0].pa), GranuleState::kRec);
  EXPECT_EQ(realm->recs[0].aux.size(), abi::kRecAuxCount);

  // The host cannot read the realm's pages back...
  uint8_t byte = 0;
  EXPECT_EQ(machine_.host_read(realm->data[0].pa, &byte, 1), AccessResult::kGranuleProtectionFault);
  // ...but the machine's own view shows the measured pages exactly as planned
  // and the rest zero.
  Machine& m = machine_;
  for (size_t i = 0; i < realm->data.size(); ++i) {
    const uint8_t* bytes = m.dram().at(realm->data[i].pa);
    if (i < plan->pages.size()) {
      EXPECT_TRUE(std::equal(plan->pages[i].begin(), plan->pages[i].end(), bytes)) << "page " << i;
    } else if (i < 8) {
      EXPECT_TRUE(std::all_of(bytes, bytes + kGranuleSize, [](uint8_t b) { return b == 0; })) << "page " << i;
    }
  }

  monitor::RecInfo rec;
  ASSERT_TRUE(machine_.monitor().rec_info(realm->recs[0].pa, rec));
  EXPECT_TRUE(rec.runnable);
  EXPECT_EQ(rec.cpu.pc, image->entry());
  EXPECT_EQ(rec.cpu.x[0], kBase);
  EXPECT_EQ(rec.cpu.x[1], config.ram_size);
  EXPECT_EQ(rec.cpu.x[2], 1u);
}

TEST_F(LoadRealmTest, Sha512SeveralRecsSmallIpaSpace) {
  auto image = ElfImage::load(MICA_TEST_REALM);
  ASSERT_TRUE(image) << image.error();
  RealmConfig config;
  config.hash_algo = HashAlgo::kSha512;
  config.num_recs = 3;
  config.ram_size = 4 << 20;
  config.ipa_width = 39;
  LoadedRealm realm = load_and_compare(*image, config);
  ASSERT_EQ(realm.recs.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    monitor::RecInfo rec;
    ASSERT_TRUE(machine_.monitor().rec_info(realm.recs[i].pa, rec));
    EXPECT_EQ(rec.index, i);
    EXPECT_EQ(rec.runnable, i == 0);
  }
  EXPECT_EQ(realm_info(realm).hash_algo, HashAlgo::kSha512);
  EXPECT_EQ(realm_info(realm).num_root_rtts, 1);
}

TEST_F(LoadRealmTest, ConcatenatedRootsAndStartLevelZero) {
  auto image = ElfImage::load(MICA_TEST_REALM);
  ASSERT_TRUE(image) << image.error();
  for (uint32_t width : {41u, 44u, 48u}) {
    RealmConfig config;
    config.ipa_width = width;
    config.ram_size = 2 << 20;
    LoadedRealm realm = load_and_compare(*image, config);
    EXPECT_EQ(realm_info(realm).s2sz, width);
    ASSERT_TRUE(destroy_realm(rmi_, granules_, realm));
  }
  EXPECT_TRUE(all_granules_undelegated());
}

TEST_F(LoadRealmTest, CraftedImageWithSharedPagesAndUnalignedRam) {
  const uint64_t ram_base = kBase + 0x1F'E000;  // two pages below a 2 MiB boundary
  auto image = ElfImage::parse(ElfBuilder()
                                   .entry(ram_base + 0x100)
                                   .segment({ram_base, bytes_of(0x300, 1), 0, PF_R | PF_X})
                                   .segment({ram_base + 0x800, bytes_of(0x1000, 2), 0x4000, PF_R | PF_W})
                                   .segment({ram_base + 0x6000, bytes_of(0x20, 3), 0, PF_R})
                                   .build());
  ASSERT_TRUE(image) << image.error();
  for (HashAlgo algo : {HashAlgo::kSha256, HashAlgo::kSha512}) {
    RealmConfig config;
    config.hash_algo = algo;
    config.ram_base = ram_base;
    config.ram_size = 2 * 0x20'0000 + 0x3000;  // crosses two table boundaries
    LoadedRealm realm = load_and_compare(*image, config, 7);
    ASSERT_TRUE(destroy_realm(rmi_, granules_, realm));
  }
}

TEST_F(LoadRealmTest, DestroyReturnsEveryGranuleAndTheVmid) {
  auto image = ElfImage::load(MICA_TEST_REALM);
  ASSERT_TRUE(image) << image.error();
  RealmConfig config;
  config.num_recs = 2;
  config.ram_size = 1 << 20;
  const uint64_t free_before = granules_.free_granules();
  LoadedRealm realm = load_and_compare(*image, config, 5);
  EXPECT_LT(granules_.free_granules(), free_before);
  auto destroyed = destroy_realm(rmi_, granules_, realm);
  ASSERT_TRUE(destroyed) << destroyed.error();
  EXPECT_EQ(granules_.free_granules(), free_before);
  EXPECT_TRUE(all_granules_undelegated());
  // VMID 5 is free again: the same plan loads a second time, same RIM.
  LoadedRealm again = load_and_compare(*image, config, 5);
  EXPECT_EQ(realm_info(again).vmid, 5);
}

TEST_F(LoadRealmTest, TwoRealmsWithTheirOwnVmids) {
  auto image = ElfImage::load(MICA_TEST_REALM);
  ASSERT_TRUE(image) << image.error();
  RealmConfig config;
  config.ram_size = 1 << 20;
  LoadedRealm first = load_and_compare(*image, config, 1);
  config.hash_algo = HashAlgo::kSha512;
  LoadedRealm second = load_and_compare(*image, config, 2);
  EXPECT_NE(first.rd, second.rd);
}

TEST_F(LoadRealmTest, RefusedRealmCreateIsRolledBack) {
  auto image = ElfImage::load(MICA_TEST_REALM);
  ASSERT_TRUE(image) << image.error();
  RealmConfig config;
  config.ram_size = 1 << 20;
  LoadedRealm first = load_and_compare(*image, config, 3);
  const uint64_t free_before = granules_.free_granules();
  auto plan = build_load_plan(*image, config);
  ASSERT_TRUE(plan);
  auto clash = load_realm(rmi_, memory_, granules_, *plan, LoaderOptions{3});  // VMID in use
  ASSERT_FALSE(clash);
  EXPECT_THAT(clash.error(), HasSubstr("RMI_REALM_CREATE rd="));
  EXPECT_THAT(clash.error(), HasSubstr("-> RMI_ERROR_INPUT: REALM_CREATE refused (vmid 3)"));
  EXPECT_EQ(granules_.free_granules(), free_before);
  EXPECT_EQ(realm_info(first).state, monitor::RealmState::kActive);
}

TEST_F(LoadRealmTest, RunningOutOfGranulesMidwayIsRolledBack) {
  auto image = ElfImage::load(MICA_TEST_REALM);
  ASSERT_TRUE(image) << image.error();
  RealmConfig config;
  config.ram_size = 1 << 20;
  auto plan = build_load_plan(*image, config);
  ASSERT_TRUE(plan);
  // Enough for the RD, the tables and part of RAM, not for all of it.
  RangeGranuleAllocator small(PhysAddr(machine_.dram().base()), 200 * kGranuleSize);
  auto realm = load_realm(rmi_, memory_, small, *plan);
  ASSERT_FALSE(realm);
  EXPECT_THAT(realm.error(), HasSubstr("out of NS granules for a DATA granule"));
  EXPECT_EQ(small.free_granules(), 200u);
  EXPECT_TRUE(all_granules_undelegated());
}

TEST_F(LoadRealmTest, GranulesOutsideDramAreRefusedByTheMonitor) {
  auto image = ElfImage::load(MICA_TEST_REALM);
  ASSERT_TRUE(image) << image.error();
  auto plan = build_load_plan(*image, RealmConfig{});
  ASSERT_TRUE(plan);
  const uint64_t dram_end = machine_.dram().base() + machine_.dram().size();
  RangeGranuleAllocator beyond(PhysAddr(dram_end), 64 * kGranuleSize);
  auto realm = load_realm(rmi_, memory_, beyond, *plan);
  ASSERT_FALSE(realm);
  EXPECT_EQ(realm.error(), "RMI_GRANULE_DELEGATE addr=" + hex(dram_end + kGranuleSize) +
                               " -> RMI_ERROR_INPUT: delegation of a granule for the RD refused");
  EXPECT_EQ(beyond.free_granules(), 64u);
}

TEST_F(LoadRealmTest, StagingGranuleInRealmPasIsAFaultNotALeak) {
  auto image = ElfImage::load(MICA_TEST_REALM);
  ASSERT_TRUE(image) << image.error();
  auto plan = build_load_plan(*image, RealmConfig{});
  ASSERT_TRUE(plan);
  // The allocator's first granule (the loader's staging page) was delegated
  // behind its back: writing parameters there must fault, not reach the realm.
  const PhysAddr first(machine_.dram().base());
  ASSERT_TRUE(rmi_.granule_delegate(first).ok());
  auto realm = load_realm(rmi_, memory_, granules_, *plan);
  ASSERT_FALSE(realm);
  EXPECT_EQ(realm.error(), "writing RmiRealmParams to the NS staging granule " + hex(first.value()) + " faulted");
  ASSERT_TRUE(rmi_.granule_undelegate(first).ok());
  EXPECT_TRUE(all_granules_undelegated());
}

TEST_F(LoadRealmTest, CallLogShowsThePlanInOrder) {
  auto image = ElfImage::parse(ElfBuilder().entry(kBase).segment({kBase, bytes_of(0x10), 0, PF_R | PF_X}).build());
  ASSERT_TRUE(image);
  RealmConfig config;
  config.ram_size = 0x2000;
  auto plan = build_load_plan(*image, config);
  ASSERT_TRUE(plan);
  rmi_.set_logging(true);
  auto realm = load_realm(rmi_, memory_, granules_, *plan);
  ASSERT_TRUE(realm) << realm.error();
  std::vector<std::string> commands;
  for (const auto& call : rmi_.log()) {
    EXPECT_TRUE(RmiStatusWord(call.result.x[0]).ok()) << call.to_string();
    if (call.command != abi::RmiCommand::kGranuleDelegate) commands.emplace_back(rmi_command_name(call.command));
  }
  EXPECT_THAT(commands, ::testing::ElementsAre("RMI_REALM_CREATE", "RMI_RTT_CREATE", "RMI_RTT_CREATE",
                                               "RMI_RTT_INIT_RIPAS", "RMI_DATA_CREATE", "RMI_DATA_CREATE_UNKNOWN",
                                               "RMI_REC_AUX_COUNT", "RMI_REC_CREATE", "RMI_REALM_ACTIVATE"));
}

}  // namespace
}  // namespace mica::host
