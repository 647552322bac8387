// `mica fmt`: canonical layout that is idempotent, keeps every comment and
// never changes what the policy means.
#include <gtest/gtest.h>

#include <filesystem>

#include "policy/format.h"
#include "policy/parser.h"
#include "test_support.h"

namespace mica::policy {
namespace {

namespace fs = std::filesystem;

struct Formatted {
  bool parsed = false;
  std::string text;
};

Formatted format_text(const std::string& text, const std::string& name = "t.mica") {
  SourceFile source(name, text);
  DiagnosticEngine diagnostics;
  const ast::File tree = parse(source, diagnostics);
  if (diagnostics.has_errors()) return {};
  return {true, format_policy(source, tree)};
}

std::vector<fs::path> corpus() {
  std::vector<fs::path> files;
  for (const char* dir : {MICA_POLICY_GOLDEN_DIR, MICA_EXAMPLES_DIR}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".mica") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

size_t count_comments(const std::string& text) {
  SourceFile source("t.mica", text);
  DiagnosticEngine diagnostics;
  return parse(source, diagnostics).comments.size();
}

TEST(Format, IsIdempotentAndKeepsMeaningOnEveryCorpusFile) {
  size_t formatted_files = 0;
  for (const fs::path& path : corpus()) {
    const std::string text = testing::read_file(path);
    const Formatted once = format_text(text);
    if (!once.parsed) continue;  // the golden cases of syntax errors
    ++formatted_files;
    const Formatted twice = format_text(once.text);
    ASSERT_TRUE(twice.parsed) << path;
    EXPECT_EQ(twice.text, once.text) << path;
    EXPECT_EQ(count_comments(once.text), count_comments(text)) << path;
    // Same diagnostics codes, and for valid policies the same bytes.
    const Compilation before = testing::compile_text(text, {}, path.parent_path());
    const Compilation after = testing::compile_text(once.text, {}, path.parent_path());
    EXPECT_EQ(testing::codes(after), testing::codes(before)) << path;
    EXPECT_EQ(after.compiled, before.compiled) << path;
  }
  EXPECT_GT(formatted_files, 40u);
}

TEST(Format, ExamplesAreInCanonicalLayout) {
  for (const auto& entry : fs::directory_iterator(MICA_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".mica") continue;
    const std::string text = testing::read_file(entry.path());
    EXPECT_EQ(format_text(text).text, text) << entry.path();
  }
}

TEST(Format, WritesTheCanonicalLayout) {
  const std::string messy =
      "# header comment\n"
      "workflow   w ;\n"
      "realm b{measurement SHA_PLACEHOLDER ;memory 1024 KiB;recs 1; # trailing\n"
      "untrusted{window  io  in 4096 B at 4096 ;host_calls allow;psci cpu_on,cpu_off;}}\n"
      "\n\n\n"
      "// section\n"
      "channel c:b->a,d size 0x2000 B;gate b->a;\n"
      "require b!->untrusted except via a,d;\n";
  std::string text = messy;
  text.replace(text.find("SHA_PLACEHOLDER"), 15, "sha256:" + std::string(64, 'F'));
  const Formatted formatted = format_text(text);
  ASSERT_TRUE(formatted.parsed);
  EXPECT_EQ(formatted.text,
            "# header comment\n"
            "workflow w;\n"
            "\n"
            "realm b {\n"
            "  measurement sha256:" + std::string(64, 'f') + ";\n"
            "  memory 1 MiB;\n"
            "  recs 1;  # trailing\n"
            "  untrusted {\n"
            "    window io in 4 KiB at 0x1000;\n"
            "    host_calls allow;\n"
            "    psci cpu_on, cpu_off;\n"
            "  }\n"
            "}\n"
            "\n"
            "// section\n"
            "channel c : b -> a, d size 8 KiB;\n"
            "gate b -> a;\n"
            "require b !-> untrusted except via a, d;\n");
}

TEST(Format, EscapesStringsCanonically) {
  const Formatted formatted = format_text(
      "workflow w;\nrealm a { measurement image \"dir\\\\x\\u{41}\\x42\\t.elf\" using sha512; memory 4 KiB; recs 1; }\n");
  ASSERT_TRUE(formatted.parsed);
  EXPECT_NE(formatted.text.find("measurement image \"dir\\\\xAB\\t.elf\" using sha512;"), std::string::npos)
      << formatted.text;
}

}  // namespace
}  // namespace mica::policy
