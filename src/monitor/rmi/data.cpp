// RMI_DATA_CREATE, RMI_DATA_CREATE_UNKNOWN, RMI_DATA_DESTROY.
#include "measurement/measurement.h"
#include "mica/hooks.h"
#include "realm/realm_descriptor.h"
#include "rmi/handlers.h"
#include "rmi/ns_params.h"
#include "rmi/rtt_args.h"
#include "s2tt/descriptor.h"
#include "s2tt/rtt.h"

namespace mica::monitor::rmi {

namespace {

using s2tt::EntryState;
using s2tt::Rtte;

enum class DataSource : uint8_t { kCopyFromHost, kUnknownContents };

// The checks DATA_CREATE and DATA_CREATE_UNKNOWN share, in their order, and
// the commit. `src`/`flags` are used only for kCopyFromHost.
Status create_data(Context& ctx, const SmcArgs& in, DataSource source) {
  const PhysAddr rd_pa(in.x[1]);
  const PhysAddr data_pa(in.x[2]);
  const Ipa ipa(in.x[3]);
  const PhysAddr src_pa(in.x[4]);
  const uint64_t flags = in.x[5];
  const bool copy = source == DataSource::kCopyFromHost;

  if (copy && flags != static_cast<uint64_t>(abi::RmiDataFlags::kNoMeasureContent) &&
      flags != static_cast<uint64_t>(abi::RmiDataFlags::kMeasureContent)) {
    return error_input();
  }
  if (copy && !is_ns_granule(ctx, src_pa)) return error_input();
  GranuleLock data_lock;
  GranuleLock rd_lock;
  if (!ctx.granules.find_lock_two(data_pa, GranuleState::kDelegated, data_lock, rd_pa, GranuleState::kRd,
                                  rd_lock)) {
    return error_input();
  }
  RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  if (copy && rd.state != RealmState::kNew) return error_realm();
  if (!valid_data_ipa(rd, ipa)) return error_input();
  if (!pa_fits_realm(rd, data_pa)) return error_input();
  s2tt::RttWalk where = s2tt::walk(ctx.granules, rd, ipa, abi::kRttPageLevel);
  if (where.level < abi::kRttPageLevel) return error_rtt(where.level);
  const EntryState state = where.entry().state(abi::kRttPageLevel);
  if (!s2tt::is_unassigned(state)) return error_rtt(abi::kRttPageLevel);
  // A realm bound to a Mica workflow stays within its component's memory.
  if (!ext::may_add_data_granule(rd)) return error_realm();
  if (copy && !ctx.platform.ns_read(src_pa, data_lock.memory(), kGranuleSize)) {
    data_lock.zero();  // a DELEGATED granule holds no data
    return error_input();
  }

  // Commit.
  Ripas ripas = s2tt::ripas_of(state);
  if (copy) {
    const bool measure_content = flags == static_cast<uint64_t>(abi::RmiDataFlags::kMeasureContent);
    measurement::extend_rim_data(ctx.platform, rd.hash_algo, rd.rim(), ipa, flags,
                                 measure_content ? data_lock.memory() : nullptr);
    // Loaded contents are RAM whatever the RIPAS was.
    ripas = Ripas::kRam;
  }
  where.rtt().set(where.index, Rtte::assigned(ripas, data_pa, abi::kRttPageLevel));
  where.table.refcount_add(1);
  ext::data_granule_added(rd);
  data_lock.transition(GranuleState::kData);
  return success();
}

}  // namespace

Status rmi_data_create(Context& ctx, const SmcArgs& in, Outputs&) {
  return create_data(ctx, in, DataSource::kCopyFromHost);
}

Status rmi_data_create_unknown(Context& ctx, const SmcArgs& in, Outputs&) {
  return create_data(ctx, in, DataSource::kUnknownContents);
}

Status rmi_data_destroy(Context& ctx, const SmcArgs& in, Outputs& out) {
  const Ipa ipa(in.x[2]);

  GranuleLock rd_lock = ctx.granules.find_lock(PhysAddr(in.x[1]), GranuleState::kRd);
  if (!rd_lock) return error_input();
  RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  if (!valid_data_ipa(rd, ipa)) return error_input();
  s2tt::RttWalk where = s2tt::walk(ctx.granules, rd, ipa, abi::kRttPageLevel);
  if (where.level < abi::kRttPageLevel) {
    out.x2 = s2tt::top_of_non_live_region(where, ipa).value();
    return error_rtt(where.level);
  }
  const Rtte entry = where.entry();
  const EntryState state = entry.state(abi::kRttPageLevel);
  if (!s2tt::is_assigned_protected(state)) {
    out.x2 = s2tt::top_of_non_live_region(where, ipa).value();
    return error_rtt(abi::kRttPageLevel);
  }
  const PhysAddr data_pa = entry.output_address(abi::kRttPageLevel);
  GranuleLock data_lock = ctx.granules.lock_owned(data_pa, GranuleState::kData);

  // Commit. Contents the realm could read leave a DESTROYED mark, so the
  // realm cannot be handed a fresh page there without noticing.
  const Ripas after = state == EntryState::kAssignedEmpty ? Ripas::kEmpty : Ripas::kDestroyed;
  where.rtt().set(where.index, Rtte::unassigned(after));
  if (entry.is_valid_descriptor()) ctx.platform.tlbi_ipa(rd.vmid, ipa, kGranuleSize);
  where.table.refcount_sub(1);
  ext::data_granule_removed(rd);
  data_lock.zero();
  data_lock.transition(GranuleState::kDelegated);
  out.x1 = data_pa.value();
  out.x2 = s2tt::top_of_non_live_region(where, ipa).value();
  return success();
}

}  // namespace mica::monitor::rmi
