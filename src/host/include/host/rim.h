// The RIM calculator: replays a load plan with the RMM 1.0 measurement
// algorithms and records every measured step with the RIM after it, so that
// anyone can recompute the reference value step by step.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "host/load_plan.h"
#include "host/measurement.h"

namespace mica::host {

namespace measured {
struct RealmCreate {
  MeasuredRealmParams params;
  Digest rim_after;
};
// One RTT_INIT_RIPAS call: (top - base) / entry_size descriptors, one per entry.
struct Ripas {
  uint64_t base;
  uint64_t top;
  int level;
  uint64_t entry_size;
  Digest rim_after;
};
struct Data {
  uint64_t ipa;
  uint64_t flags;
  Digest content_hash;  // zero when flags != MEASURE_CONTENT
  Digest rim_after;
};
struct Rec {
  uint32_t index;
  MeasuredRecParams params;
  Digest params_hash;
  Digest rim_after;
};
}  // namespace measured

using MeasuredStep = std::variant<measured::RealmCreate, measured::Ripas, measured::Data, measured::Rec>;

struct RimComputation {
  Digest rim;
  std::vector<MeasuredStep> steps;
};

// Throws std::invalid_argument if the plan does not start with REALM_CREATE
// (plans from build_load_plan always do).
RimComputation compute_rim(const LoadPlan& plan);

}  // namespace mica::host
