// PSCI 1.1 as a realm sees it (RMM 1.0 §6): the monitor answers what it can
// itself and tells the host about the rest with RMI_EXIT_PSCI. CPU_ON and
// AFFINITY_INFO on another REC wait for the host's RMI_PSCI_COMPLETE.
#include "monitor/abi/rsi.h"
#include "monitor/abi/smccc.h"
#include "realm/realm_descriptor.h"
#include "realm/realm_state.h"
#include "rsi/rsi.h"

namespace mica::monitor::rsi {

namespace {

namespace ps = abi::psci;

constexpr uint64_t psci_word(int64_t value) { return static_cast<uint64_t>(value); }

// The exit tells the host the FID (and, for calls that name another REC, the
// target MPIDR); every other gprs[] is 0.
void exit_psci(RecRun& run, unsigned forwarded_registers) {
  run.exit.reason = abi::RmiRecExitReason::kPsci;
  for (unsigned i = 0; i < forwarded_registers; ++i) run.exit.gprs[i] = run.rec.cpu.x[i];
}

// CPU_ON and AFFINITY_INFO name a REC of the realm by MPIDR: it must be one
// that exists (RECs are numbered 0..rec_count-1 in creation order).
bool target_exists(const RecRun& run, uint64_t mpidr) {
  return abi::mpidr_el1_to_rec_index(mpidr) < run.realm.rec_count;
}
bool targets_self(const RecRun& run, uint64_t mpidr) {
  return abi::mpidr_el1_to_rec_index(mpidr) == run.rec.index;
}

void cpu_off(RecRun& run, Result& result) {
  // The REC stays off until another REC's CPU_ON is completed by the host.
  run.rec.runnable = false;
  exit_psci(run, 1);
  result.action = Action::kReturnAndExit;
  result.x[0] = psci_word(ps::kSuccess);
}

// A notification only: the host need not answer before the next REC_ENTER.
void cpu_suspend(RecRun& run, Result& result) {
  exit_psci(run, 1);
  result.action = Action::kReturnAndExit;
  result.x[0] = psci_word(ps::kSuccess);
}

void cpu_on(RecRun& run, Result& result) {
  const uint64_t target = run.rec.cpu.x[1];
  const uint64_t entry = run.rec.cpu.x[2];
  if (!run.realm.in_par(entry)) return result.returns(psci_word(ps::kInvalidAddress));
  if (!target_exists(run, target)) return result.returns(psci_word(ps::kInvalidParams));
  if (targets_self(run, target)) return result.returns(psci_word(ps::kAlreadyOn));
  // X0..X3 stay as they are: RMI_PSCI_COMPLETE reads the request from them.
  run.rec.psci_pending = true;
  exit_psci(run, 2);
  result.action = Action::kExit;
}

void affinity_info(RecRun& run, Result& result) {
  const uint64_t target = run.rec.cpu.x[1];
  const uint64_t lowest_affinity_level = run.rec.cpu.x[2];
  if (lowest_affinity_level != 0 || !target_exists(run, target)) {
    return result.returns(psci_word(ps::kInvalidParams));
  }
  if (targets_self(run, target)) return result.returns(psci_word(ps::kAffinityOn));
  run.rec.psci_pending = true;
  exit_psci(run, 2);
  result.action = Action::kExit;
}

// SYSTEM_OFF and SYSTEM_RESET end the realm: no REC of it runs again (a
// reset is another realm, with its own measurement, built by the host).
void system_off(RecRun& run, Result& result) {
  {
    GranuleLock rd_lock = run.granules.lock_owned(run.realm.rd, GranuleState::kRd);
    RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
    // Another REC of the realm may have got there first.
    if (rd.state == RealmState::kActive) realm_transition(rd, RealmState::kSystemOff);
  }
  exit_psci(run, 1);
  result.action = Action::kExit;
}

void psci_features(RecRun& run, Result& result) {
  switch (static_cast<uint32_t>(run.rec.cpu.x[1])) {
    case ps::kCpuSuspend32:
    case ps::kCpuSuspend64:
    case ps::kCpuOff:
    case ps::kCpuOn32:
    case ps::kCpuOn64:
    case ps::kAffinityInfo32:
    case ps::kAffinityInfo64:
    case ps::kSystemOff:
    case ps::kSystemReset:
    case ps::kFeatures:
    case abi::kSmcccVersionFid:
      return result.returns(psci_word(ps::kSuccess));
    default:
      return result.returns(psci_word(ps::kNotSupported));
  }
}

}  // namespace

void psci(RecRun& run, Result& result, uint32_t fid) {
  switch (fid) {
    case ps::kVersion: return result.returns(ps::kPsciVersion_1_1);
    case ps::kCpuSuspend32:
    case ps::kCpuSuspend64: return cpu_suspend(run, result);
    case ps::kCpuOff: return cpu_off(run, result);
    case ps::kCpuOn32:
    case ps::kCpuOn64: return cpu_on(run, result);
    case ps::kAffinityInfo32:
    case ps::kAffinityInfo64: return affinity_info(run, result);
    case ps::kSystemOff:
    case ps::kSystemReset: return system_off(run, result);
    case ps::kFeatures: return psci_features(run, result);
    default: return result.returns(psci_word(ps::kNotSupported));
  }
}

}  // namespace mica::monitor::rsi
