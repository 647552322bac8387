// The flow graph and the prover: edges as the language defines them, proofs
// against a brute-force reference on random policies, witness paths.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "policy/flow.h"
#include "test_support.h"

namespace mica::policy {
namespace {

namespace schema = monitor::policy::schema;

Component component(const std::string& name) {
  Component c;
  c.name = name;
  c.measurements.push_back({HashAlgo::kSha256, std::vector<uint8_t>(32, 1)});
  c.memory_bytes = 4096;
  c.recs = 1;
  return c;
}

std::set<std::pair<uint32_t, uint32_t>> edge_pairs(const FlowGraph& graph) {
  std::set<std::pair<uint32_t, uint32_t>> pairs;
  for (const FlowEdge& edge : graph.edges()) pairs.insert({edge.from, edge.to});
  return pairs;
}

TEST(FlowGraph, HasTheEdgesTheLanguageDefines) {
  Policy p;
  p.workflow = "w";
  for (const char* name : {"a", "b", "c", "d", "e", "f", "g"}) p.components.push_back(component(name));
  p.components[0].windows.push_back({"in", WindowDirection::kIn, 0, 4096});
  p.components[1].windows.push_back({"out", WindowDirection::kOut, 0, 4096});
  p.components[2].host_calls = true;
  p.components[3].mmio = true;
  p.components[4].ripas = true;
  p.components[5].psci = schema::kPsciCpuOn;
  p.channels.push_back({"one_way", 0, {1, 2}, 4096, false});
  p.channels.push_back({"both", 3, {4}, 4096, true});
  p.gates.push_back({5, 6});
  const FlowGraph graph(p);
  const uint32_t u = graph.untrusted();
  EXPECT_EQ(u, 7u);
  const std::set<std::pair<uint32_t, uint32_t>> expected = {
      {u, 0},          // in window: host -> realm only
      {1, u}, {u, 1},  // out window: the realm writes, and may read what the host writes
      {2, u}, {u, 2},  // host calls: both ways
      {3, u}, {u, 3},  // MMIO: both ways
      {4, u},          // RIPAS change exits
      {5, u},          // PSCI exits
      {0, 1}, {0, 2},  // channel writer -> readers
      {3, 4}, {4, 3},  // bidirectional channel
      {5, 6}, {6, 5},  // gate: both ways
  };
  EXPECT_EQ(edge_pairs(graph), expected);
}

TEST(FlowGraph, AnyMeasurementMeansUntrusted) {
  Policy p;
  p.workflow = "w";
  p.components = {component("a"), component("plugin"), component("b")};
  p.components[1].any_measurement = true;
  p.components[1].measurements.clear();
  p.components[1].host_calls = true;  // inside untrusted: no edge
  p.channels.push_back({"feed", 0, {1}, 4096, false});
  p.channels.push_back({"back", 1, {2}, 4096, false});
  const FlowGraph graph(p);
  EXPECT_EQ(graph.node_of(1), graph.untrusted());
  EXPECT_EQ(edge_pairs(graph), (std::set<std::pair<uint32_t, uint32_t>>{{0, 3}, {3, 2}}));
  const FlowEdge& feed = graph.edges()[0];
  EXPECT_EQ(endpoint_name(p, graph, feed, false), "'plugin' (untrusted)");
  EXPECT_EQ(endpoint_name(p, graph, feed, true), "'a'");
}

// Reference semantics: depth-first search over the edges as specified,
// written independently of FlowGraph.
bool reference_reaches(const Policy& p, uint32_t from, std::optional<uint32_t> to, const std::vector<uint32_t>& via) {
  const auto n = static_cast<uint32_t>(p.components.size());
  const uint32_t u = n;
  auto node = [&](uint32_t c) { return p.components[c].any_measurement ? u : c; };
  std::vector<std::set<uint32_t>> next(n + 1);
  auto link = [&](uint32_t a, uint32_t b) { next[a].insert(b); };
  for (const Channel& ch : p.channels) {
    for (const uint32_t r : ch.readers) {
      link(node(ch.writer), node(r));
      if (ch.bidirectional) link(node(r), node(ch.writer));
    }
  }
  for (const Gate& g : p.gates) {
    link(node(g.caller), node(g.callee));
    link(node(g.callee), node(g.caller));
  }
  for (uint32_t c = 0; c < n; ++c) {
    const Component& comp = p.components[c];
    for (const Window& w : comp.windows) {
      link(u, node(c));
      if (w.direction == WindowDirection::kOut) link(node(c), u);
    }
    if (comp.host_calls || comp.mmio) link(u, node(c)), link(node(c), u);
    if (comp.ripas || comp.psci != 0) link(node(c), u);
  }
  std::set<uint32_t> blocked;
  for (const uint32_t v : via) blocked.insert(node(v));
  const uint32_t target = to ? node(*to) : u;
  std::vector<bool> seen(n + 1, false);
  std::vector<uint32_t> stack = {node(from)};
  seen[node(from)] = true;
  while (!stack.empty()) {
    const uint32_t at = stack.back();
    stack.pop_back();
    if (at == target) return true;
    for (const uint32_t b : next[at]) {
      if (seen[b] || blocked.count(b) > 0) continue;
      seen[b] = true;
      stack.push_back(b);
    }
  }
  return false;
}

Policy random_policy(std::mt19937& random, uint32_t components) {
  Policy p;
  p.workflow = "random";
  for (uint32_t i = 0; i < components; ++i) {
    Component c = component("c" + std::to_string(i));
    c.any_measurement = random() % 10 == 0;
    if (random() % 6 == 0) c.windows.push_back({"w", random() % 2 ? WindowDirection::kIn : WindowDirection::kOut, 0, 4096});
    c.host_calls = random() % 12 == 0;
    c.mmio = random() % 15 == 0;
    c.ripas = random() % 15 == 0;
    c.psci = random() % 15 == 0 ? schema::kPsciCpuOff : 0;
    p.components.push_back(c);
  }
  const uint32_t channels = components + random() % components;
  for (uint32_t i = 0; i < channels; ++i) {
    Channel ch;
    ch.name = "k" + std::to_string(i);
    ch.writer = random() % components;
    ch.bidirectional = random() % 5 == 0;
    const uint32_t readers = ch.bidirectional ? 1 : 1 + random() % std::min<uint32_t>(3, components - 1);
    std::set<uint32_t> chosen;
    while (chosen.size() < readers) {
      const uint32_t r = random() % components;
      if (r != ch.writer) chosen.insert(r);
    }
    ch.readers.assign(chosen.begin(), chosen.end());
    ch.size = 4096;
    p.channels.push_back(ch);
  }
  for (uint32_t i = 0; i < components / 3; ++i) {
    const uint32_t a = random() % components;
    const uint32_t b = random() % components;
    if (a != b) p.gates.push_back({a, b});
  }
  for (uint32_t i = 0; i < 2 * components; ++i) {
    Requirement r;
    r.from = random() % components;
    if (p.components[r.from].any_measurement) continue;
    if (random() % 2) {
      r.to = random() % components;
      if (*r.to == r.from) continue;
    }
    for (uint32_t v = 0; v < components; ++v) {
      if (v != r.from && (!r.to || v != *r.to) && !p.components[v].any_measurement && random() % 8 == 0) {
        r.via.push_back(v);
      }
    }
    p.requirements.push_back(r);
  }
  return p;
}

TEST(Prover, AgreesWithABruteForceReferenceOnRandomPolicies) {
  std::mt19937 random(1234);
  size_t violated = 0;
  size_t held = 0;
  for (int round = 0; round < 300; ++round) {
    const Policy p = random_policy(random, 3 + random() % 20);
    const FlowGraph graph(p);
    const std::vector<RequirementOutcome> outcomes = prove(p, graph);
    ASSERT_EQ(outcomes.size(), p.requirements.size());
    for (size_t i = 0; i < p.requirements.size(); ++i) {
      const Requirement& r = p.requirements[i];
      const bool reaches = reference_reaches(p, r.from, r.to, r.via);
      EXPECT_EQ(outcomes[i].holds, !reaches) << "round " << round << " requirement " << i;
      if (outcomes[i].holds) {
        ++held;
        EXPECT_EQ(outcomes[i].cut_needed, r.via.empty() || reference_reaches(p, r.from, r.to, {}));
        continue;
      }
      ++violated;
      // The witness is a real path from `from` to the target avoiding the cut points.
      const std::vector<uint32_t>& path = outcomes[i].path;
      ASSERT_FALSE(path.empty());
      uint32_t at = graph.node_of(r.from);
      for (const uint32_t e : path) {
        const FlowEdge& edge = graph.edges()[e];
        EXPECT_EQ(edge.from, at);
        at = edge.to;
        for (const uint32_t v : r.via) EXPECT_NE(at, graph.node_of(v));
      }
      EXPECT_EQ(at, r.to ? graph.node_of(*r.to) : graph.untrusted());
    }
  }
  EXPECT_GT(violated, 100u);  // both outcomes are exercised
  EXPECT_GT(held, 100u);
}

TEST(Prover, ReportsThePathHopByHop) {
  const std::string text = "workflow w;\n"
                           "realm a { measurement " + testing::digest_of("a") + "; memory 4 MiB; recs 1; }\n"
                           "realm b { measurement " + testing::digest_of("b") + "; memory 4 MiB; recs 1; }\n"
                           "realm c { measurement " + testing::digest_of("c") + "; memory 4 MiB; recs 1;\n"
                           "  untrusted { window leak out 4 KiB; } }\n"
                           "channel ab : a -> b size 4 KiB;\n"
                           "gate c -> b;\n"
                           "require a !-> untrusted;\n";
  const Compilation compilation = testing::compile_text(text);
  ASSERT_EQ(testing::codes(compilation), std::vector<std::string>{"E401"});
  const Diagnostic& error = compilation.diagnostics.all().front();
  ASSERT_EQ(error.notes.size(), 3u);
  EXPECT_EQ(error.notes[0].message, "hop 1: 'a' -> 'b' through channel 'ab' (4 KiB)");
  EXPECT_EQ(error.notes[1].message, "hop 2: 'b' -> 'c' through gate 'c -> b'");
  EXPECT_EQ(error.notes[2].message, "hop 3: 'c' -> untrusted through window 'leak' (out, 4 KiB)");
  EXPECT_EQ(compilation.source.slice(error.notes[0].range), "channel ab : a -> b size 4 KiB;");
  EXPECT_EQ(compilation.source.slice(error.notes[1].range), "gate c -> b;");
  EXPECT_EQ(compilation.source.slice(error.notes[2].range), "window leak out 4 KiB;");
  EXPECT_TRUE(compilation.compiled.empty());
}

TEST(Reach, ListsEveryReachableNodeWithAShortestPath) {
  Policy p;
  p.workflow = "w";
  p.components = {component("a"), component("b"), component("c"), component("d")};
  p.channels.push_back({"ab", 0, {1}, 4096, false});
  p.channels.push_back({"bc", 1, {2}, 4096, false});
  p.channels.push_back({"ac", 0, {2}, 4096, false});
  p.components[2].windows.push_back({"o", WindowDirection::kOut, 0, 4096});
  const FlowGraph graph(p);
  const std::vector<Reach> reach = reachable_from(graph, 0);
  std::map<uint32_t, size_t> length;
  for (const Reach& r : reach) length[r.node] = r.path.size();
  EXPECT_EQ(length, (std::map<uint32_t, size_t>{{1, 1}, {2, 1}, {graph.untrusted(), 2}}));  // d is unreachable
  EXPECT_TRUE(reachable_from(graph, 3).empty());
}

}  // namespace
}  // namespace mica::policy
