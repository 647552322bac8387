#include "realm/realm_memory.h"

#include <utility>

#include "core/assert.h"
#include "realm/realm_descriptor.h"
#include "s2tt/descriptor.h"

namespace mica::monitor {

ProtectedPage lookup_protected_page(GranuleTable& granules, PhysAddr rd_pa, Ipa page_ipa) {
  ProtectedPage page;
  // A running REC keeps its RD alive (REALM_DESTROY refuses while RECs exist).
  page.rd = granules.lock_owned(rd_pa, GranuleState::kRd);
  const RealmDescriptor& rd = page.rd.as<RealmDescriptor>();
  MICA_MONITOR_ASSERT(page_ipa.is_granule_aligned() && rd.in_par(page_ipa));
  page.where = s2tt::walk(granules, rd, page_ipa, abi::kRttPageLevel);
  const int level = page.where.level;
  const s2tt::Rtte entry = page.where.entry();
  const s2tt::EntryState state = entry.state(level);
  page.ripas = s2tt::ripas_of(state);
  page.channel = state == s2tt::EntryState::kAssignedShared;
  if (state == s2tt::EntryState::kAssignedRam) {
    // A block maps consecutive DATA granules; pick the one holding page_ipa.
    const uint64_t offset = page_ipa.value() - s2tt::align_down(page_ipa, level).value();
    page.data = granules.lock_owned(entry.output_address(level).plus(offset), GranuleState::kData);
  }
  return page;
}

}  // namespace mica::monitor
