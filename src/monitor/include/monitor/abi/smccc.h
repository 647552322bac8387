// SMC Calling Convention facts shared by the monitor, the host side and the
// realm SDK: how a function ID is laid out and the generic return codes.
#pragma once

#include <cstdint>

namespace mica::monitor::abi {

// Function ID layout (SMCCC): bit 31 fast call, bit 30 SMC64, bits 29:24 the
// owning entity, bit 16 the SVE hint (SMCCC 1.3), bits 15:0 the function number.
inline constexpr uint32_t kFidFastCall = uint32_t{1} << 31;
inline constexpr uint32_t kFidSmc64 = uint32_t{1} << 30;
inline constexpr uint32_t kFidSveHint = uint32_t{1} << 16;
inline constexpr uint32_t kFidOwnerShift = 24;
inline constexpr uint32_t kOwnerStandardService = 4;
inline constexpr uint32_t kFidFunctionMask = 0xFFFF;
// Everything above the function number must equal this for an SMC64 standard
// service call (the SVE hint cleared first).
inline constexpr uint32_t kStandardSmc64Prefix =
    kFidFastCall | kFidSmc64 | (kOwnerStandardService << kFidOwnerShift);
inline constexpr uint32_t kStandardSmc32Prefix =
    kFidFastCall | (kOwnerStandardService << kFidOwnerShift);

constexpr uint32_t standard_smc64_fid(uint16_t function_number) {
  return kStandardSmc64Prefix | function_number;
}

// Generic SMCCC return values (in X0).
inline constexpr uint64_t kSmcUnknownFunction = ~uint64_t{0};  // -1: unknown FID
inline constexpr int64_t kSmcccSuccess = 0;
inline constexpr int64_t kSmcccNotSupported = -1;
inline constexpr int64_t kSmcccNotRequired = -2;
inline constexpr int64_t kSmcccInvalidParameter = -3;

inline constexpr uint32_t kSmcccVersionFid = 0x80000000;
inline constexpr uint64_t kSmcccVersion_1_2 = 0x10002;

// Interface versions are (major << 16) | minor.
constexpr uint64_t interface_version(uint16_t major, uint16_t minor) {
  return (uint64_t{major} << 16) | minor;
}

}  // namespace mica::monitor::abi
