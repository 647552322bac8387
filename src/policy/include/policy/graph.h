// `mica graph`: the flow graph as Graphviz DOT (and SVG through Graphviz's
// `dot`). Realms are boxes, the untrusted world a red cluster (with the realms
// whose measurement is `any`), each edge labelled with what opens it; the cut
// points of requirements are highlighted, and the path of a failed
// requirement is drawn in red.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "policy/flow.h"
#include "policy/model.h"

namespace mica::policy {

std::string to_dot(const Policy& policy, const FlowGraph& graph, const std::vector<RequirementOutcome>& outcomes);

// Runs Graphviz `dot -T<format>` on `dot_text`, writing `output`.
// Returns an empty string on success, else what went wrong.
std::string run_graphviz(const std::string& dot_text, const std::string& format,
                         const std::filesystem::path& output);

}  // namespace mica::policy
