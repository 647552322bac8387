// The compiler's layers: lexer, parser, checker, and the compiled form's
// stability (same meaning, same bytes; any change of meaning, new bytes).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "mica/policy.h"
#include "policy/lexer.h"
#include "policy/parser.h"
#include "test_support.h"

namespace mica::policy {
namespace {

using testing::codes;
using testing::compile_text;
using testing::digest_of;
using testing::rendered;

std::string realm(const std::string& name, const std::string& body = "") {
  return "realm " + name + " {\n  measurement " + digest_of(name) + ";\n  memory 4 MiB;\n  recs 1;\n" + body + "}\n";
}

TEST(Lexer, ProducesTokensWithExactRanges) {
  SourceFile file("t.mica", "channel c:a->b,c<->d !-> 0x1_000 \"q\\\"\\u{e9}\" # note\n/* block */ sha256:" +
                                std::string(64, 'A') + "}");
  DiagnosticEngine diagnostics;
  const LexResult lexed = lex(file, diagnostics);
  EXPECT_FALSE(diagnostics.has_errors()) << render_to_string(file, diagnostics);
  std::vector<TokenKind> kinds;
  for (const Token& token : lexed.tokens) kinds.push_back(token.kind);
  const std::vector<TokenKind> expected = {
      TokenKind::kKeyword, TokenKind::kIdentifier, TokenKind::kColon,     TokenKind::kIdentifier,
      TokenKind::kArrow,   TokenKind::kIdentifier, TokenKind::kComma,     TokenKind::kIdentifier,
      TokenKind::kBothArrow, TokenKind::kIdentifier, TokenKind::kNotArrow, TokenKind::kInteger,
      TokenKind::kString,  TokenKind::kDigest,     TokenKind::kRightBrace, TokenKind::kEnd};
  EXPECT_EQ(kinds, expected);
  EXPECT_EQ(lexed.tokens[0].keyword, Keyword::kChannel);
  EXPECT_EQ(file.slice(lexed.tokens[4].range), "->");
  EXPECT_EQ(lexed.tokens[11].integer, 0x1000u);
  EXPECT_EQ(lexed.strings.at(lexed.tokens[12].payload), "q\"\xc3\xa9");
  EXPECT_EQ(lexed.digests.at(lexed.tokens[13].payload), std::vector<uint8_t>(32, 0xAA));
  ASSERT_EQ(lexed.comments.size(), 2u);
  EXPECT_EQ(lexed.comments[0].text, "# note");
  EXPECT_EQ(lexed.comments[1].text, "/* block */");
  const LineColumn at = file.line_column(lexed.tokens[13].range.begin);
  EXPECT_EQ(at.line, 2u);
  EXPECT_EQ(at.column, 13u);
}

TEST(Lexer, ReportsEachLexicalErrorOnceAndKeepsGoing) {
  SourceFile file("t.mica", "a @@@ b \"open\n0xZZ 99999999999999999999 sha256:12 c");
  DiagnosticEngine diagnostics;
  const LexResult lexed = lex(file, diagnostics);
  std::vector<std::string> found;
  for (const Diagnostic& d : diagnostics.all()) found.push_back(diag_info(d.id).code);
  EXPECT_EQ(found, (std::vector<std::string>{"E101", "E102", "E109", "E105", "E106"}));
  // Identifiers on both sides of the damage are still tokens.
  EXPECT_EQ(lexed.tokens.front().text, "a");
  EXPECT_EQ(lexed.tokens[lexed.tokens.size() - 2].text, "c");
}

TEST(Parser, BuildsTheTreeAsWritten) {
  SourceFile file("t.mica", "workflow w;\n" + realm("b", "  untrusted { window io out 8 KiB at 0x2000; psci cpu_on; }\n") +
                                "channel c : b <-> a size 4 KiB;\ngate b -> a;\nrequire b !-> untrusted except via a, c;\n");
  DiagnosticEngine diagnostics;
  const ast::File tree = parse(file, diagnostics);
  ASSERT_FALSE(diagnostics.has_errors()) << render_to_string(file, diagnostics);
  ASSERT_TRUE(tree.workflow);
  EXPECT_EQ(tree.workflow->text, "w");
  ASSERT_EQ(tree.declarations.size(), 4u);
  const auto& b = std::get<ast::Realm>(tree.declarations[0]);
  ASSERT_EQ(b.items.size(), 4u);
  const auto& untrusted = std::get<ast::UntrustedItem>(b.items[3]);
  ASSERT_EQ(untrusted.paths.size(), 2u);
  const auto& window = std::get<ast::WindowItem>(untrusted.paths[0]);
  EXPECT_EQ(window.size.bytes, 8u * 1024);
  EXPECT_EQ(window.size.unit, ast::SizeUnit::kKiB);
  EXPECT_EQ(window.at, 0x2000u);
  const auto& psci = std::get<ast::PsciItem>(untrusted.paths[1]);
  EXPECT_EQ(psci.mask, monitor::policy::schema::kPsciCpuOn);
  const auto& channel = std::get<ast::Channel>(tree.declarations[1]);
  EXPECT_TRUE(channel.bidirectional);
  EXPECT_EQ(file.slice(channel.range), "channel c : b <-> a size 4 KiB;");
  const auto& require = std::get<ast::Require>(tree.declarations[3]);
  EXPECT_FALSE(require.to);
  ASSERT_EQ(require.via.size(), 2u);
  EXPECT_EQ(require.via[1].text, "c");
}

TEST(Parser, RecoversAndReportsEveryError) {
  const Compilation compilation = compile_text(
      "workflow w;\n"
      "realm a { measurement any; memory 4 MiB recs 1; }\n"  // missing ';' in the realm
      "channel x : a -> size 4 KiB;\n"                       // missing reader
      "gate a b;\n"                                          // missing '->'
      "realm b { measurement any; memory 4 MiB; recs 1; }\n"
      "require a !-> b\n");                                  // missing ';' at the end
  EXPECT_EQ(codes(compilation), (std::vector<std::string>{"E201", "E201", "E201", "E201"})) << rendered(compilation);
  EXPECT_FALSE(compilation.checked);
}

TEST(Checker, ProducesCanonicalOrder) {
  const Compilation compilation = compile_text(
      "workflow w;\n" + realm("zeta") + realm("alpha", "  untrusted { window z in 8 KiB; window a out 4 KiB at 0x0; }\n") +
      realm("mid") + "channel two : zeta -> mid, alpha size 4 KiB;\nchannel one : zeta <-> alpha size 4 KiB;\n"
      "gate zeta -> alpha;\ngate mid -> alpha;\ngate alpha -> zeta;\n");
  ASSERT_TRUE(compilation.ok()) << rendered(compilation);
  const Policy& p = compilation.checked->policy;
  ASSERT_EQ(p.components.size(), 3u);
  EXPECT_EQ(p.components[0].name, "alpha");
  EXPECT_EQ(p.components[1].name, "mid");
  EXPECT_EQ(p.components[2].name, "zeta");
  // Windows by name; the one without `at` goes to the first free offset.
  ASSERT_EQ(p.components[0].windows.size(), 2u);
  EXPECT_EQ(p.components[0].windows[0].name, "a");
  EXPECT_EQ(p.components[0].windows[0].offset, 0u);
  EXPECT_EQ(p.components[0].windows[1].name, "z");
  EXPECT_EQ(p.components[0].windows[1].offset, 4096u);
  // Channels by name, readers ascending, the bidirectional pair in index order.
  EXPECT_EQ(p.channels[0].name, "one");
  EXPECT_EQ(p.channels[0].writer, 0u);
  EXPECT_EQ(p.channels[0].readers, std::vector<uint32_t>{2});
  EXPECT_EQ(p.channels[1].readers, (std::vector<uint32_t>{0, 1}));
  // Gates by (caller, callee).
  EXPECT_EQ(p.gates, (std::vector<Gate>{{0, 2}, {1, 0}, {2, 0}}));
}

// Requirements are kept in the order of their encodings, which is what the
// monitor's decoder insists on.
TEST(Checker, OrdersRequirementsAsTheirEncodings) {
  std::string text = "workflow w;\n";
  for (int i = 0; i < 30; ++i) text += realm("r" + std::to_string(i));
  std::mt19937 random(7);
  for (int i = 0; i < 60; ++i) {
    const int from = static_cast<int>(random() % 30);
    int to = static_cast<int>(random() % 31);
    if (to == from) to = 30;
    text += "require r" + std::to_string(from) + " !-> " + (to == 30 ? "untrusted" : "r" + std::to_string(to));
    std::vector<int> via;
    for (int k = 0; k < 30; ++k) {
      if (k != from && k != to && random() % 9 == 0) via.push_back(k);
    }
    for (size_t k = 0; k < via.size(); ++k) text += (k == 0 ? " except via r" : ", r") + std::to_string(via[k]);
    text += ";\n";
  }
  CompileOptions options;
  const Compilation compilation = compile_text(text, options);
  ASSERT_TRUE(compilation.checked) << rendered(compilation);
  const Policy& p = compilation.checked->policy;
  for (size_t i = 1; i < p.requirements.size(); ++i) {
    const auto a = encode_compiled(Policy{"w", {}, {}, {}, {p.requirements[i - 1]}});
    const auto b = encode_compiled(Policy{"w", {}, {}, {}, {p.requirements[i]}});
    EXPECT_LT(a, b) << i;
  }
  auto validated = std::make_unique<monitor::policy::Policy>();
  EXPECT_TRUE(monitor::policy::decode_policy(compilation.compiled.data(), compilation.compiled.size(), *validated).ok());
}

const std::string kBase = R"(# the reference policy of the stability tests
workflow stable;

realm ingest {
  measurement )" + digest_of("ingest") + R"(;
  memory 64 MiB;
  recs 1;
  untrusted {
    window inbox in 1 MiB;
    host_calls deny;
  }
}

realm model {
  measurement )" + digest_of("model") + ", " + digest_of("model2") + R"(;
  memory 256 MiB;
  recs 2;
}

realm egress {
  measurement )" + digest_of("egress") + R"(;
  memory 16 MiB;
  recs 1;
  untrusted { window outbox out 64 KiB; psci cpu_on; }
}

channel records : ingest -> model size 4 MiB;
channel results : model -> egress size 256 KiB;
gate ingest -> model;
require ingest !-> untrusted except via egress;
require model !-> untrusted except via egress;
)";

// The digest alone: changes that open paths would fail the requirements,
// which is not what these tests are about.
PolicyDigest digest_of_text(const std::string& text) {
  CompileOptions options;
  options.prove = false;
  const Compilation compilation = compile_text(text, options);
  EXPECT_TRUE(compilation.ok()) << rendered(compilation);
  return compilation.digest;
}

TEST(Stability, ReorderingCommentsAndLayoutKeepTheDigest) {
  const PolicyDigest reference = digest_of_text(kBase);
  const std::string reordered = R"(workflow stable;
require model !-> untrusted except via egress;   // order of requirements
gate ingest -> model;
channel results : model -> egress size 262144 B;  /* the same size in bytes */
realm egress { untrusted { psci cpu_on; window outbox out 64 KiB; } recs 1; memory 16384 KiB;
  measurement )" + digest_of("egress") + R"(; }
require ingest !-> untrusted except via egress;
realm model { recs 2; memory 0x10000000 B; measurement )" + digest_of("model2") + ", " + digest_of("model") + R"(; }
channel records : ingest -> model size 4 MiB;
realm ingest {
  memory 64 MiB; recs 1;
  measurement )" + digest_of("ingest") + R"(;
  untrusted { host_calls deny; window inbox in 1 MiB at 0x0; mmio deny; }
}
)";
  EXPECT_EQ(digest_of_text(reordered), reference);
  // Upper-case hex digits are the same digest.
  std::string upper = kBase;
  const std::string ingest = digest_of("ingest");
  std::string shouted = ingest;
  std::transform(shouted.begin() + 7, shouted.end(), shouted.begin() + 7, ::toupper);
  upper.replace(upper.find(ingest), ingest.size(), shouted);
  EXPECT_EQ(digest_of_text(upper), reference);
}

TEST(Stability, ShufflingDeclarationsKeepsTheBytes) {
  const Compilation reference = compile_text(kBase);
  ASSERT_TRUE(reference.ok());
  // Split the file into declarations and shuffle them.
  std::vector<std::string> declarations;
  const std::string body = kBase.substr(kBase.find("realm ingest"));
  size_t at = 0;
  while (at < body.size()) {
    size_t end = body.find('\n', at);
    if (body.compare(at, 6, "realm ") == 0) end = body.find("\n}\n", at) + 2;
    declarations.push_back(body.substr(at, end - at + 1));
    at = end + 1;
    while (at < body.size() && body[at] == '\n') ++at;
  }
  ASSERT_EQ(declarations.size(), 8u);
  std::mt19937 random(2024);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(declarations.begin(), declarations.end(), random);
    std::string text = "workflow stable;\n";
    for (const std::string& d : declarations) text += d;
    const Compilation shuffled = compile_text(text);
    ASSERT_TRUE(shuffled.ok()) << rendered(shuffled);
    EXPECT_EQ(shuffled.compiled, reference.compiled);
  }
}

TEST(Stability, EveryChangeOfMeaningChangesTheDigest) {
  const PolicyDigest reference = digest_of_text(kBase);
  const std::vector<std::pair<std::string, std::string>> changes = {
      {"workflow stable;", "workflow stable2;"},
      {"memory 64 MiB;", "memory 68 MiB;"},
      {"recs 2;", "recs 3;"},
      {"window inbox in 1 MiB;", "window inbox in 2 MiB;"},
      {"window inbox in 1 MiB;", "window inbox out 1 MiB;"},
      {"window inbox in 1 MiB;", "window inbox in 1 MiB at 0x100000;"},
      {"window inbox in 1 MiB;", "window inbox2 in 1 MiB;"},
      {"host_calls deny;", "host_calls allow;"},
      {"host_calls deny;", "host_calls deny; mmio allow;"},
      {"host_calls deny;", "host_calls deny; ripas allow;"},
      {"psci cpu_on;", "psci cpu_on, cpu_off;"},
      {"psci cpu_on;", "psci deny;"},
      {"measurement " + digest_of("ingest"), "measurement " + digest_of("ingest2")},
      {"measurement " + digest_of("ingest"), "measurement " + digest_of("ingest") + ", " + digest_of("x")},
      {"channel records : ingest -> model size 4 MiB;", "channel records : ingest -> model size 8 MiB;"},
      {"channel records : ingest -> model size 4 MiB;", "channel records : ingest -> model, egress size 4 MiB;"},
      {"channel records : ingest -> model size 4 MiB;", "channel records : ingest <-> model size 4 MiB;"},
      {"channel records : ingest -> model size 4 MiB;", "channel rows : ingest -> model size 4 MiB;"},
      {"gate ingest -> model;", "gate model -> ingest;"},
      {"gate ingest -> model;", ""},
      {"require model !-> untrusted except via egress;", ""},
      {"require model !-> untrusted except via egress;", "require model !-> ingest except via egress;"},
  };
  for (const auto& [from, to] : changes) {
    std::string text = kBase;
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    CompileOptions options;
    options.prove = false;
    const Compilation compilation = compile_text(text, options);
    if (!compilation.ok()) {
      ADD_FAILURE() << "change '" << to << "' does not compile:\n" << rendered(compilation);
      continue;
    }
    EXPECT_NE(compilation.digest, reference) << "'" << from << "' -> '" << to << "'";
  }
}

TEST(Compiled, RoundTripsThroughTheMonitorDecoder) {
  const Compilation compilation = compile_text(kBase);
  ASSERT_TRUE(compilation.ok());
  const Policy& policy = compilation.checked->policy;
  auto decoded = std::make_unique<monitor::policy::Policy>();
  ASSERT_TRUE(monitor::policy::decode_policy(compilation.compiled.data(), compilation.compiled.size(), *decoded).ok());
  ASSERT_EQ(decoded->component_count, policy.components.size());
  for (uint32_t i = 0; i < decoded->component_count; ++i) {
    const Component& expected = policy.components[i];
    const monitor::policy::Component& got = decoded->components[i];
    EXPECT_TRUE(got.name.equals(expected.name.data(), expected.name.size()));
    EXPECT_EQ(got.memory_bytes, expected.memory_bytes);
    EXPECT_EQ(got.max_recs, expected.recs);
    EXPECT_EQ(got.host_calls, expected.host_calls);
    EXPECT_EQ(got.psci, expected.psci);
    ASSERT_EQ(got.measurement_count, expected.measurements.size());
    for (size_t m = 0; m < expected.measurements.size(); ++m) {
      EXPECT_TRUE(got.allows_measurement(expected.measurements[m].algo, expected.measurements[m].digest.data()));
    }
    ASSERT_EQ(got.window_count, expected.windows.size());
    for (size_t w = 0; w < expected.windows.size(); ++w) {
      EXPECT_EQ(got.windows[w].offset, expected.windows[w].offset);
      EXPECT_EQ(got.windows[w].size, expected.windows[w].size);
      EXPECT_EQ(got.windows[w].direction, expected.windows[w].direction);
    }
  }
  ASSERT_EQ(decoded->channel_count, policy.channels.size());
  for (uint32_t i = 0; i < decoded->channel_count; ++i) {
    EXPECT_EQ(decoded->channels[i].writer, policy.channels[i].writer);
    EXPECT_EQ(decoded->channels[i].size, policy.channels[i].size);
    for (const uint32_t reader : policy.channels[i].readers) EXPECT_TRUE(decoded->channels[i].can_read(reader));
  }
  ASSERT_EQ(decoded->gate_count, policy.gates.size());
  for (const Gate& gate : policy.gates) EXPECT_TRUE(decoded->gate_allowed(gate.caller, gate.callee));
  EXPECT_EQ(decoded->requirement_count, policy.requirements.size());

  const auto back = decode_compiled(compilation.compiled);
  ASSERT_TRUE(std::holds_alternative<Policy>(back));
  EXPECT_EQ(std::get<Policy>(back), policy);
  EXPECT_EQ(encode_compiled(std::get<Policy>(back)), compilation.compiled);
}

TEST(Compiled, DigestIsTheSha256OfTheBytes) {
  const Compilation compilation = compile_text(kBase);
  ASSERT_TRUE(compilation.ok());
  // SHA-256 of "abc" (FIPS 180-2) checks the digest function itself.
  const std::string abc = "abc";
  EXPECT_EQ(digest_hex(digest_compiled({reinterpret_cast<const uint8_t*>(abc.data()), abc.size()})),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(compilation.digest, digest_compiled(compilation.compiled));
}

TEST(Images, AreResolvedWithTheRealmsParameters) {
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / ("mica-policy-images-" + std::to_string(getpid()));
  std::filesystem::create_directories(directory / "build");
  std::ofstream(directory / "build" / "a.elf") << "image bytes";
  std::vector<ImageRequest> requests;
  CompileOptions options;
  options.resolver = [&](const ImageRequest& request) {
    requests.push_back(request);
    return testing::test_image_resolver(request);
  };
  const Compilation compilation = compile_text(
      "workflow w;\nrealm a { measurement image \"build/a.elf\" using sha512; memory 8 MiB; recs 3; }\n", options,
      directory);
  ASSERT_TRUE(compilation.ok()) << rendered(compilation);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, directory / "build" / "a.elf");
  EXPECT_EQ(requests[0].written, "build/a.elf");
  EXPECT_EQ(requests[0].algo, HashAlgo::kSha512);
  EXPECT_EQ(requests[0].component, "a");
  EXPECT_EQ(requests[0].memory_bytes, 8u << 20);
  EXPECT_EQ(requests[0].recs, 3u);
  const Component& a = compilation.checked->policy.components[0];
  ASSERT_EQ(a.measurements.size(), 1u);
  EXPECT_EQ(a.measurements[0].algo, HashAlgo::kSha512);
  EXPECT_EQ(a.measurements[0].digest, testing::test_image_resolver(requests[0]).rim);
  std::filesystem::remove_all(directory);
}

TEST(Images, WithoutAMeasurerAreAnErrorNotAGuess) {
  CompileOptions options;
  options.resolver = [](const ImageRequest&) { return ImageResolution{{}, kNoMeasurementSupport}; };
  const Compilation compilation =
      compile_text("workflow w;\nrealm a { measurement image \"a.elf\"; memory 8 MiB; recs 1; }\n", options);
  EXPECT_FALSE(compilation.ok());
  EXPECT_EQ(codes(compilation), std::vector<std::string>{"E317"});
  EXPECT_NE(rendered(compilation).find("cannot resolve image \"a.elf\": measurement support not built"),
            std::string::npos);
  EXPECT_TRUE(compilation.compiled.empty());

  // No resolver at all (compile() called directly) says the same.
  const Compilation bare = compile(SourceFile("t.mica", "workflow w;\nrealm a { measurement image \"a.elf\"; memory 8 MiB; recs 1; }\n"));
  EXPECT_NE(render_to_string(bare.source, bare.diagnostics).find("measurement support not built"), std::string::npos);

  // A measurer that answers with the wrong length is refused too.
  options.resolver = [](const ImageRequest&) { return ImageResolution{std::vector<uint8_t>(20, 1), {}}; };
  const Compilation short_rim =
      compile_text("workflow w;\nrealm a { measurement image \"a.elf\"; memory 8 MiB; recs 1; }\n", options);
  EXPECT_NE(rendered(short_rim).find("returned 20 bytes instead of a SHA-256 RIM"), std::string::npos);
}

TEST(Limits, AreTheMonitorsUnlessSwitchedOff) {
  std::string text = "workflow big;\n";
  for (int i = 0; i < 70; ++i) text += realm("r" + std::to_string(i));
  const Compilation limited = compile_text(text);
  EXPECT_EQ(codes(limited), std::vector<std::string>{"E323"});
  CompileOptions options;
  options.enforce_monitor_limits = false;
  const Compilation unlimited = compile_text(text, options);
  EXPECT_TRUE(unlimited.ok()) << rendered(unlimited);
  EXPECT_EQ(unlimited.checked->policy.components.size(), 70u);
  EXPECT_FALSE(unlimited.compiled.empty());
}

TEST(Diagnostics, StopAfterFiftyErrors) {
  std::string text = "workflow w;\n";
  for (int i = 0; i < 80; ++i) text += "@\n";
  const Compilation compilation = compile_text(text);
  EXPECT_EQ(compilation.diagnostics.all().size(), 51u);
  EXPECT_EQ(compilation.diagnostics.all().back().id, DiagId::kTooManyErrors);
}

TEST(Diagnostics, ColoursOnlyWhenAsked) {
  const Compilation compilation = compile_text("workflow w;\nrealm a { }\n");
  const std::string plain = render_to_string(compilation.source, compilation.diagnostics);
  EXPECT_EQ(plain.find('\033'), std::string::npos);
  RenderOptions colour;
  colour.colour = true;
  const std::string coloured = render_to_string(compilation.source, compilation.diagnostics, colour);
  EXPECT_NE(coloured.find("\033[1;31merror:"), std::string::npos);
}

}  // namespace
}  // namespace mica::policy
