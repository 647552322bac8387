// A PlatformInterface for tests that must observe what the monitor asks of
// the platform (TLB invalidations, forgotten RECs) or make EL3 refuse. It
// runs on an emulated Machine's DRAM and GPT, performing the same granule
// protection checks and transitions as the Machine's own platform, and hashes
// with mbedTLS directly.
#pragma once

#include <cstdint>
#include <vector>

#include "monitor/monitor.h"
#include "monitor/platform.h"
#include "platform/machine.h"

namespace mica::monitor::testing {

struct TlbiRecord {
  uint16_t vmid;
  uint64_t ipa;   // 0 for a whole-VMID invalidation
  uint64_t size;  // 0 for a whole-VMID invalidation
  bool whole_vmid;
  bool operator==(const TlbiRecord&) const = default;
};

class RecordingPlatform final : public PlatformInterface {
 public:
  explicit RecordingPlatform(platform::Machine& machine) : machine_(machine) {}

  PhysAddr dram_base() const override { return PhysAddr(machine_.dram().base()); }
  uint64_t dram_size() const override { return dram_size_override_ != 0 ? dram_size_override_ : machine_.dram().size(); }
  uint8_t* granule_memory(PhysAddr pa) override { return machine_.dram().at(pa); }
  bool ns_read(PhysAddr pa, void* dst, size_t len) override;
  bool ns_write(PhysAddr pa, const void* src, size_t len) override;
  bool gtsi_delegate(PhysAddr pa) override;
  bool gtsi_undelegate(PhysAddr pa) override;
  void hash_init(HashContext& ctx, HashAlgo algo) override;
  void hash_update(HashContext& ctx, const void* data, size_t len) override;
  void hash_finish(HashContext& ctx, uint8_t out[kMaxHashSize]) override;
  bool entropy(void* dst, size_t len) override;
  // Attestation comes from the machine's platform attestation (its state
  // directory), unless a test makes the platform unable to attest.
  size_t platform_token(uint8_t* dst, size_t capacity) override;
  size_t rak_public_key(uint8_t* dst, size_t capacity) override;
  bool rak_sign(const uint8_t* to_be_signed, size_t size, uint8_t signature[kRakSignatureSize]) override;
  void tlbi_ipa(uint16_t vmid, Ipa ipa, uint64_t size) override { tlbis.push_back({vmid, ipa.value(), size, false}); }
  void tlbi_vmid(uint16_t vmid) override { tlbis.push_back({vmid, 0, 0, true}); }
  RealmTrap run_realm(PhysAddr, RealmCpuContext&, const Stage2Config&, uint64_t) override {
    return RealmTrap{RealmTrap::Kind::kFatal, 0, 0, 0};
  }
  void forget_rec(PhysAddr rec) override { forgotten_recs.push_back(rec.value()); }

  std::vector<TlbiRecord> tlbis;
  std::vector<uint64_t> forgotten_recs;
  bool refuse_delegation = false;
  bool refuse_attestation = false;  // no attestation key: sizes 0, signing fails
  uint64_t dram_size_override_ = 0;

 private:
  platform::Machine& machine_;
};

}  // namespace mica::monitor::testing
