// Confidential analytics: the data generator and the native reference of
// what the pipeline computes (realm/analytics.c), kept apart from it: the
// reference is written again from the specification in README.md, with the
// C++ library, so that a mistake in either shows as a difference.
#pragma once

#include <cstdint>
#include <string>

namespace mica::examples::analytics {

// `records` patient records as CSV (with a header line), from `seed`. Every
// record's name is "<marker>-<n>" when `marker` is not empty (the leak tests
// look for it), else a generated name.
std::string generate(uint64_t records, uint64_t seed, const std::string& marker = "");

// The aggregates the pipeline must produce for `csv`, byte for byte.
std::string reference(const std::string& csv);

}  // namespace mica::examples::analytics
