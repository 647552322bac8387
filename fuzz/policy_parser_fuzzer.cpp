// Fuzzes the policy compiler with arbitrary text. Beyond "no crash, no
// sanitizer report", it checks the compiler's promises on every input:
//   * a policy that compiles decodes, in the monitor's decoder, to the same
//     policy, and re-encodes to the same bytes;
//   * a policy that parses formats to text that parses, formats to itself
//     again, and compiles to the same diagnostics and bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <variant>

#include "mica/policy.h"
#include "policy/compiler.h"
#include "policy/explain.h"
#include "policy/format.h"
#include "policy/graph.h"
#include "policy/parser.h"

namespace {

using namespace mica::policy;

void require(bool condition) {
  if (!condition) std::abort();
}

CompileOptions options() {
  CompileOptions compile_options;
  // No image is measured while fuzzing: every `image` is an error, as in a
  // build without the host's measurer.
  compile_options.resolver = [](const ImageRequest&) { return ImageResolution{{}, "not while fuzzing"}; };
  return compile_options;
}

std::vector<std::string> codes(const Compilation& compilation) {
  std::vector<std::string> out;
  for (const Diagnostic& d : compilation.diagnostics.all()) out.push_back(diag_info(d.id).code);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const Compilation compilation = compile(SourceFile("fuzz.mica", text), options());
  (void)render_to_string(compilation.source, compilation.diagnostics);

  if (compilation.checked) {
    const Policy& policy = compilation.checked->policy;
    (void)to_dot(policy, *compilation.graph, compilation.outcomes);
    if (policy.components.size() <= 16) {
      (void)explain(policy, *compilation.graph, compilation.outcomes, compilation.digest);
    }
  }
  if (compilation.ok()) {
    auto decoded = std::make_unique<mica::monitor::policy::Policy>();
    const auto result = mica::monitor::policy::decode_policy(compilation.compiled.data(), compilation.compiled.size(),
                                                             *decoded);
    require(result.ok());
    require(decoded->component_count == compilation.checked->policy.components.size());
    const auto back = decode_compiled(compilation.compiled);
    require(std::holds_alternative<Policy>(back));
    require(std::get<Policy>(back) == compilation.checked->policy);
    require(encode_compiled(std::get<Policy>(back)) == compilation.compiled);
  }

  // Formatting: only for text that parses.
  SourceFile source("fuzz.mica", text);
  DiagnosticEngine diagnostics;
  const ast::File tree = parse(source, diagnostics);
  if (!diagnostics.has_errors()) {
    const std::string once = format_policy(source, tree);
    SourceFile formatted_source("fuzz.mica", once);
    DiagnosticEngine formatted_diagnostics;
    const ast::File formatted_tree = parse(formatted_source, formatted_diagnostics);
    require(!formatted_diagnostics.has_errors());
    require(format_policy(formatted_source, formatted_tree) == once);
    const Compilation again = compile(SourceFile("fuzz.mica", once), options());
    require(codes(again) == codes(compilation));
    require(again.compiled == compilation.compiled);
  }
  return 0;
}
