// MICA_REALM_BIND and the RMM core hooks that hold a bound realm to its
// component's declaration: activation, DATA granules, unprotected windows,
// realm destruction.
#include "core/assert.h"
#include "core/bytes.h"
#include "mica/binding.h"
#include "mica/hooks.h"
#include "mica/workflow.h"
#include "s2tt/descriptor.h"
#include "s2tt/rtt.h"

namespace mica::monitor::ext {

namespace {

using rmi::error_input;
using rmi::error_realm;
using rmi::success;

ComponentPaths paths_of(const policy::Component& component) {
  ComponentPaths paths{};
  paths.memory_bytes = component.memory_bytes;
  paths.max_recs = component.max_recs;
  paths.host_calls = component.host_calls;
  paths.mmio = component.mmio;
  paths.ripas_change = component.ripas_change;
  paths.psci = component.psci;
  paths.window_count = component.window_count;
  for (uint32_t i = 0; i < component.window_count; ++i) paths.windows[i] = component.windows[i];
  return paths;
}

// True if the realm's unprotected IPA half holds nothing: every root entry
// there is UNASSIGNED_NS (no mapping, no table). While a realm is unbound no
// window applies to what the host maps there; a bound realm must start with
// an empty half, so that every unprotected mapping it ever has went through
// RMI_RTT_MAP_UNPROTECTED's window check. Root entries never straddle the
// half (a root entry maps at most half the IPA space). The roots are locked
// one at a time under the RD (RD -> RTTs).
bool unprotected_half_empty(GranuleTable& granules, const RealmDescriptor& rd) {
  const uint64_t step = s2tt::map_size(rd.start_level);
  const uint64_t half = rd.ipa_size() / 2;
  for (unsigned r = 0; r < rd.num_root_rtts; ++r) {
    GranuleLock root = granules.lock_owned(rd.rtt_base.plus(uint64_t{r} * kGranuleSize), GranuleState::kRtt);
    const s2tt::RttTable& table = root.as<s2tt::RttTable>();
    for (unsigned i = 0; i < abi::kRttEntriesPerTable; ++i) {
      const uint64_t ipa = (uint64_t{r} * abi::kRttEntriesPerTable + i) * step;
      if (ipa < half) continue;
      if (!rd.below_ipa_size(Ipa(ipa))) return true;
      if (table.get(i).state(rd.start_level) != s2tt::EntryState::kUnassignedNs) return false;
    }
  }
  return true;
}

}  // namespace

Status realm_bind(Context& ctx, const SmcArgs& in, Outputs& out) {
  const PhysAddr rd_pa(in.x[1]);
  const PhysAddr wf_pa(in.x[2]);
  const uint64_t component = in.x[3];

  // RD before WORKFLOW (workflow.h); the same granule named twice is refused
  // before it could be locked twice.
  if (rd_pa == wf_pa) return error_input();
  GranuleLock rd_lock = ctx.granules.find_lock(rd_pa, GranuleState::kRd);
  if (!rd_lock) return error_input();
  RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  // Read now, before the WORKFLOW lock (RD -> RTTs -> WORKFLOW); it stays true
  // while the RD is held. Reported in the order below.
  const bool half_empty = unprotected_half_empty(ctx.granules, rd);
  GranuleLock wf_lock = ctx.granules.find_lock(wf_pa, GranuleState::kWorkflow);
  if (!wf_lock) return error_input();
  WorkflowDescriptor& wf = wf_lock.as<WorkflowDescriptor>();
  if (component >= wf.component_count) return error_input();
  if (rd.state != RealmState::kNew) return error_realm();
  if (rd.mica.bound) return error_realm();
  if (!half_empty) return error_realm();
  if (wf.components[component].rd.value() != 0) return error_input();

  // Commit.
  const auto index = static_cast<uint32_t>(component);
  const policy::Component declared = StoredPolicy(ctx.granules, wf).component(index);
  wf.bind_generation += 1;
  wf.bound_realms += 1;
  wf.components[index] = ComponentSlot{rd_pa, wf.bind_generation};
  rd.mica.bound = true;
  rd.mica.workflow_slot = wf.slot;
  rd.mica.component = index;
  rd.mica.workflow = wf_pa;
  rd.mica.bind_generation = wf.bind_generation;
  rd.mica.paths = paths_of(declared);
  out.x1 = wf.bind_generation;
  return success();
}

// --- Hooks -------------------------------------------------------------------------------------

rmi::Status check_activation(GranuleTable& granules, const RealmDescriptor& rd) {
  if (!rd.mica.bound) return success();
  bool measurement_allowed = false;
  {
    // A bound realm keeps its workflow alive (MICA_WORKFLOW_DESTROY refuses).
    GranuleLock wf_lock = granules.lock_owned(rd.mica.workflow, GranuleState::kWorkflow);
    const policy::Component declared =
        StoredPolicy(granules, wf_lock.as<WorkflowDescriptor>()).component(rd.mica.component);
    measurement_allowed = declared.allows_measurement(rd.hash_algo, rd.rim());
  }
  if (!measurement_allowed) return error_realm();
  if (rd.rec_count > rd.mica.paths.max_recs) return error_realm();
  if (rd.mica.data_granules > rd.mica.paths.memory_bytes / kGranuleSize) return error_realm();
  return success();
}

void realm_destroyed(GranuleTable& granules, PhysAddr rd_pa, const RealmDescriptor& rd) {
  if (!rd.mica.bound) return;
  GranuleLock wf_lock = granules.lock_owned(rd.mica.workflow, GranuleState::kWorkflow);
  WorkflowDescriptor& wf = wf_lock.as<WorkflowDescriptor>();
  ComponentSlot& slot = wf.components[rd.mica.component];
  MICA_MONITOR_ASSERT(slot.rd == rd_pa && slot.bind_generation == rd.mica.bind_generation);
  slot = ComponentSlot{};
  wf.bound_realms -= 1;
}

bool may_add_data_granule(const RealmDescriptor& rd) {
  if (!rd.mica.bound) return true;
  return rd.mica.data_granules < rd.mica.paths.memory_bytes / kGranuleSize;
}

void data_granule_added(RealmDescriptor& rd) { rd.mica.data_granules += 1; }

void data_granule_removed(RealmDescriptor& rd) {
  MICA_MONITOR_ASSERT(rd.mica.data_granules > 0);
  rd.mica.data_granules -= 1;
}

bool unprotected_map_allowed(const RealmDescriptor& rd, Ipa ipa, int level, uint64_t& attributes) {
  if (!rd.mica.bound) return true;
  // Windows are offsets from the base of the unprotected half of the IPA space.
  const uint64_t offset = ipa.value() - rd.ipa_size() / 2;
  const uint64_t size = abi::rtt_map_size(level);
  const ComponentPaths& paths = rd.mica.paths;
  for (uint32_t i = 0; i < paths.window_count; ++i) {
    const policy::Window& window = paths.windows[i];
    if (!window.contains(offset, size)) continue;
    if (window.direction == policy::WindowDirection::kIn) {
      namespace f = s2tt::field;
      const uint64_t s2ap = f::kS2ap.get(attributes) & ~s2tt::value::kS2apWriteBit;
      attributes = f::kS2ap.put(attributes, s2ap);
    }
    return true;
  }
  return false;
}

}  // namespace mica::monitor::ext
