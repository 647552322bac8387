#include "policy/flow.h"

#include <algorithm>
#include <map>
#include <utility>

namespace mica::policy {

namespace {

namespace schema = monitor::policy::schema;

// Edge lists in compressed sparse row form, built by counting sort.
void build_index(uint32_t nodes, const std::vector<FlowEdge>& edges, bool outgoing,
                 std::vector<uint32_t>& start, std::vector<uint32_t>& list) {
  start.assign(nodes + 1, 0);
  for (const FlowEdge& edge : edges) ++start[(outgoing ? edge.from : edge.to) + 1];
  for (uint32_t i = 0; i < nodes; ++i) start[i + 1] += start[i];
  list.resize(edges.size());
  std::vector<uint32_t> fill(start.begin(), start.end() - 1);
  for (uint32_t e = 0; e < edges.size(); ++e) {
    const uint32_t node = outgoing ? edges[e].from : edges[e].to;
    list[fill[node]++] = e;
  }
}

}  // namespace

FlowGraph::FlowGraph(const Policy& policy) : untrusted_(static_cast<uint32_t>(policy.components.size())) {
  node_of_.reserve(policy.components.size());
  for (uint32_t c = 0; c < policy.components.size(); ++c) {
    node_of_.push_back(policy.components[c].any_measurement ? untrusted_ : c);
  }
  for (uint32_t i = 0; i < policy.channels.size(); ++i) {
    const Channel& channel = policy.channels[i];
    for (const uint32_t reader : channel.readers) {
      add(node_of(channel.writer), node_of(reader), EdgeKind::kChannel, i, 0);
      if (channel.bidirectional) add(node_of(reader), node_of(channel.writer), EdgeKind::kChannel, i, 0);
    }
  }
  for (uint32_t i = 0; i < policy.gates.size(); ++i) {
    const Gate& gate = policy.gates[i];
    add(node_of(gate.caller), node_of(gate.callee), EdgeKind::kGate, i, 0);
    add(node_of(gate.callee), node_of(gate.caller), EdgeKind::kGate, i, 0);
  }
  for (uint32_t c = 0; c < policy.components.size(); ++c) {
    const Component& component = policy.components[c];
    const uint32_t node = node_of(c);
    for (uint32_t w = 0; w < component.windows.size(); ++w) {
      if (component.windows[w].direction == WindowDirection::kIn) {
        add(untrusted_, node, EdgeKind::kWindowIn, c, w);
      } else {
        // The monitor maps `out` windows with the permissions the host asks
        // for: the realm can read back what the host writes there.
        add(node, untrusted_, EdgeKind::kWindowOut, c, w);
        add(untrusted_, node, EdgeKind::kWindowOut, c, w);
      }
    }
    if (component.host_calls) {
      add(node, untrusted_, EdgeKind::kHostCalls, c, 0);
      add(untrusted_, node, EdgeKind::kHostCalls, c, 0);
    }
    if (component.mmio) {
      add(node, untrusted_, EdgeKind::kMmio, c, 0);
      add(untrusted_, node, EdgeKind::kMmio, c, 0);
    }
    if (component.ripas) add(node, untrusted_, EdgeKind::kRipas, c, 0);
    if (component.psci != 0) add(node, untrusted_, EdgeKind::kPsci, c, 0);
  }
  build_index(node_count(), edges_, true, out_start_, out_list_);
  build_index(node_count(), edges_, false, in_start_, in_list_);
}

void FlowGraph::add(uint32_t from, uint32_t to, EdgeKind kind, uint32_t declaration, uint32_t window) {
  if (from == to) return;  // inside untrusted, or nothing moves
  edges_.push_back(FlowEdge{from, to, kind, declaration, window});
}

std::span<const uint32_t> FlowGraph::out_edges(uint32_t node) const {
  return {out_list_.data() + out_start_[node], out_start_[node + 1] - out_start_[node]};
}

std::span<const uint32_t> FlowGraph::in_edges(uint32_t node) const {
  return {in_list_.data() + in_start_[node], in_start_[node + 1] - in_start_[node]};
}

namespace {

// Reverse breadth-first search from `target` that never enters a blocked
// node. Afterwards toward[n] is the first edge of a shortest path n -> target
// for every node that reaches it (kUnreached otherwise).
class ReverseSearch {
 public:
  static constexpr uint32_t kUnreached = ~uint32_t{0};
  static constexpr uint32_t kTarget = ~uint32_t{0} - 1;

  explicit ReverseSearch(const FlowGraph& graph)
      : graph_(graph), toward_(graph.node_count(), kUnreached), blocked_(graph.node_count(), 0) {}

  void run(uint32_t target, const std::vector<uint32_t>& blocked_nodes) {
    ++generation_;
    for (const uint32_t node : blocked_nodes) blocked_[node] = generation_;
    std::fill(toward_.begin(), toward_.end(), kUnreached);
    queue_.clear();
    toward_[target] = kTarget;
    queue_.push_back(target);
    for (size_t head = 0; head < queue_.size(); ++head) {
      const uint32_t node = queue_[head];
      for (const uint32_t e : graph_.in_edges(node)) {
        const uint32_t source = graph_.edges()[e].from;
        if (toward_[source] != kUnreached || blocked_[source] == generation_) continue;
        toward_[source] = e;
        queue_.push_back(source);
      }
    }
  }

  bool reaches(uint32_t node) const { return toward_[node] != kUnreached; }

  std::vector<uint32_t> path_from(uint32_t node) const {
    std::vector<uint32_t> path;
    while (toward_[node] != kTarget) {
      const uint32_t e = toward_[node];
      path.push_back(e);
      node = graph_.edges()[e].to;
    }
    return path;
  }

 private:
  const FlowGraph& graph_;
  std::vector<uint32_t> toward_;
  std::vector<uint32_t> blocked_;
  std::vector<uint32_t> queue_;
  uint32_t generation_ = 0;
};

}  // namespace

std::vector<RequirementOutcome> prove(const Policy& policy, const FlowGraph& graph) {
  std::vector<RequirementOutcome> outcomes(policy.requirements.size());
  // Group requirements by (target node, cut nodes): one search per group.
  std::map<std::pair<uint32_t, std::vector<uint32_t>>, std::vector<size_t>> groups;
  for (size_t i = 0; i < policy.requirements.size(); ++i) {
    const Requirement& requirement = policy.requirements[i];
    const uint32_t target = requirement.to ? graph.node_of(*requirement.to) : graph.untrusted();
    std::vector<uint32_t> cut;
    for (const uint32_t via : requirement.via) cut.push_back(graph.node_of(via));
    groups[{target, std::move(cut)}].push_back(i);
  }
  ReverseSearch search(graph);
  for (const auto& [key, members] : groups) {
    search.run(key.first, key.second);
    for (const size_t i : members) {
      const uint32_t from = graph.node_of(policy.requirements[i].from);
      if (from == key.first || search.reaches(from)) {
        outcomes[i].holds = false;
        outcomes[i].path = search.path_from(from);
      }
    }
  }
  // A cut set that is not needed hints at a misunderstanding: check the
  // requirements that hold with one, against the target alone.
  std::map<uint32_t, std::vector<size_t>> uncut;
  for (size_t i = 0; i < policy.requirements.size(); ++i) {
    const Requirement& requirement = policy.requirements[i];
    if (outcomes[i].holds && !requirement.via.empty()) {
      uncut[requirement.to ? graph.node_of(*requirement.to) : graph.untrusted()].push_back(i);
    }
  }
  for (const auto& [target, members] : uncut) {
    search.run(target, {});
    for (const size_t i : members) {
      outcomes[i].cut_needed = search.reaches(graph.node_of(policy.requirements[i].from));
    }
  }
  return outcomes;
}

std::string node_name(const Policy& policy, const FlowGraph& graph, uint32_t node) {
  if (node == graph.untrusted()) return "untrusted";
  return "'" + policy.components[node].name + "'";
}

std::string endpoint_name(const Policy& policy, const FlowGraph& graph, const FlowEdge& edge, bool from_side) {
  const uint32_t node = from_side ? edge.from : edge.to;
  if (node != graph.untrusted()) return node_name(policy, graph, node);
  // Name the `any` component that stands for untrusted at this end, if any.
  auto component_side = [&]() -> std::optional<uint32_t> {
    switch (edge.kind) {
      case EdgeKind::kChannel: {
        const Channel& channel = policy.channels[edge.declaration];
        if (!channel.bidirectional && from_side) return channel.writer;
        if (!channel.bidirectional) {
          for (const uint32_t reader : channel.readers) {
            if (graph.node_of(reader) == node) return reader;
          }
          return std::nullopt;
        }
        const uint32_t a = channel.writer;
        const uint32_t b = channel.readers.front();
        return graph.node_of(a) == node ? a : b;
      }
      case EdgeKind::kGate: {
        const Gate& gate = policy.gates[edge.declaration];
        return graph.node_of(gate.caller) == node ? gate.caller : gate.callee;
      }
      default:
        return std::nullopt;  // the host itself
    }
  }();
  if (component_side && policy.components[*component_side].any_measurement) {
    return "'" + policy.components[*component_side].name + "' (untrusted)";
  }
  return "untrusted";
}

std::string describe_edge(const Policy& policy, const FlowEdge& edge) {
  switch (edge.kind) {
    case EdgeKind::kChannel: {
      const Channel& channel = policy.channels[edge.declaration];
      return "channel '" + channel.name + "' (" + format_size(channel.size) + ")";
    }
    case EdgeKind::kGate: {
      const Gate& gate = policy.gates[edge.declaration];
      return "gate '" + policy.components[gate.caller].name + " -> " + policy.components[gate.callee].name + "'";
    }
    case EdgeKind::kWindowIn:
    case EdgeKind::kWindowOut: {
      const Window& window = policy.components[edge.declaration].windows[edge.window];
      return "window '" + window.name + "' (" + (edge.kind == EdgeKind::kWindowIn ? "in" : "out") + ", " +
             format_size(window.size) + ")";
    }
    case EdgeKind::kHostCalls: return "host calls";
    case EdgeKind::kMmio: return "MMIO emulation";
    case EdgeKind::kRipas: return "RIPAS change exits";
    case EdgeKind::kPsci: {
      std::string functions;
      const uint8_t mask = policy.components[edge.declaration].psci;
      for (uint8_t bit = 1; bit <= schema::kPsciSystemReset; bit = static_cast<uint8_t>(bit << 1)) {
        if ((mask & bit) == 0) continue;
        if (!functions.empty()) functions += ", ";
        functions += psci_function_name(bit);
      }
      return "PSCI exits (" + functions + ")";
    }
  }
  return "path";
}

SourceRange edge_source(const PolicySources& sources, const FlowEdge& edge) {
  switch (edge.kind) {
    case EdgeKind::kChannel: return sources.channels[edge.declaration];
    case EdgeKind::kGate: return sources.gates[edge.declaration];
    case EdgeKind::kWindowIn:
    case EdgeKind::kWindowOut: return sources.components[edge.declaration].windows[edge.window];
    case EdgeKind::kHostCalls: return sources.components[edge.declaration].host_calls;
    case EdgeKind::kMmio: return sources.components[edge.declaration].mmio;
    case EdgeKind::kRipas: return sources.components[edge.declaration].ripas;
    case EdgeKind::kPsci: return sources.components[edge.declaration].psci;
  }
  return {};
}

void report_outcomes(const Policy& policy, const PolicySources& sources, const FlowGraph& graph,
                     const std::vector<RequirementOutcome>& outcomes, DiagnosticEngine& diagnostics) {
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const Requirement& requirement = policy.requirements[i];
    const RequirementOutcome& outcome = outcomes[i];
    const std::string from = policy.components[requirement.from].name;
    const std::string target = requirement.to ? "'" + policy.components[*requirement.to].name + "'" : "untrusted";
    if (outcome.holds) {
      if (!outcome.cut_needed) diagnostics.report(DiagId::kUnneededCutPoint, sources.requirements[i]);
      continue;
    }
    Diagnostic* diagnostic = nullptr;
    if (requirement.via.empty()) {
      diagnostic = &diagnostics.report(DiagId::kRequirementViolated, sources.requirements[i], {from, target});
    } else {
      std::string cut;
      for (size_t k = 0; k < requirement.via.size(); ++k) {
        if (k > 0) cut += k + 1 == requirement.via.size() ? " or " : ", ";
        cut += "'" + policy.components[requirement.via[k]].name + "'";
      }
      diagnostic = &diagnostics.report(DiagId::kRequirementBypassed, sources.requirements[i], {from, target, cut});
    }
    if (requirement.to && policy.components[*requirement.to].any_measurement) {
      diagnostic->note(DiagId::kNoteAny, sources.components[*requirement.to].any, {policy.components[*requirement.to].name});
    }
    for (size_t hop = 0; hop < outcome.path.size(); ++hop) {
      const FlowEdge& edge = graph.edges()[outcome.path[hop]];
      diagnostic->note(DiagId::kNoteHop, edge_source(sources, edge),
                       {std::to_string(hop + 1), endpoint_name(policy, graph, edge, true),
                        endpoint_name(policy, graph, edge, false), describe_edge(policy, edge)});
    }
  }
}

std::vector<Reach> reachable_from(const FlowGraph& graph, uint32_t node) {
  constexpr uint32_t kUnseen = ~uint32_t{0};
  constexpr uint32_t kStart = ~uint32_t{0} - 1;
  std::vector<uint32_t> via_edge(graph.node_count(), kUnseen);
  std::vector<uint32_t> order;
  via_edge[node] = kStart;
  order.push_back(node);
  for (size_t head = 0; head < order.size(); ++head) {
    for (const uint32_t e : graph.out_edges(order[head])) {
      const uint32_t next = graph.edges()[e].to;
      if (via_edge[next] != kUnseen) continue;
      via_edge[next] = e;
      order.push_back(next);
    }
  }
  std::vector<Reach> result;
  for (size_t k = 1; k < order.size(); ++k) {
    Reach reach;
    reach.node = order[k];
    for (uint32_t at = order[k]; via_edge[at] != kStart; at = graph.edges()[via_edge[at]].from) {
      reach.path.push_back(via_edge[at]);
    }
    std::reverse(reach.path.begin(), reach.path.end());
    result.push_back(std::move(reach));
  }
  return result;
}

}  // namespace mica::policy
