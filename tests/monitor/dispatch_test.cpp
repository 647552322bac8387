// RMI decoding and the command table: VERSION, FEATURES, unknown function
// IDs, the SVE hint, and which output registers a command may touch.
#include <stdexcept>

#include "monitor_fixture.h"

namespace mica::monitor::testing {
namespace {

using DispatchTest = MonitorTest;

TEST_F(DispatchTest, VersionAcceptsOnlyOnePointZeroAndAlwaysReportsTheRange) {
  SmcResult r = rmi(RmiCommand::kVersion, 0x10000, 0, 0, 0x4444);
  EXPECT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], 0x10000u);
  EXPECT_EQ(r.x[2], 0x10000u);
  EXPECT_EQ(r.x[3], 0u);
  EXPECT_EQ(r.x[4], 0x4444u) << "VERSION has two outputs: X4 is the caller's";

  for (uint64_t requested : {uint64_t{0}, uint64_t{0x10001}, uint64_t{0x20000}, uint64_t{0xFFFF}, ~uint64_t{0}}) {
    r = rmi(RmiCommand::kVersion, requested);
    EXPECT_EQ(r.x[0], kErrorInput) << std::hex << requested;
    EXPECT_EQ(r.x[1], 0x10000u);
    EXPECT_EQ(r.x[2], 0x10000u);
  }
}

TEST_F(DispatchTest, FeatureRegisterZeroDescribesThePlatform) {
  const SmcResult r = rmi(RmiCommand::kFeatures, 0, 0x55, 0x66, 0x77);
  ASSERT_EQ(r.x[0], kSuccess);
  const uint64_t reg = r.x[1];
  EXPECT_EQ(reg & 0xFF, 48u) << "S2SZ";
  EXPECT_EQ((reg >> 8) & 1, 0u) << "LPA2 is not offered";
  EXPECT_EQ((reg >> 9) & 1, 0u) << "SVE_EN";
  EXPECT_GE((reg >> 14) & 0x3F, 1u) << "NUM_BPS lets a realm ask for at least one breakpoint";
  EXPECT_GE((reg >> 20) & 0x3F, 1u) << "NUM_WPS";
  EXPECT_EQ((reg >> 32) & 1, 1u) << "SHA-256";
  EXPECT_EQ((reg >> 33) & 1, 1u) << "SHA-512";
  EXPECT_EQ((reg >> 38) & 0xF, 10u) << "MAX_RECS_ORDER";
  EXPECT_EQ(reg >> 42, 0u) << "reserved bits";
  EXPECT_EQ(reg, Monitor::feature_register0());
  EXPECT_EQ(r.x[2], 0u);
  EXPECT_EQ(r.x[3], 0u);
  EXPECT_EQ(r.x[4], 0x77u);
}

TEST_F(DispatchTest, OtherFeatureRegistersReadAsZero) {
  for (uint64_t index : {uint64_t{1}, uint64_t{2}, uint64_t{255}, ~uint64_t{0}}) {
    const SmcResult r = rmi(RmiCommand::kFeatures, index);
    EXPECT_EQ(r.x[0], kSuccess);
    EXPECT_EQ(r.x[1], 0u);
  }
}

TEST_F(DispatchTest, UnusedSlotsAndFunctionsOutsideTheRangeAreUnknown) {
  for (uint64_t fid : {0xC4000156ull, 0xC4000160ull, 0xC4000163ull, 0xC400016Aull, 0xC400018Eull, 0xC4000100ull}) {
    const MachineSnapshot before = snapshot();
    const SmcResult r = smc(fid, ns_granule().value());
    EXPECT_EQ(r.x[0], kSmcUnknown) << std::hex << fid;
    expect_same(before, snapshot());
  }
}

TEST_F(DispatchTest, RecEnterIsDispatched) {
  // REC_ENTER is implemented (rmi/rec_enter.cpp, tested in monitor_run_test):
  // an NS granule named as the REC is refused, not answered as unknown.
  const SmcResult r = rmi(RmiCommand::kRecEnter, ns_granule().value(), ns_granule().value());
  EXPECT_EQ(r.x[0], kErrorInput);
}

TEST_F(DispatchTest, SveHintBitIsIgnored) {
  const PhysAddr pa = ns_granule();
  const uint64_t fid = abi::rmi_fid(RmiCommand::kGranuleDelegate) | (uint64_t{1} << 16);
  EXPECT_EQ(smc(fid, pa.value()).x[0], kSuccess);
  EXPECT_EQ(state(pa), GranuleState::kDelegated);
  const SmcResult version = smc(abi::rmi_fid(RmiCommand::kVersion) | (uint64_t{1} << 16), 0x10000);
  EXPECT_EQ(version.x[0], kSuccess);
  EXPECT_EQ(version.x[1], 0x10000u);
}

TEST_F(DispatchTest, CommandsWithoutOutputsZeroX1ToX3AndPreserveX4) {
  const PhysAddr pa = ns_granule();
  SmcResult r = rmi(RmiCommand::kGranuleDelegate, pa.value(), 0x1111, 0x2222, 0x3333, 0x4444, 0x5555);
  EXPECT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[1], 0u);
  EXPECT_EQ(r.x[2], 0u);
  EXPECT_EQ(r.x[3], 0u);
  EXPECT_EQ(r.x[4], 0x3333u);
  // Also on failure.
  r = rmi(RmiCommand::kGranuleDelegate, pa.value(), 0x1111, 0x2222, 0xABCD);
  EXPECT_EQ(r.x[0], kErrorInput);
  EXPECT_EQ(r.x[1], 0u);
  EXPECT_EQ(r.x[2], 0u);
  EXPECT_EQ(r.x[3], 0u);
  EXPECT_EQ(r.x[4], 0xABCDu);
}

TEST_F(DispatchTest, ReadEntryIsTheOnlyCommandThatWritesX4) {
  const Realm realm = create_realm();
  SmcResult r = rmi(RmiCommand::kRttReadEntry, realm.rd.value(), realm.par_end(), 0, 0x9999);
  ASSERT_EQ(r.x[0], kSuccess);
  EXPECT_EQ(r.x[4], 0u) << "X4 = RIPAS of an UNASSIGNED_NS entry (EMPTY)";
  // A failing READ_ENTRY still owns X4.
  r = rmi(RmiCommand::kRttReadEntry, realm.rd.value(), 1, 0, 0x9999);
  EXPECT_EQ(r.x[0], kErrorInput);
  EXPECT_EQ(r.x[4], 0u);
}

TEST(MonitorReady, RefusesDramItCannotTrack) {
  platform::MachineConfig config;
  config.state_dir = ::testing::TempDir() + "mica-monitor-test-state";
  config.dram_base = 0x8000'0000;
  config.dram_size = (1ull << 30) + kGranuleSize;  // one granule more than 2^18
  EXPECT_THROW(platform::Machine{config}, std::invalid_argument);
  config.dram_size = 1ull << 30;  // exactly the capacity
  platform::Machine machine(config);
  EXPECT_TRUE(machine.monitor().ready());
  EXPECT_EQ(machine.monitor().granule_count(), GranuleTable::kCapacity);
  EXPECT_EQ(machine.monitor().dram_base(), PhysAddr(0x8000'0000));
}

}  // namespace
}  // namespace mica::monitor::testing
