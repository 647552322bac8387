#include "platform/machine.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <new>
#include <stdexcept>
#include <system_error>

#include "monitor/monitor.h"
#include "monitor/platform.h"
#include "platform/attestation.h"
#include "platform/monitor_measurement.h"
#include "vcpu/realm_cpus.h"

namespace mica::platform {

const char* access_result_name(AccessResult result) {
  switch (result) {
    case AccessResult::kOk: return "ok";
    case AccessResult::kGranuleProtectionFault: return "granule protection fault";
    case AccessResult::kOutOfRange: return "address outside DRAM";
  }
  return "?";
}

namespace {

// The realm CPU reads PAS values from the GPT as its own enum.
static_assert(static_cast<int>(vcpu::Pas::kNonSecure) == static_cast<int>(Pas::kNonSecure) &&
              static_cast<int>(vcpu::Pas::kSecure) == static_cast<int>(Pas::kSecure) &&
              static_cast<int>(vcpu::Pas::kRealm) == static_cast<int>(Pas::kRealm) &&
              static_cast<int>(vcpu::Pas::kRoot) == static_cast<int>(Pas::kRoot));

// What the opaque HashContext holds on this platform.
struct MbedHash {
  monitor::HashAlgo algo;
  union {
    mbedtls_sha256_context sha256;
    mbedtls_sha512_context sha512;
  };
};
static_assert(sizeof(MbedHash) <= sizeof(monitor::PlatformInterface::HashContext));
static_assert(alignof(MbedHash) <= alignof(monitor::PlatformInterface::HashContext));

MbedHash& as_mbed(monitor::PlatformInterface::HashContext& ctx) {
  return *std::launder(reinterpret_cast<MbedHash*>(ctx.opaque));
}

// The platform's copy-out convention: the whole size, the bytes only if they fit.
size_t copy_out(const std::vector<uint8_t>& item, uint8_t* dst, size_t capacity) {
  if (dst != nullptr && item.size() <= capacity) std::memcpy(dst, item.data(), item.size());
  return item.size();
}

std::string resolve_state_dir(const std::string& configured) {
  return configured.empty() ? default_state_dir() : configured;
}

}  // namespace

// The monitor's view of the machine. Every method is what R-EL2 firmware
// would do with an instruction or an SMC to EL3.
class Machine::MonitorPlatform final : public monitor::PlatformInterface {
 public:
  explicit MonitorPlatform(Machine& machine) : machine_(machine) {
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
    static const char kPersonalization[] = "mica-platform-entropy";
    if (mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_,
                              reinterpret_cast<const unsigned char*>(kPersonalization),
                              sizeof(kPersonalization) - 1) != 0) {
      throw std::runtime_error("platform: cannot seed the entropy source");
    }
  }
  ~MonitorPlatform() {
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
  }

  monitor::PhysAddr dram_base() const override { return monitor::PhysAddr(machine_.dram_.base()); }
  uint64_t dram_size() const override { return machine_.dram_.size(); }

  uint8_t* granule_memory(monitor::PhysAddr pa) override {
    if (!pa.is_granule_aligned() || !machine_.dram_.contains(pa, monitor::kGranuleSize)) {
      throw std::logic_error("monitor asked for a granule outside DRAM");  // monitor bug, not input
    }
    return machine_.dram_.at(pa);
  }

  bool ns_read(monitor::PhysAddr pa, void* dst, size_t len) override {
    std::shared_lock lock(machine_.gpc_lock_);
    if (machine_.check_ns(pa, len) != AccessResult::kOk) return false;
    std::memcpy(dst, machine_.dram_.at(pa), len);
    return true;
  }

  bool ns_write(monitor::PhysAddr pa, const void* src, size_t len) override {
    std::shared_lock lock(machine_.gpc_lock_);
    if (machine_.check_ns(pa, len) != AccessResult::kOk) return false;
    std::memcpy(machine_.dram_.at(pa), src, len);
    return true;
  }

  bool gtsi_delegate(monitor::PhysAddr pa) override {
    return machine_.el3_transition(pa, Pas::kNonSecure, Pas::kRealm);
  }
  bool gtsi_undelegate(monitor::PhysAddr pa) override {
    return machine_.el3_transition(pa, Pas::kRealm, Pas::kNonSecure);
  }

  void hash_init(HashContext& ctx, monitor::HashAlgo algo) override {
    MbedHash& h = *new (ctx.opaque) MbedHash;
    h.algo = algo;
    if (algo == monitor::HashAlgo::kSha256) {
      mbedtls_sha256_init(&h.sha256);
      mbedtls_sha256_starts_ret(&h.sha256, 0);
    } else {
      mbedtls_sha512_init(&h.sha512);
      mbedtls_sha512_starts_ret(&h.sha512, 0);
    }
  }
  void hash_update(HashContext& ctx, const void* data, size_t len) override {
    MbedHash& h = as_mbed(ctx);
    const auto* bytes = static_cast<const unsigned char*>(data);
    if (h.algo == monitor::HashAlgo::kSha256) {
      mbedtls_sha256_update_ret(&h.sha256, bytes, len);
    } else {
      mbedtls_sha512_update_ret(&h.sha512, bytes, len);
    }
  }
  void hash_finish(HashContext& ctx, uint8_t out[monitor::kMaxHashSize]) override {
    MbedHash& h = as_mbed(ctx);
    std::memset(out, 0, monitor::kMaxHashSize);
    if (h.algo == monitor::HashAlgo::kSha256) {
      mbedtls_sha256_finish_ret(&h.sha256, out);
      mbedtls_sha256_free(&h.sha256);
    } else {
      mbedtls_sha512_finish_ret(&h.sha512, out);
      mbedtls_sha512_free(&h.sha512);
    }
  }

  bool entropy(void* dst, size_t len) override {
    std::lock_guard lock(drbg_lock_);
    return mbedtls_ctr_drbg_random(&drbg_, static_cast<unsigned char*>(dst), len) == 0;
  }

  // Attestation: EL3's services on CCA hardware. The first call creates the
  // platform attestation; if that fails the monitor hears "cannot attest"
  // (nothing may propagate into the monitor, which has no exceptions).
  size_t platform_token(uint8_t* dst, size_t capacity) override {
    PlatformAttestation* attestation = attestation_or_null();
    return attestation == nullptr ? 0 : copy_out(attestation->platform_token(), dst, capacity);
  }
  size_t rak_public_key(uint8_t* dst, size_t capacity) override {
    PlatformAttestation* attestation = attestation_or_null();
    return attestation == nullptr ? 0 : copy_out(attestation->rak_cose_key(), dst, capacity);
  }
  bool rak_sign(const uint8_t* to_be_signed, size_t size,
                uint8_t signature[monitor::kRakSignatureSize]) override {
    PlatformAttestation* attestation = attestation_or_null();
    if (attestation == nullptr) return false;
    // RECs on several PEs may ask at once: the key serialises its own use.
    return attestation->sign_with_rak(std::span(to_be_signed, size),
                                      std::span<uint8_t, monitor::kRakSignatureSize>(signature,
                                                                                     monitor::kRakSignatureSize));
  }

  // Stage-2 TLB maintenance and realm execution are the realm CPUs' job.
  void tlbi_ipa(uint16_t vmid, monitor::Ipa ipa, uint64_t size) override {
    machine_.cpus_->tlbi_ipa(vmid, ipa, size);
  }
  void tlbi_vmid(uint16_t vmid) override { machine_.cpus_->tlbi_vmid(vmid); }

  monitor::RealmTrap run_realm(monitor::PhysAddr rec, monitor::RealmCpuContext& ctx,
                               const monitor::Stage2Config& s2, uint64_t budget) override {
    return machine_.cpus_->run(rec, ctx, s2, budget);
  }
  void forget_rec(monitor::PhysAddr rec) override { machine_.cpus_->forget(rec); }

 private:
  PlatformAttestation* attestation_or_null() {
    try {
      return &machine_.attestation();
    } catch (const std::exception&) {
      return nullptr;
    }
  }

  Machine& machine_;
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  std::mutex drbg_lock_;
};

std::string default_state_dir() {
  const char* xdg = std::getenv("XDG_STATE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/mica";
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] != '\0') return std::string(home) + "/.local/state/mica";
  return "state";
}

PlatformAttestation& Machine::attestation() {
  std::lock_guard lock(attestation_lock_);
  if (attestation_ == nullptr) {
    // The state directory itself is created (0700) and checked by
    // PlatformAttestation; its parents (e.g. ~/.local/state) are ordinary
    // directories the XDG layout expects to exist.
    const std::filesystem::path parent = std::filesystem::path(state_dir_).parent_path();
    std::error_code ignored;  // a missing parent shows up as the state directory's error
    if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
    PlatformTokenConfig config;
    config.monitor_measurement.assign(kMonitorBuildMeasurement.begin(), kMonitorBuildMeasurement.end());
    config.monitor_version = kMonitorBuildVersion;
    attestation_ = std::make_unique<PlatformAttestation>(state_dir_, std::move(config));
  }
  return *attestation_;
}

Machine::Machine(MachineConfig config)
    : config_(std::move(config)),
      state_dir_(resolve_state_dir(config_.state_dir)),
      dram_(config_.dram_base, config_.dram_size),
      gpt_(dram_),
      cpus_(std::make_unique<vcpu::RealmCpus>(vcpu::PhysicalMemory{
          dram_.fd(), dram_.base(), dram_.size(),
          [this](uint64_t pa) { return static_cast<vcpu::Pas>(gpt_.pas(PhysAddr(pa))); },
          [this] { return gpt_.generation(); }})),
      platform_(std::make_unique<MonitorPlatform>(*this)),
      monitor_(std::make_unique<monitor::Monitor>(*platform_)) {
  if (!monitor_->ready()) {
    throw std::invalid_argument("the monitor cannot track this much DRAM");
  }
}

Machine::~Machine() = default;

MachineCounters Machine::counters() const {
  MachineCounters c;
  c.smc_calls = counters_.smc_calls.load();
  c.smc_unknown = counters_.smc_unknown.load();
  c.granule_protection_faults = counters_.granule_protection_faults.load();
  c.delegations = counters_.delegations.load();
  c.undelegations = counters_.undelegations.load();
  return c;
}

monitor::SmcResult Machine::smc(const monitor::SmcArgs& args) {
  counters_.smc_calls.fetch_add(1, std::memory_order_relaxed);
  // SMCCC 1.3: bit 16 is the SVE hint; EL3 routes on the FID without it.
  const uint64_t fid = args.x[0] & ~(uint64_t{1} << 16);
  const bool to_monitor = (fid >= kRmiFidFirst && fid <= kRmiFidLast) ||
                          (fid >= kMicaRmiFidFirst && fid <= kMicaRmiFidLast);
  if (!to_monitor) {
    counters_.smc_unknown.fetch_add(1, std::memory_order_relaxed);
    monitor::SmcResult result;
    result.x[0] = monitor::kSmcUnknown;
    return result;
  }
  return monitor_->handle_rmi(args);
}

AccessResult Machine::check_ns(PhysAddr pa, size_t len) const {
  if (!dram_.contains(pa, len)) {
    counters_.granule_protection_faults.fetch_add(1, std::memory_order_relaxed);
    return AccessResult::kOutOfRange;
  }
  if (!gpt_.range_is(pa, len, Pas::kNonSecure)) {
    counters_.granule_protection_faults.fetch_add(1, std::memory_order_relaxed);
    return AccessResult::kGranuleProtectionFault;
  }
  return AccessResult::kOk;
}

AccessResult Machine::host_read(PhysAddr pa, void* dst, size_t len) {
  std::shared_lock lock(gpc_lock_);
  const AccessResult check = check_ns(pa, len);
  if (check == AccessResult::kOk) std::memcpy(dst, dram_.at(pa), len);
  return check;
}

AccessResult Machine::host_write(PhysAddr pa, const void* src, size_t len) {
  std::shared_lock lock(gpc_lock_);
  const AccessResult check = check_ns(pa, len);
  if (check == AccessResult::kOk) std::memcpy(dram_.at(pa), src, len);
  return check;
}

// EL3's granule transition service. The granule is scrubbed on every PAS
// change so that nothing written in one world is readable in the other.
bool Machine::el3_transition(PhysAddr pa, Pas from, Pas to) {
  if (!pa.is_granule_aligned() || !dram_.contains(pa, monitor::kGranuleSize)) return false;
  std::unique_lock lock(gpc_lock_);
  if (gpt_.pas(pa) != from) return false;
  std::memset(dram_.at(pa), 0, monitor::kGranuleSize);
  gpt_.set(pa, to);
  (to == Pas::kRealm ? counters_.delegations : counters_.undelegations)
      .fetch_add(1, std::memory_order_relaxed);
  return true;
}

}  // namespace mica::platform
