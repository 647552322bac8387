// The compiled Mica policy: integer keys and value rules of its canonical
// CBOR encoding. Shared by the compiler (src/policy), which writes it, and the
// monitor's decoder (mica/policy.h), which validates it; docs/policy-language.md
// describes the same schema for people.
//
// Every map has all of its keys, in increasing order, and no other key.
// Every array that is a set has its elements in a fixed order (given below)
// with no repetition, so each policy has exactly one encoding.
#pragma once

#include <cstdint>

namespace mica::monitor::policy::schema {

inline constexpr uint64_t kFormatVersion = 1;

// Top level: map of 6 pairs.
enum TopKey : uint64_t {
  kTopVersion = 0,       // uint, kFormatVersion
  kTopWorkflow = 1,      // tstr, the workflow name
  kTopComponents = 2,    // array of component maps, ascending by name
  kTopChannels = 3,      // array of channel maps, ascending by name
  kTopGates = 4,         // array of gate maps, ascending by (caller, callee)
  kTopRequirements = 5,  // array of requirement maps, ascending by encoding
  kTopKeyCount = 6,
};

// Component: map of 9 pairs. A component's index is its position in the
// components array; channels, gates and requirements refer to it by index.
enum ComponentKey : uint64_t {
  kComponentName = 0,          // tstr
  kComponentMeasurements = 1,  // null (measurement `any`) or a non-empty array of
                               // bstr (32 bytes SHA-256, 64 bytes SHA-512),
                               // ascending by encoding (SHA-256 first)
  kComponentMemory = 2,        // uint, bytes of protected memory, granule multiple
  kComponentRecs = 3,          // uint, maximum number of RECs
  kComponentWindows = 4,       // array of window maps, ascending by name
  kComponentHostCalls = 5,     // bool
  kComponentMmio = 6,          // bool
  kComponentRipas = 7,         // bool
  kComponentPsci = 8,          // uint, PsciMask bits (SYSTEM_OFF is always allowed)
  kComponentKeyCount = 9,
};

// Unprotected-memory window: map of 4 pairs.
enum WindowKey : uint64_t {
  kWindowName = 0,       // tstr, unique within the component
  kWindowDirection = 1,  // uint, WindowDirection
  kWindowOffset = 2,     // uint, from the base of the unprotected IPA half, granule aligned
  kWindowSize = 3,       // uint, bytes, granule multiple
  kWindowKeyCount = 4,
};

// Channel of shared protected memory: map of 5 pairs.
enum ChannelKey : uint64_t {
  kChannelName = 0,           // tstr
  kChannelWriter = 1,         // uint, component index
  kChannelReaders = 2,        // non-empty array of uint, ascending, writer excluded
  kChannelSize = 3,           // uint, bytes, granule multiple
  kChannelBidirectional = 4,  // bool; when true: exactly one reader and writer < reader,
                              // and both endpoints read and write
  kChannelKeyCount = 5,
};

// Gate (caller may transfer control to callee): map of 2 pairs.
enum GateKey : uint64_t {
  kGateCaller = 0,  // uint, component index
  kGateCallee = 1,  // uint, component index, not the caller
  kGateKeyCount = 2,
};

// Proven requirement `from !-> to except via ...`: map of 3 pairs.
enum RequirementKey : uint64_t {
  kRequirementFrom = 0,  // uint, component index (not a component with measurement any)
  kRequirementTo = 1,    // uint component index, or null for `untrusted`
  kRequirementVia = 2,   // array of uint, ascending, possibly empty
  kRequirementKeyCount = 3,
};

enum class WindowDirection : uint8_t {
  kIn = 0,   // host -> realm: mapped read-only at stage 2
  kOut = 1,  // realm -> host
};

// PSCI calls that exit to the host; SYSTEM_OFF is always allowed.
enum PsciMask : uint8_t {
  kPsciCpuOn = 1u << 0,
  kPsciCpuOff = 1u << 1,
  kPsciCpuSuspend = 1u << 2,
  kPsciAffinityInfo = 1u << 3,
  kPsciSystemReset = 1u << 4,
  kPsciAll = 0x1F,
};

// Limits of the language, enforced by the compiler and again by the decoder.
inline constexpr uint64_t kGranule = 4096;
inline constexpr uint32_t kMaxNameBytes = 64;                  // identifiers: [A-Za-z_][A-Za-z0-9_]*
inline constexpr uint64_t kMaxMemoryBytes = uint64_t{1} << 40;  // 1 TiB
inline constexpr uint32_t kMaxRecs = 64;
inline constexpr uint64_t kMaxWindowBytes = uint64_t{1} << 36;  // 64 GiB
inline constexpr uint64_t kUnprotectedSpan = uint64_t{1} << 47;  // window offset + size bound
inline constexpr uint64_t kMaxChannelBytes = uint64_t{1} << 30;  // 1 GiB

}  // namespace mica::monitor::policy::schema
