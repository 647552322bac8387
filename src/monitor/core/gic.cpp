#include "core/gic.h"

#include "core/esr.h"

namespace mica::monitor::gic {

namespace {

// ICH_LR<n>_EL2.
constexpr esr::Field kLrVintid{0, 32};
constexpr esr::Field kLrPintid{32, 13};
constexpr uint64_t kLrEoi = uint64_t{1} << 41;  // in pINTID when HW = 0
constexpr esr::Field kLrPriority{48, 8};
constexpr esr::Field kLrHw{61, 1};
constexpr esr::Field kLrState{62, 2};
constexpr uint64_t kLrStateInvalid = 0;

// Priority bits below the implemented ones are RES0.
constexpr uint64_t kPriorityRes0 = (uint64_t{1} << (8 - kPriorityBits)) - 1;

constexpr uint64_t kMaxSpiIntid = 1019;
constexpr uint64_t kMinLpiIntid = 8192;

bool valid_vintid(uint64_t intid) {
  return intid <= kMaxSpiIntid || (intid >= kMinLpiIntid && intid <= kMaxVirtualIntid);
}

bool valid_lr(uint64_t lr) {
  return kLrHw.get(lr) == 0 && (kLrPriority.get(lr) & kPriorityRes0) == 0 &&
         (lr & kLrPintid.mask() & ~kLrEoi) == 0 && valid_vintid(kLrVintid.get(lr));
}

}  // namespace

bool valid_entry_state(uint64_t hcr, const uint64_t (&lrs)[abi::rec_run::kGicv3LrCount]) {
  if ((hcr & ~kHcrHostBits) != 0) return false;
  for (unsigned i = 0; i < kListRegisters; ++i) {
    if (kLrState.get(lrs[i]) == kLrStateInvalid) continue;
    if (!valid_lr(lrs[i])) return false;
    // Two live list registers for one interrupt are UNPREDICTABLE.
    for (unsigned j = i + 1; j < kListRegisters; ++j) {
      if (kLrState.get(lrs[j]) != kLrStateInvalid && kLrVintid.get(lrs[j]) == kLrVintid.get(lrs[i])) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace mica::monitor::gic
