// Compiled policies the benchmarks deploy, written with tests/mica's
// PolicySpec (the monitor's own canonical CBOR writer, laid out as the
// policy compiler lays them out).
#pragma once

#include <cstdint>

#include "policy_spec.h"

namespace mica::bench {

using monitor::testing::PolicySpec;

// `components` realms in a chain: component i writes a channel of
// `channel_pages` pages to i + 1 and may call it through a gate. Each has
// one SHA-256 measurement (not any real realm's: the workflow is only
// created, not activated) and may make host calls.
PolicySpec chain_policy(unsigned components, uint64_t channel_pages = 1);

// Two realms that may run any image: "callee" (component 0) and "caller"
// (component 1); channel "link" caller -> callee of `channel_pages` pages,
// gate caller -> callee; both may make host calls, change RIPAS and make
// every PSCI call, have two RECs and hold `memory` bytes.
PolicySpec pair_policy(uint64_t channel_pages = 1, uint64_t memory = uint64_t{4} << 20);
inline constexpr uint32_t kCallee = 0;
inline constexpr uint32_t kCaller = 1;

}  // namespace mica::bench
