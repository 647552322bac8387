#include "policy/graph.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

extern char** environ;

namespace mica::policy {

namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string node_id(const FlowGraph& graph, uint32_t node) {
  if (node == graph.untrusted()) return "untrusted";
  std::string id = "c";  // (not "c" + to_string: GCC 12's -Wrestrict misfires on it at -O3)
  id += std::to_string(node);
  return id;
}

std::string requirement_text(const Policy& policy, const Requirement& requirement) {
  std::string text = policy.components[requirement.from].name + " !-> " +
                     (requirement.to ? policy.components[*requirement.to].name : std::string("untrusted"));
  if (!requirement.via.empty()) {
    text += " except via ";
    for (size_t i = 0; i < requirement.via.size(); ++i) {
      if (i > 0) text += ", ";
      text += policy.components[requirement.via[i]].name;
    }
  }
  return text;
}

}  // namespace

std::string to_dot(const Policy& policy, const FlowGraph& graph, const std::vector<RequirementOutcome>& outcomes) {
  // Draw each `any` realm as its own box inside the untrusted cluster; edges
  // of the flow graph that end there are drawn to that box.
  // (a component index never equals the untrusted node's, so this names the box)
  auto draw_node = [&](uint32_t component) { return node_id(graph, component); };
  std::set<uint32_t> violated_edges;
  for (const RequirementOutcome& outcome : outcomes) {
    if (!outcome.holds) violated_edges.insert(outcome.path.begin(), outcome.path.end());
  }
  std::map<uint32_t, std::vector<std::string>> cut_roles;
  for (size_t i = 0; i < policy.requirements.size(); ++i) {
    for (const uint32_t via : policy.requirements[i].via) {
      cut_roles[via].push_back(requirement_text(policy, policy.requirements[i]));
    }
  }

  std::ostringstream out;
  out << "digraph \"" << escape(policy.workflow) << "\" {\n";
  out << "  graph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, fontsize=16, nodesep=0.5, ranksep=1.1,\n"
      << "         label=\"workflow " << escape(policy.workflow) << "\"];\n";
  out << "  node [fontname=\"Helvetica\", fontsize=12, shape=box, style=\"rounded,filled\", "
         "fillcolor=\"#e8f1fb\", color=\"#2b5d8a\"];\n";
  out << "  edge [fontname=\"Helvetica\", fontsize=10];\n";

  out << "  subgraph cluster_untrusted {\n"
      << "    label=\"untrusted world\"; style=\"rounded,filled\"; fillcolor=\"#fdecea\"; color=\"#c0392b\";\n"
      << "    untrusted [label=\"host\\n(hypervisor, VMM, devices)\", shape=ellipse, fillcolor=\"#f5b7b1\", "
         "color=\"#c0392b\"];\n";
  for (uint32_t c = 0; c < policy.components.size(); ++c) {
    if (!policy.components[c].any_measurement) continue;
    out << "    c" << c << " [label=\"" << escape(policy.components[c].name)
        << "\\nmeasurement any\", fillcolor=\"#f5b7b1\", color=\"#c0392b\"];\n";
  }
  out << "  }\n";

  for (uint32_t c = 0; c < policy.components.size(); ++c) {
    const Component& component = policy.components[c];
    if (component.any_measurement) continue;
    const size_t measurements = component.measurements.size();
    std::string label = escape(component.name) + "\\n" + std::to_string(measurements) +
                        (measurements == 1 ? " measurement, " : " measurements, ") + format_size(component.memory_bytes) +
                        ", " + std::to_string(component.recs) + (component.recs == 1 ? " REC" : " RECs");
    std::string attributes;
    const auto cut = cut_roles.find(c);
    if (cut != cut_roles.end()) {
      if (cut->second.size() <= 2) {
        for (const std::string& role : cut->second) label += "\\ncut point of: " + escape(role);
      } else {
        label += std::string("\\ncut point of ") + std::to_string(cut->second.size()) + " requirements";
      }
      attributes = ", fillcolor=\"#fff3b0\", color=\"#b7950b\", penwidth=3, peripheries=2";
    }
    out << "  c" << c << " [label=\"" << label << "\"" << attributes << "];\n";
  }

  // Edges: one drawn edge per declaration and direction pair; both-way
  // flows (bidirectional channels, gates, host calls, MMIO) as one edge
  // with two arrowheads.
  const std::vector<FlowEdge>& edges = graph.edges();
  for (uint32_t e = 0; e < edges.size(); ++e) {
    const FlowEdge& edge = edges[e];
    std::string from = node_id(graph, edge.from);
    std::string to = node_id(graph, edge.to);
    std::string label;
    std::string style;
    bool both = false;
    switch (edge.kind) {
      case EdgeKind::kChannel: {
        const Channel& channel = policy.channels[edge.declaration];
        if (channel.bidirectional && graph.node_of(channel.writer) != edge.from) continue;  // drawn once
        // Draw from the declared endpoints, which may be `any` boxes.
        if (!channel.bidirectional) {
          from = draw_node(channel.writer);
          for (const uint32_t reader : channel.readers) {
            if (graph.node_of(reader) == edge.to) to = draw_node(reader);
          }
        } else {
          from = draw_node(channel.writer);
          to = draw_node(channel.readers.front());
        }
        both = channel.bidirectional;
        label = escape(channel.name) + "\\n" + format_size(channel.size);
        style = "color=\"#2b5d8a\", fontcolor=\"#2b5d8a\", penwidth=2";
        break;
      }
      case EdgeKind::kGate: {
        const Gate& gate = policy.gates[edge.declaration];
        if (graph.node_of(gate.caller) != edge.from) continue;  // drawn once, caller to callee
        from = draw_node(gate.caller);
        to = draw_node(gate.callee);
        both = true;
        label = "gate";
        style = "color=\"#7d3c98\", fontcolor=\"#7d3c98\", style=dashed, arrowtail=odot";
        break;
      }
      case EdgeKind::kWindowIn:
      case EdgeKind::kWindowOut: {
        if (edge.kind == EdgeKind::kWindowOut && edge.from == graph.untrusted()) continue;  // drawn once
        both = edge.kind == EdgeKind::kWindowOut;
        const Window& window = policy.components[edge.declaration].windows[edge.window];
        label = "window " + escape(window.name) + "\\n" + (edge.kind == EdgeKind::kWindowIn ? "in, " : "out, ") +
                format_size(window.size);
        style = "color=\"#c0392b\", fontcolor=\"#c0392b\"";
        break;
      }
      case EdgeKind::kHostCalls:
      case EdgeKind::kMmio:
        if (edge.from == graph.untrusted()) continue;  // drawn once, realm to host
        both = true;
        label = edge.kind == EdgeKind::kHostCalls ? "host calls" : "MMIO";
        style = "color=\"#c0392b\", fontcolor=\"#c0392b\", style=dotted";
        break;
      case EdgeKind::kRipas:
        label = "RIPAS changes";
        style = "color=\"#c0392b\", fontcolor=\"#c0392b\", style=dotted";
        break;
      case EdgeKind::kPsci:
        label = escape(describe_edge(policy, edge));
        style = "color=\"#c0392b\", fontcolor=\"#c0392b\", style=dotted";
        break;
    }
    // A violated path is drawn over its edges, so mark both directions of a shared drawing.
    bool violated = violated_edges.count(e) > 0;
    if (both) {
      for (const uint32_t other : violated_edges) {
        const FlowEdge& candidate = edges[other];
        if (candidate.kind == edge.kind && candidate.declaration == edge.declaration &&
            candidate.window == edge.window) {
          violated = true;
        }
      }
    }
    out << "  " << from << " -> " << to << " [label=\"" << label << "\", " << style;
    if (both) out << ", dir=both";
    if (violated) out << ", color=\"#e74c3c\", penwidth=4, fontcolor=\"#e74c3c\"";
    out << "];\n";
  }

  if (!policy.requirements.empty()) {
    out << "  requirements [shape=note, style=filled, fillcolor=\"#f4f6f7\", color=\"#7f8c8d\", "
           "fontname=\"Helvetica\", label=\"requirements\\l";
    for (size_t i = 0; i < policy.requirements.size(); ++i) {
      const bool holds = i >= outcomes.size() || outcomes[i].holds;
      out << (holds ? "holds:    " : "VIOLATED: ") << escape(requirement_text(policy, policy.requirements[i]))
          << "\\l";
    }
    out << "\"];\n";
  }
  out << "}\n";
  return out.str();
}

std::string run_graphviz(const std::string& dot_text, const std::string& format, const std::filesystem::path& output) {
  char input_path[] = "/tmp/mica-graph-XXXXXX";
  const int fd = mkstemp(input_path);
  if (fd < 0) return std::string("cannot create a temporary file: ") + std::strerror(errno);
  {
    std::ofstream input(input_path);
    input << dot_text;
    if (!input) {
      close(fd);
      unlink(input_path);
      return "cannot write the temporary DOT file";
    }
  }
  close(fd);
  const std::string type = "-T" + format;
  const std::string out_path = output.string();
  std::vector<char*> argv = {const_cast<char*>("dot"), const_cast<char*>(type.c_str()), const_cast<char*>("-o"),
                             const_cast<char*>(out_path.c_str()), input_path, nullptr};
  pid_t pid = 0;
  const int spawn_error = posix_spawnp(&pid, "dot", nullptr, nullptr, argv.data(), environ);
  if (spawn_error != 0) {
    unlink(input_path);
    return std::string("cannot run Graphviz 'dot': ") + std::strerror(spawn_error) +
           " (install the Debian package graphviz)";
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  unlink(input_path);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "Graphviz 'dot' failed";
  return {};
}

}  // namespace mica::policy
