// The checker gives a syntax tree its meaning: names resolve, nothing is
// declared twice, sizes are granule multiples within the language's limits,
// channels and gates do not loop to themselves, windows do not overlap,
// images are measured, and (optionally) the result fits the monitor's
// capacities. It never changes the tree and reports every problem it finds.
#pragma once

#include <optional>

#include "policy/ast.h"
#include "policy/diagnostics.h"
#include "policy/image_resolver.h"
#include "policy/model.h"
#include "policy/source.h"

namespace mica::policy {

struct CheckOptions {
  ImageResolver resolver;              // empty: `image` measurements cannot be resolved
  bool enforce_monitor_limits = true;  // the capacities of monitor/mica/policy.h
};

struct CheckedPolicy {
  Policy policy;
  PolicySources sources;
};

// The policy in canonical form, or nothing when any error was reported
// (by this call or before it, e.g. by the parser).
std::optional<CheckedPolicy> check(const ast::File& file, const SourceFile& source,
                                   const CheckOptions& options, DiagnosticEngine& diagnostics);

}  // namespace mica::policy
