// `mica boot` end to end: deploy, check the RIM, run the realm with the VMM
// (its console on stdout), report, tear down; the exit code says whether
// all of that went as a good program's boot goes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>
#include <sys/wait.h>

#include "host/measure.h"

namespace mica::host {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct CliRun {
  int exit_code;
  std::string out;  // stdout and stderr together
};

CliRun run_mica(const std::string& arguments) {
  const std::string command = std::string(MICA_CLI) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string out;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string program(const std::string& name) { return std::string(MICA_REALM_PROGRAMS) + "/" + name + ".elf"; }

TEST(CliBoot, RunsTheRealmAndPrintsItsConsoleAndTheReport) {
  RealmConfig config;
  config.ram_size = 2 << 20;
  auto expected = measure_image(program("rim"), config);
  ASSERT_TRUE(expected) << expected.error();
  const CliRun run = run_mica("boot " + program("rim") + " --ram 2MiB");
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("reference RIM (mica measure): " + expected->rim.hex() + "\n"));
  EXPECT_THAT(run.out, HasSubstr("\nRIM (sha256): " + expected->rim.hex() + "\n"));  // the realm's own line
  EXPECT_THAT(run.out, HasSubstr("run ended: the realm turned itself off (PSCI SYSTEM_OFF)"));
  EXPECT_THAT(run.out, HasSubstr("exit status: 0\n"));
  EXPECT_THAT(run.out, HasSubstr("REC_ENTER calls: 3,"));
  EXPECT_THAT(run.out, HasSubstr("granules left in the Realm PAS after teardown: 0\n"));
  EXPECT_THAT(run.out, HasSubstr("boot: OK\n"));
  // RMI calls are listed only on request.
  EXPECT_THAT(run.out, Not(HasSubstr("RMI_REC_ENTER rec=")));
  const CliRun verbose = run_mica("boot " + program("hello") + " --ram 2MiB --calls");
  EXPECT_EQ(verbose.exit_code, 0) << verbose.out;
  EXPECT_THAT(verbose.out, HasSubstr("RMI_REC_ENTER rec="));
  EXPECT_THAT(verbose.out, HasSubstr("Hello from a realm! REC 0 of 1, 2048 KiB of RAM at 0x40000000\n"));
}

TEST(CliBoot, NoRunOnlyDeploys) {
  const CliRun run = run_mica("boot " + program("hostile_spin") + " --ram 2MiB --no-run");
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_THAT(run.out, Not(HasSubstr("== run the realm")));
  EXPECT_THAT(run.out, Not(HasSubstr("RMI_REC_ENTER")));
  EXPECT_THAT(run.out, HasSubstr("boot: OK\n"));
}

TEST(CliBoot, ARealmThatNeverEndsIsStoppedAndTheBootFails) {
  const CliRun run = run_mica("boot " + program("hostile_spin") + " --ram 2MiB --timer-budget 3");
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_THAT(run.out, HasSubstr("spinning forever\n"));
  EXPECT_THAT(run.out, HasSubstr("stopped by the host: timer budget spent"));
  EXPECT_THAT(run.out, HasSubstr("exit status: none reported\n"));
  EXPECT_THAT(run.out, HasSubstr("granules left in the Realm PAS after teardown: 0\n"));
  EXPECT_THAT(run.out, HasSubstr("boot: FAILED\n"));
}

TEST(CliBoot, AProgramThatFailsFailsTheBoot) {
  const CliRun run = run_mica("boot " + program("hostile_unmapped") + " --ram 2MiB");
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_THAT(run.out, HasSubstr("exit status: 293\n"));  // 0x100 + EC 0x25
}

TEST(CliBoot, GivesTheChallengeAndSavesTheTokens) {
  const std::string prefix = ::testing::TempDir() + "/cli-boot-token";
  const std::string challenge(128, 'a');
  const CliRun run =
      run_mica("boot " + program("attest") + " --ram 2MiB --challenge " + challenge + " --save-tokens " + prefix);
  EXPECT_EQ(run.exit_code, 0) << run.out;
  for (int i = 1; i <= 2; ++i) {
    const std::string path = prefix + "-" + std::to_string(i) + ".cbor";
    EXPECT_THAT(run.out, HasSubstr("attestation token " + std::to_string(i) + " written to " + path + "\n"));
    std::ifstream token(path, std::ios::binary);
    ASSERT_TRUE(token) << path;
    const std::vector<char> bytes((std::istreambuf_iterator<char>(token)), std::istreambuf_iterator<char>());
    EXPECT_THAT(run.out, HasSubstr("attestation token " + std::to_string(i) + ": " + std::to_string(bytes.size()) +
                                   " bytes\n"));
    // The challenge is in the token as it was given: 64 bytes of 0xAA.
    const std::string raw(bytes.begin(), bytes.end());
    EXPECT_THAT(raw, HasSubstr(std::string(64, static_cast<char>(0xAA))));
    std::remove(path.c_str());
  }
}

TEST(CliBoot, BadOptionsAreRefused) {
  EXPECT_EQ(run_mica("boot " + program("attest") + " --challenge abcd").exit_code, 2);
  EXPECT_EQ(run_mica("boot " + program("attest") + " --challenge " + std::string(128, 'g')).exit_code, 2);
  EXPECT_EQ(run_mica("boot " + program("hello") + " --timer-budget 0").exit_code, 2);
  EXPECT_EQ(run_mica("boot " + program("hello") + " --ram lots").exit_code, 2);
}

}  // namespace
}  // namespace mica::host
