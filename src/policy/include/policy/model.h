// The meaning of a policy: what the checker makes of the syntax tree, what
// the compiled CBOR encodes and what decoding that CBOR gives back. Every
// collection is in canonical order, so two policies that mean the same are
// equal (==) and encode to the same bytes.
//
// Source positions are kept apart (PolicySources) so that they never take
// part in equality or encoding.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mica/policy_schema.h"
#include "monitor/types.h"
#include "policy/source.h"

namespace mica::policy {

using monitor::HashAlgo;
using WindowDirection = monitor::policy::schema::WindowDirection;

struct Measurement {
  HashAlgo algo = HashAlgo::kSha256;
  std::vector<uint8_t> digest;  // hash_size(algo) bytes
  friend bool operator==(const Measurement&, const Measurement&) = default;
};

struct Window {
  std::string name;
  WindowDirection direction = WindowDirection::kIn;
  uint64_t offset = 0;  // from the base of the unprotected IPA half
  uint64_t size = 0;
  friend bool operator==(const Window&, const Window&) = default;
};

struct Component {
  std::string name;
  bool any_measurement = false;
  std::vector<Measurement> measurements;  // SHA-256 before SHA-512, then bytewise
  uint64_t memory_bytes = 0;
  uint32_t recs = 0;
  std::vector<Window> windows;  // by name
  bool host_calls = false;
  bool mmio = false;
  bool ripas = false;
  uint8_t psci = 0;  // schema::PsciMask
  friend bool operator==(const Component&, const Component&) = default;
};

struct Channel {
  std::string name;
  uint32_t writer = 0;
  std::vector<uint32_t> readers;  // ascending; for bidirectional: one, greater than writer
  uint64_t size = 0;
  bool bidirectional = false;
  friend bool operator==(const Channel&, const Channel&) = default;
};

struct Gate {
  uint32_t caller = 0;
  uint32_t callee = 0;
  friend auto operator<=>(const Gate&, const Gate&) = default;
};

struct Requirement {
  uint32_t from = 0;
  std::optional<uint32_t> to;  // empty: untrusted
  std::vector<uint32_t> via;   // ascending
  friend bool operator==(const Requirement&, const Requirement&) = default;
};

struct Policy {
  std::string workflow;
  std::vector<Component> components;  // by name; a component's index is its position
  std::vector<Channel> channels;      // by name
  std::vector<Gate> gates;            // by (caller, callee)
  std::vector<Requirement> requirements;  // by their canonical encoding
  friend bool operator==(const Policy&, const Policy&) = default;

  std::optional<uint32_t> find_component(std::string_view name) const;
};

// Where each part of a Policy was declared (all "nowhere" for a decoded one).
struct ComponentSources {
  SourceRange declaration;  // the whole realm block
  SourceRange name;
  SourceRange any;          // the `any` measurement
  std::vector<SourceRange> windows;  // parallel to Component::windows
  SourceRange host_calls, mmio, ripas, psci;
};

struct PolicySources {
  std::vector<ComponentSources> components;  // parallel to Policy::components
  std::vector<SourceRange> channels;
  std::vector<SourceRange> gates;
  std::vector<SourceRange> requirements;

  // Sources for a policy without text: every range "nowhere".
  static PolicySources nowhere(const Policy& policy);
};

std::string_view psci_function_name(uint8_t bit);
std::string format_size(uint64_t bytes);  // "4 MiB", "1536 KiB", "100 B"
std::string hex_string(const std::vector<uint8_t>& bytes);

}  // namespace mica::policy
