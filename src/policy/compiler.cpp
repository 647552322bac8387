#include "policy/compiler.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "policy/parser.h"

namespace mica::policy {

Compilation compile(SourceFile source, const CompileOptions& options) {
  Compilation result{std::move(source), {}, {}, {}, {}, {}, {}, {}};
  result.syntax = parse(result.source, result.diagnostics);
  CheckOptions check_options;
  check_options.resolver = options.resolver;
  check_options.enforce_monitor_limits = options.enforce_monitor_limits;
  result.checked = check(result.syntax, result.source, check_options, result.diagnostics);
  if (!result.checked) return result;
  result.graph.emplace(result.checked->policy);
  if (options.prove) {
    result.outcomes = prove(result.checked->policy, *result.graph);
    report_outcomes(result.checked->policy, result.checked->sources, *result.graph, result.outcomes,
                    result.diagnostics);
  }
  if (options.encode && result.ok()) {
    result.compiled = encode_compiled(result.checked->policy);
    result.digest = digest_compiled(result.compiled);
  }
  return result;
}

std::string summary_line(const Compilation& compilation) {
  auto count = [](size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); };
  std::string line = compilation.source.name() + ": ok";
  if (!compilation.checked) return line;
  const Policy& policy = compilation.checked->policy;
  line += ": " + count(policy.components.size(), "realm") + ", " + count(policy.channels.size(), "channel") + ", " +
          count(policy.gates.size(), "gate") + "; " + count(policy.requirements.size(), "requirement") +
          (policy.requirements.size() == 1 ? " holds" : " hold");
  return line;
}

std::optional<SourceFile> load_source(const std::filesystem::path& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return std::nullopt;
  }
  std::error_code ignored;
  std::filesystem::path directory = std::filesystem::absolute(path, ignored).parent_path();
  return SourceFile(path.string(), text.str(), directory);
}

}  // namespace mica::policy
