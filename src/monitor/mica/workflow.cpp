// MICA_WORKFLOW_CREATE and MICA_WORKFLOW_DESTROY, the workflow slot table
// and reads of a stored policy.
#include "mica/workflow.h"

#include <cstddef>

#include "core/bytes.h"

namespace mica::monitor::ext {

namespace {

namespace wp = abi::workflow_params;
using rmi::error_input;
using rmi::error_realm;
using rmi::success;

constexpr uint64_t policy_error(abi::MicaPolicyError error) { return static_cast<uint64_t>(error); }

// An NS parameter or source granule: tracked and in state NS (read without
// its lock, as the RMM core does; the faulting NS read is what counts).
bool is_ns_granule(Context& ctx, PhysAddr pa) {
  GranuleState state;
  uint16_t refcount;
  return ctx.granules.peek(pa, state, refcount) && state == GranuleState::kUndelegated;
}

// MicaWorkflowParams as copied out of the NS granule.
struct WorkflowParams {
  uint64_t policy_size;
  uint64_t num_sources;
  uint64_t num_aux;
  uint64_t aux[wp::kMaxAux];
  uint64_t sources[wp::kMaxSources];
};

bool read_params(Context& ctx, PhysAddr pa, WorkflowParams& p) {
  if (!is_ns_granule(ctx, pa)) return false;
  return ctx.platform.ns_read(pa.plus(wp::kPolicySize), &p.policy_size, sizeof p.policy_size) &&
         ctx.platform.ns_read(pa.plus(wp::kNumSources), &p.num_sources, sizeof p.num_sources) &&
         ctx.platform.ns_read(pa.plus(wp::kNumAux), &p.num_aux, sizeof p.num_aux) &&
         ctx.platform.ns_read(pa.plus(wp::kAux), p.aux, sizeof p.aux) &&
         ctx.platform.ns_read(pa.plus(wp::kSources), p.sources, sizeof p.sources);
}

// Copies the policy bytes from the host's granules into the scratch blob.
bool copy_policy(Context& ctx, const WorkflowParams& p) {
  uint64_t copied = 0;
  for (uint64_t i = 0; i < p.num_sources; ++i) {
    const PhysAddr src(p.sources[i]);
    const uint64_t chunk = p.policy_size - copied < kGranuleSize ? p.policy_size - copied : kGranuleSize;
    if (!is_ns_granule(ctx, src) || !ctx.platform.ns_read(src, ctx.scratch_blob + copied, chunk)) return false;
    copied += chunk;
  }
  return true;
}

// A workflow slot claimed for the command in progress; given back unless kept.
class SlotReservation {
 public:
  explicit SlotReservation(Context& ctx) : ctx_(ctx) {
    SpinGuard guard(ctx.slots_lock);
    for (uint64_t i = 0; i < abi::kMaxWorkflows; ++i) {
      if (ctx.slots[i].value() == 0) {
        // Marked taken with an address no granule can have until committed.
        ctx.slots[i] = PhysAddr(kReservedMark);
        slot_ = static_cast<uint8_t>(i + 1);
        return;
      }
    }
  }
  ~SlotReservation() {
    if (slot_ == 0 || kept_) return;
    SpinGuard guard(ctx_.slots_lock);
    ctx_.slots[slot_ - 1] = PhysAddr(0);
  }
  SlotReservation(const SlotReservation&) = delete;
  SlotReservation& operator=(const SlotReservation&) = delete;

  uint8_t slot() const { return slot_; }
  void keep(PhysAddr workflow) {
    SpinGuard guard(ctx_.slots_lock);
    ctx_.slots[slot_ - 1] = workflow;
    kept_ = true;
  }

 private:
  static constexpr uint64_t kReservedMark = 1;  // not granule aligned
  Context& ctx_;
  uint8_t slot_ = 0;
  bool kept_ = false;
};

// The auxiliary granules claimed so far (DELEGATED -> WORKFLOW_AUX, one at a
// time, which keeps other commands off them); given back unless kept.
class AuxClaim {
 public:
  explicit AuxClaim(GranuleTable& granules) : granules_(granules) {}
  ~AuxClaim() {
    if (kept_) return;
    for (unsigned i = 0; i < count_; ++i) {
      GranuleLock aux = granules_.lock_owned(claimed_[i], GranuleState::kWorkflowAux);
      aux.transition(GranuleState::kDelegated);
    }
  }
  AuxClaim(const AuxClaim&) = delete;
  AuxClaim& operator=(const AuxClaim&) = delete;

  bool claim(PhysAddr pa) {
    GranuleLock aux = granules_.find_lock(pa, GranuleState::kDelegated);
    if (!aux) return false;
    aux.transition(GranuleState::kWorkflowAux);
    claimed_[count_++] = pa;
    return true;
  }
  void keep() { kept_ = true; }

 private:
  GranuleTable& granules_;
  PhysAddr claimed_[abi::kWorkflowAuxCount];
  unsigned count_ = 0;
  bool kept_ = false;
};

}  // namespace

// --- StoredPolicy ------------------------------------------------------------------------------

void StoredPolicy::read(size_t offset, void* dst, size_t size) const {
  auto* out = static_cast<uint8_t*>(dst);
  // At most two granules for any one record; bounded by the aux count anyway.
  for (unsigned step = 0; step < abi::kWorkflowAuxCount && size > 0; ++step) {
    const size_t index = offset / kGranuleSize;
    const size_t within = offset % kGranuleSize;
    const size_t chunk = size < kGranuleSize - within ? size : kGranuleSize - within;
    GranuleLock aux = granules_.lock_owned(workflow_.aux[index], GranuleState::kWorkflowAux);
    copy_bytes(out, aux.memory() + within, chunk);
    out += chunk;
    offset += chunk;
    size -= chunk;
  }
}

policy::Component StoredPolicy::component(uint32_t index) const {
  policy::Component component;
  read(offsetof(policy::Policy, components) + index * sizeof(policy::Component), &component, sizeof component);
  return component;
}

policy::Channel StoredPolicy::channel(uint32_t index) const {
  policy::Channel channel;
  read(offsetof(policy::Policy, channels) + index * sizeof(policy::Channel), &channel, sizeof channel);
  return channel;
}

bool StoredPolicy::gate_allowed(uint32_t caller, uint32_t callee) const {
  policy::Gate gates[policy::kMaxGates];
  read(offsetof(policy::Policy, gates), gates, workflow_.gate_count * sizeof(policy::Gate));
  for (uint32_t i = 0; i < workflow_.gate_count; ++i) {
    if (gates[i].caller == caller && gates[i].callee == callee) return true;
  }
  return false;
}

bool StoredPolicy::is_callee(uint32_t component) const {
  policy::Gate gates[policy::kMaxGates];
  read(offsetof(policy::Policy, gates), gates, workflow_.gate_count * sizeof(policy::Gate));
  for (uint32_t i = 0; i < workflow_.gate_count; ++i) {
    if (gates[i].callee == component) return true;
  }
  return false;
}

PhysAddr workflow_of_slot(Context& ctx, uint8_t slot) {
  if (slot == 0 || slot > abi::kMaxWorkflows) return PhysAddr(0);
  SpinGuard guard(ctx.slots_lock);
  const PhysAddr pa = ctx.slots[slot - 1];
  return pa.is_granule_aligned() ? pa : PhysAddr(0);
}

// --- Commands ----------------------------------------------------------------------------------

Status workflow_create(Context& ctx, const SmcArgs& in, Outputs& out) {
  const PhysAddr wf_pa(in.x[1]);
  const PhysAddr params_pa(in.x[2]);

  WorkflowParams params;
  if (!read_params(ctx, params_pa, params)) return error_input();
  if (params.policy_size == 0) return error_input();
  if (params.policy_size > abi::kMaxPolicyBytes) {
    out.x1 = policy_error(abi::MicaPolicyError::kTooLarge);
    out.x2 = abi::kMaxPolicyBytes;
    return error_input();
  }
  if (params.num_sources != (params.policy_size + kGranuleSize - 1) / kGranuleSize) return error_input();
  if (params.num_aux != abi::kWorkflowAuxCount) return error_input();

  // One decode at a time: the scratch lock comes before any granule lock.
  SpinGuard scratch(ctx.scratch_lock);
  if (!copy_policy(ctx, params)) return error_input();
  const policy::DecodeResult decoded =
      policy::decode_policy(ctx.scratch_blob, params.policy_size, ctx.scratch_policy);
  if (!decoded.ok()) {
    out.x1 = static_cast<uint64_t>(decoded.error);
    out.x2 = decoded.offset;
    return error_input();
  }
  SlotReservation slot(ctx);
  if (slot.slot() == 0) {
    out.x1 = policy_error(abi::MicaPolicyError::kNoWorkflowSlot);
    return error_input();
  }
  uint8_t instance_id[32];
  if (!ctx.platform.entropy(instance_id, sizeof instance_id)) {
    out.x1 = policy_error(abi::MicaPolicyError::kNoEntropy);
    return error_input();
  }
  AuxClaim aux_claim(ctx.granules);
  for (uint64_t i = 0; i < abi::kWorkflowAuxCount; ++i) {
    if (!aux_claim.claim(PhysAddr(params.aux[i]))) return error_input();
  }
  // An auxiliary granule named again as the workflow is WORKFLOW_AUX by now.
  GranuleLock wf_lock = ctx.granules.find_lock(wf_pa, GranuleState::kDelegated);
  if (!wf_lock) return error_input();

  // Commit: nothing below can fail.
  aux_claim.keep();
  slot.keep(wf_pa);
  wf_lock.transition(GranuleState::kWorkflow);
  WorkflowDescriptor& wf = wf_lock.as<WorkflowDescriptor>();
  PlatformInterface::HashContext hash;
  uint8_t digest[kMaxHashSize];
  ctx.platform.hash_init(hash, HashAlgo::kSha256);
  ctx.platform.hash_update(hash, ctx.scratch_blob, params.policy_size);
  ctx.platform.hash_finish(hash, digest);
  copy_bytes(wf.policy_digest, digest, sizeof wf.policy_digest);
  copy_bytes(wf.instance_id, instance_id, sizeof wf.instance_id);
  wf.policy_size = params.policy_size;
  wf.component_count = ctx.scratch_policy.component_count;
  wf.channel_count = ctx.scratch_policy.channel_count;
  wf.gate_count = ctx.scratch_policy.gate_count;
  wf.slot = slot.slot();
  const auto* bytes = reinterpret_cast<const uint8_t*>(&ctx.scratch_policy);
  size_t remaining = sizeof(policy::Policy);
  for (uint64_t i = 0; i < abi::kWorkflowAuxCount; ++i) {
    wf.aux[i] = PhysAddr(params.aux[i]);
    GranuleLock aux = ctx.granules.lock_owned(wf.aux[i], GranuleState::kWorkflowAux);
    const size_t chunk = remaining < kGranuleSize ? remaining : kGranuleSize;
    copy_bytes(aux.memory(), bytes, chunk);
    bytes += chunk;
    remaining -= chunk;
  }
  return success();
}

Status workflow_destroy(Context& ctx, const SmcArgs& in, Outputs&) {
  GranuleLock wf_lock = ctx.granules.find_lock(PhysAddr(in.x[1]), GranuleState::kWorkflow);
  if (!wf_lock) return error_input();
  const WorkflowDescriptor& wf = wf_lock.as<WorkflowDescriptor>();
  if (wf.bound_realms != 0) return error_realm();
  if (wf.shares != 0) return error_realm();

  // Commit.
  for (uint64_t i = 0; i < abi::kWorkflowAuxCount; ++i) {
    GranuleLock aux = ctx.granules.lock_owned(wf.aux[i], GranuleState::kWorkflowAux);
    aux.zero();
    aux.transition(GranuleState::kDelegated);
  }
  {
    SpinGuard guard(ctx.slots_lock);
    ctx.slots[wf.slot - 1] = PhysAddr(0);
  }
  wf_lock.zero();
  wf_lock.transition(GranuleState::kDelegated);
  return success();
}

}  // namespace mica::monitor::ext
