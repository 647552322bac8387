// The Mica extension of the monitor: workflows (compiled tenant policies),
// realm binding, shared protected memory, closed paths to the untrusted
// world, gates and local attestation. The Monitor owns one MicaExtension and
// hands it the RMI calls in the Mica range; the RMM core calls the hooks in
// mica/hooks.h at the points where Mica changes standard behaviour (for
// realms bound to a workflow only).
//
// Storage is fixed, like the granule table's: a scratch area for the one
// MICA_WORKFLOW_CREATE that decodes at a time, the workflow slot table, and
// a tag per tracked granule naming the channel page a SHARED granule is.
// Everything else Mica keeps lives in host-donated granules.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "monitor/abi/mica.h"
#include "monitor/granule_table.h"
#include "monitor/platform.h"
#include "monitor/realm_run.h"
#include "monitor/types.h"

namespace mica::monitor {

// --- Read-only introspection (tests, tools) ------------------------------------------------
struct MicaWorkflowInfo {
  uint8_t policy_digest[32] = {};
  uint8_t instance_id[32] = {};
  uint64_t policy_size = 0;
  uint32_t component_count = 0;
  uint32_t channel_count = 0;
  uint32_t gate_count = 0;
  uint32_t bound_realms = 0;
  uint64_t shares = 0;           // SHARED granules of this workflow
  uint64_t bind_generation = 0;  // the last generation handed out
  uint8_t slot = 0;
  PhysAddr aux[abi::kWorkflowAuxCount];
};

struct MicaRealmInfo {
  bool bound = false;
  PhysAddr workflow;
  uint32_t component = 0;
  uint64_t bind_generation = 0;
  uint64_t data_granules = 0;
  PhysAddr gate_waiter;
};

struct MicaShareInfo {
  PhysAddr workflow;
  uint32_t channel = 0;
  uint32_t page = 0;
  uint16_t mappings = 0;
};

struct MicaRecGateInfo {
  uint8_t role = 0;  // 0 idle, 1 waiting, 2 calling, 3 serving
  PhysAddr peer;
  uint64_t id = 0;
};

// What the realm token's Mica claims say about a bound realm
// (monitor/abi/mica_claims.h).
struct MicaClaims {
  uint8_t policy_digest[32] = {};
  uint8_t instance_id[32] = {};
  uint32_t component = 0;
  char component_name[64] = {};
  uint8_t component_name_length = 0;
};

class MicaExtension {
 public:
  MicaExtension(PlatformInterface& platform, GranuleTable& granules);
  MicaExtension(const MicaExtension&) = delete;
  MicaExtension& operator=(const MicaExtension&) = delete;

  // True for an RMI function ID in the Mica range (SVE hint cleared).
  static bool is_mica_rmi(uint64_t fid);
  // One Mica RMI call (X0 in the Mica range).
  SmcResult handle_rmi(const SmcArgs& args);
  // The handler of Mica's RSI commands, for Monitor::set_rsi_extension.
  RsiExtension rsi_extension();

  // False if wf is not a WORKFLOW granule.
  bool workflow_info(PhysAddr wf, MicaWorkflowInfo& info) const;
  // The realm bound to `component` of wf now and its bind generation
  // (rd 0 when none). False if wf is not a WORKFLOW granule or the index is out of range.
  bool workflow_component(PhysAddr wf, uint32_t component, PhysAddr& rd, uint64_t& generation) const;
  // False if rd is not an RD.
  bool realm_info(PhysAddr rd, MicaRealmInfo& info) const;
  // False if pa is not a SHARED granule.
  bool share_info(PhysAddr pa, MicaShareInfo& info) const;
  // False if rec is not a REC.
  bool rec_gate(PhysAddr rec, MicaRecGateInfo& info) const;
  // The claims for the realm token. False if rd is not an RD bound to a workflow.
  bool claims(PhysAddr rd, MicaClaims& claims) const;

  // --- Storage the implementation (mica/*.cpp) works on ---------------------------------------
  struct Storage;
  static constexpr size_t kScratchPolicyBytes = 56 * 1024;

 private:
  friend struct Storage;
  friend class debug::MonitorView;
  PlatformInterface& platform_;
  GranuleTable& granules_;
  // Taken first, before any granule lock, by MICA_WORKFLOW_CREATE only.
  std::atomic<uint8_t> scratch_lock_{0};
  alignas(16) uint8_t scratch_blob_[abi::kMaxPolicyBytes];
  alignas(16) uint8_t scratch_policy_[kScratchPolicyBytes];
  // Workflow slots: slot s (1..kMaxWorkflows) names the WORKFLOW granule at
  // slots_[s - 1], or nothing (0). A leaf lock: nothing is taken under it.
  mutable std::atomic<uint8_t> slots_lock_{0};
  PhysAddr slots_[abi::kMaxWorkflows];
  // One tag per tracked granule, meaningful while it is SHARED, changed under
  // its granule lock: workflow slot, channel and page index (mica/share.h).
  uint32_t share_tags_[GranuleTable::kCapacity] = {};
  // Source of wait and call ids (never 0).
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace mica::monitor
