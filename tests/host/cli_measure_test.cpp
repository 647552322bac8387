// `mica measure` end to end: the command prints what the library computes,
// and refuses bad options and hostile files with an exit code and a message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sys/wait.h>

#include "host/measure.h"

namespace mica::host {
namespace {

using ::testing::HasSubstr;

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

TEST(CliMeasure, PrintsTheLibraryRim) {
  auto expected = measure_image(MICA_TEST_REALM);
  ASSERT_TRUE(expected) << expected.error();
  const CliRun run = run_mica(std::string("measure ") + MICA_TEST_REALM);
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(run.out, expected->rim.hex() + "\n");
}

TEST(CliMeasure, OptionsReachTheLoadPlan) {
  MeasureOptions options;
  options.hash_algo = HashAlgo::kSha512;
  options.ram_size = 4 << 20;
  options.num_recs = 3;
  options.ipa_width = 39;
  auto expected = measure_image(MICA_TEST_REALM, options);
  ASSERT_TRUE(expected) << expected.error();
  const CliRun run =
      run_mica(std::string("measure ") + MICA_TEST_REALM + " --hash sha512 --ram 4MiB --recs 3 --ipa-width 39");
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(run.out, expected->rim.hex() + "\n");
  // The same size written three other ways.
  for (const char* size : {"4M", "0x400000", "4194304"}) {
    const CliRun again = run_mica(std::string("measure ") + MICA_TEST_REALM +
                               " --hash sha512 --recs 3 --ipa-width 39 --ram " + size);
    EXPECT_EQ(again.out, run.out) << size;
  }
}

TEST(CliMeasure, JsonIsTheLibraryJson) {
  auto expected = measure_image(MICA_TEST_REALM);
  ASSERT_TRUE(expected);
  const CliRun run = run_mica(std::string("measure --json ") + MICA_TEST_REALM);
  EXPECT_EQ(run.exit_code, 0) << run.out;
  const auto doc = nlohmann::ordered_json::parse(run.out);
  EXPECT_EQ(doc, measurement_to_json(*expected));
  EXPECT_EQ(doc.at("rim"), expected->rim.hex());
}

TEST(CliMeasure, BadOptionsAreRefused) {
  CliRun run = run_mica(std::string("measure --hash md5 ") + MICA_TEST_REALM);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.out, HasSubstr("--hash must be sha256 or sha512, not 'md5'"));
  run = run_mica(std::string("measure --ram 12QB ") + MICA_TEST_REALM);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.out, HasSubstr("--ram '12QB' is not a size"));
  run = run_mica(std::string("measure --ram 99999999999G ") + MICA_TEST_REALM);
  EXPECT_EQ(run.exit_code, 2);
  run = run_mica(std::string("measure --ipa-width 60 ") + MICA_TEST_REALM);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, HasSubstr("IPA width 60 is outside 32..48"));
  run = run_mica("measure");
  EXPECT_NE(run.exit_code, 0);
}

TEST(CliMeasure, HostileImageIsReportedWithItsPath) {
  const std::string path = ::testing::TempDir() + "/cli_truncated.elf";
  {
    std::ifstream in(MICA_TEST_REALM, std::ios::binary);
    std::vector<char> bytes(100);
    in.read(bytes.data(), 100);
    std::ofstream(path, std::ios::binary).write(bytes.data(), 100);
  }
  const CliRun run = run_mica("measure " + path);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, HasSubstr("mica measure: " + path + ": program header table"));
}

}  // namespace
}  // namespace mica::host
