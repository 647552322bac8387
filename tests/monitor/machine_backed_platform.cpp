#include "machine_backed_platform.h"

#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include <cstring>
#include <new>
#include <span>
#include <vector>

#include "platform/attestation.h"

namespace mica::monitor::testing {

namespace {

struct Hash {
  HashAlgo algo;
  mbedtls_sha256_context sha256;
  mbedtls_sha512_context sha512;
};
static_assert(sizeof(Hash) <= sizeof(PlatformInterface::HashContext));

Hash& as_hash(PlatformInterface::HashContext& ctx) { return *std::launder(reinterpret_cast<Hash*>(ctx.opaque)); }

}  // namespace

bool MachineBackedPlatform::ns_read(PhysAddr pa, void* dst, size_t len) {
  return machine_.host_read(pa, dst, len) == platform::AccessResult::kOk;
}

bool MachineBackedPlatform::ns_write(PhysAddr pa, const void* src, size_t len) {
  return machine_.host_write(pa, src, len) == platform::AccessResult::kOk;
}

bool MachineBackedPlatform::gtsi_delegate(PhysAddr pa) {
  if (refuse_delegation || machine_.gpt().pas(pa) != platform::Pas::kNonSecure) return false;
  std::memset(machine_.dram().at(pa), 0, kGranuleSize);
  machine_.gpt().set(pa, platform::Pas::kRealm);
  return true;
}

bool MachineBackedPlatform::gtsi_undelegate(PhysAddr pa) {
  if (machine_.gpt().pas(pa) != platform::Pas::kRealm) return false;
  std::memset(machine_.dram().at(pa), 0, kGranuleSize);
  machine_.gpt().set(pa, platform::Pas::kNonSecure);
  return true;
}

void MachineBackedPlatform::hash_init(HashContext& ctx, HashAlgo algo) {
  Hash& h = *new (ctx.opaque) Hash;
  h.algo = algo;
  if (algo == HashAlgo::kSha256) {
    mbedtls_sha256_init(&h.sha256);
    mbedtls_sha256_starts_ret(&h.sha256, 0);
  } else {
    mbedtls_sha512_init(&h.sha512);
    mbedtls_sha512_starts_ret(&h.sha512, 0);
  }
}

void MachineBackedPlatform::hash_update(HashContext& ctx, const void* data, size_t len) {
  Hash& h = as_hash(ctx);
  const auto* bytes = static_cast<const unsigned char*>(data);
  if (h.algo == HashAlgo::kSha256) {
    mbedtls_sha256_update_ret(&h.sha256, bytes, len);
  } else {
    mbedtls_sha512_update_ret(&h.sha512, bytes, len);
  }
}

void MachineBackedPlatform::hash_finish(HashContext& ctx, uint8_t out[kMaxHashSize]) {
  Hash& h = as_hash(ctx);
  std::memset(out, 0, kMaxHashSize);
  if (h.algo == HashAlgo::kSha256) {
    mbedtls_sha256_finish_ret(&h.sha256, out);
    mbedtls_sha256_free(&h.sha256);
  } else {
    mbedtls_sha512_finish_ret(&h.sha512, out);
    mbedtls_sha512_free(&h.sha512);
  }
}

bool MachineBackedPlatform::entropy(void* dst, size_t len) {
  auto* bytes = static_cast<uint8_t*>(dst);
  for (size_t i = 0; i < len; ++i) bytes[i] = static_cast<uint8_t>(i * entropy_step_ + entropy_offset_);
  return true;
}

size_t MachineBackedPlatform::platform_token(uint8_t* dst, size_t capacity) {
  if (refuse_attestation) return 0;
  const std::vector<uint8_t>& token = machine_.attestation().platform_token();
  if (dst != nullptr && token.size() <= capacity) std::memcpy(dst, token.data(), token.size());
  return token.size();
}

size_t MachineBackedPlatform::rak_public_key(uint8_t* dst, size_t capacity) {
  if (refuse_attestation) return 0;
  const std::vector<uint8_t>& key = machine_.attestation().rak_cose_key();
  if (dst != nullptr && key.size() <= capacity) std::memcpy(dst, key.data(), key.size());
  return key.size();
}

bool MachineBackedPlatform::rak_sign(const uint8_t* to_be_signed, size_t size,
                                     uint8_t signature[kRakSignatureSize]) {
  if (refuse_attestation) return false;
  return machine_.attestation().sign_with_rak(std::span(to_be_signed, size),
                                              std::span<uint8_t, kRakSignatureSize>(signature, kRakSignatureSize));
}

}  // namespace mica::monitor::testing
