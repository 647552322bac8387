// The stage-2 translation table walker of the realm CPU.
//
// Reads real VMSAv8-64 stage-2 descriptors (4 KiB granule, no LPA2) from
// DRAM the way the MMU does: start level and concatenated root tables from
// the Stage2Config, table/block/page descriptors, the access flag, S2AP
// read/write permission, XN, and the NS bit that selects the physical
// address space of the output. Table fetches and outputs go through the
// granule protection check: tables must be Realm PAS (the walk is made in
// Realm state), protected outputs Realm PAS, NS outputs Non-secure PAS.
#pragma once

#include <cstdint>
#include <functional>

#include "monitor/platform.h"
#include "vcpu/physical_memory.h"

namespace mica::vcpu {

// The PE modelled here (Unicorn's Cortex-A72) has a 44-bit physical address
// range, and instruction fetches beyond it take an address size fault.
inline constexpr unsigned kPhysicalAddressBits = 44;
inline constexpr unsigned kMinIpaWidth = 32;
inline constexpr unsigned kMaxIpaWidth = 48;  // no FEAT_LPA2 on this PE

enum class WalkOutcome : uint8_t {
  kMapped,               // valid leaf, output passes the GPC and is in DRAM
  kTranslationFault,     // invalid descriptor, or IPA beyond the IPA space
  kAccessFlagFault,      // leaf with AF = 0
  kWalkExternalAbort,    // a table lies outside DRAM
  kWalkGpf,              // a table is not in the Realm PAS
  kOutputExternalAbort,  // the output granule is not DRAM
  kOutputGpf,            // the output granule is in the wrong PAS for the NS bit
};

struct Translation {
  WalkOutcome outcome = WalkOutcome::kTranslationFault;
  int level = 0;           // level of the descriptor that decided the outcome
  uint64_t leaf_ipa = 0;   // first IPA covered by that descriptor
  uint64_t leaf_size = 0;  // bytes covered by it
  uint64_t leaf_pa = 0;    // output address of leaf_ipa (valid leaves)
  bool readable = false;   // S2AP[0]
  bool writable = false;   // S2AP[1]
  bool executable = false; // !XN
  bool ns = false;         // output in the Non-secure PAS

  bool is_leaf() const {
    return outcome == WalkOutcome::kMapped || outcome == WalkOutcome::kOutputExternalAbort ||
           outcome == WalkOutcome::kOutputGpf;
  }
};

class Stage2Walker {
 public:
  // `dram` is a readable host view of all of DRAM.
  Stage2Walker(const uint8_t* dram, uint64_t dram_base, uint64_t dram_size,
               std::function<Pas(uint64_t)> pas_of);

  // nullptr if the configuration describes a stage 2 this PE can walk, else
  // why not.
  static const char* check_config(const monitor::Stage2Config& s2);

  // Full translation of one IPA, including the granule protection check of
  // the output granule. The config must have passed check_config.
  Translation translate(const monitor::Stage2Config& s2, uint64_t ipa) const;

  // The outcome for one output granule of a valid leaf (DRAM and PAS check).
  WalkOutcome check_output(uint64_t pa, bool ns) const;

 private:
  bool in_dram(uint64_t pa, uint64_t len) const {
    return pa >= base_ && len <= size_ && pa - base_ <= size_ - len;
  }

  const uint8_t* dram_;
  uint64_t base_;
  uint64_t size_;
  std::function<Pas(uint64_t)> pas_of_;
};

}  // namespace mica::vcpu
