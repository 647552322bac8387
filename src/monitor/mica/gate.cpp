// Gates: MICA_GATE_WAIT, MICA_GATE_CALL, MICA_GATE_REPLY.
//
// A callee REC parks in MICA_GATE_WAIT: its realm's RD records it as the
// gate's waiter, its PC stays on the SMC, and the host sees a WFI exit (a
// host that enters it again just parks it again). A caller's MICA_GATE_CALL
// names a callee component; if the policy names the gate and a REC of the
// callee's realm waits, the monitor claims that REC (as REC_ENTER claims a
// REC: reference count 1, state worked on in a copy), hands it the caller's
// component and X2..X7, completes its WAIT (PC + 4) and runs it on the
// realm CPU inside the caller's REC_ENTER, drawing on the same run budget.
//
// The callee answers with MICA_GATE_REPLY (results in X1..X6), which also
// parks it again: the caller gets X0 = SUCCESS and the results and runs on,
// with no exit to the host in between. The next call completes the REPLY
// the way it completes a WAIT.
//
// Preemption: if the callee's run ends in an exit for the host (its budget,
// an IRQ, a fault the host must fix), the host sees that exit on the
// caller's REC_ENTER. The callee's state is written back to its REC, the
// caller stays in the call with its PC on the CALL SMC, and its next
// REC_ENTER issues the SMC again, which resumes the callee. While it serves
// a call the callee cannot make calls that need the host's answer (host
// calls, RIPAS changes, PSCI but SYSTEM_OFF, MMIO), and a REC_ENTER of the
// callee itself is refused while its caller waits for it.
//
// Nothing can wedge: every REC_ENTER is bounded by its run budget; REC_DESTROY
// of either REC is allowed between REC_ENTERs, and the other side notices
// (the caller's next CALL fails with kAborted, the callee may be entered
// again once its caller is gone); so is the realm stopping. Calls do not nest.
#include "core/exit.h"
#include "core/esr.h"
#include "mica/rsi.h"
#include "mica/workflow.h"
#include "monitor/abi/rsi.h"
#include "realm/realm_descriptor.h"
#include "realm/rec_exit.h"

namespace mica::monitor::ext {

namespace {

using abi::MicaGateError;
using abi::RsiStatus;

// Results of a failed gate command: X0 = ERROR_STATE, X1 = why.
void gate_error(RsiExtensionCall& call, MicaGateError why) {
  rsi_return(call, RsiStatus::kErrorState);
  call.result[1] = static_cast<uint64_t>(why);
}

// What the host sees while a REC is parked on a gate: an idle PE.
void parked_exit(RecRun& run) {
  run.exit = RecExit{};
  run.exit.reason = abi::RmiRecExitReason::kSync;
  run.exit.esr = esr::ec_bits(esr::Ec::kWfx);
}

// Registers rec as its realm's gate waiter under a fresh wait id.
void park(Context& ctx, PhysAddr rd_pa, PhysAddr rec_pa, RecGate& gate) {
  gate = RecGate{GateRole::kWaiting, false, {}, 0, PhysAddr(0), ctx.new_id()};
  GranuleLock rd_lock = ctx.granules.lock_owned(rd_pa, GranuleState::kRd);
  RealmMica& mica = rd_lock.as<RealmDescriptor>().mica;
  mica.gate_waiter = rec_pa;
  mica.gate_wait_id = gate.id;
}

// A REC claimed by this PE for the length of a gate call, the way REC_ENTER
// claims one (realm/rec_run.h): its reference count is 1, its lock is not
// held, its state is worked on in a copy that is written back on release.
class ClaimedRec {
 public:
  explicit ClaimedRec(GranuleTable& granules) : granules_(granules) {}
  ~ClaimedRec() {
    if (!claimed_) return;
    // REC_DESTROY refuses a REC whose reference count is not 0.
    GranuleLock lock = granules_.lock_owned(pa_, GranuleState::kRec);
    lock.as<RecState>() = state_;
    lock.refcount_sub(1);
  }
  ClaimedRec(const ClaimedRec&) = delete;
  ClaimedRec& operator=(const ClaimedRec&) = delete;

  // Claims the REC at pa if it is a REC that nothing runs and `ready` holds.
  template <class Ready>
  bool claim(PhysAddr pa, Ready ready) {
    GranuleLock lock = granules_.find_lock(pa, GranuleState::kRec);
    if (!lock || lock.refcount() != 0 || !ready(lock.as<RecState>())) return false;
    lock.refcount_add(1);
    state_ = lock.as<RecState>();
    pa_ = pa;
    claimed_ = true;
    return true;
  }
  RecState& state() { return state_; }
  PhysAddr pa() const { return pa_; }

 private:
  GranuleTable& granules_;
  PhysAddr pa_;
  bool claimed_ = false;
  RecState state_{};
};

// The callee's realm as a running REC needs it, if it is ACTIVE (a REC keeps
// its RD alive).
bool active_realm(Context& ctx, PhysAddr rd_pa, RealmSnapshot& realm) {
  GranuleLock rd_lock = ctx.granules.lock_owned(rd_pa, GranuleState::kRd);
  const RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  if (rd.state != RealmState::kActive) return false;
  realm = RealmSnapshot{rd_pa, rd.stage2(), rd.hash_algo, rd.rec_count};
  return true;
}

bool realm_active(Context& ctx, PhysAddr rd_pa) {
  RealmSnapshot ignored{};
  return active_realm(ctx, rd_pa, ignored);
}

// The caller's call is over without results.
void abort_call(RecRun& caller, RsiExtensionCall& call) {
  caller.rec.gate = RecGate{};
  gate_error(call, MicaGateError::kAborted);
}

// Runs the claimed callee inside the caller's REC_ENTER until it replies or
// its run ends in an exit for the host, and settles the call accordingly.
void run_callee(Context& ctx, RecRun& caller, ClaimedRec& callee, const RealmSnapshot& realm,
                RsiExtensionCall& call) {
  RecState& state = callee.state();
  RecRun run{caller.platform, caller.granules, caller.extension, callee.pa(), state, realm, caller.exit,
             caller.trap_wfi, caller.trap_wfe, caller.runs_left};
  bool exited = false;
  while (run.runs_left > 0) {
    --run.runs_left;
    const RealmTrap trap = run.platform.run_realm(run.rec_pa, state.cpu, realm.stage2, kRealmInstructionBudget);
    if (handle_realm_trap(run, trap) == TrapOutcome::kExitToHost) {
      exited = true;
      break;
    }
  }
  caller.runs_left = run.runs_left;

  if (exited && state.gate.replied) {
    RealmCpuContext& cpu = caller.rec.cpu;
    for (unsigned i = 1; i <= abi::kGateWords; ++i) cpu.x[i] = state.cpu.x[i];
    park(ctx, realm.rd, callee.pa(), state.gate);
    caller.rec.gate = RecGate{};
    rsi_return(call, RsiStatus::kSuccess);
    // X1..X4 go back through the results; X5 and X6 are written already.
    for (unsigned i = 1; i < 5; ++i) call.result[i] = cpu.x[i];
    return;
  }
  if (!exited) {
    // The whole turn went to the callee: the host's turn now, as for any REC.
    caller.exit = RecExit{};
    caller.exit.reason = abi::RmiRecExitReason::kIrq;
  } else if (state.gate.role != GateRole::kServing || !realm_active(ctx, realm.rd)) {
    // The callee's realm stopped (SYSTEM_OFF) during the call.
    state.gate = RecGate{};
    return abort_call(caller, call);
  }
  // Preempted, or an exit the host must see: the caller's next REC_ENTER
  // issues the CALL again and resumes the callee.
  call.action = RsiExtensionAction::kExitAndRetry;
}

// The caller's CALL issued again after an exit: resume the callee.
void resume_call(Context& ctx, RecRun& run, RsiExtensionCall& call) {
  const PhysAddr caller_pa = run.rec_pa;
  const uint64_t id = run.rec.gate.id;
  ClaimedRec callee(ctx.granules);
  const bool claimed = callee.claim(run.rec.gate.peer, [caller_pa, id](const RecState& rec) {
    return rec.gate.role == GateRole::kServing && rec.gate.peer == caller_pa && rec.gate.id == id;
  });
  if (!claimed) return abort_call(run, call);
  RealmSnapshot realm{};
  if (!active_realm(ctx, callee.state().rd, realm)) {
    callee.state().gate = RecGate{};
    return abort_call(run, call);
  }
  run_callee(ctx, run, callee, realm, call);
}

}  // namespace

void gate_wait(Context& ctx, RecRun& run, const Binding& self, RsiExtensionCall& call) {
  RecGate& gate = run.rec.gate;
  if (gate.role == GateRole::kServing) return gate_error(call, MicaGateError::kNested);
  if (gate.role == GateRole::kCalling) return gate_error(call, MicaGateError::kCallerBusy);
  bool is_callee = false;
  {
    GranuleLock wf_lock = ctx.granules.lock_owned(self.workflow, GranuleState::kWorkflow);
    is_callee = StoredPolicy(ctx.granules, wf_lock.as<WorkflowDescriptor>()).is_callee(self.component);
  }
  // No gate of the policy leads here: nobody could ever call.
  if (!is_callee) return rsi_return(call, RsiStatus::kErrorInput);
  park(ctx, run.realm.rd, run.rec_pa, gate);
  parked_exit(run);
  call.action = RsiExtensionAction::kExitAndRetry;
}

void gate_reply(Context& ctx, RecRun& run, const Binding&, RsiExtensionCall& call) {
  RecGate& gate = run.rec.gate;
  if (gate.role == GateRole::kWaiting) {
    // Parked by this REPLY, and entered by the host: the SMC is issued again
    // (as a parked WAIT's is) and the REC stays parked for the next call.
    park(ctx, run.realm.rd, run.rec_pa, gate);
    parked_exit(run);
    call.action = RsiExtensionAction::kExitAndRetry;
    return;
  }
  if (gate.role != GateRole::kServing) return gate_error(call, MicaGateError::kNotServing);
  // The caller's gate call (run_callee) takes X1..X6 and parks this REC.
  gate.replied = true;
  parked_exit(run);
  call.action = RsiExtensionAction::kExitAndRetry;
}

void gate_call(Context& ctx, RecRun& run, const Binding& self, RsiExtensionCall& call) {
  RecGate& gate = run.rec.gate;
  if (gate.role == GateRole::kCalling) return resume_call(ctx, run, call);
  if (gate.role == GateRole::kServing) return gate_error(call, MicaGateError::kNested);

  const uint64_t callee_component = run.rec.cpu.x[1];
  PhysAddr callee_rd;
  uint64_t generation = 0;
  {
    GranuleLock wf_lock = ctx.granules.lock_owned(self.workflow, GranuleState::kWorkflow);
    const WorkflowDescriptor& wf = wf_lock.as<WorkflowDescriptor>();
    if (callee_component >= wf.component_count) return rsi_return(call, RsiStatus::kErrorInput);
    const auto callee = static_cast<uint32_t>(callee_component);
    if (!StoredPolicy(ctx.granules, wf).gate_allowed(self.component, callee)) {
      return rsi_return(call, RsiStatus::kErrorInput);
    }
    callee_rd = wf.components[callee].rd;
    generation = wf.components[callee].bind_generation;
  }
  if (callee_rd.value() == 0) return gate_error(call, MicaGateError::kCalleeUnbound);

  // The slot was read under the WORKFLOW lock, let go before the RD is locked.
  RealmSnapshot realm{};
  PhysAddr waiter;
  uint64_t wait_id = 0;
  {
    GranuleLock rd_lock = ctx.granules.find_lock(callee_rd, GranuleState::kRd);
    if (!rd_lock) return gate_error(call, MicaGateError::kCalleeUnbound);
    const RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
    if (!rd.mica.bound || rd.mica.workflow != self.workflow || rd.mica.component != callee_component ||
        rd.mica.bind_generation != generation) {
      return gate_error(call, MicaGateError::kCalleeUnbound);
    }
    if (rd.state != RealmState::kActive) return gate_error(call, MicaGateError::kCalleeNotActive);
    realm = RealmSnapshot{callee_rd, rd.stage2(), rd.hash_algo, rd.rec_count};
    waiter = rd.mica.gate_waiter;
    wait_id = rd.mica.gate_wait_id;
  }
  ClaimedRec callee(ctx.granules);
  const bool claimed = callee.claim(waiter, [&callee_rd, wait_id](const RecState& rec) {
    return rec.rd == callee_rd && rec.gate.role == GateRole::kWaiting && rec.gate.id == wait_id &&
           rec.runnable && !rec.psci_pending && !rec.host_call_pending && rec.ripas.base == rec.ripas.top;
  });
  if (!claimed) return gate_error(call, MicaGateError::kCalleeNotWaiting);

  // The call begins: the callee's WAIT (or REPLY) returns with the arguments.
  const uint64_t id = ctx.new_id();
  RecState& state = callee.state();
  state.gate = RecGate{GateRole::kServing, false, {}, self.component, run.rec_pa, id};
  gate = RecGate{GateRole::kCalling, false, {}, 0, callee.pa(), id};
  state.cpu.x[0] = static_cast<uint64_t>(RsiStatus::kSuccess);
  state.cpu.x[1] = self.component;
  for (unsigned i = 0; i < abi::kGateWords; ++i) state.cpu.x[2 + i] = run.rec.cpu.x[2 + i];
  state.cpu.pc += 4;
  run_callee(ctx, run, callee, realm, call);
}

bool rec_may_enter(GranuleTable& granules, PhysAddr rec_pa, RecState& rec) {
  if (rec.gate.role != GateRole::kServing) return true;
  PhysAddr caller_rd;
  {
    GranuleLock caller = granules.find_lock(rec.gate.peer, GranuleState::kRec);
    if (caller) {
      // Its caller is running: it is the one to run this REC.
      if (caller.refcount() != 0) return false;
      const RecState& state = caller.as<RecState>();
      if (state.gate.role == GateRole::kCalling && state.gate.peer == rec_pa && state.gate.id == rec.gate.id) {
        caller_rd = state.rd;
      }
    }
  }
  if (caller_rd.value() != 0) {
    // The caller still waits for this REC, unless its realm stopped for good.
    GranuleLock rd_lock = granules.find_lock(caller_rd, GranuleState::kRd);
    if (rd_lock && rd_lock.as<RealmDescriptor>().state == RealmState::kActive) return false;
  }
  // The call is over for this REC: it runs on its own again.
  rec.gate = RecGate{};
  return true;
}

}  // namespace mica::monitor::ext
