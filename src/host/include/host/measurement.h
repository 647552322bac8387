// The RMM 1.0 measurement algorithms (facts sheet §7), computed on the host
// with mbedTLS, independently of the monitor: the initial RIM of
// REALM_CREATE, the DATA / REC / RIPAS measurement descriptors that extend it,
// and REM extension. A tenant's reference value is only as good as this code,
// so it follows the descriptor layouts byte for byte.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "host/hash.h"

namespace mica::host {

inline constexpr size_t kGranuleSize = monitor::kGranuleSize;
using GranuleBytes = std::array<uint8_t, kGranuleSize>;

// The RmiRealmParams fields REALM_CREATE measures, at TF-RMM's widths.
struct MeasuredRealmParams {
  uint64_t flags = 0;  // RmiRealmFlags: bit0 LPA2, bit1 SVE, bit2 PMU
  uint32_t s2sz = 40;
  uint32_t sve_vl = 0;
  uint32_t num_bps = 1;
  uint32_t num_wps = 1;
  uint32_t pmu_num_ctrs = 0;
  HashAlgo hash_algo = HashAlgo::kSha256;
};

// The RmiRecParams fields REC_CREATE measures (only for a runnable REC).
struct MeasuredRecParams {
  uint64_t flags = 0;  // bit0 RUNNABLE
  uint64_t pc = 0;
  std::array<uint64_t, 8> gprs{};
};

inline constexpr uint64_t kRecFlagRunnable = 1;
inline constexpr uint64_t kDataFlagMeasureContent = 1;  // RmiDataFlags

// The 4 KiB page whose hash is RIM0: measured fields in place, all else zero.
GranuleBytes measured_realm_params_page(const MeasuredRealmParams& params);
Digest initial_rim(const MeasuredRealmParams& params);

// RTT_INIT_RIPAS, one RTT entry [base, top).
Digest extend_rim_ripas(const Digest& rim, uint64_t base, uint64_t top);

// DATA_CREATE with RmiDataFlags `flags`: the content hash is part of the
// descriptor only when flags == MEASURE_CONTENT, otherwise that field is zero.
Digest data_content_hash(HashAlgo algo, std::span<const uint8_t, kGranuleSize> content);
Digest extend_rim_data(const Digest& rim, uint64_t ipa, uint64_t flags, const Digest& content_hash);
Digest extend_rim_data(const Digest& rim, uint64_t ipa, uint64_t flags,
                       std::span<const uint8_t, kGranuleSize> content);

// REC_CREATE of a runnable REC: the hash of the measured RecParams page, then
// the REC descriptor over it.
GranuleBytes measured_rec_params_page(const MeasuredRecParams& params);
Digest rec_params_hash(HashAlgo algo, const MeasuredRecParams& params);
Digest extend_rim_rec(const Digest& rim, const Digest& rec_params_hash);

// RSI_MEASUREMENT_EXTEND: REM = H(REM || data), data at most 64 bytes.
Digest extend_rem(const Digest& rem, std::span<const uint8_t> data);

}  // namespace mica::host
