// What the Mica extension keeps inside the RMM core's own objects: a realm's
// binding (in its RD, under the RD lock) and a REC's gate state (in its REC
// granule, owned like the rest of RecState by whoever runs or locks the REC).
// Both start as all zeros: the granules they live in were DELEGATED (zero).
#pragma once

#include <cstdint>

#include "mica/policy.h"
#include "monitor/types.h"

namespace mica::monitor::ext {

// The paths to the untrusted world the realm's component declares, copied
// from the policy at MICA_REALM_BIND so that the checks on every exit and on
// RTT_MAP_UNPROTECTED need only the RD.
struct ComponentPaths {
  uint64_t memory_bytes;  // upper bound on DATA granules x 4 KiB
  uint32_t max_recs;
  bool host_calls;
  bool mmio;
  bool ripas_change;
  uint8_t psci;  // policy::schema::PsciMask
  uint8_t window_count;
  uint8_t reserved[7];
  policy::Window windows[policy::kMaxWindows];
};

// Where one channel the realm is an endpoint of sits in its IPA space. Page
// k of the channel is always mapped at base_ipa + k * 4 KiB; the base is
// chosen by the first MICA_SHARE_MAP and forgotten when the last page goes.
struct ChannelMapping {
  uint64_t base_ipa;
  uint32_t mapped_pages;
  uint32_t reserved;
};

struct RealmMica {
  // DATA granules mapped by the realm, counted for every realm so that a
  // realm bound late (still NEW) is measured against its component's memory.
  uint64_t data_granules;
  bool bound;
  uint8_t workflow_slot;  // the workflow's slot (share tags name workflows by slot)
  uint16_t reserved0;
  uint32_t component;
  PhysAddr workflow;
  uint64_t bind_generation;
  ComponentPaths paths;
  // The REC that most recently waited on this realm's gate (MICA_GATE_WAIT),
  // and the id of that wait; a caller checks the REC still waits with it.
  PhysAddr gate_waiter;
  uint64_t gate_wait_id;
  ChannelMapping channels[policy::kMaxChannels];
};

// A REC's part in a gate call.
enum class GateRole : uint8_t {
  kIdle = 0,
  kWaiting = 1,  // parked in MICA_GATE_WAIT / MICA_GATE_REPLY until a call arrives
  kCalling = 2,  // blocked in MICA_GATE_CALL; its REC_ENTERs run the callee
  kServing = 3,  // running a call on the caller's behalf
};

struct RecGate {
  GateRole role;
  bool replied;          // serving: MICA_GATE_REPLY was issued, results in X1..X6
  uint8_t reserved[2];
  uint32_t peer_component;  // serving: the caller's component
  PhysAddr peer;            // calling: the callee REC; serving: the caller REC
  uint64_t id;              // waiting: the wait id; calling/serving: the call id
};

}  // namespace mica::monitor::ext
