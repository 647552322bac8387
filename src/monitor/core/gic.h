// The host's view of a REC's virtual GIC CPU interface (GICv3): which
// ICH_HCR_EL2 bits and list-register contents a host may hand to REC_ENTER,
// and what it gets back on exit (RMM 1.0 §4.3).
#pragma once

#include <cstdint>

#include "monitor/abi/rmi.h"

namespace mica::monitor::gic {

// ICH_HCR_EL2 bits the host controls: UIE, LRENPIE, NPIE, VGrp0EIE,
// VGrp0DIE, VGrp1EIE, VGrp1DIE and TDIR. Every other bit must be 0 on entry.
inline constexpr uint64_t kHcrHostBits = (uint64_t{0x7F} << 1) | (uint64_t{1} << 14);
// EOIcount [31:27], reported back on exit.
inline constexpr uint64_t kHcrEoiCount = uint64_t{0x1F} << 27;

// The virtual CPU interface of the emulated PE (ICH_VTR_EL2): 16 list
// registers, 5 priority bits, 16-bit interrupt IDs, no extended INTID range.
inline constexpr unsigned kListRegisters = abi::rec_run::kGicv3LrCount;
inline constexpr unsigned kPriorityBits = 5;
inline constexpr uint64_t kMaxVirtualIntid = (uint64_t{1} << 16) - 1;

// Checks RmiRecEnter.gicv3_hcr and gicv3_lrs (RMM 1.0 §4.3 GIC rules).
bool valid_entry_state(uint64_t hcr, const uint64_t (&lrs)[abi::rec_run::kGicv3LrCount]);

// RmiRecExit.gicv3_hcr for the REC's ICH_HCR_EL2 value.
constexpr uint64_t exit_hcr(uint64_t ich_hcr) { return ich_hcr & (kHcrEoiCount | kHcrHostBits); }

}  // namespace mica::monitor::gic
