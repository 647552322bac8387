// The Mica RMI command table (function numbers 0xF00..0xF3F of the SiP
// service), the extension object and its read-only introspection.
#include <array>

#include "core/bytes.h"
#include "mica/binding.h"
#include "mica/context.h"
#include "mica/hooks.h"
#include "mica/rsi.h"
#include "mica/share.h"
#include "mica/workflow.h"
#include "realm/realm_descriptor.h"
#include "realm/rec_state.h"

namespace mica::monitor {

namespace {

using ext::Context;
using ext::Outputs;
using ext::Status;
using Handler = Status (*)(Context&, const SmcArgs&, Outputs&);

struct Command {
  Handler handler = nullptr;  // null: an unused slot (SMC_UNKNOWN)
  uint8_t outputs = 0;        // how many of X1..X4 the command produces
  bool defined = false;
};

Status mica_version(Context&, const SmcArgs& in, Outputs& out) {
  out.x1 = abi::kMicaVersion_1_0;
  out.x2 = abi::kMicaVersion_1_0;
  return in.x[1] == abi::kMicaVersion_1_0 ? rmi::success() : rmi::error_input();
}

Status workflow_aux_count(Context&, const SmcArgs&, Outputs& out) {
  out.x1 = abi::kWorkflowAuxCount;
  return rmi::success();
}

constexpr std::array<Command, abi::kMicaRmiSlotCount> make_table() {
  using C = abi::MicaRmiCommand;
  std::array<Command, abi::kMicaRmiSlotCount> table{};
  auto put = [&table](C command, Handler handler, uint8_t outputs) {
    table[static_cast<unsigned>(command) - abi::kMicaRmiFunctionFirst] = Command{handler, outputs, true};
  };
  put(C::kVersion, mica_version, 2);
  put(C::kWorkflowAuxCount, workflow_aux_count, 1);
  put(C::kWorkflowCreate, ext::workflow_create, 2);
  put(C::kWorkflowDestroy, ext::workflow_destroy, 0);
  put(C::kRealmBind, ext::realm_bind, 1);
  put(C::kShareCreate, ext::share_create, 1);
  put(C::kShareDestroy, ext::share_destroy, 0);
  put(C::kShareMap, ext::share_map, 0);
  put(C::kShareUnmap, ext::share_unmap, 1);
  return table;
}

constexpr std::array<Command, abi::kMicaRmiSlotCount> kCommands = make_table();
static_assert(kCommands.size() == 64, "the Mica RMI range is 0xC2000F00..0xC2000F3F");

constexpr unsigned defined_commands() {
  unsigned n = 0;
  for (const Command& c : kCommands) n += c.defined ? 1 : 0;
  return n;
}
static_assert(defined_commands() == 9, "Mica 1.0 defines 9 RMI commands");

constexpr uint32_t kSveHint = abi::kFidSveHint;

void rsi_thunk(void* self, RsiExtensionCall& call) {
  Context ctx = MicaExtension::Storage::context(*static_cast<MicaExtension*>(self));
  ext::handle_rsi(ctx, call);
}

}  // namespace

MicaExtension::MicaExtension(PlatformInterface& platform, GranuleTable& granules)
    : platform_(platform), granules_(granules) {}

bool MicaExtension::is_mica_rmi(uint64_t fid) {
  const uint32_t w0 = static_cast<uint32_t>(fid) & ~kSveHint;
  const uint32_t function = w0 & abi::kFidFunctionMask;
  return (w0 & ~abi::kFidFunctionMask) == abi::kSipSmc64Prefix && function >= abi::kMicaRmiFunctionFirst &&
         function <= abi::kMicaRmiFunctionLast;
}

SmcResult MicaExtension::handle_rmi(const SmcArgs& args) {
  SmcResult result;
  const uint32_t function = static_cast<uint32_t>(args.x[0]) & abi::kFidFunctionMask;
  const Command* command = is_mica_rmi(args.x[0]) ? &kCommands[function - abi::kMicaRmiFunctionFirst] : nullptr;
  if (command == nullptr || command->handler == nullptr) {
    result.x[0] = abi::kSmcUnknownFunction;
    return result;
  }
  Context ctx = Storage::context(*this);
  Outputs out;
  const Status status = command->handler(ctx, args, out);
  result.x[0] = status.word();
  result.x[1] = out.x1;
  result.x[2] = out.x2;
  result.x[3] = out.x3;
  result.x[4] = command->outputs == 4 ? out.x4 : args.x[4];
  return result;
}

RsiExtension MicaExtension::rsi_extension() { return RsiExtension{this, rsi_thunk}; }

// --- Introspection ---------------------------------------------------------------------------------

bool MicaExtension::workflow_info(PhysAddr wf_pa, MicaWorkflowInfo& info) const {
  GranuleLock lock = granules_.find_lock(wf_pa, GranuleState::kWorkflow);
  if (!lock) return false;
  const ext::WorkflowDescriptor& wf = lock.as<ext::WorkflowDescriptor>();
  copy_bytes(info.policy_digest, wf.policy_digest, sizeof info.policy_digest);
  copy_bytes(info.instance_id, wf.instance_id, sizeof info.instance_id);
  info.policy_size = wf.policy_size;
  info.component_count = wf.component_count;
  info.channel_count = wf.channel_count;
  info.gate_count = wf.gate_count;
  info.bound_realms = wf.bound_realms;
  info.shares = wf.shares;
  info.bind_generation = wf.bind_generation;
  info.slot = wf.slot;
  for (uint64_t i = 0; i < abi::kWorkflowAuxCount; ++i) info.aux[i] = wf.aux[i];
  return true;
}

bool MicaExtension::workflow_component(PhysAddr wf_pa, uint32_t component, PhysAddr& rd,
                                       uint64_t& generation) const {
  GranuleLock lock = granules_.find_lock(wf_pa, GranuleState::kWorkflow);
  if (!lock) return false;
  const ext::WorkflowDescriptor& wf = lock.as<ext::WorkflowDescriptor>();
  if (component >= wf.component_count) return false;
  rd = wf.components[component].rd;
  generation = wf.components[component].bind_generation;
  return true;
}

bool MicaExtension::realm_info(PhysAddr rd_pa, MicaRealmInfo& info) const {
  GranuleLock lock = granules_.find_lock(rd_pa, GranuleState::kRd);
  if (!lock) return false;
  const ext::RealmMica& mica = lock.as<RealmDescriptor>().mica;
  info.bound = mica.bound;
  info.workflow = mica.workflow;
  info.component = mica.component;
  info.bind_generation = mica.bind_generation;
  info.data_granules = mica.data_granules;
  info.gate_waiter = mica.gate_waiter;
  return true;
}

bool MicaExtension::share_info(PhysAddr pa, MicaShareInfo& info) const {
  GranuleLock lock = granules_.find_lock(pa, GranuleState::kShared);
  if (!lock) return false;
  const auto index = static_cast<uint32_t>((pa.value() - granules_.base().value()) >> kGranuleShift);
  const ext::ShareTag tag = ext::ShareTag::decode(share_tags_[index]);
  {
    ext::SpinGuard guard(slots_lock_);
    info.workflow = slots_[tag.workflow_slot - 1];
  }
  info.channel = tag.channel;
  info.page = tag.page;
  info.mappings = lock.refcount();
  return true;
}

bool MicaExtension::rec_gate(PhysAddr rec_pa, MicaRecGateInfo& info) const {
  GranuleLock lock = granules_.find_lock(rec_pa, GranuleState::kRec);
  if (!lock) return false;
  const ext::RecGate& gate = lock.as<RecState>().gate;
  info.role = static_cast<uint8_t>(gate.role);
  info.peer = gate.peer;
  info.id = gate.id;
  return true;
}

bool MicaExtension::claims(PhysAddr rd_pa, MicaClaims& claims) const {
  GranuleLock rd_lock = granules_.find_lock(rd_pa, GranuleState::kRd);
  if (!rd_lock) return false;
  return ext::realm_token_claims(granules_, rd_lock.as<RealmDescriptor>(), claims);
}

bool ext::realm_token_claims(GranuleTable& granules, const RealmDescriptor& rd, MicaClaims& claims) {
  const ext::RealmMica& mica = rd.mica;
  if (!mica.bound) return false;
  // RD -> WORKFLOW (mica/workflow.h).
  GranuleLock wf_lock = granules.lock_owned(mica.workflow, GranuleState::kWorkflow);
  const ext::WorkflowDescriptor& wf = wf_lock.as<ext::WorkflowDescriptor>();
  copy_bytes(claims.policy_digest, wf.policy_digest, sizeof claims.policy_digest);
  copy_bytes(claims.instance_id, wf.instance_id, sizeof claims.instance_id);
  claims.component = mica.component;
  const policy::Component component = ext::StoredPolicy(granules, wf).component(mica.component);
  copy_bytes(claims.component_name, component.name.bytes, sizeof claims.component_name);
  claims.component_name_length = component.name.length;
  return true;
}

}  // namespace mica::monitor
