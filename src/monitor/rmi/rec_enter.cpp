// RMI_REC_ENTER (RMM 1.0 §5.1): checks the host's RmiRecEnter in the
// specification's order without changing anything, then completes what the
// last exit left open (injected abort, emulated MMIO, RIPAS change, system
// register read, host call), runs the REC until an exit the monitor cannot
// handle itself, and writes RmiRecExit.
#include "core/bytes.h"
#include "core/esr.h"
#include "core/exit.h"
#include "core/gic.h"
#include "mica/hooks.h"
#include "monitor/abi/rsi.h"
#include "monitor/realm_run.h"
#include "realm/exceptions.h"
#include "realm/realm_descriptor.h"
#include "realm/rec_exit.h"
#include "realm/rec_run.h"
#include "realm/rec_state.h"
#include "rmi/handlers.h"
#include "rmi/ns_params.h"
#include "rsi/rsi.h"

namespace mica::monitor::rmi {

namespace {

namespace run_abi = abi::rec_run;
namespace ab = esr::abort;

// RmiRecEnter as copied out of the host's granule.
struct RecEnter {
  uint64_t flags;
  uint64_t gprs[run_abi::kGprCount];
  uint64_t gicv3_hcr;
  uint64_t gicv3_lrs[run_abi::kGicv3LrCount];
};

bool read_rec_enter(Context& ctx, PhysAddr run_pa, RecEnter& enter) {
  return read_ns(ctx, run_pa, run_abi::kEnterFlags, &enter.flags, sizeof enter.flags) &&
         read_ns(ctx, run_pa, run_abi::kEnterGprs, enter.gprs, sizeof enter.gprs) &&
         read_ns(ctx, run_pa, run_abi::kEnterGicv3Hcr, &enter.gicv3_hcr, sizeof enter.gicv3_hcr) &&
         read_ns(ctx, run_pa, run_abi::kEnterGicv3Lrs, enter.gicv3_lrs, sizeof enter.gicv3_lrs);
}

// A REC marked running on this PE (its reference count is 1) for the length
// of one REC_ENTER; see realm/rec_run.h for why its lock is not held. The
// state is worked on in a copy, written back only if the entry was accepted:
// a refused REC_ENTER leaves the REC exactly as it was.
class RunningRec {
 public:
  enum class Claim : uint8_t { kClaimed, kNotARec, kAlreadyRunning };

  explicit RunningRec(GranuleTable& granules) : granules_(granules) {}
  RunningRec(const RunningRec&) = delete;
  RunningRec& operator=(const RunningRec&) = delete;

  ~RunningRec() {
    if (!claimed_) return;
    // REC_DESTROY refuses a running REC, so the granule is still this REC.
    GranuleLock lock = granules_.lock_owned(pa_, GranuleState::kRec);
    if (committed_) lock.as<RecState>() = state_;
    lock.refcount_sub(1);
  }

  Claim claim(PhysAddr pa) {
    GranuleLock lock = granules_.find_lock(pa, GranuleState::kRec);
    if (!lock) return Claim::kNotARec;
    if (lock.refcount() != 0) return Claim::kAlreadyRunning;
    lock.refcount_add(1);
    state_ = lock.as<RecState>();
    pa_ = pa;
    claimed_ = true;
    return Claim::kClaimed;
  }

  RecState& state() { return state_; }
  // The entry is accepted: the REC's updated state is written back on release.
  void commit() { committed_ = true; }

 private:
  GranuleTable& granules_;
  PhysAddr pa_;
  bool claimed_ = false;
  bool committed_ = false;
  RecState state_{};
};

// INJECT_SEA answers a data abort at an unprotected IPA (the host could not
// or would not emulate it).
bool sea_injectable(const RecLastExit& last, const RealmSnapshot& realm) {
  return esr::ec_of(last.esr) == esr::Ec::kDataAbortLowerEl &&
         !realm.in_par(esr::ipa_of_hpfar(last.hpfar));
}

// EMUL_MMIO: the host performed the access the last exit described. A read
// delivers its value to the transfer register, extended as the load would.
void complete_mmio(RealmCpuContext& cpu, uint64_t esr, uint64_t host_value) {
  const uint64_t rt = ab::kSrt.get(esr);
  if (ab::kWnr.get(esr) == 0 && rt != 31) {
    uint64_t value = host_value & ab::access_mask(esr);
    if (ab::kSse.get(esr) != 0) {
      const uint64_t sign = uint64_t{1} << ((8u << ab::kSas.get(esr)) - 1);
      value = (value ^ sign) - sign;
      if (ab::kSf.get(esr) == 0) value &= 0xFFFF'FFFF;
    }
    cpu.x[rt] = value;
  }
  cpu.pc += 4;
}

// The answer to RSI_IPA_STATE_SET: how far the host got, and whether it
// refused. A REJECT counts only for a RAM request the host did not finish.
void complete_ripas_change(RecState& rec, bool host_rejects) {
  RipasChangeRequest& request = rec.ripas;
  if (request.base == request.top) return;
  request.response = host_rejects ? abi::RmiResponse::kReject : abi::RmiResponse::kAccept;
  const bool rejected = request.value == Ripas::kRam && request.progress != request.top &&
                        request.response == abi::RmiResponse::kReject;
  rec.cpu.x[0] = static_cast<uint64_t>(abi::RsiStatus::kSuccess);
  rec.cpu.x[1] = request.progress.value();
  rec.cpu.x[2] = static_cast<uint64_t>(rejected ? abi::RsiResponse::kReject : abi::RsiResponse::kAccept);
  request = RipasChangeRequest{};
}

// A trapped system-register read the host emulated (no flag needed).
void complete_sysreg_read(RealmCpuContext& cpu, uint64_t last_esr, uint64_t host_value) {
  if (esr::ec_of(last_esr) != esr::Ec::kSysReg || !esr::sysreg::is_read(last_esr)) return;
  const uint64_t rt = esr::sysreg::kRt.get(last_esr);
  if (rt != 31) cpu.x[rt] = host_value;
}

// Runs the REC until an exit for the host, at most kMaxRealmResumesPerEntry
// times resuming it after exits the monitor handled itself.
void run_realm(RecRun& run) {
  while (run.runs_left > 0) {
    --run.runs_left;
    const RealmTrap trap =
        run.platform.run_realm(run.rec_pa, run.rec.cpu, run.realm.stage2, kRealmInstructionBudget);
    if (handle_realm_trap(run, trap) == TrapOutcome::kExitToHost) return;
  }
  // The realm kept the monitor busy for a whole turn: the host's turn now,
  // as if its timer had fired.
  run.exit = RecExit{};
  run.exit.reason = abi::RmiRecExitReason::kIrq;
}

}  // namespace

Status rmi_rec_enter(Context& ctx, const SmcArgs& in, Outputs&) {
  const PhysAddr rec_pa(in.x[1]);
  const PhysAddr run_pa(in.x[2]);

  // --- Checks, in the specification's order; nothing changes on failure. ---
  if (!is_ns_granule(ctx, run_pa)) return error_input();
  RunningRec running(ctx.granules);
  switch (running.claim(rec_pa)) {
    case RunningRec::Claim::kNotARec: return error_input();
    case RunningRec::Claim::kAlreadyRunning: return error_rec();
    case RunningRec::Claim::kClaimed: break;
  }
  RecEnter enter;
  if (!read_rec_enter(ctx, run_pa, enter)) return error_input();
  RecState& rec = running.state();

  RealmSnapshot realm{};
  RealmState realm_state = RealmState::kNew;
  {
    // The REC keeps its RD alive; the REC lock is not held (lock order).
    GranuleLock rd_lock = ctx.granules.lock_owned(rec.rd, GranuleState::kRd);
    const RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
    realm_state = rd.state;
    realm = RealmSnapshot{rec.rd, rd.stage2(), rd.hash_algo, rd.rec_count};
  }
  if (realm_state == RealmState::kNew) return error_realm(0);
  if (realm_state == RealmState::kSystemOff) return error_realm(1);
  if (!rec.runnable || rec.psci_pending) return error_rec();
  // A REC serving a Mica gate call runs only inside its caller's REC_ENTERs.
  if (!ext::rec_may_enter(ctx.granules, rec_pa, rec)) return error_rec();
  if (!gic::valid_entry_state(enter.gicv3_hcr, enter.gicv3_lrs)) return error_rec();
  // INJECT_SEA is checked first: it answers the same exits as EMUL_MMIO and more.
  const bool inject_sea = (enter.flags & run_abi::kFlagInjectSea) != 0;
  const bool emulated_mmio = !inject_sea && (enter.flags & run_abi::kFlagEmulMmio) != 0;
  if (inject_sea && !sea_injectable(rec.last_exit, realm)) return error_rec();
  if (emulated_mmio && !rec.last_exit.emulatable_mmio) return error_rec();

  // --- Accepted: complete what the last exit left open. ---
  running.commit();
  rec.gicv3_hcr = enter.gicv3_hcr;
  for (unsigned i = 0; i < run_abi::kGicv3LrCount; ++i) rec.gicv3_lrs[i] = enter.gicv3_lrs[i];
  if (inject_sea) inject_sync_external_abort(rec.cpu, rec.last_exit.esr, rec.last_exit.far);
  if (emulated_mmio) complete_mmio(rec.cpu, rec.last_exit.esr, enter.gprs[0]);
  complete_ripas_change(rec, (enter.flags & run_abi::kFlagRipasResponse) != 0);
  complete_sysreg_read(rec.cpu, rec.last_exit.esr, enter.gprs[0]);

  RecExit exit;
  RecRun run{ctx.platform,
             ctx.granules,
             ctx.rsi_extension,
             rec_pa,
             rec,
             realm,
             exit,
             (enter.flags & run_abi::kFlagTrapWfi) != 0,
             (enter.flags & run_abi::kFlagTrapWfe) != 0};
  if (rsi::complete_host_call(run, enter.gprs) == rsi::Completion::kDone) {
    rec.last_exit = RecLastExit{};
    run_realm(run);
  }
  // (Otherwise `exit` is the emulated stage-2 abort for the unmapped
  // RsiHostCall page, and the REC does not run.)

  // Every exit carries the virtual GIC state; there are no realm-visible
  // timers or PMU on this platform, so those fields stay 0.
  exit.gicv3_hcr = gic::exit_hcr(rec.gicv3_hcr);
  for (unsigned i = 0; i < run_abi::kGicv3LrCount; ++i) exit.gicv3_lrs[i] = rec.gicv3_lrs[i];
  uint8_t exit_bytes[kRecExitSize];
  encode_rec_exit(exit, exit_bytes);
  // The REC has run: its updated state stands even if the host's page faults now.
  if (!ctx.platform.ns_write(run_pa.plus(run_abi::kExit), exit_bytes, sizeof exit_bytes)) return error_input();
  return success();
}

}  // namespace mica::monitor::rmi
