// RMI_RTT_INIT_RIPAS and RMI_RTT_SET_RIPAS.
#include "measurement/measurement.h"
#include "realm/rec_state.h"
#include "rmi/handlers.h"
#include "rmi/rtt_args.h"
#include "s2tt/descriptor.h"
#include "s2tt/rtt.h"

namespace mica::monitor::rmi {

namespace {

using s2tt::EntryState;
using s2tt::Rtte;

// What RMI_RTT_SET_RIPAS does to one entry (RMM 1.0 §3.4 "RIPAS change").
struct RipasStep {
  enum class Action : uint8_t { kStop, kKeep, kChange } action;
  Rtte entry;
  bool needs_tlbi;
};

RipasStep ripas_step(Rtte current, int level, Ripas requested, bool change_destroyed) {
  const EntryState state = current.state(level);
  const RipasStep stop{RipasStep::Action::kStop, current, false};
  const RipasStep keep{RipasStep::Action::kKeep, current, false};
  // A Mica shared page keeps its mapping until MICA_SHARE_UNMAP.
  if (state == EntryState::kTable || state == EntryState::kUnassignedNs || state == EntryState::kAssignedNs ||
      state == EntryState::kAssignedShared) {
    return stop;
  }
  const Ripas ripas = s2tt::ripas_of(state);
  if (ripas == requested) return keep;
  if (ripas == Ripas::kDestroyed && !change_destroyed) return stop;
  if (s2tt::is_unassigned(state)) return {RipasStep::Action::kChange, Rtte::unassigned(requested), false};
  // An assigned entry keeps its page. Turning it EMPTY takes away whatever
  // the realm could reach through it, so the TLB is flushed (as TF-RMM does,
  // also for a DESTROYED page that was not mapped).
  const Rtte changed = Rtte::assigned(requested, current.output_address(level), level);
  return {RipasStep::Action::kChange, changed, requested == Ripas::kEmpty};
}

}  // namespace

Status rmi_rtt_init_ripas(Context& ctx, const SmcArgs& in, Outputs& out) {
  const Ipa base(in.x[2]);
  const Ipa top(in.x[3]);

  if (top <= base) return error_input();
  GranuleLock rd_lock = ctx.granules.find_lock(PhysAddr(in.x[1]), GranuleState::kRd);
  if (!rd_lock) return error_input();
  RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  if (!base.is_granule_aligned() || !top.is_granule_aligned() || !rd.below_ipa_size(base) ||
      !rd.below_ipa_size(top) || !rd.in_par(base) || !rd.in_par(Ipa(top.value() - kGranuleSize))) {
    return error_input();
  }
  if (rd.state != RealmState::kNew) return error_realm();
  s2tt::RttWalk where = s2tt::walk(ctx.granules, rd, base, abi::kRttPageLevel);
  const int level = where.level;
  if (!s2tt::is_aligned_to_level(base, level)) return error_rtt(level);

  // Entries of this one table only, each measured as the step it is.
  const uint64_t step = s2tt::map_size(level);
  uint64_t addr = base.value();
  for (unsigned index = where.index; index < abi::kRttEntriesPerTable && addr + step <= top.value(); ++index) {
    const EntryState state = where.rtt().get(index).state(level);
    if (state == EntryState::kUnassignedEmpty) {
      where.rtt().set(index, Rtte::unassigned(Ripas::kRam));
    } else if (state != EntryState::kUnassignedRam) {
      break;
    }
    measurement::extend_rim_ripas(ctx.platform, rd.hash_algo, rd.rim(), Ipa(addr), Ipa(addr + step));
    addr += step;
  }
  if (addr == base.value()) return error_rtt(level);
  out.x1 = addr;
  return success();
}

Status rmi_rtt_set_ripas(Context& ctx, const SmcArgs& in, Outputs& out) {
  const PhysAddr rd_pa(in.x[1]);
  const PhysAddr rec_pa(in.x[2]);
  const Ipa base(in.x[3]);
  const Ipa top(in.x[4]);

  if (top <= base) return error_input();
  GranuleLock rd_lock;
  GranuleLock rec_lock;
  if (!ctx.granules.find_lock_two(rd_pa, GranuleState::kRd, rd_lock, rec_pa, GranuleState::kRec, rec_lock)) {
    return error_input();
  }
  const RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  RecState& rec = rec_lock.as<RecState>();
  if (rec_lock.refcount() != 0) return error_rec();
  if (rec.rd != rd_pa) return error_rec();
  // The host continues the realm's request exactly where it stands, and no further.
  if (base != rec.ripas.progress || top > rec.ripas.top) return error_input();
  s2tt::RttWalk where = s2tt::walk(ctx.granules, rd, base, abi::kRttPageLevel);
  const int level = where.level;
  if (!s2tt::is_aligned_to_level(base, level)) return error_rtt(level);

  const uint64_t step = s2tt::map_size(level);
  uint64_t addr = base.value();
  for (unsigned index = where.index; index < abi::kRttEntriesPerTable && addr + step <= top.value(); ++index) {
    const RipasStep change = ripas_step(where.rtt().get(index), level, rec.ripas.value, rec.ripas.change_destroyed);
    if (change.action == RipasStep::Action::kStop) break;
    if (change.action == RipasStep::Action::kChange) {
      where.rtt().set(index, change.entry);
      if (change.needs_tlbi) ctx.platform.tlbi_ipa(rd.vmid, Ipa(addr), step);
    }
    addr += step;
  }
  if (addr == base.value()) return error_rtt(level);
  rec.ripas.progress = Ipa(addr);
  out.x1 = addr;
  return success();
}

}  // namespace mica::monitor::rmi
