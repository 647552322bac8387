#include "host/result.h"

#include <cstdio>

namespace mica::host {

std::string hex(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

std::string dec(uint64_t value) { return std::to_string(value); }

}  // namespace mica::host
