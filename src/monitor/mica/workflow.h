// A workflow: one instance of a compiled policy. Its WORKFLOW granule holds
// the descriptor below; its WORKFLOW_AUX granules hold the decoded
// policy::Policy, byte for byte, split over abi::kWorkflowAuxCount granules.
//
// LOCKING. The WORKFLOW lock protects the descriptor's mutable part (the
// component slots, counters and generations). The policy bytes never change
// between MICA_WORKFLOW_CREATE and MICA_WORKFLOW_DESTROY; StoredPolicy reads
// them with each WORKFLOW_AUX granule locked in turn, while the caller holds
// the WORKFLOW lock (so the workflow cannot be destroyed meanwhile).
// Lock order: RD -> RTTs -> SHARED -> WORKFLOW -> WORKFLOW_AUX. A command
// that needs a realm found through a component slot reads the slot, lets the
// WORKFLOW go, then locks that RD and checks its binding still says so.
#pragma once

#include <cstddef>
#include <cstdint>

#include "mica/context.h"
#include "mica/policy.h"
#include "monitor/abi/mica.h"
#include "monitor/granule_table.h"
#include "monitor/types.h"

namespace mica::monitor::ext {

static_assert(sizeof(policy::Policy) <= abi::kWorkflowAuxCount * kGranuleSize,
              "the decoded policy must fit the workflow's auxiliary granules");
static_assert(sizeof(policy::Policy) <= MicaExtension::kScratchPolicyBytes);
static_assert(alignof(policy::Policy) <= 16);
static_assert(policy::kMaxPolicyBytes == abi::kMaxPolicyBytes);
static_assert(abi::kWorkflowAuxCount <= abi::workflow_params::kMaxAux);
static_assert(abi::kMaxPolicyBytes <= abi::workflow_params::kMaxSources * kGranuleSize);

// The realm bound to one component, and when.
struct ComponentSlot {
  PhysAddr rd;  // 0: none
  uint64_t bind_generation;
};

struct WorkflowDescriptor {
  uint8_t policy_digest[32];  // SHA-256 of the canonical encoding
  uint8_t instance_id[32];    // drawn from platform entropy at creation
  uint64_t policy_size;
  uint32_t component_count;
  uint32_t channel_count;
  uint32_t gate_count;
  uint8_t slot;               // 1..kMaxWorkflows
  uint8_t reserved0[3];
  PhysAddr aux[abi::kWorkflowAuxCount];
  // --- mutable, under the WORKFLOW lock ---
  uint64_t bind_generation;   // the last one handed out (0: none yet)
  uint32_t bound_realms;
  uint32_t reserved1;
  uint64_t shares;            // SHARED granules of this workflow
  uint32_t channel_pages[policy::kMaxChannels];  // pages created per channel
  ComponentSlot components[policy::kMaxComponents];
};
static_assert(sizeof(WorkflowDescriptor) <= kGranuleSize);

// Read access to a workflow's decoded policy (see LOCKING above).
class StoredPolicy {
 public:
  StoredPolicy(GranuleTable& granules, const WorkflowDescriptor& workflow)
      : granules_(granules), workflow_(workflow) {}

  policy::Component component(uint32_t index) const;
  policy::Channel channel(uint32_t index) const;
  bool gate_allowed(uint32_t caller, uint32_t callee) const;
  // True if some gate names `component` as its callee.
  bool is_callee(uint32_t component) const;

 private:
  void read(size_t offset, void* dst, size_t size) const;
  GranuleTable& granules_;
  const WorkflowDescriptor& workflow_;
};

// The WORKFLOW granule of slot `slot`, or 0 (the slot table is read under its lock).
PhysAddr workflow_of_slot(Context& ctx, uint8_t slot);

Status workflow_create(Context& ctx, const SmcArgs& in, Outputs& out);
Status workflow_destroy(Context& ctx, const SmcArgs& in, Outputs& out);

}  // namespace mica::monitor::ext
