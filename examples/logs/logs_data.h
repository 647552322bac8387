// Log analysis: the access-log generator and the native reference of the
// summary the pipeline computes (realm/mapper.c, realm/reducer.c), written
// again from README.md with the C++ library.
#pragma once

#include <cstdint>
#include <string>

namespace mica::examples::logs {

// `lines` access-log lines (combined log format) from `seed`; with a
// `marker`, every user name is "<marker>-<n>".
std::string generate(uint64_t lines, uint64_t seed, const std::string& marker = "");

std::string reference(const std::string& log);

}  // namespace mica::examples::logs
