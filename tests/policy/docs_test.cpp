// The language reference (docs/policy-language.md) and the example policies:
// every ```mica block of the document compiles as the document says it does.
// A block fenced ```mica expects a valid policy; a block fenced
// ```mica-error must fail, with every code listed on its "# expect:" line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_support.h"

namespace mica::policy {
namespace {

namespace fs = std::filesystem;

struct Block {
  std::string fence;
  std::string text;
  size_t line;
};

std::vector<Block> blocks_of(const std::string& document) {
  std::vector<Block> blocks;
  std::istringstream in(document);
  std::string line;
  size_t number = 0;
  Block* open = nullptr;
  while (std::getline(in, line)) {
    ++number;
    if (open == nullptr && line.rfind("```", 0) == 0) {
      blocks.push_back({line.substr(3), {}, number});
      open = &blocks.back();
    } else if (open != nullptr && line == "```") {
      open = nullptr;
    } else if (open != nullptr) {
      open->text += line + "\n";
    }
  }
  return blocks;
}

TEST(Docs, EveryPolicyBlockCompilesAsDocumented) {
  const std::string document = testing::read_file(MICA_POLICY_DOC);
  ASSERT_FALSE(document.empty());
  const std::vector<Block> blocks = blocks_of(document);
  // Images named by the examples, measured by the test resolver (which
  // hashes the file's bytes).
  const fs::path images = fs::temp_directory_path() / ("mica-policy-docs-" + std::to_string(getpid()));
  fs::create_directories(images / "images");
  std::ofstream(images / "images" / "service.elf") << "stand-in image for the documentation's examples";
  size_t valid = 0;
  size_t failing = 0;
  for (size_t b = 0; b < blocks.size(); ++b) {
    const Block& block = blocks[b];
    if (block.fence != "mica" && block.fence != "mica-error") continue;
    const Compilation compilation = testing::compile_text(block.text, {}, images);
    if (block.fence == "mica") {
      ++valid;
      EXPECT_TRUE(compilation.ok()) << "docs line " << block.line << ":\n" << testing::rendered(compilation);
      continue;
    }
    ++failing;
    EXPECT_FALSE(compilation.ok()) << "docs line " << block.line << " should fail";
    // A plain block right after it that starts "NAME.mica:" is the exact
    // output of `mica check NAME.mica` on it.
    if (b + 1 < blocks.size() && blocks[b + 1].fence.empty()) {
      const std::string& shown = blocks[b + 1].text;
      const size_t colon = shown.find(".mica:");
      if (colon != std::string::npos && shown.find('\n') > colon) {
        const std::string name = shown.substr(0, colon + 5);
        const Compilation named = compile(SourceFile(name, block.text, images), [] {
          CompileOptions options;
          options.resolver = testing::test_image_resolver;
          return options;
        }());
        EXPECT_EQ(render_to_string(named.source, named.diagnostics), shown) << "docs line " << blocks[b + 1].line;
      }
    }
    const size_t marker = block.text.find("# expect: ");
    ASSERT_NE(marker, std::string::npos) << "docs line " << block.line << ": a failing example names the codes it expects";
    const size_t codes_begin = marker + 10;
    const std::string listed = block.text.substr(codes_begin, block.text.find('\n', codes_begin) - codes_begin);
    const std::vector<std::string> found = testing::codes(compilation);
    std::istringstream expected(listed);
    std::string code;
    while (std::getline(expected, code, ',')) {
      code.erase(0, code.find_first_not_of(' '));
      EXPECT_NE(std::find(found.begin(), found.end(), code), found.end())
          << "docs line " << block.line << " expects " << code << "; got:\n" << testing::rendered(compilation);
    }
  }
  fs::remove_all(images);
  EXPECT_GE(valid, 5u);
  EXPECT_GE(failing, 3u);
}

TEST(Docs, ExamplePoliciesAreValid) {
  size_t examples = 0;
  for (const auto& entry : fs::directory_iterator(MICA_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".mica") continue;
    ++examples;
    std::string error;
    auto source = load_source(entry.path(), error);
    ASSERT_TRUE(source) << error;
    CompileOptions options;
    options.resolver = testing::test_image_resolver;
    const Compilation compilation = compile(std::move(*source), options);
    EXPECT_TRUE(compilation.ok()) << testing::rendered(compilation);
  }
  EXPECT_GE(examples, 2u);
}

// Every diagnostic code is listed in the document's table.
TEST(Docs, ListEveryDiagnosticCode) {
  const std::string document = testing::read_file(MICA_POLICY_DOC);
#define MICA_DIAG(name, code, severity, message, hint)                                     \
  if (Severity::severity != Severity::kNote) {                                             \
    EXPECT_NE(document.find("| " code " |"), std::string::npos) << code;                   \
  }
#include "policy/diagnostics.def"
#undef MICA_DIAG
}

// The schema table of the document names every key the encoder writes.
TEST(Docs, DescribeTheCompiledSchema) {
  const std::string document = testing::read_file(MICA_POLICY_DOC);
  for (const char* row : {"| 0 | version", "| 1 | workflow", "| 2 | components", "| 3 | channels", "| 4 | gates",
                          "| 5 | requirements", "| 8 | psci"}) {
    EXPECT_NE(document.find(row), std::string::npos) << row;
  }
}

}  // namespace
}  // namespace mica::policy
