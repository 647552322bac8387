#include "verify/compiled_policy.h"

#include <algorithm>
#include <set>

#include "policy/compiled.h"
#include "policy/explain.h"
#include "policy/flow.h"

namespace mica::verify {

namespace {

using policy::Policy;

std::string requirement_sentence(const Policy& p, const policy::Requirement& r) {
  std::string text = p.components[r.from].name + " !-> " + (r.to ? p.components[*r.to].name : std::string("untrusted"));
  for (size_t i = 0; i < r.via.size(); ++i) text += (i == 0 ? " except via " : ", ") + p.components[r.via[i]].name;
  return text;
}

std::string measurement_text(const policy::Measurement& m) {
  return std::string(m.algo == monitor::HashAlgo::kSha256 ? "sha256:" : "sha512:") + policy::hex_string(m.digest);
}

template <class T, class Describe>
std::string list_text(const std::vector<T>& items, Describe describe) {
  if (items.empty()) return "none";
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + describe(item);
  return text;
}

std::string flag(bool allowed) { return allowed ? "allow" : "deny"; }

std::string psci_text(uint8_t mask) {
  std::string text;
  for (uint8_t bit = 1; bit != 0 && bit <= monitor::policy::schema::kPsciAll; bit = static_cast<uint8_t>(bit << 1)) {
    if (mask & bit) text += (text.empty() ? "" : ", ") + std::string(policy::psci_function_name(bit));
  }
  return text.empty() ? "none" : text;
}

void compare_components(const Policy& mine, const Policy& theirs, std::vector<std::string>& out) {
  for (size_t i = 0; i < mine.components.size(); ++i) {
    const auto& a = mine.components[i];
    auto j = theirs.find_component(a.name);
    if (!j) {
      out.push_back("realm '" + a.name + "' is in your policy but not in the deployed one");
      continue;
    }
    const auto& b = theirs.components[*j];
    std::string where = "realm '" + a.name + "': ";
    if (i != *j) out.push_back(where + "component index " + std::to_string(i) + " in yours, " + std::to_string(*j) + " deployed");
    auto measurements = [](const policy::Component& c) {
      return c.any_measurement ? std::string("any") : list_text(c.measurements, measurement_text);
    };
    if (measurements(a) != measurements(b)) {
      out.push_back(where + "measurement " + measurements(a) + " in yours, " + measurements(b) + " deployed");
    }
    if (a.memory_bytes != b.memory_bytes) {
      out.push_back(where + "memory " + policy::format_size(a.memory_bytes) + " in yours, " +
                    policy::format_size(b.memory_bytes) + " deployed");
    }
    if (a.recs != b.recs) out.push_back(where + "recs " + std::to_string(a.recs) + " in yours, " + std::to_string(b.recs) + " deployed");
    auto window_text = [](const policy::Window& w) {
      return std::string(w.direction == policy::WindowDirection::kIn ? "in " : "out ") + policy::format_size(w.size) +
             " at offset " + std::to_string(w.offset);
    };
    for (const auto& wa : a.windows) {
      auto it = std::find_if(b.windows.begin(), b.windows.end(), [&](const auto& w) { return w.name == wa.name; });
      if (it == b.windows.end()) {
        out.push_back(where + "window '" + wa.name + "' (" + window_text(wa) + ") is not in the deployed policy");
      } else if (!(*it == wa)) {
        out.push_back(where + "window '" + wa.name + "' is " + window_text(wa) + " in yours, " + window_text(*it) + " deployed");
      }
    }
    for (const auto& wb : b.windows) {
      bool known = std::any_of(a.windows.begin(), a.windows.end(), [&](const auto& w) { return w.name == wb.name; });
      if (!known) out.push_back(where + "the deployed policy adds window '" + wb.name + "' (" + window_text(wb) + ")");
    }
    if (a.host_calls != b.host_calls) out.push_back(where + "host_calls " + flag(a.host_calls) + " in yours, " + flag(b.host_calls) + " deployed");
    if (a.mmio != b.mmio) out.push_back(where + "mmio " + flag(a.mmio) + " in yours, " + flag(b.mmio) + " deployed");
    if (a.ripas != b.ripas) out.push_back(where + "ripas " + flag(a.ripas) + " in yours, " + flag(b.ripas) + " deployed");
    if (a.psci != b.psci) out.push_back(where + "psci " + psci_text(a.psci) + " in yours, " + psci_text(b.psci) + " deployed");
  }
  for (const auto& b : theirs.components) {
    if (!mine.find_component(b.name)) out.push_back("the deployed policy adds realm '" + b.name + "'");
  }
}

void compare_channels(const Policy& mine, const Policy& theirs, std::vector<std::string>& out) {
  auto names = [](const Policy& p, const std::vector<uint32_t>& indices) {
    return list_text(indices, [&](uint32_t i) { return p.components[i].name; });
  };
  auto describe = [&](const Policy& p, const policy::Channel& c) {
    return p.components[c.writer].name + (c.bidirectional ? " <-> " : " -> ") + names(p, c.readers) + " size " +
           policy::format_size(c.size);
  };
  for (const auto& a : mine.channels) {
    auto it = std::find_if(theirs.channels.begin(), theirs.channels.end(), [&](const auto& c) { return c.name == a.name; });
    if (it == theirs.channels.end()) {
      out.push_back("channel '" + a.name + "' (" + describe(mine, a) + ") is not in the deployed policy");
    } else if (describe(mine, a) != describe(theirs, *it)) {
      out.push_back("channel '" + a.name + "' is " + describe(mine, a) + " in yours, " + describe(theirs, *it) + " deployed");
    }
  }
  for (const auto& b : theirs.channels) {
    bool known = std::any_of(mine.channels.begin(), mine.channels.end(), [&](const auto& c) { return c.name == b.name; });
    if (!known) out.push_back("the deployed policy adds channel '" + b.name + "' (" + describe(theirs, b) + ")");
  }
}

void compare_by_text(const std::set<std::string>& mine, const std::set<std::string>& theirs, const std::string& what,
                     std::vector<std::string>& out) {
  for (const auto& a : mine) {
    if (!theirs.contains(a)) out.push_back(what + " '" + a + "' is not in the deployed policy");
  }
  for (const auto& b : theirs) {
    if (!mine.contains(b)) out.push_back("the deployed policy adds " + what + " '" + b + "'");
  }
}

}  // namespace

std::vector<std::string> policy_differences(const Policy& mine, const Policy& theirs) {
  std::vector<std::string> out;
  if (mine.workflow != theirs.workflow) {
    out.push_back("workflow '" + mine.workflow + "' in yours, '" + theirs.workflow + "' deployed");
  }
  compare_components(mine, theirs, out);
  compare_channels(mine, theirs, out);
  auto gates = [](const Policy& p) {
    std::set<std::string> set;
    for (const auto& g : p.gates) set.insert(p.components[g.caller].name + " -> " + p.components[g.callee].name);
    return set;
  };
  compare_by_text(gates(mine), gates(theirs), "gate", out);
  auto requirements = [](const Policy& p) {
    std::set<std::string> set;
    for (const auto& r : p.requirements) set.insert(requirement_sentence(p, r));
    return set;
  };
  compare_by_text(requirements(mine), requirements(theirs), "requirement", out);
  return out;
}

Result<CompiledTenantPolicy> CompiledTenantPolicy::from_compiled(std::span<const uint8_t> compiled) {
  auto decoded = policy::decode_compiled(compiled);
  if (auto* failure = std::get_if<policy::DecodeFailure>(&decoded)) {
    return Error{"compiled policy: " + failure->message};
  }
  CompiledTenantPolicy out;
  out.policy_ = std::move(std::get<Policy>(decoded));
  policy::PolicyDigest digest = policy::digest_compiled(compiled);
  out.digest_.assign(digest.begin(), digest.end());

  // The flow facts are proven here again, from the decoded policy: the
  // verifier does not take the compiler's word for them.
  policy::FlowGraph graph(out.policy_);
  std::vector<policy::RequirementOutcome> outcomes = policy::prove(out.policy_, graph);
  for (uint32_t c = 0; c < out.policy_.components.size(); ++c) {
    const policy::Component& component = out.policy_.components[c];
    PolicyComponent pc;
    pc.index = c;
    pc.name = component.name;
    pc.any_measurement = component.any_measurement;
    for (const auto& m : component.measurements) pc.measurements.push_back(m.digest);
    for (size_t r = 0; r < out.policy_.requirements.size(); ++r) {
      if (out.policy_.requirements[r].from != c) continue;
      bool holds = r >= outcomes.size() || outcomes[r].holds;
      pc.flow_facts.push_back(requirement_sentence(out.policy_, out.policy_.requirements[r]) +
                              (holds ? " (proven)" : " (VIOLATED by the policy itself)"));
    }
    for (std::string& line : policy::describe_reach(out.policy_, graph, c)) pc.flow_facts.push_back(std::move(line));
    out.components_.push_back(std::move(pc));
  }
  return out;
}

std::vector<std::string> CompiledTenantPolicy::differences_from(const TenantPolicy& deployed) const {
  if (const auto* other = dynamic_cast<const CompiledTenantPolicy*>(&deployed)) return policy_differences(policy_, other->policy_);
  if (deployed.digest() == digest_) return {};
  return {"the policies differ (digest " + cbor::to_hex(digest_) + " and " + cbor::to_hex(deployed.digest()) + ")"};
}

}  // namespace mica::verify
