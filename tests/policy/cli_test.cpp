// The `mica` policy sub-commands end to end, as a user runs them.
#include <gtest/gtest.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "test_support.h"

namespace mica::policy {
namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int status = -1;
  std::string out;
};

// Runs a shell command line; stdout is captured, stderr is captured when the
// command redirects it.
CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

const std::string kMica = MICA_BINARY;
const fs::path kGolden = MICA_POLICY_GOLDEN_DIR;
const fs::path kExample = fs::path(MICA_EXAMPLES_DIR) / "medical_inference.mica";

// A scratch directory of this process, removed when the tests end.
const fs::path& scratch_dir() {
  static const struct Scratch {
    fs::path dir = fs::temp_directory_path() / ("mica-policy-cli-test-" + std::to_string(getpid()));
    ~Scratch() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } scratch;
  return scratch.dir;
}

fs::path scratch(const std::string& name) {
  fs::create_directories(scratch_dir());
  return scratch_dir() / name;
}

// `mica check` prints exactly the golden output (cases without images: the
// CLI measures images with the real measurer, the goldens with a test one).
TEST(Cli, CheckPrintsTheGoldenDiagnostics) {
  size_t compared = 0;
  for (const auto& entry : fs::directory_iterator(kGolden)) {
    if (entry.path().extension() != ".mica") continue;
    const std::string text = testing::read_file(entry.path());
    if (text.find("image \"") != std::string::npos) continue;
    const std::string name = entry.path().filename().string();
    const CommandResult result = run("cd '" + kGolden.string() + "' && '" + kMica + "' check --color=never " + name);
    const std::string expected = testing::read_file(fs::path(entry.path()).replace_extension(".expected"));
    EXPECT_EQ(result.out, expected) << name;
    EXPECT_EQ(result.status, expected.find(": error: ") == std::string::npos ? 0 : 1) << name;
    ++compared;
  }
  EXPECT_GT(compared, 30u);
}

TEST(Cli, CheckColoursOnlyWhenAsked) {
  const fs::path bad = kGolden / "sema_unknown_realm.mica";
  EXPECT_EQ(run("'" + kMica + "' check '" + bad.string() + "'").out.find('\033'), std::string::npos);
  EXPECT_NE(run("'" + kMica + "' check --color=always '" + bad.string() + "'").out.find("\033[1;31merror:"),
            std::string::npos);
}

TEST(Cli, BuildWritesTheCompiledPolicyAndPrintsItsDigest) {
  const fs::path out = scratch("medical.cbor");
  fs::remove(out);
  const CommandResult result = run("'" + kMica + "' build '" + kExample.string() + "' -o '" + out.string() + "'");
  ASSERT_EQ(result.status, 0) << result.out;
  const std::string bytes = testing::read_file(out);
  const std::vector<uint8_t> compiled(bytes.begin(), bytes.end());
  EXPECT_EQ(result.out, "sha256:" + digest_hex(digest_compiled(compiled)) + "\n");
  const auto decoded = decode_compiled(compiled);
  ASSERT_TRUE(std::holds_alternative<Policy>(decoded));
  EXPECT_EQ(std::get<Policy>(decoded).workflow, "medical_inference");

  const CommandResult refused = run("'" + kMica + "' build '" + (kGolden / "flow_bypass.mica").string() + "' -o '" +
                          scratch("bad.cbor").string() + "' 2>&1");
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.out.find("error: requirement does not hold"), std::string::npos);
  EXPECT_FALSE(fs::exists(scratch("bad.cbor")));
}

TEST(Cli, FmtChecksAndRewrites) {
  EXPECT_EQ(run("'" + kMica + "' fmt --check '" + kExample.string() + "'").status, 0);
  const fs::path messy = scratch("messy.mica");
  std::ofstream(messy) << "workflow   w;realm a{measurement any;memory 4096 KiB;recs 1;}\n";
  EXPECT_EQ(run("'" + kMica + "' fmt --check '" + messy.string() + "' 2>/dev/null").status, 1);
  EXPECT_EQ(run("'" + kMica + "' fmt '" + messy.string() + "'").out,
            "workflow w;\n\nrealm a {\n  measurement any;\n  memory 4 MiB;\n  recs 1;\n}\n");
  EXPECT_EQ(run("'" + kMica + "' fmt -i '" + messy.string() + "'").status, 0);
  EXPECT_EQ(run("'" + kMica + "' fmt --check '" + messy.string() + "'").status, 0);
  const CommandResult broken = run("'" + kMica + "' fmt '" + (kGolden / "syntax_missing_semicolon.mica").string() + "' 2>&1");
  EXPECT_EQ(broken.status, 1);
  EXPECT_NE(broken.out.find("not formatting a policy with syntax errors"), std::string::npos);
}

TEST(Cli, GraphWritesDotAndSvg) {
  const fs::path dot = scratch("medical.dot");
  ASSERT_EQ(run("'" + kMica + "' graph '" + kExample.string() + "' -o '" + dot.string() + "'").status, 0);
  const std::string text = testing::read_file(dot);
  EXPECT_EQ(text.rfind("digraph \"medical_inference\" {", 0), 0u);
  EXPECT_NE(text.find("label=\"records\\n4 MiB\""), std::string::npos);
  EXPECT_NE(text.find("cut point of: ingest !-> untrusted except via egress"), std::string::npos);
  EXPECT_NE(text.find("subgraph cluster_untrusted"), std::string::npos);
  if (run("command -v dot").status == 0) {
    const fs::path svg = scratch("medical.svg");
    fs::remove(svg);
    ASSERT_EQ(run("'" + kMica + "' graph '" + kExample.string() + "' -o '" + svg.string() + "'").status, 0);
    const std::string picture = testing::read_file(svg);
    EXPECT_NE(picture.find("<svg"), std::string::npos);
    EXPECT_NE(picture.find("egress"), std::string::npos);
  }
  // A failing policy is still drawn, with the offending path in red.
  const fs::path failing = scratch("bypass.dot");
  EXPECT_EQ(run("'" + kMica + "' graph '" + (kGolden / "flow_bypass.mica").string() + "' -o '" + failing.string() +
                "' 2>/dev/null").status,
            1);
  EXPECT_NE(testing::read_file(failing).find("penwidth=4"), std::string::npos);
  EXPECT_EQ(run("'" + kMica + "' graph '" + kExample.string() + "' -o out.txt 2>/dev/null").status, 1);
}

TEST(Cli, ExplainSaysWhereEachRealmsDataCanGo) {
  const CommandResult result = run("'" + kMica + "' explain '" + kExample.string() + "'");
  ASSERT_EQ(result.status, 0);
  EXPECT_NE(result.out.find("realm model (component 2)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("can reach model -[channel 'results' (256 KiB)]-> egress"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("holds     model !-> untrusted except via egress"), std::string::npos);
}

TEST(Cli, ReportsUnreadableFilesAndUnresolvableImages) {
  const CommandResult missing = run("'" + kMica + "' check /nonexistent/policy.mica 2>&1");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.out.find("cannot read '/nonexistent/policy.mica'"), std::string::npos);
  // The CLI measures images with `mica measure`'s code; a file that is not an
  // ELF image cannot be measured, and says so.
  const fs::path policy = scratch("image.mica");
  std::ofstream(scratch("not-an-elf.bin")) << "plain text";
  std::ofstream(policy) << "workflow w;\nrealm a { measurement image \"not-an-elf.bin\"; memory 16 MiB; recs 1; }\n";
  const CommandResult image = run("'" + kMica + "' check '" + policy.string() + "'");
  EXPECT_EQ(image.status, 1);
  EXPECT_NE(image.out.find("error: cannot resolve image \"not-an-elf.bin\": "), std::string::npos) << image.out;
}

// `image "x.elf"` gives exactly the RIM `mica measure` prints for the same
// image, memory (RAM) and REC count: the policy and the deployer agree.
TEST(Cli, ImagesAreMeasuredLikeMicaMeasure) {
  if (run("'" + kMica + "' --help").out.find("\n  measure ") == std::string::npos) {
    GTEST_SKIP() << "this mica has no measure command (host layer not built)";
  }
  if (run("command -v aarch64-linux-gnu-gcc >/dev/null").status != 0) GTEST_SKIP() << "no AArch64 cross compiler";
  const fs::path source = scratch("start.S");
  const fs::path elf = scratch("realm.elf");
  std::ofstream(source) << ".global _start\n_start:\n  mov x0, #1\n  b _start\n";
  ASSERT_EQ(run("aarch64-linux-gnu-gcc -nostdlib -static -Wl,-Ttext-segment=0x40000000 -o '" + elf.string() + "' '" +
                source.string() + "'").status,
            0);
  for (const std::string algorithm : {"sha256", "sha512"}) {
    const CommandResult measured =
        run("'" + kMica + "' measure '" + elf.string() + "' --ram 32MiB --recs 3 --hash " + algorithm);
    ASSERT_EQ(measured.status, 0) << measured.out;
    const fs::path policy = scratch("measured.mica");
    std::ofstream(policy) << "workflow w;\nrealm a { measurement image \"realm.elf\" using " << algorithm
                          << "; memory 32 MiB; recs 3; }\n";
    const CommandResult explained = run("'" + kMica + "' explain '" + policy.string() + "'");
    ASSERT_EQ(explained.status, 0) << explained.out;
    const std::string rim = [&] {  // the last line of `mica measure`'s output
      std::string text = measured.out;
      while (!text.empty() && text.back() == '\n') text.pop_back();
      return text.substr(text.find_last_of('\n') + 1);
    }();
    EXPECT_EQ(rim.size(), algorithm == "sha256" ? 64u : 128u) << measured.out;
    EXPECT_NE(explained.out.find("runs: " + algorithm + ":" + rim + "\n"), std::string::npos)
        << explained.out << "\nmica measure said:\n" << measured.out;
  }
}

}  // namespace
}  // namespace mica::policy
