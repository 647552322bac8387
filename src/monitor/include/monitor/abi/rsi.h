// The Realm Services Interface (RSI 1.0) and the PSCI subset a realm sees:
// function IDs, status codes and structure layouts. Shared by the monitor and
// the realm SDK (realm code includes this header).
#pragma once

#include <cstdint>

#include "monitor/abi/smccc.h"

namespace mica::monitor::abi {

inline constexpr uint64_t kRsiVersion_1_0 = interface_version(1, 0);

enum class RsiCommand : uint16_t {
  kVersion = 0x190,
  kFeatures = 0x191,
  kMeasurementRead = 0x192,
  kMeasurementExtend = 0x193,
  kAttestTokenInit = 0x194,
  kAttestTokenContinue = 0x195,
  kRealmConfig = 0x196,
  kIpaStateSet = 0x197,
  kIpaStateGet = 0x198,
  kHostCall = 0x199,
};
constexpr uint64_t rsi_fid(RsiCommand command) {
  return standard_smc64_fid(static_cast<uint16_t>(command));
}

enum class RsiStatus : uint64_t {
  kSuccess = 0,
  kErrorInput = 1,
  kErrorState = 2,
  kIncomplete = 3,
  kErrorUnknown = 4,
};

enum class RsiResponse : uint8_t { kAccept = 0, kReject = 1 };
// RSI_IPA_STATE_SET X4: the whole register is compared with 1.
inline constexpr uint64_t kRsiChangeDestroyed = 1;

inline constexpr unsigned kMeasurementSlots = 5;  // RIM + 4 REMs
inline constexpr unsigned kMeasurementSlotSize = 64;
inline constexpr unsigned kMeasurementExtendMaxSize = 64;
inline constexpr unsigned kAttestChallengeSize = 64;

// RsiRealmConfig (RSI_REALM_CONFIG X1), one realm granule.
namespace realm_config {
inline constexpr uint64_t kIpaWidth = 0x000;  // u64
inline constexpr uint64_t kHashAlgo = 0x008;  // u8: 0 SHA-256, 1 SHA-512
inline constexpr uint64_t kRpv = 0x200;       // 64 bytes
}  // namespace realm_config

// RsiHostCall (RSI_HOST_CALL X1): 256 bytes, 256-byte aligned in realm memory.
namespace host_call {
inline constexpr uint64_t kImm = 0x00;   // u32 (TF-RMM width)
inline constexpr uint64_t kGprs = 0x08;  // 31 x u64
inline constexpr uint64_t kSize = 0x100;
inline constexpr unsigned kGprCount = 31;
}  // namespace host_call

// --- PSCI as seen by realms (PSCI 1.1) -------------------------------------------------
namespace psci {
inline constexpr uint32_t kVersion = 0x84000000;
inline constexpr uint32_t kCpuSuspend32 = 0x84000001;
inline constexpr uint32_t kCpuSuspend64 = 0xC4000001;
inline constexpr uint32_t kCpuOff = 0x84000002;
inline constexpr uint32_t kCpuOn32 = 0x84000003;
inline constexpr uint32_t kCpuOn64 = 0xC4000003;
inline constexpr uint32_t kAffinityInfo32 = 0x84000004;
inline constexpr uint32_t kAffinityInfo64 = 0xC4000004;
inline constexpr uint32_t kSystemOff = 0x84000008;
inline constexpr uint32_t kSystemReset = 0x84000009;
inline constexpr uint32_t kFeatures = 0x8400000A;
inline constexpr uint64_t kPsciVersion_1_1 = 0x10001;

inline constexpr int64_t kSuccess = 0;
inline constexpr int64_t kNotSupported = -1;
inline constexpr int64_t kInvalidParams = -2;
inline constexpr int64_t kDenied = -3;
inline constexpr int64_t kAlreadyOn = -4;
inline constexpr int64_t kInvalidAddress = -9;
// AFFINITY_INFO results.
inline constexpr int64_t kAffinityOn = 0;
inline constexpr int64_t kAffinityOff = 1;

constexpr bool is_cpu_on(uint64_t fid) { return fid == kCpuOn32 || fid == kCpuOn64; }
constexpr bool is_affinity_info(uint64_t fid) {
  return fid == kAffinityInfo32 || fid == kAffinityInfo64;
}
}  // namespace psci

}  // namespace mica::monitor::abi
