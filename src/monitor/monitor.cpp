#include "monitor/monitor.h"

#include "core/bytes.h"
#include "monitor/abi/rsi.h"
#include "realm/realm_descriptor.h"
#include "realm/rec_state.h"
#include "rmi/handlers.h"

namespace mica::monitor {

const char* realm_state_name(RealmState state) {
  switch (state) {
    case RealmState::kNew: return "NEW";
    case RealmState::kActive: return "ACTIVE";
    case RealmState::kSystemOff: return "SYSTEM_OFF";
  }
  return "?";
}

Monitor::Monitor(PlatformInterface& platform)
    : platform_(platform), granules_(platform), mica_(platform, granules_), rsi_extension_(mica_.rsi_extension()) {}

SmcResult Monitor::handle_rmi(const SmcArgs& args) {
  if (!ready()) {
    SmcResult result;
    result.x[0] = abi::kSmcUnknownFunction;
    return result;
  }
  if (MicaExtension::is_mica_rmi(args.x[0])) return mica_.handle_rmi(args);
  rmi::Context ctx{platform_, granules_, vmids_, &rsi_extension_};
  return rmi::dispatch(ctx, args);
}

uint64_t Monitor::feature_register0() { return rmi::feature_register0(); }

bool Monitor::granule_info(PhysAddr pa, GranuleInfo& info) const {
  return granules_.peek(pa, info.state, info.refcount);
}

GranuleState Monitor::granule_state(PhysAddr pa) const {
  GranuleInfo info;
  return granule_info(pa, info) ? info.state : GranuleState::kUndelegated;
}

bool Monitor::realm_info(PhysAddr rd_pa, RealmInfo& info) const {
  GranuleLock lock = granules_.find_lock(rd_pa, GranuleState::kRd);
  if (!lock) return false;
  const RealmDescriptor& rd = lock.as<RealmDescriptor>();
  info.state = rd.state;
  info.hash_algo = rd.hash_algo;
  info.vmid = rd.vmid;
  info.s2sz = rd.s2sz;
  info.start_level = rd.start_level;
  info.num_root_rtts = rd.num_root_rtts;
  info.rtt_base = rd.rtt_base;
  info.rec_count = rd.rec_count;
  info.live_recs = lock.refcount();
  copy_bytes(info.rpv, rd.rpv, sizeof info.rpv);
  copy_bytes(info.measurements, rd.measurements, sizeof info.measurements);
  info.stage2 = rd.stage2();
  return true;
}

bool Monitor::rec_info(PhysAddr rec_pa, RecInfo& info) const {
  GranuleLock lock = granules_.find_lock(rec_pa, GranuleState::kRec);
  if (!lock) return false;
  const RecState& rec = lock.as<RecState>();
  info.rd = rec.rd;
  info.index = rec.index;
  info.mpidr = rec.mpidr;
  info.runnable = rec.runnable;
  info.running = lock.refcount() != 0;
  info.psci_pending = rec.psci_pending;
  info.host_call_pending = rec.host_call_pending;
  info.num_aux = rec.num_aux;
  for (unsigned i = 0; i < abi::rec_params::kMaxAux; ++i) info.aux[i] = rec.aux[i];
  info.ripas = rec.ripas;
  info.cpu = rec.cpu;
  return true;
}

bool Monitor::test_set_ripas_request(PhysAddr rec_pa, Ipa base, Ipa top, Ripas value, bool change_destroyed) {
  if (value != Ripas::kEmpty && value != Ripas::kRam) return false;
  if (!base.is_granule_aligned() || !top.is_granule_aligned() || top <= base) return false;
  PhysAddr rd_pa;
  {
    GranuleLock rec_lock = granules_.find_lock(rec_pa, GranuleState::kRec);
    if (!rec_lock) return false;
    rd_pa = rec_lock.as<RecState>().rd;
  }
  GranuleLock rec_lock;
  GranuleLock rd_lock;
  if (!granules_.find_lock_two(rec_pa, GranuleState::kRec, rec_lock, rd_pa, GranuleState::kRd, rd_lock)) {
    return false;
  }
  RecState& rec = rec_lock.as<RecState>();
  const RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  if (rec.rd != rd_pa || !rd.in_par(base) || !rd.in_par(Ipa(top.value() - kGranuleSize))) return false;
  rec.ripas = RipasChangeRequest{base, top, base, value, change_destroyed, abi::RmiResponse::kAccept};
  return true;
}

bool Monitor::test_set_psci_request(PhysAddr rec_pa, uint64_t fid, uint64_t target_mpidr, uint64_t entry,
                                    uint64_t context_id) {
  if (!abi::psci::is_cpu_on(fid) && !abi::psci::is_affinity_info(fid)) return false;
  GranuleLock lock = granules_.find_lock(rec_pa, GranuleState::kRec);
  if (!lock) return false;
  RecState& rec = lock.as<RecState>();
  rec.cpu.x[0] = fid;
  rec.cpu.x[1] = target_mpidr;
  rec.cpu.x[2] = entry;
  rec.cpu.x[3] = context_id;
  rec.psci_pending = true;
  return true;
}

bool Monitor::test_set_rec_running(PhysAddr rec_pa, bool running) {
  GranuleLock lock = granules_.find_lock(rec_pa, GranuleState::kRec);
  if (!lock) return false;
  const uint16_t current = lock.refcount();
  if (running && current == 0) lock.refcount_add(1);
  if (!running && current != 0) lock.refcount_sub(current);
  return true;
}

}  // namespace mica::monitor
