// The monitor's view of a compiled Mica policy, and its bounded decoder.
//
// decode_policy() validates a policy blob (canonical CBOR, schema in
// mica/policy_schema.h) completely before the monitor relies on any of it and
// fills a fixed-capacity, pointer-free Policy that can live in static storage
// or in granule memory. It refuses anything the compiler could not have
// produced: non-canonical or malformed CBOR, unknown or missing keys,
// sets out of order or repeated, names that are not identifiers, sizes that
// are not granule multiples or beyond the language's limits, indices out of
// range, channels or gates to self, overlapping windows, and more entries
// than the capacities below.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cbor/cbor.h"
#include "mica/policy_schema.h"
#include "monitor/types.h"

namespace mica::monitor::policy {

// Capacities of one decoded policy. sizeof(Policy) is 55,128 bytes (x86-64
// and aarch64 alike); it is trivially copyable and holds no pointers.
inline constexpr uint32_t kMaxComponents = 64;   // indices fit a 64-bit reader mask
inline constexpr uint32_t kMaxMeasurements = 8;  // allowed RIMs per component
inline constexpr uint32_t kMaxWindows = 8;       // unprotected windows per component
inline constexpr uint32_t kMaxChannels = 128;
inline constexpr uint32_t kMaxGates = 128;
inline constexpr uint32_t kMaxRequirements = 128;  // validated, counted, not stored
// An upper bound for the encoding of any policy within these capacities
// (checked by a test that encodes a policy with every capacity full).
inline constexpr size_t kMaxPolicyBytes = 192 * 1024;

using schema::WindowDirection;

struct Name {
  char bytes[schema::kMaxNameBytes];
  uint8_t length;
  bool equals(const char* text, size_t size) const;
};

struct Measurement {
  HashAlgo algo;
  uint8_t digest[kMaxHashSize];  // hash_size(algo) bytes used, rest zero
};

struct Window {
  uint64_t offset;  // from the base of the unprotected IPA half
  uint64_t size;
  WindowDirection direction;
  // True when [offset, offset + size) lies inside this window.
  bool contains(uint64_t range_offset, uint64_t range_size) const;
};

struct Component {
  Name name;
  bool any_measurement;  // `measurement any`: the flow prover counts it as untrusted
  uint8_t measurement_count;
  Measurement measurements[kMaxMeasurements];
  uint64_t memory_bytes;  // upper bound on protected memory
  uint32_t max_recs;
  uint8_t window_count;
  Window windows[kMaxWindows];
  bool host_calls;
  bool mmio;
  bool ripas_change;
  uint8_t psci;  // schema::PsciMask bits

  // True when a realm whose RIM is `rim` (hash_size(algo) bytes) may be bound
  // to this component; always true for `measurement any`.
  bool allows_measurement(HashAlgo algo, const uint8_t* rim) const;
  // The window containing [offset, offset + size) of the unprotected IPA
  // half, or null when no window grants that range.
  const Window* find_window(uint64_t offset, uint64_t size) const;
  bool allows_psci(schema::PsciMask function) const { return (psci & function) != 0; }
};

struct Channel {
  uint64_t size;
  uint64_t reader_mask;  // bit i: component i reads
  uint8_t writer;
  bool bidirectional;    // then the single reader writes too
  bool can_write(uint32_t component) const;
  bool can_read(uint32_t component) const;
  bool is_endpoint(uint32_t component) const { return can_read(component) || can_write(component); }
};

struct Gate {
  uint8_t caller;
  uint8_t callee;
};

struct Policy {
  Name workflow;
  uint32_t component_count;
  Component components[kMaxComponents];
  uint32_t channel_count;
  Channel channels[kMaxChannels];
  uint32_t gate_count;
  Gate gates[kMaxGates];
  uint32_t requirement_count;

  bool gate_allowed(uint32_t caller, uint32_t callee) const;
  // Index of the component called `name`, or -1.
  int32_t find_component(const char* name, size_t size) const;
};

enum class DecodeError : uint8_t {
  kNone = 0,
  kTooLarge,      // blob longer than kMaxPolicyBytes
  kCbor,          // not canonical, well-formed CBOR (see DecodeResult::cbor)
  kSchema,        // wrong type, missing or unknown key, wrong version
  kCapacity,      // more entries than the capacities above
  kOutOfRange,    // a value beyond the language's limits or not granule-aligned
  kBadName,       // a name that is not an identifier of 1..64 bytes
  kNotSorted,     // a set whose elements are not in their canonical order
  kDuplicate,     // a set element or name that repeats
  kBadReference,  // a component index out of range, to self, or otherwise inconsistent
};

struct DecodeResult {
  DecodeError error = DecodeError::kNone;
  cbor::Error cbor = cbor::Error::kNone;  // set when error == kCbor
  size_t offset = 0;                      // byte offset where the problem was found
  bool ok() const { return error == DecodeError::kNone; }
};

const char* decode_error_name(DecodeError error);

// Validates and decodes `size` bytes at `data` into `out`. On failure `out`
// holds no components, channels or gates (all counts zero).
DecodeResult decode_policy(const uint8_t* data, size_t size, Policy& out);

}  // namespace mica::monitor::policy
