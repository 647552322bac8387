// Golden diagnostics: each tests/policy/golden/NAME.mica is compiled (with
// the test image resolver, images next to it) and what `mica check` prints
// must equal NAME.expected byte for byte. MICA_UPDATE_GOLDENS=1 rewrites the
// expected files (review the diff before committing it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "test_support.h"

namespace mica::policy {
namespace {

namespace fs = std::filesystem;
const fs::path kGoldenDir = MICA_POLICY_GOLDEN_DIR;

std::vector<std::string> golden_cases() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
    if (entry.path().extension() == ".mica") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Exactly what `mica check` prints on stdout for this case.
std::string check_output(const std::string& name) {
  std::string error;
  auto source = load_source(kGoldenDir / (name + ".mica"), error);
  EXPECT_TRUE(source) << error;
  SourceFile relative(name + ".mica", source->text(), kGoldenDir);
  CompileOptions options;
  options.resolver = testing::test_image_resolver;
  const Compilation compilation = compile(std::move(relative), options);
  std::string output = render_to_string(compilation.source, compilation.diagnostics);
  if (compilation.ok()) output += summary_line(compilation) + "\n";
  return output;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, MatchesExpectedDiagnostics) {
  const std::string name = GetParam();
  const std::string actual = check_output(name);
  const fs::path expected_path = kGoldenDir / (name + ".expected");
  if (std::getenv("MICA_UPDATE_GOLDENS") != nullptr) {
    std::ofstream(expected_path, std::ios::binary) << actual;
  }
  ASSERT_TRUE(fs::exists(expected_path)) << "missing " << expected_path;
  EXPECT_EQ(testing::read_file(expected_path), actual);
}

INSTANTIATE_TEST_SUITE_P(Policy, Golden, ::testing::ValuesIn(golden_cases()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return param_info.param; });

TEST(GoldenSuite, HasAtLeastThirtyFailingCases) {
  size_t failing = 0;
  for (const std::string& name : golden_cases()) {
    if (testing::read_file(kGoldenDir / (name + ".expected")).find(": error: ") != std::string::npos) ++failing;
  }
  EXPECT_GE(failing, 30u);
}

// Every diagnostic the compiler can emit is shown by at least one golden case.
TEST(GoldenSuite, CoversEveryDiagnostic) {
  std::string all;
  for (const std::string& name : golden_cases()) all += testing::read_file(kGoldenDir / (name + ".expected"));
  std::vector<std::string> missing;
#define MICA_DIAG(name, code, severity, message, hint) \
  if (Severity::severity != Severity::kNote && all.find("[" code "]") == std::string::npos) missing.push_back(code);
#include "policy/diagnostics.def"
#undef MICA_DIAG
  EXPECT_TRUE(missing.empty()) << "diagnostics without a golden case: " << ::testing::PrintToString(missing);
}

TEST(GoldenSuite, EveryExpectedFileHasItsInput) {
  for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
    if (entry.path().extension() != ".expected") continue;
    EXPECT_TRUE(fs::exists(fs::path(entry.path()).replace_extension(".mica"))) << entry.path();
  }
}

}  // namespace
}  // namespace mica::policy
