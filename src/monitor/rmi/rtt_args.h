// Argument checks shared by the RTT, RIPAS and DATA commands.
#pragma once

#include <cstdint>

#include "monitor/abi/rmi.h"
#include "realm/realm_descriptor.h"
#include "s2tt/rtt.h"

namespace mica::monitor::rmi {

inline constexpr uint64_t kPaLimitWithoutLpa2 = uint64_t{1} << 48;

// The level argument as a signed number (levels may be -1 with LPA2; any
// out-of-range register value fails the range checks below).
inline int64_t level_argument(uint64_t x) { return static_cast<int64_t>(x); }

inline bool ipa_fits_level(const RealmDescriptor& rd, Ipa ipa, int64_t level) {
  return rd.below_ipa_size(ipa) && s2tt::is_aligned_to_level(ipa, static_cast<int>(level));
}

// RTT_CREATE / RTT_DESTROY / RTT_FOLD name a non-root RTT by the level it
// lives at: [start_level + 1, 3], the IPA aligned to the parent's entry.
inline bool valid_structure_args(const RealmDescriptor& rd, Ipa ipa, int64_t level) {
  if (level < rd.start_level + 1 || level > abi::kRttPageLevel) return false;
  return ipa_fits_level(rd, ipa, level - 1);
}

// RTT_READ_ENTRY may name any entry: [start_level, 3].
inline bool valid_entry_args(const RealmDescriptor& rd, Ipa ipa, int64_t level) {
  if (level < rd.start_level || level > abi::kRttPageLevel) return false;
  return ipa_fits_level(rd, ipa, level);
}

// RTT_MAP_UNPROTECTED / RTT_UNMAP_UNPROTECTED: levels [1, 3].
inline bool valid_unprotected_level(int64_t level) {
  return level >= abi::kRttMinBlockLevel && level <= abi::kRttPageLevel;
}
inline bool valid_unprotected_ipa(const RealmDescriptor& rd, Ipa ipa, int64_t level) {
  return ipa_fits_level(rd, ipa, level) && !rd.in_par(ipa);
}

// DATA_* commands name one 4 KiB page of the PAR.
inline bool valid_data_ipa(const RealmDescriptor& rd, Ipa ipa) {
  return rd.in_par(ipa) && ipa.is_granule_aligned();
}

inline bool pa_fits_realm(const RealmDescriptor& rd, PhysAddr pa) {
  return rd.lpa2 || pa.value() < kPaLimitWithoutLpa2;
}

}  // namespace mica::monitor::rmi
