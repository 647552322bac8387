#include "s2tt/rtt.h"

#include <utility>

#include "core/assert.h"

namespace mica::monitor::s2tt {

RttWalk walk(GranuleTable& granules, const RealmDescriptor& rd, Ipa ipa, int target_level) {
  MICA_MONITOR_ASSERT(rd.below_ipa_size(ipa));
  int level = rd.start_level;
  // Concatenated root tables: the bits above one table's reach pick the table.
  const uint64_t root_number = (ipa.value() >> abi::rtt_level_shift(level)) / abi::kRttEntriesPerTable;
  MICA_MONITOR_ASSERT(root_number < rd.num_root_rtts);
  GranuleLock table =
      granules.lock_owned(rd.rtt_base.plus(root_number * kGranuleSize), GranuleState::kRtt);
  unsigned index = entry_index(ipa, level);
  // At most four levels: the loop ends at level 3 whatever the tables hold.
  while (level < target_level && level < abi::kRttPageLevel) {
    const Rtte entry = table.as<RttTable>().get(index);
    if (entry.state(level) != EntryState::kTable) break;
    // The child is locked before the parent is released (hand over hand).
    GranuleLock child = granules.lock_owned(entry.output_address(level), GranuleState::kRtt);
    table = std::move(child);
    ++level;
    index = entry_index(ipa, level);
  }
  return RttWalk{std::move(table), level, index};
}

Ipa top_of_non_live_region(const RttWalk& where, Ipa ipa) {
  const RttTable& rtt = where.rtt();
  if (rtt.get(where.index).is_live(where.level)) return ipa;
  const uint64_t step = map_size(where.level);
  uint64_t addr = align_down(ipa, where.level).value();
  for (unsigned i = where.index + 1; i < abi::kRttEntriesPerTable; ++i) {
    addr += step;
    if (rtt.get(i).is_live(where.level)) return Ipa(addr);
  }
  return Ipa(addr + step);
}

void init_root_table(RttTable& table, const RealmDescriptor& rd, uint64_t first_ipa) {
  const uint64_t step = map_size(rd.start_level);
  for (unsigned i = 0; i < abi::kRttEntriesPerTable; ++i) {
    const Ipa ipa(first_ipa + i * step);
    if (rd.in_par(ipa)) {
      table.set(i, Rtte::unassigned(Ripas::kEmpty));
    } else if (rd.below_ipa_size(ipa)) {
      table.set(i, Rtte::unassigned_ns());
    } else {
      table.set(i, Rtte(0));
    }
  }
}

}  // namespace mica::monitor::s2tt
