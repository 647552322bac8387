// The part of a test PlatformInterface that is the same for every test
// double: memory, granule transitions and attestation from an emulated
// Machine (same granule protection checks as the Machine's own platform),
// hashing with mbedTLS directly, and deterministic "entropy". Test doubles
// derive from it and add what they observe or script (TLBIs, the realm CPU).
#pragma once

#include <cstdint>

#include "monitor/platform.h"
#include "platform/machine.h"

namespace mica::monitor::testing {

class MachineBackedPlatform : public PlatformInterface {
 public:
  // entropy() yields byte i = i * entropy_step + entropy_offset, so that
  // instance ids are reproducible in tests.
  MachineBackedPlatform(platform::Machine& machine, uint8_t entropy_step, uint8_t entropy_offset)
      : machine_(machine), entropy_step_(entropy_step), entropy_offset_(entropy_offset) {}

  PhysAddr dram_base() const override { return PhysAddr(machine_.dram().base()); }
  uint64_t dram_size() const override { return machine_.dram().size(); }
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

  bool refuse_delegation = false;   // EL3 refuses every delegation
  bool refuse_attestation = false;  // no attestation key: sizes 0, signing fails

 protected:
  ~MachineBackedPlatform() = default;
  platform::Machine& machine_;

 private:
  uint8_t entropy_step_;
  uint8_t entropy_offset_;
};

}  // namespace mica::monitor::testing
