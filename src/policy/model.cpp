#include "policy/model.h"

#include <array>

namespace mica::policy {

namespace schema = monitor::policy::schema;

std::optional<uint32_t> Policy::find_component(std::string_view name) const {
  for (uint32_t i = 0; i < components.size(); ++i) {
    if (components[i].name == name) return i;
  }
  return std::nullopt;
}

PolicySources PolicySources::nowhere(const Policy& policy) {
  PolicySources sources;
  sources.components.resize(policy.components.size());
  for (size_t i = 0; i < policy.components.size(); ++i) {
    sources.components[i].windows.resize(policy.components[i].windows.size());
  }
  sources.channels.resize(policy.channels.size());
  sources.gates.resize(policy.gates.size());
  sources.requirements.resize(policy.requirements.size());
  return sources;
}

std::string_view psci_function_name(uint8_t bit) {
  switch (bit) {
    case schema::kPsciCpuOn: return "cpu_on";
    case schema::kPsciCpuOff: return "cpu_off";
    case schema::kPsciCpuSuspend: return "cpu_suspend";
    case schema::kPsciAffinityInfo: return "affinity_info";
    case schema::kPsciSystemReset: return "system_reset";
    default: return "";
  }
}

std::string format_size(uint64_t bytes) {
  static constexpr std::array<const char*, 5> kUnits = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t unit = 0;
  while (unit + 1 < kUnits.size() && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + " " + kUnits[unit];
}

std::string hex_string(const std::vector<uint8_t>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace mica::policy
