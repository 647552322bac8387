// The realm CPU's instruction rate on a simple loop through the whole stack:
// the VMM enters the REC, the monitor runs it on the realm CPU, the host
// timer preempts it every monitor::kRealmInstructionBudget instructions.
// realms/vmm_loop.c runs 10^8 iterations of a two-instruction loop.
//
// The rate is printed, not asserted (no timed assertions); what is asserted
// is the instruction count the host can see: one timer exit per million
// instructions. docs/vmm.md records the number measured in a Release build.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "monitor/realm_run.h"
#include "vmm_fixture.h"

namespace mica::host::testing {
namespace {

constexpr uint64_t kLoopInstructions = 2 * 100'000'000ull;

TEST(VmmRate, SimpleLoopThroughTheFullStack) {
  RealmUnderTest r(vmm_realm("vmm_loop"), small_realm());
  ASSERT_TRUE(r.error.empty()) << r.error;
  const auto start = std::chrono::steady_clock::now();
  const RunReport& report = r.vmm->run();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;

  EXPECT_EQ(report.console, "loop of 100000000 iterations done\n");
  EXPECT_EQ(report.exit_status, 0);
  // The code before the loop is far less than one budget, so the timer
  // fired once per budget inside the loop.
  const uint64_t expected_timer_exits = kLoopInstructions / monitor::kRealmInstructionBudget;
  EXPECT_GE(report.timer_exits, expected_timer_exits);
  EXPECT_LE(report.timer_exits, expected_timer_exits + 1);

  const double rate = static_cast<double>(kLoopInstructions) / elapsed.count();
  std::printf("realm CPU, simple loop through VMM + REC_ENTER + monitor: %.0f instructions in %.3f s = %.1f million "
              "instructions per second (%llu REC_ENTER calls)\n",
              static_cast<double>(kLoopInstructions), elapsed.count(), rate / 1e6,
              static_cast<unsigned long long>(report.rec_enters));
  ::testing::Test::RecordProperty("instructions_per_second", static_cast<int>(rate));
}

}  // namespace
}  // namespace mica::host::testing
