// The flow graph of a policy and the prover of its requirements.
//
// Nodes: one per component, plus `untrusted`. A component whose measurement
// is `any` is not a node of its own: it is part of untrusted.
// Edges (data may flow along them):
//   channel        writer -> each reader (both ways when bidirectional)
//   gate           caller <-> callee (arguments go, results come back)
//   window in      untrusted -> realm (the monitor maps it read-only)
//   window out     realm <-> untrusted (the realm writes; the monitor keeps the
//                  host's permissions, so the realm can also read what the host writes)
//   host calls     realm <-> untrusted (registers go out, results come back)
//   mmio           realm <-> untrusted (written values go out, read values come in)
//   ripas, psci    realm -> untrusted (the exit exposes the range / arguments)
//
// `A !-> T except via V...` holds when T cannot be reached from A once the
// nodes V are removed. Requirements with the same target and cut set share
// one reverse breadth-first search, so proving costs O((nodes + edges) x
// distinct (target, cut set) pairs); a violation's witness path comes from
// that search's tree at no extra cost.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "policy/diagnostics.h"
#include "policy/model.h"

namespace mica::policy {

enum class EdgeKind : uint8_t {
  kChannel,
  kGate,
  kWindowIn,
  kWindowOut,
  kHostCalls,
  kMmio,
  kRipas,
  kPsci,
};

struct FlowEdge {
  uint32_t from = 0;  // node
  uint32_t to = 0;    // node
  EdgeKind kind = EdgeKind::kChannel;
  uint32_t declaration = 0;  // channel or gate index; component index for untrusted paths
  uint32_t window = 0;       // kWindowIn / kWindowOut: window index within the component
};

class FlowGraph {
 public:
  explicit FlowGraph(const Policy& policy);

  uint32_t untrusted() const { return untrusted_; }
  uint32_t node_count() const { return untrusted_ + 1; }
  // The node that carries a component's data (untrusted for `any`).
  uint32_t node_of(uint32_t component) const { return node_of_[component]; }
  const std::vector<FlowEdge>& edges() const { return edges_; }
  std::span<const uint32_t> out_edges(uint32_t node) const;
  std::span<const uint32_t> in_edges(uint32_t node) const;

 private:
  void add(uint32_t from_component_or_node, uint32_t to, EdgeKind kind, uint32_t declaration, uint32_t window);

  uint32_t untrusted_;
  std::vector<uint32_t> node_of_;
  std::vector<FlowEdge> edges_;
  std::vector<uint32_t> out_start_, out_list_, in_start_, in_list_;
};

struct RequirementOutcome {
  bool holds = true;
  std::vector<uint32_t> path;  // edge indices from `from` to the target when it does not hold
  bool cut_needed = true;      // with `except via`: false when it holds without the cut points
};

// Proves every requirement of `policy`; one outcome per requirement.
std::vector<RequirementOutcome> prove(const Policy& policy, const FlowGraph& graph);

// Reports each failed requirement as an error whose notes walk the path hop
// by hop, each at the declaration that opens it; unneeded cut points as warnings.
void report_outcomes(const Policy& policy, const PolicySources& sources, const FlowGraph& graph,
                     const std::vector<RequirementOutcome>& outcomes, DiagnosticEngine& diagnostics);

// Every node reachable from `node`, each with a shortest witness path (edge
// indices). Used by `mica explain` and the verifier's flow report.
struct Reach {
  uint32_t node = 0;
  std::vector<uint32_t> path;
};
std::vector<Reach> reachable_from(const FlowGraph& graph, uint32_t node);

// Human names: "'ingest'", "untrusted", "'debug' (untrusted)".
std::string node_name(const Policy& policy, const FlowGraph& graph, uint32_t node);
std::string endpoint_name(const Policy& policy, const FlowGraph& graph, const FlowEdge& edge, bool from_side);
// What opens an edge: "channel 'records'", "window 'outbox' (out, 1 MiB)", "host calls", ...
std::string describe_edge(const Policy& policy, const FlowEdge& edge);
// Where an edge is declared in the source.
SourceRange edge_source(const PolicySources& sources, const FlowEdge& edge);

}  // namespace mica::policy
