// How `measurement image "file.elf"` becomes a RIM. The compiler does not
// measure images itself: the caller supplies a resolver, and the `mica` CLI
// plugs in the same measurer as `mica measure` (src/host), so that a policy
// and a deployment agree on the RIM by construction.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "monitor/types.h"

namespace mica::policy {

struct ImageRequest {
  std::filesystem::path path;     // resolved against the policy file's directory
  std::string written;            // the path as written in the policy
  monitor::HashAlgo algo;         // the realm's RIM algorithm
  std::string component;          // the realm declaring it
  uint64_t memory_bytes = 0;      // the realm's declared memory (0 if not declared)
  uint32_t recs = 0;              // the realm's declared REC count (0 if not declared)
};

struct ImageResolution {
  std::vector<uint8_t> rim;  // hash_size(algo) bytes on success
  std::string error;         // non-empty on failure: why it could not be measured
  bool ok() const { return error.empty(); }
};

using ImageResolver = std::function<ImageResolution(const ImageRequest&)>;

// The message used when no resolver is plugged in.
inline constexpr const char* kNoMeasurementSupport = "measurement support not built";

}  // namespace mica::policy
