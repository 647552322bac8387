#include "host/hash.h"

#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include <algorithm>
#include <stdexcept>

namespace mica::host {

std::optional<HashAlgo> parse_hash_algo(std::string_view name) {
  if (name == "sha256" || name == "sha-256") return HashAlgo::kSha256;
  if (name == "sha512" || name == "sha-512") return HashAlgo::kSha512;
  return std::nullopt;
}

std::string_view hash_algo_name(HashAlgo algo) {
  return algo == HashAlgo::kSha256 ? "sha256" : "sha512";
}

Digest::Digest(HashAlgo algo, std::span<const uint8_t> bytes) : algo_(algo) {
  if (bytes.size() != size()) throw std::invalid_argument("digest length does not match its algorithm");
  std::copy(bytes.begin(), bytes.end(), slot_.begin());
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    text.push_back(kDigits[b >> 4]);
    text.push_back(kDigits[b & 0xF]);
  }
  return text;
}

std::string Digest::hex() const { return to_hex(bytes()); }

struct Hasher::State {
  mbedtls_sha256_context sha256;
  mbedtls_sha512_context sha512;
};

// mbedTLS reports failures only for hardware-accelerated back ends; a failure
// here means the crypto library is broken, not that input was bad.
static void check_mbedtls(int rc) {
  if (rc != 0) throw std::runtime_error("mbedTLS hash failure " + std::to_string(rc));
}

Hasher::Hasher(HashAlgo algo) : algo_(algo), state_(std::make_unique<State>()) {
  if (algo_ == HashAlgo::kSha256) {
    mbedtls_sha256_init(&state_->sha256);
    check_mbedtls(mbedtls_sha256_starts_ret(&state_->sha256, /*is224=*/0));
  } else {
    mbedtls_sha512_init(&state_->sha512);
    check_mbedtls(mbedtls_sha512_starts_ret(&state_->sha512, /*is384=*/0));
  }
}

Hasher::~Hasher() {
  if (algo_ == HashAlgo::kSha256) {
    mbedtls_sha256_free(&state_->sha256);
  } else {
    mbedtls_sha512_free(&state_->sha512);
  }
}

Hasher& Hasher::update(std::span<const uint8_t> data) {
  if (finished_) throw std::logic_error("Hasher::update after finish");
  if (algo_ == HashAlgo::kSha256) {
    check_mbedtls(mbedtls_sha256_update_ret(&state_->sha256, data.data(), data.size()));
  } else {
    check_mbedtls(mbedtls_sha512_update_ret(&state_->sha512, data.data(), data.size()));
  }
  return *this;
}

Digest Hasher::finish() {
  if (finished_) throw std::logic_error("Hasher::finish called twice");
  finished_ = true;
  Digest digest(algo_);
  if (algo_ == HashAlgo::kSha256) {
    check_mbedtls(mbedtls_sha256_finish_ret(&state_->sha256, digest.mutable_slot().data()));
  } else {
    check_mbedtls(mbedtls_sha512_finish_ret(&state_->sha512, digest.mutable_slot().data()));
  }
  return digest;
}

Digest hash_bytes(HashAlgo algo, std::span<const uint8_t> data) {
  Hasher hasher(algo);
  hasher.update(data);
  return hasher.finish();
}

}  // namespace mica::host
