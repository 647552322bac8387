// Small helpers shared by the `mica` sub-commands.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mica::cli {

// "16M", "16MiB", "64KiB", "4096", "0x100000", "1G": sizes as people write them.
inline std::optional<uint64_t> parse_size(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t consumed = 0;
  uint64_t value = 0;
  try {
    value = std::stoull(text, &consumed, 0);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string suffix = text.substr(consumed);
  if (suffix.size() > 1 && (suffix.ends_with("iB") || suffix.ends_with("ib"))) suffix.resize(suffix.size() - 2);
  unsigned shift = 0;
  if (suffix.empty()) {
    shift = 0;
  } else if (suffix == "K" || suffix == "k") {
    shift = 10;
  } else if (suffix == "M" || suffix == "m") {
    shift = 20;
  } else if (suffix == "G" || suffix == "g") {
    shift = 30;
  } else {
    return std::nullopt;
  }
  if (shift != 0 && value > (~uint64_t{0} >> shift)) return std::nullopt;
  return value << shift;
}

}  // namespace mica::cli
