// Realm measurements (RMM 1.0 §7): the RIM is extended with fixed 0x100-byte
// measurement descriptors hashed with the realm's algorithm; REMs are
// extended with realm-supplied data. Hashing goes through the platform.
#pragma once

#include <cstddef>
#include <cstdint>

#include "monitor/abi/rmi.h"
#include "monitor/platform.h"
#include "monitor/types.h"

namespace mica::monitor::measurement {

inline constexpr size_t kSlotSize = 64;

// The RmiRealmParams fields that enter the initial RIM, at TF-RMM widths.
struct MeasuredRealmParams {
  uint64_t flags;
  uint32_t s2sz;
  uint32_t sve_vl;
  uint32_t num_bps;
  uint32_t num_wps;
  uint32_t pmu_num_ctrs;
  uint8_t hash_algo;
};

// The RmiRecParams fields that enter the RIM when a runnable REC is created.
struct MeasuredRecParams {
  uint64_t flags;
  uint64_t pc;
  uint64_t gprs[abi::rec_params::kGprCount];
};

// Measurement descriptor types (the first byte of every descriptor).
enum class DescriptorType : uint8_t { kData = 0, kRec = 1, kRipas = 2 };
inline constexpr uint64_t kDescriptorLength = 0x100;

// RmmMeasurementDescriptorData.
struct DataDescriptor {
  uint8_t desc_type;
  uint8_t reserved0[7];
  uint64_t len;
  uint8_t rim[kSlotSize];
  uint64_t ipa;
  uint64_t flags;
  uint8_t content[kSlotSize];
  uint8_t reserved1[0x100 - 0xA0];
};
// RmmMeasurementDescriptorRec.
struct RecDescriptor {
  uint8_t desc_type;
  uint8_t reserved0[7];
  uint64_t len;
  uint8_t rim[kSlotSize];
  uint8_t content[kSlotSize];
  uint8_t reserved1[0x100 - 0x90];
};
// RmmMeasurementDescriptorRipas.
struct RipasDescriptor {
  uint8_t desc_type;
  uint8_t reserved0[7];
  uint64_t len;
  uint8_t rim[kSlotSize];
  uint64_t base;
  uint64_t top;
  uint8_t reserved1[0x100 - 0x60];
};
static_assert(sizeof(DataDescriptor) == kDescriptorLength && offsetof(DataDescriptor, len) == 0x08 &&
              offsetof(DataDescriptor, rim) == 0x10 && offsetof(DataDescriptor, ipa) == 0x50 &&
              offsetof(DataDescriptor, flags) == 0x58 && offsetof(DataDescriptor, content) == 0x60);
static_assert(sizeof(RecDescriptor) == kDescriptorLength && offsetof(RecDescriptor, rim) == 0x10 &&
              offsetof(RecDescriptor, content) == 0x50);
static_assert(sizeof(RipasDescriptor) == kDescriptorLength && offsetof(RipasDescriptor, rim) == 0x10 &&
              offsetof(RipasDescriptor, base) == 0x50 && offsetof(RipasDescriptor, top) == 0x58);

// RIM = H(4096-byte page holding only the measured RmiRealmParams fields).
void init_rim(PlatformInterface& platform, HashAlgo algo, const MeasuredRealmParams& params,
              uint8_t rim[kSlotSize]);
// DATA_CREATE: content is the 4 KiB of the DATA granule when measured, else null.
void extend_rim_data(PlatformInterface& platform, HashAlgo algo, uint8_t rim[kSlotSize], Ipa ipa,
                     uint64_t flags, const uint8_t* content);
// REC_CREATE of a runnable REC.
void extend_rim_rec(PlatformInterface& platform, HashAlgo algo, uint8_t rim[kSlotSize],
                    const MeasuredRecParams& params);
// RTT_INIT_RIPAS, once per RTT entry processed.
void extend_rim_ripas(PlatformInterface& platform, HashAlgo algo, uint8_t rim[kSlotSize], Ipa base,
                      Ipa top);
// RSI_MEASUREMENT_EXTEND: slot = H(slot[0..hash_len) || data[0..size)), size <= 64.
void extend_rem(PlatformInterface& platform, HashAlgo algo, uint8_t slot[kSlotSize], const uint8_t* data,
                size_t size);

}  // namespace mica::monitor::measurement
