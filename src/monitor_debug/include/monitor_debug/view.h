// The monitor's debug view (host test builds only; see CMakeLists.txt).
//
// A MonitorView reads the monitor's private state as it stands: granule
// states, reference counts and lock bits, and typed copies of the objects
// the monitor keeps in granules (RealmDescriptor, RecState, RTT entries,
// WorkflowDescriptor and its stored policy) and in its own tables (share
// tags, workflow slots, VMIDs). It takes no locks and changes nothing, so it
// may be used only at quiescent points: no RMI call in flight on any thread.
// Every accessor checks the granule's state first and says false (or gives
// an empty record) for anything else, so a corrupted table cannot make the
// view read outside DRAM.
#pragma once

#include <cstdint>
#include <memory>

#include "mica/policy.h"
#include "mica/share.h"
#include "mica/workflow.h"
#include "monitor/monitor.h"
#include "realm/realm_descriptor.h"
#include "realm/rec_state.h"
#include "s2tt/descriptor.h"

#ifndef MICA_MONITOR_DEBUG
#error "the monitor's debug view is for host test builds (MICA_MONITOR_DEBUG) only"
#endif

namespace mica::monitor::debug {

struct GranuleRecord {
  GranuleState state = GranuleState::kUndelegated;
  uint16_t refcount = 0;
  bool locked = false;
};

// One RTT entry as the monitor stored it, decoded without trusting it.
enum class EntryKind : uint8_t {
  kUnassignedEmpty,
  kUnassignedRam,
  kUnassignedDestroyed,
  kAssignedEmpty,
  kAssignedRam,
  kAssignedDestroyed,
  kUnassignedNs,
  kAssignedNs,
  kTable,
  kAssignedShared,
  kMalformed,  // no state the monitor ever writes at this level
};
const char* entry_kind_name(EntryKind kind);

struct Entry {
  uint64_t raw = 0;
  EntryKind kind = EntryKind::kMalformed;
  PhysAddr pa;             // assigned entries (protected, NS, shared) and tables
  bool writable = false;   // valid mappings: stage-2 write permission
  bool executable = false; // valid mappings: not XN
};
Entry decode_entry(uint64_t raw, int level);
bool is_assigned_protected(EntryKind kind);

class MonitorView {
 public:
  explicit MonitorView(const Monitor& monitor);

  PhysAddr dram_base() const;
  uint64_t granule_count() const;
  PhysAddr granule_address(uint64_t index) const { return dram_base().plus(index << kGranuleShift); }
  bool tracks(PhysAddr pa) const;

  // State, reference count and lock bit of a tracked granule (else UNDELEGATED, 0, unlocked).
  GranuleRecord granule(PhysAddr pa) const;
  // The monitor's view of a tracked granule's 4 KiB (null if untracked).
  const uint8_t* bytes(PhysAddr pa) const;

  // Copies of the object a granule holds; false unless the granule is in the state that holds it.
  bool realm(PhysAddr rd, RealmDescriptor& out) const;
  bool rec(PhysAddr rec, RecState& out) const;
  bool workflow(PhysAddr wf, ext::WorkflowDescriptor& out) const;
  // Entry `index` (0..511) of an RTT granule; false unless it is an RTT.
  bool rtt_entry(PhysAddr table, unsigned index, uint64_t& raw) const;
  // The decoded policy a WORKFLOW's aux granules hold (false unless every one
  // of them is WORKFLOW_AUX). The policy is large (55 KiB): heap allocated.
  std::unique_ptr<policy::Policy> workflow_policy(PhysAddr wf) const;

  // The Mica tag of a SHARED granule (false for any other granule).
  bool share_tag(PhysAddr pa, ext::ShareTag& out) const;
  // The raw content of workflow slot 1..kMaxWorkflows (0: free; 1: reserved by a create in flight).
  uint64_t workflow_slot(uint8_t slot) const;
  bool vmid_in_use(uint16_t vmid) const;
  // The VMID set as 64-bit words (bit v % 64 of word v / 64: VMID v in use).
  static constexpr uint32_t kVmidWords = VmidSet::kVmidCount / 64;
  uint64_t vmid_word(uint32_t index) const;
  // The Mica scratch lock and slot lock are free.
  bool mica_locks_free() const;

 private:
  const Monitor& monitor_;
};

}  // namespace mica::monitor::debug
