// RMI_RTT_CREATE, RMI_RTT_DESTROY, RMI_RTT_FOLD, RMI_RTT_READ_ENTRY,
// RMI_RTT_MAP_UNPROTECTED, RMI_RTT_UNMAP_UNPROTECTED.
#include "core/assert.h"
#include "mica/hooks.h"
#include "rmi/handlers.h"
#include "rmi/rtt_args.h"
#include "s2tt/descriptor.h"
#include "s2tt/rtt.h"

namespace mica::monitor::rmi {

namespace {

using s2tt::EntryState;
using s2tt::Rtte;
using s2tt::RttTable;

constexpr unsigned kEntries = abi::kRttEntriesPerTable;

// Fills a table at `level` with the 512 entries that together mean what the
// parent entry `parent` (at level - 1) meant. Returns how many of them the
// table's reference count counts.
uint16_t fill_split_table(RttTable& table, Rtte parent, int level) {
  const EntryState state = parent.state(level - 1);
  if (s2tt::is_unassigned(state) || state == EntryState::kUnassignedNs) {
    const Rtte child = state == EntryState::kUnassignedNs ? Rtte::unassigned_ns()
                                                          : Rtte::unassigned(s2tt::ripas_of(state));
    for (unsigned i = 0; i < kEntries; ++i) table.set(i, child);
    return 0;
  }
  const uint64_t base = parent.output_address(level - 1).value();
  const uint64_t step = s2tt::map_size(level);
  if (state == EntryState::kAssignedNs) {
    for (unsigned i = 0; i < kEntries; ++i) {
      table.set(i, Rtte::assigned_ns(parent.host_attributes(), PhysAddr(base + i * step), level));
    }
    return 0;
  }
  MICA_MONITOR_ASSERT(s2tt::is_assigned_protected(state));
  for (unsigned i = 0; i < kEntries; ++i) {
    table.set(i, Rtte::assigned(s2tt::ripas_of(state), PhysAddr(base + i * step), level));
  }
  return kEntries;
}

// The entry a fold of `table` (at `level`) puts in its parent, if the 512
// entries can be expressed by one. Returns the status to report otherwise.
Status fold_entry(const RttTable& table, uint16_t refcount, int level, Rtte& folded) {
  const Rtte first = table.get(0);
  const EntryState state = first.state(level);
  const uint64_t step = s2tt::map_size(level);

  if (refcount == 0) {
    if (s2tt::is_unassigned(state) || state == EntryState::kUnassignedNs) {
      for (unsigned i = 1; i < kEntries; ++i) {
        if (table.get(i).state(level) != state) return error_rtt(level);
      }
      folded = state == EntryState::kUnassignedNs ? Rtte::unassigned_ns()
                                                  : Rtte::unassigned(s2tt::ripas_of(state));
      return success();
    }
    if (state == EntryState::kAssignedNs) {
      const PhysAddr base = first.output_address(level);
      if (!base.is_aligned(s2tt::map_size(level - 1))) return error_rtt(level);
      for (unsigned i = 1; i < kEntries; ++i) {
        const Rtte entry = table.get(i);
        if (entry.state(level) != EntryState::kAssignedNs ||
            entry.output_address(level).value() != base.value() + i * step ||
            entry.host_attributes() != first.host_attributes()) {
          return error_rtt(level);
        }
      }
      // ASSIGNED_NS blocks exist only at levels 1 and 2.
      if (level - 1 < abi::kRttMinBlockLevel) return error_rtt(level - 1);
      folded = Rtte::assigned_ns(first.host_attributes(), base, level - 1);
      return success();
    }
    return error_rtt(level);
  }

  if (refcount == kEntries) {
    if (level - 1 < abi::kRttMinBlockLevel) return error_rtt(level - 1);
    if (!s2tt::is_assigned_protected(state)) return error_rtt(level);
    const PhysAddr base = first.output_address(level);
    if (!base.is_aligned(s2tt::map_size(level - 1))) return error_rtt(level);
    for (unsigned i = 1; i < kEntries; ++i) {
      const Rtte entry = table.get(i);
      if (entry.state(level) != state || entry.output_address(level).value() != base.value() + i * step) {
        return error_rtt(level);
      }
    }
    folded = Rtte::assigned(s2tt::ripas_of(state), base, level - 1);
    return success();
  }
  return error_rtt(level);
}

}  // namespace

Status rmi_rtt_create(Context& ctx, const SmcArgs& in, Outputs&) {
  const PhysAddr rd_pa(in.x[1]);
  const PhysAddr rtt_pa(in.x[2]);
  const Ipa ipa(in.x[3]);
  const int64_t level = level_argument(in.x[4]);

  GranuleLock rtt_lock;
  GranuleLock rd_lock;
  if (!ctx.granules.find_lock_two(rtt_pa, GranuleState::kDelegated, rtt_lock, rd_pa, GranuleState::kRd,
                                  rd_lock)) {
    return error_input();
  }
  const RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  if (!valid_structure_args(rd, ipa, level)) return error_input();
  if (!pa_fits_realm(rd, rtt_pa)) return error_input();
  const int parent_level = static_cast<int>(level) - 1;
  s2tt::RttWalk parent = s2tt::walk(ctx.granules, rd, ipa, parent_level);
  if (parent.level < parent_level) return error_rtt(parent.level);
  const Rtte parent_entry = parent.entry();
  const EntryState parent_state = parent_entry.state(parent_level);
  if (parent_state == EntryState::kTable) return error_rtt(parent_level);

  // Commit. A valid block is broken before the table replaces it.
  if (parent_entry.is_valid_descriptor()) {
    parent.rtt().set(parent.index, Rtte(0));
    ctx.platform.tlbi_ipa(rd.vmid, ipa, s2tt::map_size(parent_level));
  }
  const uint16_t child_references = fill_split_table(rtt_lock.as<RttTable>(), parent_entry, static_cast<int>(level));
  rtt_lock.refcount_add(child_references);
  // An assigned protected block was already counted by the parent; anything else adds a TABLE reference.
  if (!s2tt::is_assigned_protected(parent_state)) parent.table.refcount_add(1);
  rtt_lock.transition(GranuleState::kRtt);
  parent.rtt().set(parent.index, Rtte::table(rtt_pa));
  return success();
}

Status rmi_rtt_destroy(Context& ctx, const SmcArgs& in, Outputs& out) {
  const Ipa ipa(in.x[2]);
  const int64_t level = level_argument(in.x[3]);

  GranuleLock rd_lock = ctx.granules.find_lock(PhysAddr(in.x[1]), GranuleState::kRd);
  if (!rd_lock) return error_input();
  const RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  if (!valid_structure_args(rd, ipa, level)) return error_input();
  const int parent_level = static_cast<int>(level) - 1;
  s2tt::RttWalk parent = s2tt::walk(ctx.granules, rd, ipa, parent_level);
  const Rtte parent_entry = parent.entry();
  if (parent.level < parent_level || parent_entry.state(parent.level) != EntryState::kTable) {
    out.x2 = s2tt::top_of_non_live_region(parent, ipa).value();
    return error_rtt(parent.level);
  }
  const PhysAddr child_pa = parent_entry.output_address(parent_level);
  GranuleLock child = ctx.granules.lock_owned(child_pa, GranuleState::kRtt);
  // Child tables or assigned protected entries are still live below.
  if (child.refcount() != 0) {
    out.x2 = ipa.value();
    return error_rtt(static_cast<int>(level));
  }

  // Commit. The table may still hold valid ASSIGNED_NS mappings: flush its whole range.
  parent.rtt().set(parent.index, rd.in_par(ipa) ? Rtte::unassigned(Ripas::kDestroyed) : Rtte::unassigned_ns());
  ctx.platform.tlbi_ipa(rd.vmid, ipa, s2tt::map_size(parent_level));
  parent.table.refcount_sub(1);
  child.zero();
  child.transition(GranuleState::kDelegated);
  out.x1 = child_pa.value();
  out.x2 = s2tt::top_of_non_live_region(parent, ipa).value();
  return success();
}

Status rmi_rtt_fold(Context& ctx, const SmcArgs& in, Outputs& out) {
  const Ipa ipa(in.x[2]);
  const int64_t level = level_argument(in.x[3]);

  GranuleLock rd_lock = ctx.granules.find_lock(PhysAddr(in.x[1]), GranuleState::kRd);
  if (!rd_lock) return error_input();
  const RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  if (!valid_structure_args(rd, ipa, level)) return error_input();
  const int parent_level = static_cast<int>(level) - 1;
  s2tt::RttWalk parent = s2tt::walk(ctx.granules, rd, ipa, parent_level);
  if (parent.level < parent_level) return error_rtt(parent.level);
  const Rtte parent_entry = parent.entry();
  if (parent_entry.state(parent_level) != EntryState::kTable) return error_rtt(parent_level);
  const PhysAddr child_pa = parent_entry.output_address(parent_level);
  GranuleLock child = ctx.granules.lock_owned(child_pa, GranuleState::kRtt);
  Rtte folded;
  const Status foldable = fold_entry(child.as<RttTable>(), child.refcount(), static_cast<int>(level), folded);
  if (!foldable.ok()) return foldable;

  // Commit: break before make on the parent entry.
  parent.rtt().set(parent.index, Rtte(0));
  ctx.platform.tlbi_ipa(rd.vmid, ipa, s2tt::map_size(parent_level));
  parent.rtt().set(parent.index, folded);
  // The TABLE reference becomes the block's reference if the block is assigned protected.
  if (!s2tt::is_assigned_protected(folded.state(parent_level))) parent.table.refcount_sub(1);
  child.refcount_sub(child.refcount());
  child.zero();
  child.transition(GranuleState::kDelegated);
  out.x1 = child_pa.value();
  return success();
}

Status rmi_rtt_read_entry(Context& ctx, const SmcArgs& in, Outputs& out) {
  const Ipa ipa(in.x[2]);
  const int64_t level = level_argument(in.x[3]);

  GranuleLock rd_lock = ctx.granules.find_lock(PhysAddr(in.x[1]), GranuleState::kRd);
  if (!rd_lock) return error_input();
  const RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  if (!valid_entry_args(rd, ipa, level)) return error_input();
  const s2tt::RttWalk where = s2tt::walk(ctx.granules, rd, ipa, static_cast<int>(level));
  const Rtte entry = where.entry();
  const EntryState state = entry.state(where.level);

  using abi::RmiRttEntryState;
  RmiRttEntryState reported = RmiRttEntryState::kUnassigned;
  uint64_t address = 0;
  Ripas ripas = Ripas::kEmpty;
  switch (state) {
    case EntryState::kUnassignedEmpty:
    case EntryState::kUnassignedRam:
    case EntryState::kUnassignedDestroyed:
      ripas = s2tt::ripas_of(state);
      break;
    case EntryState::kAssignedEmpty:
    case EntryState::kAssignedRam:
    case EntryState::kAssignedShared:
      reported = RmiRttEntryState::kAssigned;
      address = entry.output_address(where.level).value();
      ripas = s2tt::ripas_of(state);
      break;
    case EntryState::kAssignedDestroyed:
      // TF-RMM 1.0 does not report the PA of a destroyed page.
      reported = RmiRttEntryState::kAssigned;
      ripas = Ripas::kDestroyed;
      break;
    case EntryState::kUnassignedNs:
      break;
    case EntryState::kAssignedNs:
      reported = RmiRttEntryState::kAssigned;
      address = s2tt::host_view_of_assigned_ns(entry, where.level);
      break;
    case EntryState::kTable:
      reported = RmiRttEntryState::kTable;
      address = entry.output_address(where.level).value();
      break;
  }
  out.x1 = static_cast<uint64_t>(where.level);
  out.x2 = static_cast<uint64_t>(reported);
  out.x3 = address;
  out.x4 = static_cast<uint64_t>(ripas);
  return success();
}

Status rmi_rtt_map_unprotected(Context& ctx, const SmcArgs& in, Outputs&) {
  const Ipa ipa(in.x[2]);
  const int64_t level = level_argument(in.x[3]);
  const s2tt::HostNsDescriptor desc(in.x[4]);

  if (!valid_unprotected_level(level)) return error_input();
  GranuleLock rd_lock = ctx.granules.find_lock(PhysAddr(in.x[1]), GranuleState::kRd);
  if (!rd_lock) return error_input();
  const RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  const int map_level = static_cast<int>(level);
  if (!desc.is_valid(map_level)) return error_input();
  if (!valid_unprotected_ipa(rd, ipa, level)) return error_input();
  // A realm bound to a Mica workflow: only inside a window its component
  // grants, and `in` windows read-only.
  uint64_t attributes = desc.attributes();
  if (!ext::unprotected_map_allowed(rd, ipa, map_level, attributes)) return error_input();
  s2tt::RttWalk where = s2tt::walk(ctx.granules, rd, ipa, map_level);
  if (where.level != map_level) return error_rtt(where.level);
  if (where.entry().state(map_level) != EntryState::kUnassignedNs) return error_rtt(map_level);

  // Commit. ASSIGNED_NS entries do not count in the RTT's reference count.
  where.rtt().set(where.index, Rtte::assigned_ns(attributes, desc.output_address(map_level), map_level));
  return success();
}

Status rmi_rtt_unmap_unprotected(Context& ctx, const SmcArgs& in, Outputs& out) {
  const Ipa ipa(in.x[2]);
  const int64_t level = level_argument(in.x[3]);

  if (!valid_unprotected_level(level)) return error_input();
  GranuleLock rd_lock = ctx.granules.find_lock(PhysAddr(in.x[1]), GranuleState::kRd);
  if (!rd_lock) return error_input();
  const RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  if (!valid_unprotected_ipa(rd, ipa, level)) return error_input();
  const int map_level = static_cast<int>(level);
  s2tt::RttWalk where = s2tt::walk(ctx.granules, rd, ipa, map_level);
  if (where.level != map_level || where.entry().state(where.level) != EntryState::kAssignedNs) {
    out.x1 = s2tt::top_of_non_live_region(where, ipa).value();
    return error_rtt(where.level);
  }

  // Commit: break the valid mapping and flush it.
  where.rtt().set(where.index, Rtte::unassigned_ns());
  ctx.platform.tlbi_ipa(rd.vmid, ipa, s2tt::map_size(map_level));
  out.x1 = s2tt::top_of_non_live_region(where, ipa).value();
  return success();
}

}  // namespace mica::monitor::rmi
