// `mica measure` as a library: the RIM that the VMM's load plan produces for
// an image, with the measured steps that lead to it. The policy compiler calls
// measure_image() for `image "file.elf"` measurements.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "host/elf_image.h"
#include "host/load_plan.h"
#include "host/result.h"
#include "host/rim.h"

namespace mica::host {

using MeasureOptions = RealmConfig;

struct MeasureResult {
  Digest rim;
  LoadPlan plan;
  RimComputation computation;
};

Result<MeasureResult> measure_image(const std::string& path, const MeasureOptions& options = {});
Result<MeasureResult> measure_image(const ElfImage& image, const MeasureOptions& options = {});

// The reference value and everything needed to recompute it: realm
// parameters, layout, and the ordered measured steps with the RIM after each.
nlohmann::ordered_json measurement_to_json(const MeasureResult& result);

}  // namespace mica::host
