// SHA-256 / SHA-512 for the host side (mbedTLS 2.x), and the digest value
// type used for RIMs, content hashes and REMs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "monitor/types.h"

namespace mica::host {

using monitor::HashAlgo;

// "sha256" / "sha512" (the CLI spelling) and "sha-256" / "sha-512" (the
// token's spelling) both parse.
std::optional<HashAlgo> parse_hash_algo(std::string_view name);
std::string_view hash_algo_name(HashAlgo algo);  // "sha256" or "sha512"

// A digest of the realm's algorithm: hash_size(algo) meaningful bytes in a
// 64-byte buffer whose tail is zero (the layout of an RMM measurement slot).
class Digest {
 public:
  explicit Digest(HashAlgo algo) : algo_(algo) {}
  Digest(HashAlgo algo, std::span<const uint8_t> bytes);

  HashAlgo algo() const { return algo_; }
  size_t size() const { return monitor::hash_size(algo_); }
  std::span<const uint8_t> bytes() const { return {slot_.data(), size()}; }
  // The full 64-byte slot (tail zero), as RMM descriptors embed it.
  const std::array<uint8_t, monitor::kMaxHashSize>& slot() const { return slot_; }
  std::array<uint8_t, monitor::kMaxHashSize>& mutable_slot() { return slot_; }
  std::string hex() const;

  friend bool operator==(const Digest&, const Digest&) = default;

 private:
  HashAlgo algo_;
  std::array<uint8_t, monitor::kMaxHashSize> slot_{};
};

// Incremental hash over one algorithm.
class Hasher {
 public:
  explicit Hasher(HashAlgo algo);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hasher& update(std::span<const uint8_t> data);
  Digest finish();

 private:
  struct State;
  HashAlgo algo_;
  std::unique_ptr<State> state_;
  bool finished_ = false;
};

Digest hash_bytes(HashAlgo algo, std::span<const uint8_t> data);

std::string to_hex(std::span<const uint8_t> bytes);

}  // namespace mica::host
