// The monitor's invariant checker (test-only). It reads the monitor's state
// through the debug view (src/monitor_debug) and checks, at a quiescent
// point (no RMI call in flight), everything the design promises about it:
//
//  * the GPT agrees with every granule's state (Realm PAS <=> owned by the
//    monitor, i.e. not UNDELEGATED), DELEGATED granules are zero, no granule
//    or Mica lock is held;
//  * every RTT, DATA, REC_AUX and WORKFLOW_AUX granule belongs to exactly one
//    owner, and no DATA granule is mapped twice (in one realm or two);
//  * every SHARED granule is mapped only into realms bound to its workflow
//    instance, as endpoints of its channel, at the channel's place, writable
//    only for writers and never executable;
//  * reference counts equal what references the granule: RTT entries (table,
//    assigned protected, shared), the RECs of an RD, the mappings of a SHARED
//    granule; the counters a realm and a workflow keep equal what exists
//    (DATA granules, bound realms, shares, channel pages, mapped pages);
//  * every unprotected mapping of a bound realm lies inside a window its
//    component grants, and `in` windows are read-only;
//  * a bound realm that was activated fits its component (RIM allowed, RECs,
//    memory), and its binding agrees with the workflow's component slot;
//  * the RIM of a realm never changes once it has been seen ACTIVE;
//  * the VMIDs in use are exactly those of live realms.
//
// The checker remembers RIMs between checks; everything else it derives
// afresh each time. It needs no test framework (the fuzzers use it too);
// expect_invariants() in tests/security/checked.h reports to GoogleTest.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "monitor/monitor.h"
#include "monitor/types.h"
#include "platform/gpt.h"

namespace mica::monitor::testing {

class InvariantChecker {
 public:
  InvariantChecker(const Monitor& monitor, const platform::Gpt& gpt) : monitor_(monitor), gpt_(gpt) {}

  // Checks every invariant; returns what does not hold (empty: everything
  // holds). `running`: RECs a REC_ENTER in progress holds (reference count
  // 1) -- a test checking from inside a realm's run; none at a quiescent point.
  std::vector<std::string> check(const std::vector<PhysAddr>& running = {});
  // A test that destroys a realm and creates another with the same RD between
  // two checks says so, or the new realm's RIM reads as a changed one.
  void forget_realm(PhysAddr rd) { rims_.erase(rd.value()); }
  uint64_t checks() const { return checks_; }

 private:
  const Monitor& monitor_;
  const platform::Gpt& gpt_;
  // RD -> (hash algorithm, RIM) of every realm seen ACTIVE or SYSTEM_OFF.
  std::map<uint64_t, std::vector<uint8_t>> rims_;
  uint64_t checks_ = 0;
  // Per-granule tables a check fills, kept between checks so that checking
  // after every call allocates nothing per granule.
  std::vector<uint64_t> owners_[3];
  std::vector<uint16_t> mappings_;
};

// Joins violations into one message (for assertions and fuzzers).
std::string describe(const std::vector<std::string>& violations);

}  // namespace mica::monitor::testing
