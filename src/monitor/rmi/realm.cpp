// RMI_REALM_CREATE, RMI_REALM_ACTIVATE, RMI_REALM_DESTROY.
#include "core/bytes.h"
#include "mica/hooks.h"
#include "measurement/measurement.h"
#include "realm/realm_descriptor.h"
#include "realm/realm_state.h"
#include "rmi/handlers.h"
#include "rmi/ns_params.h"
#include "s2tt/rtt.h"

namespace mica::monitor::rmi {

namespace {

namespace rp = abi::realm_params;

// RmiRealmParams as the monitor copied it out of the NS granule.
struct RealmParams {
  measurement::MeasuredRealmParams measured;
  uint8_t rpv[rp::kRpvSize];
  uint16_t vmid;
  uint64_t rtt_base;
  int64_t rtt_level_start;
  uint32_t rtt_num_start;
};

// What REALM_CREATE derives from valid params.
struct RealmGeometry {
  int8_t start_level;
  uint8_t num_root_rtts;
};

bool read_realm_params(Context& ctx, PhysAddr pa, RealmParams& p) {
  if (!is_ns_granule(ctx, pa)) return false;
  uint8_t head[rp::kHashAlgo + 1];
  uint8_t tail[rp::kRttNumStart + sizeof(uint32_t) - rp::kVmid];
  if (!read_ns(ctx, pa, 0, head, sizeof head) || !read_ns(ctx, pa, rp::kRpv, p.rpv, sizeof p.rpv) ||
      !read_ns(ctx, pa, rp::kVmid, tail, sizeof tail)) {
    return false;
  }
  p.measured.flags = load_le<uint64_t>(head + rp::kFlags);
  p.measured.s2sz = load_le<uint32_t>(head + rp::kS2sz);
  p.measured.sve_vl = load_le<uint32_t>(head + rp::kSveVl);
  p.measured.num_bps = load_le<uint32_t>(head + rp::kNumBps);
  p.measured.num_wps = load_le<uint32_t>(head + rp::kNumWps);
  p.measured.pmu_num_ctrs = load_le<uint32_t>(head + rp::kPmuNumCtrs);
  p.measured.hash_algo = head[rp::kHashAlgo];
  // `tail` holds the params from offset kVmid on.
  auto tail_at = [&tail](uint64_t offset) { return tail + (offset - rp::kVmid); };
  p.vmid = load_le<uint16_t>(tail_at(rp::kVmid));
  p.rtt_base = load_le<uint64_t>(tail_at(rp::kRttBase));
  p.rtt_level_start = load_le<int64_t>(tail_at(rp::kRttLevelStart));
  p.rtt_num_start = load_le<uint32_t>(tail_at(rp::kRttNumStart));
  return true;
}

// The s2sz / start level / root table rules for a 4 KiB granule (9 bits per level).
bool validate_geometry(const RealmParams& p, bool lpa2, RealmGeometry& geometry) {
  const PlatformFeatures& features = platform_features();
  const int64_t sl = p.rtt_level_start;
  const int64_t lowest_start = lpa2 ? -1 : 0;
  if (sl < lowest_start || sl > abi::kRttPageLevel) return false;
  if (sl == 0 && features.pa_bits < 44) return false;
  const int64_t levels = abi::kRttPageLevel - sl;
  const int64_t min_s2sz = levels * 9 + 13;
  int64_t max_s2sz = min_s2sz + (sl == -1 ? 3 : 8);
  // Up to 16 concatenated tables at the start level.
  if (sl > 0 || (sl == 0 && lpa2)) max_s2sz += 4;
  const int64_t s2sz = p.measured.s2sz;
  if (s2sz < min_s2sz || s2sz > max_s2sz) return false;
  const int64_t one_table_bits = levels * 9 + 21;
  const uint64_t num_root = s2sz <= one_table_bits ? 1 : uint64_t{1} << (s2sz - one_table_bits);
  if (num_root != p.rtt_num_start) return false;
  geometry.start_level = static_cast<int8_t>(sl);
  geometry.num_root_rtts = static_cast<uint8_t>(num_root);
  return true;
}

bool validate_realm_params(const RealmParams& p, RealmGeometry& geometry) {
  const PlatformFeatures& features = platform_features();
  const uint64_t flags = p.measured.flags;
  const bool lpa2 = (flags & rp::kFlagLpa2) != 0;
  if (lpa2 && !features.lpa2) return false;
  const uint32_t max_s2sz = features.lpa2 ? 52 : 48;
  if (p.measured.s2sz < 32 || p.measured.s2sz > max_s2sz || p.measured.s2sz > features.pa_bits) return false;
  if ((flags & rp::kFlagSve) != 0 && (!features.sve || p.measured.sve_vl > features.sve_max_vl)) {
    return false;
  }
  if (p.measured.num_bps < 1 || p.measured.num_bps > features.num_bps) return false;
  if (p.measured.num_wps < 1 || p.measured.num_wps > features.num_wps) return false;
  if ((flags & rp::kFlagPmu) != 0) {
    if (!features.pmu || p.measured.pmu_num_ctrs > features.pmu_num_ctrs) return false;
    if (p.measured.pmu_num_ctrs == 0 && !features.hpmn0) return false;
  }
  if (p.measured.hash_algo != static_cast<uint8_t>(abi::RmiHashAlgorithm::kSha256) &&
      p.measured.hash_algo != static_cast<uint8_t>(abi::RmiHashAlgorithm::kSha512)) {
    return false;
  }
  return validate_geometry(p, lpa2, geometry);
}

// Locks the RD and its root RTTs, all DELEGATED, in ascending address order.
// `locks[0]` is the RD, `locks[1 + i]` root table i.
bool lock_rd_and_roots(Context& ctx, PhysAddr rd, PhysAddr rtt_base, unsigned num_roots,
                       GranuleLock (&locks)[1 + abi::kRttMaxRootTables]) {
  const bool rd_first = rd < rtt_base;
  if (rd_first) {
    locks[0] = ctx.granules.find_lock(rd, GranuleState::kDelegated);
    if (!locks[0]) return false;
  }
  for (unsigned i = 0; i < num_roots; ++i) {
    locks[1 + i] = ctx.granules.find_lock(rtt_base.plus(uint64_t{i} * kGranuleSize), GranuleState::kDelegated);
    if (!locks[1 + i]) return false;
  }
  if (!rd_first) {
    locks[0] = ctx.granules.find_lock(rd, GranuleState::kDelegated);
    if (!locks[0]) return false;
  }
  return true;
}

// Sum of the root RTTs' reference counts, with the roots locked in `roots`.
uint32_t lock_roots_and_count_references(Context& ctx, const RealmDescriptor& rd,
                                         GranuleLock (&roots)[abi::kRttMaxRootTables]) {
  uint32_t references = 0;
  for (unsigned i = 0; i < rd.num_root_rtts; ++i) {
    roots[i] = ctx.granules.lock_owned(rd.rtt_base.plus(uint64_t{i} * kGranuleSize), GranuleState::kRtt);
    references += roots[i].refcount();
  }
  return references;
}

}  // namespace

Status rmi_realm_create(Context& ctx, const SmcArgs& in, Outputs&) {
  const PhysAddr rd_pa(in.x[1]);
  const PhysAddr params_pa(in.x[2]);

  RealmParams params;
  if (!read_realm_params(ctx, params_pa, params)) return error_input();
  RealmGeometry geometry;
  if (!validate_realm_params(params, geometry)) return error_input();
  if (!ctx.vmids.reserve(params.vmid)) return error_input();
  // From here on, every failure gives the VMID back.
  struct VmidReservation {
    VmidSet& vmids;
    uint16_t vmid;
    bool keep = false;
    ~VmidReservation() {
      if (!keep) vmids.release(vmid);
    }
  } reservation{ctx.vmids, params.vmid};

  const PhysAddr rtt_base(params.rtt_base);
  const uint64_t roots_size = uint64_t{geometry.num_root_rtts} * kGranuleSize;
  // The RD must not be one of the root RTTs.
  if (rd_pa >= rtt_base && rd_pa.value() - rtt_base.value() < roots_size) return error_input();
  GranuleLock locks[1 + abi::kRttMaxRootTables];
  if (!lock_rd_and_roots(ctx, rd_pa, rtt_base, geometry.num_root_rtts, locks)) return error_input();

  // Commit: nothing below can fail.
  reservation.keep = true;
  GranuleLock& rd_lock = locks[0];
  rd_lock.transition(GranuleState::kRd);
  RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  const uint64_t flags = params.measured.flags;
  rd.state = RealmState::kNew;
  rd.hash_algo = static_cast<HashAlgo>(params.measured.hash_algo);
  rd.s2sz = static_cast<uint8_t>(params.measured.s2sz);
  rd.start_level = geometry.start_level;
  rd.num_root_rtts = geometry.num_root_rtts;
  rd.lpa2 = (flags & rp::kFlagLpa2) != 0;
  rd.sve_enabled = (flags & rp::kFlagSve) != 0;
  rd.sve_vl = rd.sve_enabled ? static_cast<uint8_t>(params.measured.sve_vl) : 0;
  rd.pmu_enabled = (flags & rp::kFlagPmu) != 0;
  rd.pmu_num_ctrs = rd.pmu_enabled ? static_cast<uint8_t>(params.measured.pmu_num_ctrs) : 0;
  rd.num_bps = static_cast<uint8_t>(params.measured.num_bps);
  rd.num_wps = static_cast<uint8_t>(params.measured.num_wps);
  rd.vmid = params.vmid;
  rd.num_rec_aux = abi::kRecAuxCount;
  rd.rec_count = 0;
  rd.rtt_base = rtt_base;
  copy_bytes(rd.rpv, params.rpv, sizeof rd.rpv);

  const uint64_t entries_per_root = abi::kRttEntriesPerTable * s2tt::map_size(rd.start_level);
  for (unsigned i = 0; i < geometry.num_root_rtts; ++i) {
    GranuleLock& root = locks[1 + i];
    root.transition(GranuleState::kRtt);
    s2tt::init_root_table(root.as<s2tt::RttTable>(), rd, i * entries_per_root);
  }
  measurement::init_rim(ctx.platform, rd.hash_algo, params.measured, rd.rim());
  return success();
}

Status rmi_realm_activate(Context& ctx, const SmcArgs& in, Outputs&) {
  GranuleLock rd_lock = ctx.granules.find_lock(PhysAddr(in.x[1]), GranuleState::kRd);
  if (!rd_lock) return error_input();
  RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  if (rd.state != RealmState::kNew) return error_realm();
  // A realm bound to a Mica workflow must be what its component declares.
  const Status fits = ext::check_activation(ctx.granules, rd);
  if (!fits.ok()) return fits;

  realm_transition(rd, RealmState::kActive);
  return success();
}

Status rmi_realm_destroy(Context& ctx, const SmcArgs& in, Outputs&) {
  GranuleLock rd_lock = ctx.granules.find_lock(PhysAddr(in.x[1]), GranuleState::kRd);
  if (!rd_lock) return error_input();
  // Live RECs hold references on the RD.
  if (rd_lock.refcount() != 0) return error_realm();
  const RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  GranuleLock roots[abi::kRttMaxRootTables];
  // Child tables or assigned protected entries below the roots.
  if (lock_roots_and_count_references(ctx, rd, roots) != 0) return error_realm();

  // Commit. ASSIGNED_NS blocks may still be mapped by the roots: flush the realm's TLB entries.
  const uint16_t vmid = rd.vmid;
  const uint8_t num_roots = rd.num_root_rtts;
  ctx.platform.tlbi_vmid(vmid);
  ctx.vmids.release(vmid);
  ext::realm_destroyed(ctx.granules, rd_lock.pa(), rd);
  for (unsigned i = 0; i < num_roots; ++i) {
    roots[i].zero();
    roots[i].transition(GranuleState::kDelegated);
  }
  rd_lock.zero();
  rd_lock.transition(GranuleState::kDelegated);
  return success();
}

}  // namespace mica::monitor::rmi
