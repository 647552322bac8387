#include "measurement/measurement.h"

#include "core/assert.h"
#include "core/bytes.h"

namespace mica::monitor::measurement {

namespace {

constexpr uint8_t kZeros[256] = {};

// One hash computation that feeds the platform's hash engine piece by piece,
// so that a 4 KiB page of mostly zeros is never built in memory.
class Hasher {
 public:
  Hasher(PlatformInterface& platform, HashAlgo algo) : platform_(platform), algo_(algo) {
    platform_.hash_init(ctx_, algo);
  }
  void bytes(const void* data, size_t len) {
    platform_.hash_update(ctx_, data, len);
    fed_ += len;
  }
  // Zero bytes up to `offset` from the start of the hashed message.
  void zeros_until(size_t offset) {
    MICA_MONITOR_ASSERT(offset >= fed_);
    while (fed_ < offset) {
      const size_t chunk = offset - fed_ < sizeof(kZeros) ? offset - fed_ : sizeof(kZeros);
      bytes(kZeros, chunk);
    }
  }
  template <class T>
  void value(const T& v) {
    bytes(&v, sizeof v);
  }
  // Writes the digest into a 64-byte slot; bytes past the digest are zero.
  void finish(uint8_t out[kSlotSize]) {
    uint8_t digest[kMaxHashSize];
    platform_.hash_finish(ctx_, digest);
    zero_bytes(out, kSlotSize);
    copy_bytes(out, digest, hash_size(algo_));
  }

 private:
  PlatformInterface& platform_;
  HashAlgo algo_;
  PlatformInterface::HashContext ctx_;
  size_t fed_ = 0;
};

template <class Descriptor>
void extend_with(PlatformInterface& platform, HashAlgo algo, uint8_t rim[kSlotSize], Descriptor& desc) {
  desc.len = kDescriptorLength;
  copy_bytes(desc.rim, rim, hash_size(algo));
  Hasher hasher(platform, algo);
  hasher.bytes(&desc, sizeof desc);
  hasher.finish(rim);
}

}  // namespace

void init_rim(PlatformInterface& platform, HashAlgo algo, const MeasuredRealmParams& params,
              uint8_t rim[kSlotSize]) {
  namespace rp = abi::realm_params;
  Hasher hasher(platform, algo);
  hasher.value(params.flags);
  hasher.zeros_until(rp::kS2sz);
  hasher.value(params.s2sz);
  hasher.zeros_until(rp::kSveVl);
  hasher.value(params.sve_vl);
  hasher.zeros_until(rp::kNumBps);
  hasher.value(params.num_bps);
  hasher.zeros_until(rp::kNumWps);
  hasher.value(params.num_wps);
  hasher.zeros_until(rp::kPmuNumCtrs);
  hasher.value(params.pmu_num_ctrs);
  hasher.zeros_until(rp::kHashAlgo);
  hasher.value(params.hash_algo);
  hasher.zeros_until(kGranuleSize);
  hasher.finish(rim);
}

void extend_rim_data(PlatformInterface& platform, HashAlgo algo, uint8_t rim[kSlotSize], Ipa ipa,
                     uint64_t flags, const uint8_t* content) {
  DataDescriptor desc{};
  desc.desc_type = static_cast<uint8_t>(DescriptorType::kData);
  desc.ipa = ipa.value();
  desc.flags = flags;
  if (content != nullptr) {
    Hasher hasher(platform, algo);
    hasher.bytes(content, kGranuleSize);
    hasher.finish(desc.content);
  }
  extend_with(platform, algo, rim, desc);
}

void extend_rim_rec(PlatformInterface& platform, HashAlgo algo, uint8_t rim[kSlotSize],
                    const MeasuredRecParams& params) {
  namespace rp = abi::rec_params;
  RecDescriptor desc{};
  desc.desc_type = static_cast<uint8_t>(DescriptorType::kRec);
  {
    // H(4096-byte page holding only flags, pc and gprs at their RmiRecParams offsets).
    Hasher page(platform, algo);
    page.value(params.flags);
    page.zeros_until(rp::kPc);
    page.value(params.pc);
    page.zeros_until(rp::kGprs);
    page.value(params.gprs);
    page.zeros_until(kGranuleSize);
    page.finish(desc.content);
  }
  extend_with(platform, algo, rim, desc);
}

void extend_rim_ripas(PlatformInterface& platform, HashAlgo algo, uint8_t rim[kSlotSize], Ipa base,
                      Ipa top) {
  RipasDescriptor desc{};
  desc.desc_type = static_cast<uint8_t>(DescriptorType::kRipas);
  desc.base = base.value();
  desc.top = top.value();
  extend_with(platform, algo, rim, desc);
}

void extend_rem(PlatformInterface& platform, HashAlgo algo, uint8_t slot[kSlotSize], const uint8_t* data,
                size_t size) {
  MICA_MONITOR_ASSERT(size <= kSlotSize);
  Hasher hasher(platform, algo);
  hasher.bytes(slot, hash_size(algo));
  hasher.bytes(data, size);
  hasher.finish(slot);
}

}  // namespace mica::monitor::measurement
