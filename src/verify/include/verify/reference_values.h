// Reference values for the platform's software components: what the tenant
// accepts as the firmware and monitor under its realms.
//
// JSON form (hex strings, any case):
//   {
//     "implementation_id": "<64 hex>",                      (optional)
//     "software_components": [
//       { "measurement_type": "RMM",                         (optional)
//         "measurement_value": "<hex>" | ["<hex>", ...],     (one or more accepted values)
//         "signer_id": "<hex>",                              (optional)
//         "version": "1.0" }                                 (optional)
//     ]
//   }
// A token matches when every software component it lists matches one entry
// (type, one of the values, and signer id/version where given) and every
// entry is matched by some component: nothing unknown runs, nothing expected
// is missing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verify/claims.h"
#include "verify/result.h"

namespace mica::verify {

struct ReferenceComponent {
  std::optional<std::string> type;
  std::vector<Bytes> measurements;
  std::optional<Bytes> signer_id;
  std::optional<std::string> version;
};

struct ReferenceValues {
  std::optional<Bytes> implementation_id;
  std::vector<ReferenceComponent> components;

  static Result<ReferenceValues> from_json(std::string_view json);
  static Result<ReferenceValues> load(const std::string& path);
};

// Empty when the platform claims match; otherwise one line per mismatch.
std::vector<std::string> compare_with_reference(const PlatformClaims& claims, const ReferenceValues& reference);

}  // namespace mica::verify
