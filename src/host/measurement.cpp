#include "host/measurement.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace mica::host {
namespace {

// Descriptor layout shared by the three RmmMeasurementDescriptor kinds:
// a 256-byte zero-filled record, hashed whole.
constexpr size_t kDescriptorSize = 0x100;
constexpr size_t kDescTypeOffset = 0x00;
constexpr size_t kDescLenOffset = 0x08;
constexpr size_t kDescRimOffset = 0x10;
constexpr uint8_t kDescTypeData = 0;
constexpr uint8_t kDescTypeRec = 1;
constexpr uint8_t kDescTypeRipas = 2;
// DATA descriptor fields.
constexpr size_t kDataIpaOffset = 0x50;
constexpr size_t kDataFlagsOffset = 0x58;
constexpr size_t kDataContentOffset = 0x60;
// REC descriptor field.
constexpr size_t kRecContentOffset = 0x50;
// RIPAS descriptor fields.
constexpr size_t kRipasBaseOffset = 0x50;
constexpr size_t kRipasTopOffset = 0x58;

// RmiRealmParams offsets of the measured fields, and their widths.
constexpr size_t kRealmFlagsOffset = 0x000;
constexpr size_t kRealmS2szOffset = 0x008;
constexpr size_t kRealmSveVlOffset = 0x010;
constexpr size_t kRealmNumBpsOffset = 0x018;
constexpr size_t kRealmNumWpsOffset = 0x020;
constexpr size_t kRealmPmuNumCtrsOffset = 0x028;
constexpr size_t kRealmHashAlgoOffset = 0x030;
// RmiRecParams offsets of the measured fields.
constexpr size_t kRecFlagsOffset = 0x000;
constexpr size_t kRecPcOffset = 0x200;
constexpr size_t kRecGprsOffset = 0x300;

using Descriptor = std::array<uint8_t, kDescriptorSize>;

template <size_t N>
void put_le(std::array<uint8_t, N>& buffer, size_t offset, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) buffer[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

Descriptor descriptor_header(uint8_t type, const Digest& rim) {
  Descriptor d{};
  d[kDescTypeOffset] = type;
  put_le(d, kDescLenOffset, kDescriptorSize, 8);
  std::copy(rim.slot().begin(), rim.slot().end(), d.begin() + kDescRimOffset);
  return d;
}

void put_digest(Descriptor& d, size_t offset, const Digest& digest) {
  std::copy(digest.slot().begin(), digest.slot().end(), d.begin() + static_cast<ptrdiff_t>(offset));
}

}  // namespace

GranuleBytes measured_realm_params_page(const MeasuredRealmParams& params) {
  GranuleBytes page{};
  put_le(page, kRealmFlagsOffset, params.flags, 8);
  put_le(page, kRealmS2szOffset, params.s2sz, 4);
  put_le(page, kRealmSveVlOffset, params.sve_vl, 4);
  put_le(page, kRealmNumBpsOffset, params.num_bps, 4);
  put_le(page, kRealmNumWpsOffset, params.num_wps, 4);
  put_le(page, kRealmPmuNumCtrsOffset, params.pmu_num_ctrs, 4);
  put_le(page, kRealmHashAlgoOffset, static_cast<uint8_t>(params.hash_algo), 1);
  return page;
}

Digest initial_rim(const MeasuredRealmParams& params) {
  return hash_bytes(params.hash_algo, measured_realm_params_page(params));
}

Digest extend_rim_ripas(const Digest& rim, uint64_t base, uint64_t top) {
  Descriptor d = descriptor_header(kDescTypeRipas, rim);
  put_le(d, kRipasBaseOffset, base, 8);
  put_le(d, kRipasTopOffset, top, 8);
  return hash_bytes(rim.algo(), d);
}

Digest data_content_hash(HashAlgo algo, std::span<const uint8_t, kGranuleSize> content) {
  return hash_bytes(algo, content);
}

Digest extend_rim_data(const Digest& rim, uint64_t ipa, uint64_t flags, const Digest& content_hash) {
  if (content_hash.algo() != rim.algo()) throw std::invalid_argument("content hash algorithm differs from the RIM's");
  Descriptor d = descriptor_header(kDescTypeData, rim);
  put_le(d, kDataIpaOffset, ipa, 8);
  put_le(d, kDataFlagsOffset, flags, 8);
  if (flags == kDataFlagMeasureContent) put_digest(d, kDataContentOffset, content_hash);
  return hash_bytes(rim.algo(), d);
}

Digest extend_rim_data(const Digest& rim, uint64_t ipa, uint64_t flags,
                       std::span<const uint8_t, kGranuleSize> content) {
  const Digest content_hash = flags == kDataFlagMeasureContent ? data_content_hash(rim.algo(), content)
                                                                : Digest(rim.algo());
  return extend_rim_data(rim, ipa, flags, content_hash);
}

GranuleBytes measured_rec_params_page(const MeasuredRecParams& params) {
  GranuleBytes page{};
  put_le(page, kRecFlagsOffset, params.flags, 8);
  put_le(page, kRecPcOffset, params.pc, 8);
  for (size_t i = 0; i < params.gprs.size(); ++i) put_le(page, kRecGprsOffset + 8 * i, params.gprs[i], 8);
  return page;
}

Digest rec_params_hash(HashAlgo algo, const MeasuredRecParams& params) {
  return hash_bytes(algo, measured_rec_params_page(params));
}

Digest extend_rim_rec(const Digest& rim, const Digest& params_hash) {
  if (params_hash.algo() != rim.algo()) throw std::invalid_argument("REC hash algorithm differs from the RIM's");
  Descriptor d = descriptor_header(kDescTypeRec, rim);
  put_digest(d, kRecContentOffset, params_hash);
  return hash_bytes(rim.algo(), d);
}

Digest extend_rem(const Digest& rem, std::span<const uint8_t> data) {
  if (data.size() > monitor::kMaxHashSize) throw std::invalid_argument("REM extend data is longer than 64 bytes");
  Hasher hasher(rem.algo());
  hasher.update(rem.bytes());
  hasher.update(data);
  return hasher.finish();
}

}  // namespace mica::host
