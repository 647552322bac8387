// Mica's RSI commands and the closed paths: MICA_RSI_VERSION, local
// attestation (MICA_WORKFLOW_INFO, MICA_PEER_INFO, MICA_CHANNEL_INFO), the
// dispatch to the gate commands, and the hooks that deny a bound realm the
// paths to the host its policy closes.
#include "mica/rsi.h"

#include "core/bytes.h"
#include "core/esr.h"
#include "mica/hooks.h"
#include "mica/workflow.h"
#include "monitor/abi/rsi.h"
#include "realm/realm_descriptor.h"
#include "rsi/rsi.h"

namespace mica::monitor::ext {

namespace {

namespace ps = abi::psci;
namespace sch = policy::schema;
using abi::MicaRsiCommand;
using abi::RsiStatus;

constexpr uint64_t status_word(RsiStatus status) { return static_cast<uint64_t>(status); }
// Permission fault, levels 0..3 (FSC 0b0011xx).
constexpr uint64_t kFscPermissionFault = 0x0C;
constexpr uint64_t psci_word(int64_t value) { return static_cast<uint64_t>(value); }

uint64_t peer_state(RealmState state) {
  switch (state) {
    case RealmState::kNew: return static_cast<uint64_t>(abi::MicaPeerState::kNew);
    case RealmState::kActive: return static_cast<uint64_t>(abi::MicaPeerState::kActive);
    case RealmState::kSystemOff: return static_cast<uint64_t>(abi::MicaPeerState::kSystemOff);
  }
  return static_cast<uint64_t>(abi::MicaPeerState::kUnbound);
}

// Writes bytes [0, 32) of `bytes` into four registers starting at x[first].
void put_words(RealmCpuContext& cpu, unsigned first, const uint8_t* bytes, unsigned words) {
  for (unsigned i = 0; i < words; ++i) cpu.x[first + i] = load_le<uint64_t>(bytes + 8 * i);
}

void version(RsiExtensionCall& call) {
  call.result[0] = status_word(call.x[1] == abi::kMicaVersion_1_0 ? RsiStatus::kSuccess : RsiStatus::kErrorInput);
  call.result[1] = abi::kMicaVersion_1_0;
  call.result[2] = abi::kMicaVersion_1_0;
}

// X1..X4 policy digest, X5..X8 instance id, X9 own component, X10 number of
// components, X11 own bind generation.
void workflow_info(Context& ctx, RecRun& run, const Binding& self, RsiExtensionCall& call) {
  RealmCpuContext& cpu = run.rec.cpu;
  GranuleLock wf_lock = ctx.granules.lock_owned(self.workflow, GranuleState::kWorkflow);
  const WorkflowDescriptor& wf = wf_lock.as<WorkflowDescriptor>();
  rsi_return(call, RsiStatus::kSuccess);
  for (unsigned i = 0; i < 4; ++i) call.result[1 + i] = load_le<uint64_t>(wf.policy_digest + 8 * i);
  put_words(cpu, 5, wf.instance_id, 4);
  cpu.x[9] = self.component;
  cpu.x[10] = wf.component_count;
  cpu.x[11] = self.bind_generation;
}

// X1 = component index of the same workflow. Out: X1 peer state
// (MicaPeerState), X2 its bind generation, X3 its hash algorithm, X4..X11 its
// RIM (64 bytes, zero beyond the hash size).
void peer_info(Context& ctx, RecRun& run, const Binding& self, RsiExtensionCall& call) {
  const uint64_t component = call.x[1];
  PhysAddr peer_rd;
  uint64_t generation = 0;
  {
    GranuleLock wf_lock = ctx.granules.lock_owned(self.workflow, GranuleState::kWorkflow);
    const WorkflowDescriptor& wf = wf_lock.as<WorkflowDescriptor>();
    if (component >= wf.component_count) return rsi_return(call, RsiStatus::kErrorInput);
    peer_rd = wf.components[component].rd;
    generation = wf.components[component].bind_generation;
  }
  RealmCpuContext& cpu = run.rec.cpu;
  rsi_return(call, RsiStatus::kSuccess);
  uint8_t rim[abi::kMeasurementSlotSize] = {};
  call.result[1] = static_cast<uint64_t>(abi::MicaPeerState::kUnbound);
  if (peer_rd.value() != 0) {
    // The slot was read under the WORKFLOW lock, which is let go before an
    // RD is locked: the RD must still be that binding.
    GranuleLock peer_lock = ctx.granules.find_lock(peer_rd, GranuleState::kRd);
    if (peer_lock) {
      const RealmDescriptor& peer = peer_lock.as<RealmDescriptor>();
      if (peer.mica.bound && peer.mica.workflow == self.workflow && peer.mica.component == component &&
          peer.mica.bind_generation == generation) {
        call.result[1] = peer_state(peer.state);
        call.result[2] = generation;
        call.result[3] = static_cast<uint64_t>(peer.hash_algo);
        copy_bytes(rim, peer.rim(), hash_size(peer.hash_algo));
      }
    }
  }
  call.result[4] = load_le<uint64_t>(rim);
  put_words(cpu, 5, rim + 8, 7);
}

// X1 = channel index. Out: X1 base IPA of the channel in this realm (0 while
// nothing is mapped), X2 its size, X3 permission (kChannelRead/Write), X4
// pages mapped into this realm, X5 the channel's writer component, X6 1 if
// it is bidirectional.
void channel_info(Context& ctx, RecRun& run, const Binding& self, RsiExtensionCall& call) {
  const uint64_t index = call.x[1];
  policy::Channel channel;
  {
    GranuleLock wf_lock = ctx.granules.lock_owned(self.workflow, GranuleState::kWorkflow);
    const WorkflowDescriptor& wf = wf_lock.as<WorkflowDescriptor>();
    if (index >= wf.channel_count) return rsi_return(call, RsiStatus::kErrorInput);
    channel = StoredPolicy(ctx.granules, wf).channel(static_cast<uint32_t>(index));
  }
  if (!channel.is_endpoint(self.component)) return rsi_return(call, RsiStatus::kErrorInput);
  ChannelMapping mapping;
  {
    GranuleLock rd_lock = ctx.granules.lock_owned(run.realm.rd, GranuleState::kRd);
    mapping = rd_lock.as<RealmDescriptor>().mica.channels[index];
  }
  rsi_return(call, RsiStatus::kSuccess);
  call.result[1] = mapping.base_ipa;
  call.result[2] = channel.size;
  call.result[3] = abi::kChannelRead | (channel.can_write(self.component) ? abi::kChannelWrite : 0);
  call.result[4] = mapping.mapped_pages;
  run.rec.cpu.x[5] = channel.writer;
  run.rec.cpu.x[6] = channel.bidirectional ? 1 : 0;
}

// The PSCI function a FID names, as a PsciMask bit; 0 for calls that never
// reach the host (VERSION, FEATURES, unknown) and for SYSTEM_OFF, which is
// always allowed.
uint8_t psci_function(uint32_t fid) {
  switch (fid) {
    case ps::kCpuSuspend32:
    case ps::kCpuSuspend64: return sch::kPsciCpuSuspend;
    case ps::kCpuOff: return sch::kPsciCpuOff;
    case ps::kCpuOn32:
    case ps::kCpuOn64: return sch::kPsciCpuOn;
    case ps::kAffinityInfo32:
    case ps::kAffinityInfo64: return sch::kPsciAffinityInfo;
    case ps::kSystemReset: return sch::kPsciSystemReset;
    default: return 0;
  }
}

bool serving(const RecRun& run) { return run.rec.gate.role == GateRole::kServing; }

bool psci_open(const RecRun& run, const Binding& self, uint8_t function) {
  return !serving(run) && (self.paths.psci & function) != 0;
}

}  // namespace

Binding binding_of(GranuleTable& granules, PhysAddr rd_pa) {
  // A running REC keeps its RD alive.
  GranuleLock rd_lock = granules.lock_owned(rd_pa, GranuleState::kRd);
  const RealmMica& mica = rd_lock.as<RealmDescriptor>().mica;
  Binding binding;
  binding.bound = mica.bound;
  binding.workflow = mica.workflow;
  binding.workflow_slot = mica.workflow_slot;
  binding.component = mica.component;
  binding.bind_generation = mica.bind_generation;
  binding.paths = mica.paths;
  return binding;
}

void rsi_return(RsiExtensionCall& call, abi::RsiStatus status) {
  call.action = RsiExtensionAction::kReturn;
  call.result[0] = status_word(status);
}

void handle_rsi(Context& ctx, RsiExtensionCall& call) {
  if (call.run == nullptr) {
    call.result[0] = abi::kSmcUnknownFunction;
    return;
  }
  RecRun& run = *call.run;
  const Binding self = binding_of(ctx.granules, run.realm.rd);
  if (!self.bound) {
    call.result[0] = abi::kSmcUnknownFunction;
    return;
  }
  const auto function = static_cast<uint16_t>(call.fid & abi::kFidFunctionMask);
  switch (static_cast<MicaRsiCommand>(function)) {
    case MicaRsiCommand::kVersion: return version(call);
    case MicaRsiCommand::kWorkflowInfo: return workflow_info(ctx, run, self, call);
    case MicaRsiCommand::kPeerInfo: return peer_info(ctx, run, self, call);
    case MicaRsiCommand::kChannelInfo: return channel_info(ctx, run, self, call);
    case MicaRsiCommand::kGateWait: return gate_wait(ctx, run, self, call);
    case MicaRsiCommand::kGateCall: return gate_call(ctx, run, self, call);
    case MicaRsiCommand::kGateReply: return gate_reply(ctx, run, self, call);
  }
  call.result[0] = abi::kSmcUnknownFunction;
}

// --- Closed paths ------------------------------------------------------------------------------

bool deny_closed_path(RecRun& run, uint32_t fid, rsi::Result& result) {
  const bool host_call = fid == abi::rsi_fid(abi::RsiCommand::kHostCall);
  const bool ripas_change = fid == abi::rsi_fid(abi::RsiCommand::kIpaStateSet);
  const uint8_t psci = psci_function(fid);
  const bool psci_features = fid == ps::kFeatures;
  if (!host_call && !ripas_change && psci == 0 && !psci_features) return false;
  const Binding self = binding_of(run.granules, run.realm.rd);
  if (!self.bound) return false;

  // A REC serving a gate call runs on its caller's time: nothing of it may
  // need the host's answer before the call returns.
  if (host_call && (!self.paths.host_calls || serving(run))) {
    result.returns(status_word(RsiStatus::kErrorState));
    return true;
  }
  if (ripas_change && (!self.paths.ripas_change || serving(run))) {
    result.returns(status_word(RsiStatus::kErrorState));
    return true;
  }
  if (psci != 0 && !psci_open(run, self, psci)) {
    result.returns(psci_word(ps::kDenied));
    return true;
  }
  if (psci_features) {
    const uint8_t asked = psci_function(static_cast<uint32_t>(run.rec.cpu.x[1]));
    if (asked != 0 && !psci_open(run, self, asked)) {
      result.returns(psci_word(ps::kNotSupported));
      return true;
    }
  }
  return false;
}

bool abort_is_closed(RecRun& run, const RealmTrap& trap) {
  namespace ab = esr::abort;
  const uint64_t esr = trap.esr_el2;
  const uint64_t fipa = esr::ipa_of_hpfar(trap.hpfar_el2);
  const bool permission_fault = (ab::kFsc.get(esr) & ab::kFscTypeMask) == kFscPermissionFault;
  const bool in_par = run.realm.in_par(fipa);
  const bool unprotected_data = !in_par && esr::ec_of(esr) == esr::Ec::kDataAbortLowerEl && fipa < run.realm.ipa_size();
  if (!(in_par && permission_fault) && !unprotected_data) return false;
  const Binding self = binding_of(run.granules, run.realm.rd);
  if (!self.bound) return false;
  // Every protected page but a channel page is mapped read-write-execute.
  if (in_par) return true;
  return !self.paths.mmio || serving(run);
}

}  // namespace mica::monitor::ext
