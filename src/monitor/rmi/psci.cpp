// RMI_PSCI_COMPLETE: the host's answer to a realm's CPU_ON or AFFINITY_INFO
// on another REC of the same realm.
#include "monitor/abi/rsi.h"
#include "realm/rec_state.h"
#include "rmi/handlers.h"

namespace mica::monitor::rmi {

namespace {

bool is_on(const GranuleLock& rec_lock) {
  return rec_lock.refcount() != 0 || rec_lock.as<RecState>().runnable;
}

}  // namespace

Status rmi_psci_complete(Context& ctx, const SmcArgs& in, Outputs&) {
  const PhysAddr caller_pa(in.x[1]);
  const PhysAddr target_pa(in.x[2]);
  const int64_t status = static_cast<int64_t>(in.x[3]);

  GranuleLock caller_lock;
  GranuleLock target_lock;
  if (!ctx.granules.find_lock_two(caller_pa, GranuleState::kRec, caller_lock, target_pa, GranuleState::kRec,
                                  target_lock)) {
    return error_input();
  }
  RecState& caller = caller_lock.as<RecState>();
  RecState& target = target_lock.as<RecState>();
  if (caller_lock.refcount() != 0) return error_input();
  if (!caller.psci_pending) return error_input();
  if (caller.rd != target.rd) return error_input();
  // The realm named its target by MPIDR in X1 of the PSCI call.
  if (target.index != abi::mpidr_el1_to_rec_index(caller.cpu.x[1])) return error_input();

  const uint64_t fid = caller.cpu.x[0];
  int64_t psci_result;
  bool reset_target = false;
  if (abi::psci::is_cpu_on(fid)) {
    if (status != abi::psci::kSuccess && status != abi::psci::kDenied) return error_input();
    if (is_on(target_lock)) {
      // The host may not deny a CPU_ON whose target is already on.
      if (status == abi::psci::kDenied) return error_input();
      psci_result = abi::psci::kAlreadyOn;
    } else if (status == abi::psci::kDenied) {
      psci_result = abi::psci::kDenied;
    } else {
      psci_result = abi::psci::kSuccess;
      reset_target = true;
    }
  } else {
    // A pending request is always CPU_ON or AFFINITY_INFO.
    if (status != abi::psci::kSuccess) return error_input();
    psci_result = is_on(target_lock) ? abi::psci::kAffinityOn : abi::psci::kAffinityOff;
  }

  // Commit.
  if (reset_target) {
    const uint64_t caller_ee = caller.cpu.sctlr_el1 & kSctlrEl1Ee;
    target.cpu.pstate = kRecResetPstate;
    target.cpu.sctlr_el1 = kSctlrEl1ResetValue | caller_ee;
    target.cpu.pc = caller.cpu.x[2];    // entry point
    target.cpu.x[0] = caller.cpu.x[3];  // context id
    target.runnable = true;
  }
  caller.cpu.x[0] = static_cast<uint64_t>(psci_result);
  caller.cpu.x[1] = 0;
  caller.cpu.x[2] = 0;
  caller.cpu.x[3] = 0;
  caller.psci_pending = false;
  return success();
}

}  // namespace mica::monitor::rmi
