#include "scripted_cpu.h"

#include <gtest/gtest.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include <cstring>
#include <new>

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

RealmTrap sync(uint64_t esr, uint64_t far = 0, uint64_t hpfar = 0) {
  return RealmTrap{RealmTrap::Kind::kSync, esr, far, hpfar};
}

}  // namespace

bool ScriptedPlatform::ns_read(PhysAddr pa, void* dst, size_t len) {
  return machine_.host_read(pa, dst, len) == platform::AccessResult::kOk;
}

bool ScriptedPlatform::ns_write(PhysAddr pa, const void* src, size_t len) {
  return machine_.host_write(pa, src, len) == platform::AccessResult::kOk;
}

bool ScriptedPlatform::gtsi_delegate(PhysAddr pa) {
  if (machine_.gpt().pas(pa) != platform::Pas::kNonSecure) return false;
  std::memset(machine_.dram().at(pa), 0, kGranuleSize);
  machine_.gpt().set(pa, platform::Pas::kRealm);
  return true;
}

bool ScriptedPlatform::gtsi_undelegate(PhysAddr pa) {
  if (machine_.gpt().pas(pa) != platform::Pas::kRealm) return false;
  std::memset(machine_.dram().at(pa), 0, kGranuleSize);
  machine_.gpt().set(pa, platform::Pas::kNonSecure);
  return true;
}

void ScriptedPlatform::hash_init(HashContext& ctx, HashAlgo algo) {
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

void ScriptedPlatform::hash_update(HashContext& ctx, const void* data, size_t len) {
  Hash& h = as_hash(ctx);
  const auto* bytes = static_cast<const unsigned char*>(data);
  if (h.algo == HashAlgo::kSha256) {
    mbedtls_sha256_update_ret(&h.sha256, bytes, len);
  } else {
    mbedtls_sha512_update_ret(&h.sha512, bytes, len);
  }
}

void ScriptedPlatform::hash_finish(HashContext& ctx, uint8_t out[kMaxHashSize]) {
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

bool ScriptedPlatform::entropy(void* dst, size_t len) {
  auto* bytes = static_cast<uint8_t*>(dst);
  for (size_t i = 0; i < len; ++i) bytes[i] = static_cast<uint8_t>(i * 13 + 5);
  return true;
}

size_t ScriptedPlatform::platform_token(uint8_t* dst, size_t capacity) {
  if (refuse_attestation) return 0;
  const std::vector<uint8_t>& token = machine_.attestation().platform_token();
  if (dst != nullptr && token.size() <= capacity) std::memcpy(dst, token.data(), token.size());
  return token.size();
}

size_t ScriptedPlatform::rak_public_key(uint8_t* dst, size_t capacity) {
  if (refuse_attestation) return 0;
  const std::vector<uint8_t>& key = machine_.attestation().rak_cose_key();
  if (dst != nullptr && key.size() <= capacity) std::memcpy(dst, key.data(), key.size());
  return key.size();
}

bool ScriptedPlatform::rak_sign(const uint8_t* to_be_signed, size_t size, uint8_t signature[kRakSignatureSize]) {
  if (refuse_attestation) return false;
  return machine_.attestation().sign_with_rak(std::span(to_be_signed, size),
                                              std::span<uint8_t, kRakSignatureSize>(signature, kRakSignatureSize));
}

RealmTrap ScriptedPlatform::run_realm(PhysAddr rec, RealmCpuContext& ctx, const Stage2Config& s2,
                                      uint64_t instruction_budget) {
  if (on_run) on_run(rec);
  CpuStep next;
  {
    std::lock_guard lock(mutex_);
    runs_.push_back(RunRecord{rec, ctx, s2, instruction_budget});
    auto& queue = steps_[rec.value()];
    if (queue.empty()) {
      ADD_FAILURE() << "the monitor ran REC 0x" << std::hex << rec.value() << " beyond its script";
      return trap::fatal();
    }
    next = std::move(queue.front());
    queue.pop_front();
  }
  return next(ctx);
}

void ScriptedPlatform::script(PhysAddr rec, CpuStep step) {
  std::lock_guard lock(mutex_);
  steps_[rec.value()].push_back(std::move(step));
}

size_t ScriptedPlatform::pending(PhysAddr rec) {
  std::lock_guard lock(mutex_);
  return steps_[rec.value()].size();
}

std::vector<RunRecord> ScriptedPlatform::runs() {
  std::lock_guard lock(mutex_);
  return runs_;
}

size_t ScriptedPlatform::run_count() {
  std::lock_guard lock(mutex_);
  return runs_.size();
}

namespace trap {

RealmTrap irq() { return RealmTrap{RealmTrap::Kind::kIrq, 0, 0, 0}; }
RealmTrap fatal() { return RealmTrap{RealmTrap::Kind::kFatal, 0, 0, 0}; }
RealmTrap smc() { return sync(ec(0x17) | kIl); }
RealmTrap hvc() { return sync(ec(0x16) | kIl); }
// WFx ISS: CV = 1, COND = 0b1110, TI = 0 (WFI) / 1 (WFE).
RealmTrap wfi() { return sync(ec(0x01) | kIl | (uint64_t{1} << 24) | (uint64_t{0xE} << 20)); }
RealmTrap wfe() { return sync(ec(0x01) | kIl | (uint64_t{1} << 24) | (uint64_t{0xE} << 20) | 1); }
RealmTrap data_abort(uint64_t esr, uint64_t ipa, uint64_t far) { return sync(esr, far, hpfar_of(ipa)); }
RealmTrap instruction_abort(uint64_t fsc, uint64_t ipa, uint64_t far) {
  return sync(ec(0x20) | kIl | fsc, far, hpfar_of(ipa));
}
RealmTrap sysreg(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2, unsigned rt, bool read) {
  const uint64_t iss = (uint64_t{op0} << 20) | (uint64_t{op2} << 17) | (uint64_t{op1} << 14) |
                       (uint64_t{crn} << 10) | (uint64_t{rt} << 5) | (uint64_t{crm} << 1) | (read ? 1 : 0);
  return sync(ec(0x18) | kIl | iss);
}
RealmTrap sync_with_esr(uint64_t esr) { return sync(esr); }

}  // namespace trap

CpuStep smc_step(uint64_t pc, std::vector<uint64_t> x0_to_xn) {
  return [pc, regs = std::move(x0_to_xn)](RealmCpuContext& ctx) {
    ctx.pc = pc;
    for (size_t i = 0; i < regs.size(); ++i) ctx.x[i] = regs[i];
    return trap::smc();
  };
}

CpuStep step(std::function<void(RealmCpuContext&)> body, RealmTrap result) {
  return [body = std::move(body), result](RealmCpuContext& ctx) {
    body(ctx);
    return result;
  };
}

}  // namespace mica::monitor::testing
