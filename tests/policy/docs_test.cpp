// The language reference (docs/policy-language.md) and the example policies:
// every ```mica block of the document compiles as the document says it does.
// A block fenced ```mica expects a valid policy; a block fenced
// ```mica-error must fail, with every code listed on its "# expect:" line.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
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
    if (open == nullptr && (line == "```mica" || line == "```mica-error")) {
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
  size_t valid = 0;
  size_t failing = 0;
  for (const Block& block : blocks) {
    const Compilation compilation = testing::compile_text(block.text, {}, MICA_EXAMPLES_DIR);
    if (block.fence == "mica") {
      ++valid;
      EXPECT_TRUE(compilation.ok()) << "docs line " << block.line << ":\n" << testing::rendered(compilation);
      continue;
    }
    ++failing;
    EXPECT_FALSE(compilation.ok()) << "docs line " << block.line << " should fail";
    std::smatch match;
    ASSERT_TRUE(std::regex_search(block.text, match, std::regex("# expect: ([A-Z0-9, ]+)")))
        << "docs line " << block.line << ": a failing example names the codes it expects";
    const std::vector<std::string> found = testing::codes(compilation);
    std::istringstream expected(match[1].str());
    std::string code;
    while (std::getline(expected, code, ',')) {
      code.erase(0, code.find_first_not_of(' '));
      EXPECT_NE(std::find(found.begin(), found.end(), code), found.end())
          << "docs line " << block.line << " expects " << code << "; got:\n" << testing::rendered(compilation);
    }
  }
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
