// The whole pipeline in one call: lex, parse, check, prove, encode.
// Each stage runs only on what the stage before accepted; diagnostics of all
// stages end up in one engine, in source order per stage.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "policy/ast.h"
#include "policy/checker.h"
#include "policy/compiled.h"
#include "policy/diagnostics.h"
#include "policy/flow.h"
#include "policy/model.h"
#include "policy/source.h"

namespace mica::policy {

struct CompileOptions {
  ImageResolver resolver;
  bool enforce_monitor_limits = true;
  bool prove = true;   // prove the requirements (a failed proof is an error)
  bool encode = true;  // produce the CBOR and its digest
};

struct Compilation {
  SourceFile source;
  ast::File syntax;
  DiagnosticEngine diagnostics;
  std::optional<CheckedPolicy> checked;  // set when parsing and checking succeeded
  std::optional<FlowGraph> graph;        // set with `checked`
  std::vector<RequirementOutcome> outcomes;
  std::vector<uint8_t> compiled;         // set when everything succeeded and encode was asked
  PolicyDigest digest{};

  bool ok() const { return !diagnostics.has_errors(); }
};

Compilation compile(SourceFile source, const CompileOptions& options = {});

// "policy.mica: ok: 3 realms, 2 channels, 1 gate; 2 requirements hold"
std::string summary_line(const Compilation& compilation);

// Reads a policy file. Returns nothing and sets `error` when it cannot be read.
std::optional<SourceFile> load_source(const std::filesystem::path& path, std::string& error);

}  // namespace mica::policy
