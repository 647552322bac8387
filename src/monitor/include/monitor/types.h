// Basic vocabulary of the monitor: strong address types, SMC register files,
// granule geometry. Shared by the monitor, the platform and the host side.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>

namespace mica::monitor {

inline constexpr unsigned kGranuleShift = 12;
inline constexpr uint64_t kGranuleSize = uint64_t{1} << kGranuleShift;

// A typed 64-bit address, so that a physical address can never be passed
// where an IPA is expected (and vice versa) without an explicit conversion.
template <class Tag>
class Address {
 public:
  constexpr Address() = default;
  constexpr explicit Address(uint64_t value) : value_(value) {}
  constexpr uint64_t value() const { return value_; }
  constexpr bool is_aligned(uint64_t alignment) const { return (value_ & (alignment - 1)) == 0; }
  constexpr bool is_granule_aligned() const { return is_aligned(kGranuleSize); }
  constexpr Address plus(uint64_t offset) const { return Address(value_ + offset); }
  constexpr auto operator<=>(const Address&) const = default;

 private:
  uint64_t value_ = 0;
};

struct PhysAddrTag;
struct IpaTag;
using PhysAddr = Address<PhysAddrTag>;  // physical address (any PAS)
using Ipa = Address<IpaTag>;            // realm intermediate physical address

// SMC-shaped call: x0 = function ID, x1..x6 = arguments.
struct SmcArgs {
  uint64_t x[7] = {};
};
// SMC-shaped result: x0 = status, x1..x4 = outputs.
struct SmcResult {
  uint64_t x[5] = {};
};

inline constexpr uint64_t kSmcUnknown = ~uint64_t{0};

enum class HashAlgo : uint8_t { kSha256 = 0, kSha512 = 1 };
inline constexpr size_t kMaxHashSize = 64;
constexpr size_t hash_size(HashAlgo algo) { return algo == HashAlgo::kSha256 ? 32 : 64; }

}  // namespace mica::monitor
