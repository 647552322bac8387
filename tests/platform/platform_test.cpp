// The emulated machine: DRAM geometry, the GPT, the GPC-checked host
// accessors and EL3's routing of SMCs.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <stdexcept>

#include "monitor/monitor.h"
#include "platform/machine.h"

namespace mica::platform {
namespace {

using monitor::PhysAddr;
using monitor::SmcArgs;

constexpr uint64_t kDelegate = 0xC4000151;
constexpr uint64_t kUndelegate = 0xC4000152;

MachineConfig small_machine() {
  MachineConfig config;
  config.dram_base = 0x8000'0000;
  config.dram_size = 4ull << 20;
  return config;
}

uint64_t rmi(Machine& m, uint64_t fid, uint64_t a1 = 0) {
  SmcArgs args;
  args.x[0] = fid;
  args.x[1] = a1;
  return m.smc(args).x[0];
}

TEST(Dram, RejectsGeometryThatIsNotGranular) {
  EXPECT_THROW(Dram(0x8000'0000, 0), std::invalid_argument);
  EXPECT_THROW(Dram(0x8000'0001, 4096), std::invalid_argument);
  EXPECT_THROW(Dram(0x8000'0000, 4097), std::invalid_argument);
  EXPECT_THROW(Dram(~uint64_t{0} & ~uint64_t{0xFFF}, 8192), std::invalid_argument);
}

TEST(Dram, ContainsIsOverflowSafe) {
  Dram dram(0x8000'0000, 8192);
  EXPECT_TRUE(dram.contains(PhysAddr(0x8000'0000), 8192));
  EXPECT_FALSE(dram.contains(PhysAddr(0x8000'0000), 8193));
  EXPECT_FALSE(dram.contains(PhysAddr(0x7FFF'FFFF), 1));
  EXPECT_FALSE(dram.contains(PhysAddr(0x8000'1000), ~size_t{0}));
  EXPECT_TRUE(dram.contains(PhysAddr(0x8000'2000), 0));
  EXPECT_FALSE(dram.contains(PhysAddr(0x8000'2001), 0));
}

TEST(Machine, EveryGranuleBootsNonSecure) {
  Machine m(small_machine());
  const uint64_t granules = m.dram().granule_count();
  for (uint64_t i = 0; i < granules; ++i) {
    ASSERT_EQ(m.gpt().pas(PhysAddr(m.dram().base() + i * monitor::kGranuleSize)), Pas::kNonSecure);
  }
  EXPECT_EQ(m.gpt().pas(PhysAddr(m.dram().base() - 1)), Pas::kRoot);
  EXPECT_EQ(m.gpt().pas(PhysAddr(m.dram().base() + m.dram().size())), Pas::kRoot);
}

TEST(Machine, HostReadsAndWritesNsMemory) {
  Machine m(small_machine());
  const PhysAddr pa(m.dram().base() + 0x3000);
  const std::array<uint8_t, 5> hello{'h', 'e', 'l', 'l', 'o'};
  ASSERT_EQ(m.host_write(pa.plus(10), hello.data(), hello.size()), AccessResult::kOk);
  std::array<uint8_t, 5> back{};
  ASSERT_EQ(m.host_read(pa.plus(10), back.data(), back.size()), AccessResult::kOk);
  EXPECT_EQ(back, hello);
}

TEST(Machine, HostAccessOutsideDramIsRefused) {
  Machine m(small_machine());
  uint8_t byte = 0x5A;
  EXPECT_EQ(m.host_read(PhysAddr(m.dram().base() - 1), &byte, 1), AccessResult::kOutOfRange);
  EXPECT_EQ(m.host_write(PhysAddr(m.dram().base() + m.dram().size() - 1), &byte, 2),
            AccessResult::kOutOfRange);
  EXPECT_EQ(byte, 0x5A);
}

TEST(Machine, DelegatedGranuleFaultsInsteadOfReading) {
  Machine m(small_machine());
  const PhysAddr pa(m.dram().base() + 0x5000);
  std::array<uint8_t, 16> secret;
  secret.fill(0xC3);
  ASSERT_EQ(m.host_write(pa, secret.data(), secret.size()), AccessResult::kOk);
  ASSERT_EQ(rmi(m, kDelegate, pa.value()), 0u);
  EXPECT_EQ(m.gpt().pas(pa), Pas::kRealm);

  std::array<uint8_t, 16> out;
  out.fill(0x11);
  EXPECT_EQ(m.host_read(pa, out.data(), out.size()), AccessResult::kGranuleProtectionFault);
  for (uint8_t b : out) EXPECT_EQ(b, 0x11) << "a faulting read must not deliver data";
  EXPECT_EQ(m.host_write(pa.plus(100), secret.data(), 4), AccessResult::kGranuleProtectionFault);
  // A range that only straddles into the delegated granule faults too.
  EXPECT_EQ(m.host_read(pa.plus(-8ull), out.data(), out.size()),
            AccessResult::kGranuleProtectionFault);
  EXPECT_GE(m.counters().granule_protection_faults, 3u);

  // Delegation scrubbed the granule; undelegation gives it back, still zero.
  ASSERT_EQ(rmi(m, kUndelegate, pa.value()), 0u);
  EXPECT_EQ(m.gpt().pas(pa), Pas::kNonSecure);
  ASSERT_EQ(m.host_read(pa, out.data(), out.size()), AccessResult::kOk);
  for (uint8_t b : out) EXPECT_EQ(b, 0);
}

TEST(Machine, GptGenerationMovesOnEveryTransition) {
  Machine m(small_machine());
  const PhysAddr pa(m.dram().base());
  const uint64_t g0 = m.gpt().generation();
  ASSERT_EQ(rmi(m, kDelegate, pa.value()), 0u);
  const uint64_t g1 = m.gpt().generation();
  EXPECT_GT(g1, g0);
  ASSERT_EQ(rmi(m, kUndelegate, pa.value()), 0u);
  EXPECT_GT(m.gpt().generation(), g1);
}

TEST(Machine, El3AnswersUnknownFidsWithoutReachingTheMonitor) {
  Machine m(small_machine());
  EXPECT_EQ(rmi(m, 0xC4000000), monitor::kSmcUnknown);  // PSCI_VERSION is not routed to the RMM
  EXPECT_EQ(rmi(m, 0x84000150), monitor::kSmcUnknown);  // RMI FNUM but SMC32
  EXPECT_EQ(rmi(m, 0xC4000190), monitor::kSmcUnknown);  // RSI FIDs are not host calls
  EXPECT_EQ(m.counters().smc_unknown, 3u);
}

TEST(Machine, SveHintBitIsIgnoredForRouting) {
  Machine m(small_machine());
  const PhysAddr pa(m.dram().base() + 0x1000);
  EXPECT_EQ(rmi(m, kDelegate | (1u << 16), pa.value()), 0u);
  EXPECT_EQ(m.gpt().pas(pa), Pas::kRealm);
}

TEST(Machine, RefusesMoreDramThanTheMonitorTracks) {
  MachineConfig config = small_machine();
  config.dram_size = 4ull << 30;
  EXPECT_THROW(Machine m(config), std::invalid_argument);
}

}  // namespace
}  // namespace mica::platform
