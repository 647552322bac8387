// RTTs (stage-2 translation tables) of a realm: one RTT granule holds 512
// descriptors; the root level may be up to 16 concatenated tables. The walk
// locks tables hand over hand (granule_table.h, lock classes 2 and 3).
#pragma once

#include <cstdint>

#include "monitor/abi/rmi.h"
#include "monitor/granule_table.h"
#include "monitor/types.h"
#include "realm/realm_descriptor.h"
#include "s2tt/descriptor.h"

namespace mica::monitor::s2tt {

// The contents of one RTT granule. Entries are read and written with single
// 64-bit accesses, as a hardware table walker requires.
struct RttTable {
  uint64_t entries[abi::kRttEntriesPerTable];

  Rtte get(unsigned index) const { return Rtte(__atomic_load_n(&entries[index], __ATOMIC_RELAXED)); }
  void set(unsigned index, Rtte entry) { __atomic_store_n(&entries[index], entry.raw(), __ATOMIC_RELEASE); }
};
static_assert(sizeof(RttTable) == kGranuleSize);

constexpr uint64_t map_size(int level) { return abi::rtt_map_size(level); }
// Entry index of ipa inside the table at `level` that covers it.
constexpr unsigned entry_index(Ipa ipa, int level) {
  return static_cast<unsigned>((ipa.value() >> abi::rtt_level_shift(level)) % abi::kRttEntriesPerTable);
}
constexpr Ipa align_down(Ipa ipa, int level) { return Ipa(ipa.value() & ~(map_size(level) - 1)); }
constexpr bool is_aligned_to_level(Ipa ipa, int level) { return ipa.is_aligned(map_size(level)); }

// Where a walk stopped: the table at `level` (locked) and the entry of the IPA.
struct RttWalk {
  GranuleLock table;
  int level;
  unsigned index;

  RttTable& rtt() const { return table.as<RttTable>(); }
  Rtte entry() const { return rtt().get(index); }
};

// Walks the realm's RTTs from the root towards `target_level` for ipa,
// descending only through table entries. The RD must be locked by the caller
// and ipa must be below the realm's IPA size. Returns the deepest table
// reached (at most target_level; never above the start level).
RttWalk walk(GranuleTable& granules, const RealmDescriptor& rd, Ipa ipa, int target_level);

// The "top of the non-live region" output of DATA_DESTROY, RTT_DESTROY and
// RTT_UNMAP_UNPROTECTED, computed from the table a walk stopped in.
Ipa top_of_non_live_region(const RttWalk& where, Ipa ipa);

// Initialises a root table: entries mapping the PAR become UNASSIGNED/EMPTY,
// the rest of the IPA space UNASSIGNED_NS, entries past it stay zero.
// `first_ipa` is the IPA the table's entry 0 maps.
void init_root_table(RttTable& table, const RealmDescriptor& rd, uint64_t first_ipa);

}  // namespace mica::monitor::s2tt
