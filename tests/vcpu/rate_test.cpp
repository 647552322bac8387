// Measures the realm CPU's instruction rate on a simple loop and on a memcpy
// loop. Prints the numbers; asserts only that the programs computed the
// right results (no timed assertions).
#include <chrono>
#include <cstdio>

#include "cpu_fixture.h"

namespace mica::vcpu::test {
namespace {

TEST_F(CpuTest, InstructionRates) {
  load_program("rate");
  constexpr uint64_t kIterations = 50'000'000;
  constexpr uint64_t kCopyBytes = 1 << 20;
  constexpr uint64_t kPasses = 16;
  s2_.map_ram(0x10'0000, kCopyBytes / kGranule);
  s2_.map_ram(0x20'0000, kCopyBytes / kGranule);
  ctx_.x[2] = kIterations;
  ctx_.x[3] = kPasses;
  ctx_.x[4] = kCopyBytes;
  ctx_.x[5] = 0x10'0000;
  ctx_.x[6] = 0x20'0000;

  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(is_sync(run(uint64_t{1} << 40), esr::Ec::kHvc64));
  const auto t1 = std::chrono::steady_clock::now();
  const uint64_t loop_instructions = cpus_.last_run().instructions;
  EXPECT_EQ(ctx_.x[0], kIterations);
  EXPECT_EQ(loop_instructions, 1 + 3 * kIterations + 1);

  ASSERT_TRUE(is_sync(run(uint64_t{1} << 40), esr::Ec::kHvc64));
  const auto t2 = std::chrono::steady_clock::now();
  const uint64_t copy_instructions = cpus_.last_run().instructions;
  EXPECT_EQ(ctx_.x[3], 0u);
  EXPECT_EQ(copy_instructions, kPasses * (3 + 4 * (kCopyBytes / 16) + 2) + 1);

  const double loop_s = std::chrono::duration<double>(t1 - t0).count();
  const double copy_s = std::chrono::duration<double>(t2 - t1).count();
  std::printf("[ rate ] simple loop: %.1f M instructions/s (%llu instructions in %.3f s)\n",
              loop_instructions / loop_s / 1e6, static_cast<unsigned long long>(loop_instructions),
              loop_s);
  std::printf("[ rate ] memcpy loop: %.1f M instructions/s, %.1f MiB/s copied\n",
              copy_instructions / copy_s / 1e6,
              static_cast<double>(kPasses * kCopyBytes) / (1 << 20) / copy_s);
  RecordProperty("simple_loop_minstr_per_s", static_cast<int>(loop_instructions / loop_s / 1e6));
  RecordProperty("memcpy_minstr_per_s", static_cast<int>(copy_instructions / copy_s / 1e6));
}

TEST_F(CpuTest, RunEntryAndExitCost) {
  load_program("loop");
  constexpr int kRuns = 20'000;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i) ASSERT_EQ(run(100).kind, monitor::RealmTrap::Kind::kIrq);
  const auto t1 = std::chrono::steady_clock::now();
  EXPECT_EQ(ctx_.x[0], 50u * kRuns);
  std::printf("[ rate ] run/exit round trip with 100 instructions: %.2f us\n",
              std::chrono::duration<double, std::micro>(t1 - t0).count() / kRuns);
}

}  // namespace
}  // namespace mica::vcpu::test
