#include "policy/explain.h"

#include <algorithm>
#include <sstream>

namespace mica::policy {

namespace {

namespace schema = monitor::policy::schema;

std::string plural(size_t count, const std::string& word) {
  return std::to_string(count) + " " + word + (count == 1 ? "" : "s");
}

// endpoint_name without the quotes: "model", "untrusted", "plotter (untrusted)".
std::string endpoint_label(const Policy& policy, const FlowGraph& graph, const FlowEdge& edge) {
  std::string label = endpoint_name(policy, graph, edge, false);
  label.erase(std::remove(label.begin(), label.end(), '\''), label.end());
  return label;
}

// "ingest -[channel 'records' (4 MiB)]-> model -[...]-> untrusted"
std::string path_text(const Policy& policy, const FlowGraph& graph, const std::string& start,
                      const std::vector<uint32_t>& path) {
  std::string text = start;
  for (const uint32_t e : path) {
    const FlowEdge& edge = graph.edges()[e];
    text += " -[" + describe_edge(policy, edge) + "]-> " + endpoint_label(policy, graph, edge);
  }
  return text;
}

std::string untrusted_paths(const Component& component) {
  std::vector<std::string> open;
  for (const Window& window : component.windows) {
    char offset[32];
    std::snprintf(offset, sizeof offset, "0x%llx", static_cast<unsigned long long>(window.offset));
    open.push_back("window '" + window.name + "' " + (window.direction == WindowDirection::kIn ? "in" : "out") + " " +
                   format_size(window.size) + " at " + offset);
  }
  if (component.host_calls) open.push_back("host calls");
  if (component.mmio) open.push_back("MMIO emulation");
  if (component.ripas) open.push_back("RIPAS changes");
  if (component.psci != 0) {
    std::string functions;
    for (uint8_t bit = 1; bit <= schema::kPsciSystemReset; bit = static_cast<uint8_t>(bit << 1)) {
      if ((component.psci & bit) == 0) continue;
      if (!functions.empty()) functions += ", ";
      functions += psci_function_name(bit);
    }
    open.push_back("PSCI " + functions);
  }
  if (open.empty()) return "none (every path to the host is closed)";
  std::string text;
  for (size_t i = 0; i < open.size(); ++i) text += (i > 0 ? "; " : "") + open[i];
  return text;
}

std::string requirement_text(const Policy& policy, const Requirement& requirement) {
  std::string text = policy.components[requirement.from].name + " !-> " +
                     (requirement.to ? policy.components[*requirement.to].name : std::string("untrusted"));
  for (size_t i = 0; i < requirement.via.size(); ++i) {
    text += (i == 0 ? " except via " : ", ") + policy.components[requirement.via[i]].name;
  }
  return text;
}

}  // namespace

std::vector<std::string> describe_reach(const Policy& policy, const FlowGraph& graph, uint32_t component) {
  std::vector<std::string> lines;
  const uint32_t start = graph.node_of(component);
  if (start == graph.untrusted()) {
    lines.push_back("its measurement is 'any': its data is untrusted, and whatever the untrusted world "
                    "can reach, it can reach");
  }
  const std::vector<Reach> reach = reachable_from(graph, start);
  if (reach.empty()) {
    lines.push_back("its data cannot leave it");
    return lines;
  }
  const std::string label = start == graph.untrusted() ? policy.components[component].name + " (untrusted)"
                                                       : policy.components[component].name;
  for (const Reach& r : reach) lines.push_back("can reach " + path_text(policy, graph, label, r.path));
  return lines;
}

std::string explain(const Policy& policy, const FlowGraph& graph, const std::vector<RequirementOutcome>& outcomes,
                    const PolicyDigest& digest) {
  std::ostringstream out;
  out << "workflow " << policy.workflow << ": " << plural(policy.components.size(), "realm") << ", "
      << plural(policy.channels.size(), "channel") << ", " << plural(policy.gates.size(), "gate") << ", "
      << plural(policy.requirements.size(), "requirement") << "\n";
  out << "policy digest: sha256:" << digest_hex(digest) << "\n";

  // Who can be reached from whom, to answer "who can send data here" too.
  std::vector<std::vector<uint32_t>> sources(graph.node_count());
  for (uint32_t c = 0; c < policy.components.size(); ++c) {
    for (const Reach& r : reachable_from(graph, graph.node_of(c))) sources[r.node].push_back(c);
  }

  for (uint32_t c = 0; c < policy.components.size(); ++c) {
    const Component& component = policy.components[c];
    out << "\nrealm " << component.name << " (component " << c << ")\n";
    if (component.any_measurement) {
      out << "  runs: any code (measurement any): counted as part of the untrusted world\n";
    } else {
      out << "  runs: ";
      for (size_t i = 0; i < component.measurements.size(); ++i) {
        const Measurement& m = component.measurements[i];
        out << (i > 0 ? "\n        " : "") << (m.algo == HashAlgo::kSha256 ? "sha256:" : "sha512:")
            << hex_string(m.digest);
      }
      out << "\n";
    }
    out << "  memory " << format_size(component.memory_bytes) << ", " << plural(component.recs, "REC") << "\n";
    out << "  untrusted paths: " << untrusted_paths(component) << "\n";
    for (const Channel& channel : policy.channels) {
      const bool writes = channel.writer == c || (channel.bidirectional && channel.readers.front() == c);
      bool reads = channel.bidirectional && channel.writer == c;
      for (const uint32_t reader : channel.readers) reads |= reader == c;
      if (!writes && !reads) continue;
      out << "  channel '" << channel.name << "' (" << format_size(channel.size) << "): "
          << (writes && reads ? "reads and writes" : writes ? "writes" : "reads") << "\n";
    }
    for (const Gate& gate : policy.gates) {
      if (gate.caller == c) out << "  gate: calls " << policy.components[gate.callee].name << "\n";
      if (gate.callee == c) out << "  gate: called by " << policy.components[gate.caller].name << "\n";
    }
    out << "  data flow:\n";
    for (const std::string& line : describe_reach(policy, graph, c)) out << "    " << line << "\n";
    std::string from;
    for (const uint32_t s : sources[graph.node_of(c)]) {
      if (s == c) continue;
      from += (from.empty() ? "" : ", ") + policy.components[s].name;
    }
    const bool from_untrusted = [&] {
      for (const Reach& r : reachable_from(graph, graph.untrusted())) {
        if (r.node == graph.node_of(c)) return true;
      }
      return graph.node_of(c) == graph.untrusted();
    }();
    if (from_untrusted) from += std::string(from.empty() ? "" : ", ") + "untrusted";
    out << "    data can reach it from: " << (from.empty() ? "nowhere" : from) << "\n";
  }

  out << "\nrequirements:\n";
  if (policy.requirements.empty()) out << "  (none)\n";
  for (size_t i = 0; i < policy.requirements.size(); ++i) {
    const bool holds = i >= outcomes.size() || outcomes[i].holds;
    out << "  " << (holds ? "holds     " : "VIOLATED  ") << requirement_text(policy, policy.requirements[i]) << "\n";
    if (!holds) {
      const uint32_t from = policy.requirements[i].from;
      out << "            " << path_text(policy, graph, policy.components[from].name, outcomes[i].path) << "\n";
    }
  }
  return out.str();
}

}  // namespace mica::policy
