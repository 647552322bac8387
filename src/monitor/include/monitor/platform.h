// The monitor's one narrow interface to the machine it runs on.
//
// Everything the monitor needs from outside itself goes through this class:
// granule memory, NS accesses that may fault, the EL3 granule transition
// service, hashing and entropy (mbedTLS on the emulated platform), the
// platform token and realm attestation key signatures, stage-2 TLB
// maintenance and running a realm's CPU. On real R-EL2 firmware each of these
// is a few instructions or an SMC to EL3; here src/platform implements them.
// No host pointer ever crosses the RMI/RSI ABI: only physical addresses do.
#pragma once

#include <cstddef>
#include <cstdint>

#include "monitor/types.h"

namespace mica::monitor {

// An ES384 signature as COSE carries it: r || s, 48 bytes each.
inline constexpr size_t kRakSignatureSize = 96;

// Architectural state of one REC's PE that the monitor saves in the REC
// granule between runs (what R-EL2 firmware saves on a realm exit). FP/SIMD
// state stays with the platform CPU (on hardware it lives in REC aux granules
// and the monitor never inspects it).
struct RealmCpuContext {
  uint64_t x[31];
  uint64_t sp_el0;
  uint64_t sp_el1;
  uint64_t pc;
  uint64_t pstate;  // SPSR_EL2 format: NZCV, DAIF, M[3:0] (EL1h = 0b0101)
  uint64_t elr_el1;
  uint64_t spsr_el1;
  uint64_t esr_el1;
  uint64_t far_el1;
  uint64_t vbar_el1;
  uint64_t sctlr_el1;
  uint64_t tpidr_el0;
  uint64_t tpidr_el1;
  uint64_t tpidrro_el0;
  uint64_t cpacr_el1;
  uint64_t mpidr_el1;  // VMPIDR_EL2 as the realm sees it
};

// Where the platform's stage-2 walker finds a realm's translation tables.
// The walker reads real VMSAv8-64 descriptors from the RTT granules.
struct Stage2Config {
  PhysAddr root_rtt;       // first of num_root_rtts concatenated root tables
  int8_t start_level;      // -1..2
  uint8_t ipa_width;       // s2sz
  uint8_t num_root_rtts;   // 1..16
  uint16_t vmid;
};

// Why the platform CPU stopped running realm code: the exception that would
// be taken to R-EL2, with the EL2 syndrome registers as hardware sets them.
struct RealmTrap {
  enum class Kind : uint8_t {
    kSync,        // synchronous exception to EL2 (ESR_EL2.EC says which)
    kIrq,         // the instruction budget (host timer) ran out
    kFatal,       // the CPU could not continue (emulation failure)
  };
  Kind kind;
  uint64_t esr_el2;
  uint64_t far_el2;
  uint64_t hpfar_el2;
};

class PlatformInterface {
 public:
  struct HashContext {
    alignas(16) uint8_t opaque[512];
  };

  // --- Physical memory -----------------------------------------------------
  // The DRAM the monitor tracks in granules: [dram_base, dram_base + dram_size).
  virtual PhysAddr dram_base() const = 0;
  virtual uint64_t dram_size() const = 0;
  // The monitor's own view of one granule it owns (Realm PAS), 4 KiB long.
  // Only called for tracked, granule-aligned addresses.
  virtual uint8_t* granule_memory(PhysAddr pa) = 0;
  // Accesses to NS memory that report a granule protection fault instead of
  // completing (false) when the target is not in the NS PAS or not DRAM.
  virtual bool ns_read(PhysAddr pa, void* dst, size_t len) = 0;
  virtual bool ns_write(PhysAddr pa, const void* src, size_t len) = 0;
  // EL3 granule transition service. false = EL3 refused the transition.
  virtual bool gtsi_delegate(PhysAddr pa) = 0;
  virtual bool gtsi_undelegate(PhysAddr pa) = 0;

  // --- Crypto (mbedTLS behind this) ------------------------------------------
  virtual void hash_init(HashContext& ctx, HashAlgo algo) = 0;
  virtual void hash_update(HashContext& ctx, const void* data, size_t len) = 0;
  virtual void hash_finish(HashContext& ctx, uint8_t out[kMaxHashSize]) = 0;
  virtual bool entropy(void* dst, size_t len) = 0;

  // --- Attestation (what EL3 and the platform security processor provide) ------
  // On CCA hardware the RMM fetches the platform token and the realm
  // attestation key (RAK) from EL3 once at boot (RMM 1.0 facts §8.3). Here
  // the platform keeps the RAK's private half: the monitor asks for
  // signatures instead of holding the scalar.
  //
  // Both copy functions return the size of the whole item and copy it into
  // dst only when it fits in `capacity` (dst may be null to ask the size).
  // 0 means the platform cannot attest (no platform key).
  //
  // This boot's platform token: a tagged COSE_Sign1 whose challenge is the
  // SHA-256 of the RAK's COSE_Key encoding. The monitor embeds it unparsed.
  virtual size_t platform_token(uint8_t* dst, size_t capacity) = 0;
  // The RAK public key as a COSE_Key (EC2, P-384: 107 bytes), the bytes the
  // realm token's RAK claim carries and the platform token's challenge hashes.
  virtual size_t rak_public_key(uint8_t* dst, size_t capacity) = 0;
  // ES384 with the RAK over `to_be_signed` (the COSE Sig_structure): SHA-384,
  // then ECDSA; the signature as r || s, 48 bytes each, big-endian.
  // false if the platform cannot sign.
  virtual bool rak_sign(const uint8_t* to_be_signed, size_t size, uint8_t signature[kRakSignatureSize]) = 0;

  // --- Stage-2 TLB maintenance -----------------------------------------------
  // Called after an RTT entry stopped being a valid mapping (break), or after
  // its permissions were reduced.
  virtual void tlbi_ipa(uint16_t vmid, Ipa ipa, uint64_t size) = 0;
  virtual void tlbi_vmid(uint16_t vmid) = 0;

  // --- Realm CPU ---------------------------------------------------------------
  // Runs the REC at `rec` from `ctx` until it traps to EL2 or the budget of
  // instructions runs out; `ctx` holds the state at the trap.
  virtual RealmTrap run_realm(PhysAddr rec, RealmCpuContext& ctx, const Stage2Config& s2,
                              uint64_t instruction_budget) = 0;
  // The REC granule is being destroyed: drop any CPU state kept for it.
  virtual void forget_rec(PhysAddr rec) = 0;

 protected:
  ~PlatformInterface() = default;
};

}  // namespace mica::monitor
