// RMI_REC_CREATE, RMI_REC_DESTROY, RMI_REC_AUX_COUNT.
#include "core/bytes.h"
#include "measurement/measurement.h"
#include "realm/realm_descriptor.h"
#include "realm/rec_state.h"
#include "rmi/handlers.h"
#include "rmi/ns_params.h"

namespace mica::monitor::rmi {

namespace {

namespace rcp = abi::rec_params;

// RmiRecParams as the monitor copied it out of the NS granule.
struct RecParams {
  measurement::MeasuredRecParams measured;
  uint64_t mpidr;
  uint64_t num_aux;
  uint64_t aux[rcp::kMaxAux];
};

bool read_rec_params(Context& ctx, PhysAddr pa, RecParams& p) {
  if (!is_ns_granule(ctx, pa)) return false;
  return read_ns(ctx, pa, rcp::kFlags, &p.measured.flags, sizeof p.measured.flags) &&
         read_ns(ctx, pa, rcp::kMpidr, &p.mpidr, sizeof p.mpidr) &&
         read_ns(ctx, pa, rcp::kPc, &p.measured.pc, sizeof p.measured.pc) &&
         read_ns(ctx, pa, rcp::kGprs, p.measured.gprs, sizeof p.measured.gprs) &&
         read_ns(ctx, pa, rcp::kNumAux, &p.num_aux, sizeof p.num_aux) &&
         read_ns(ctx, pa, rcp::kAux, p.aux, sizeof p.aux);
}

// The aux granules a REC_CREATE has claimed (DELEGATED -> REC_AUX, one at a
// time, as TF-RMM does: the claim keeps other commands off them while the
// rest is checked). Unless kept, they are given back on scope exit.
class AuxClaim {
 public:
  explicit AuxClaim(GranuleTable& granules) : granules_(granules) {}
  AuxClaim(const AuxClaim&) = delete;
  AuxClaim& operator=(const AuxClaim&) = delete;
  ~AuxClaim() {
    if (kept_) return;
    for (unsigned i = 0; i < count_; ++i) {
      GranuleLock aux = granules_.lock_owned(claimed_[i], GranuleState::kRecAux);
      aux.transition(GranuleState::kDelegated);
    }
  }
  bool claim(PhysAddr pa) {
    GranuleLock aux = granules_.find_lock(pa, GranuleState::kDelegated);
    if (!aux) return false;
    aux.transition(GranuleState::kRecAux);
    claimed_[count_++] = pa;
    return true;
  }
  void keep() { kept_ = true; }

 private:
  GranuleTable& granules_;
  PhysAddr claimed_[rcp::kMaxAux];
  unsigned count_ = 0;
  bool kept_ = false;
};

void reset_cpu_context(RealmCpuContext& cpu, const RecParams& params) {
  zero_bytes(&cpu, sizeof cpu);
  for (unsigned i = 0; i < rcp::kGprCount; ++i) cpu.x[i] = params.measured.gprs[i];
  cpu.pc = params.measured.pc;
  cpu.pstate = kRecResetPstate;
  cpu.sctlr_el1 = kSctlrEl1ResetValue;
  cpu.mpidr_el1 = abi::rec_mpidr_to_vmpidr(params.mpidr);
}

}  // namespace

Status rmi_rec_create(Context& ctx, const SmcArgs& in, Outputs&) {
  const PhysAddr rd_pa(in.x[1]);
  const PhysAddr rec_pa(in.x[2]);
  const PhysAddr params_pa(in.x[3]);

  RecParams params;
  if (!read_rec_params(ctx, params_pa, params)) return error_input();
  if (params.num_aux > rcp::kMaxAux) return error_input();
  AuxClaim aux_claim(ctx.granules);
  for (uint64_t i = 0; i < params.num_aux; ++i) {
    if (!aux_claim.claim(PhysAddr(params.aux[i]))) return error_input();
  }
  GranuleLock rec_lock;
  GranuleLock rd_lock;
  if (!ctx.granules.find_lock_two(rec_pa, GranuleState::kDelegated, rec_lock, rd_pa, GranuleState::kRd,
                                  rd_lock)) {
    return error_input();
  }
  RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  if (rd_lock.refcount() >= abi::kMaxRecs) return error_realm();
  if (rd.state != RealmState::kNew) return error_realm();
  // RECs are created in index order: the MPIDR must name the next index.
  if (!abi::rec_mpidr_is_valid(params.mpidr) || abi::rec_mpidr_to_index(params.mpidr) != rd.rec_count) {
    return error_input();
  }
  if (params.num_aux != rd.num_rec_aux) return error_input();

  // Commit: nothing below can fail.
  aux_claim.keep();
  rec_lock.transition(GranuleState::kRec);
  RecState& rec = rec_lock.as<RecState>();
  rec.rd = rd_pa;
  rec.index = rd.rec_count;
  rec.mpidr = params.mpidr;
  rec.runnable = (params.measured.flags & rcp::kFlagRunnable) != 0;
  rec.psci_pending = false;
  rec.num_aux = static_cast<uint32_t>(params.num_aux);
  for (uint64_t i = 0; i < params.num_aux; ++i) rec.aux[i] = PhysAddr(params.aux[i]);
  rec.ripas = RipasChangeRequest{};
  reset_cpu_context(rec.cpu, params);

  // Only a runnable REC enters the RIM (TF-RMM 1.0 behaviour).
  if (rec.runnable) {
    measurement::extend_rim_rec(ctx.platform, rd.hash_algo, rd.rim(), params.measured);
  }
  rd_lock.refcount_add(1);
  rd.rec_count += 1;
  return success();
}

Status rmi_rec_destroy(Context& ctx, const SmcArgs& in, Outputs&) {
  GranuleLock rec_lock = ctx.granules.find_lock(PhysAddr(in.x[1]), GranuleState::kRec);
  if (!rec_lock) return error_input();
  // Reference count 1: the REC is running on some PE.
  if (rec_lock.refcount() != 0) return error_rec();

  // Commit.
  const RecState& rec = rec_lock.as<RecState>();
  const PhysAddr rd_pa = rec.rd;
  for (unsigned i = 0; i < rec.num_aux; ++i) {
    GranuleLock aux = ctx.granules.lock_owned(rec.aux[i], GranuleState::kRecAux);
    aux.zero();
    aux.transition(GranuleState::kDelegated);
  }
  ctx.platform.forget_rec(rec_lock.pa());
  rec_lock.zero();
  rec_lock.transition(GranuleState::kDelegated);
  rec_lock.release();
  // The RD outlives every REC (REALM_DESTROY refuses while this count is
  // not zero), so it is updated without taking its lock.
  ctx.granules.refcount_sub_unlocked(rd_pa, 1);
  return success();
}

Status rmi_rec_aux_count(Context& ctx, const SmcArgs& in, Outputs& out) {
  GranuleLock rd_lock = ctx.granules.find_lock(PhysAddr(in.x[1]), GranuleState::kRd);
  if (!rd_lock) return error_input();
  out.x1 = rd_lock.as<RealmDescriptor>().num_rec_aux;
  return success();
}

}  // namespace mica::monitor::rmi
