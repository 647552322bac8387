// `mica explain`: a human summary of a compiled policy. For each realm: what
// it runs, what it may touch in the untrusted world, and every place its data
// can reach, each with the path that gets it there; then every requirement
// with its proof result. The verifier prints the same facts about the realms
// an attestation token names.
#pragma once

#include <string>
#include <vector>

#include "policy/compiled.h"
#include "policy/flow.h"
#include "policy/model.h"

namespace mica::policy {

// The flow facts of one component, as sentences ("its data can reach ...").
std::vector<std::string> describe_reach(const Policy& policy, const FlowGraph& graph, uint32_t component);

std::string explain(const Policy& policy, const FlowGraph& graph, const std::vector<RequirementOutcome>& outcomes,
                    const PolicyDigest& digest);

}  // namespace mica::policy
