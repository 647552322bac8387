// The compiled form of a policy: canonical CBOR (schema in
// monitor/mica/policy_schema.h, described in docs/policy-language.md) and
// its SHA-256 digest, the value the monitor records and attests.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "policy/model.h"

namespace mica::policy {

using PolicyDigest = std::array<uint8_t, 32>;

// The one encoding of `policy` (which must be in canonical order, as the
// checker and decode_compiled produce it).
std::vector<uint8_t> encode_compiled(const Policy& policy);

PolicyDigest digest_compiled(std::span<const uint8_t> compiled);
std::string digest_hex(const PolicyDigest& digest);

// Decodes a compiled policy outside the TCB (the verifier, tests, tools).
// Validation is the monitor's own decoder (monitor/mica/policy.h), so this
// accepts exactly what the monitor accepts; it then reads the parts the
// monitor does not keep (channel and window names, requirements).
struct DecodeFailure {
  std::string message;  // e.g. "not canonical CBOR (map keys not sorted) at byte 17"
};
std::variant<Policy, DecodeFailure> decode_compiled(std::span<const uint8_t> compiled);

}  // namespace mica::policy
