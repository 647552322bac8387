// The realm state machine: the one place that moves a realm between states.
#pragma once

#include "core/assert.h"
#include "realm/realm_descriptor.h"

namespace mica::monitor {

// NEW -> ACTIVE (REALM_ACTIVATE); ACTIVE -> SYSTEM_OFF (a REC's PSCI
// SYSTEM_OFF/SYSTEM_RESET; only an active realm runs). SYSTEM_OFF is terminal.
constexpr bool realm_transition_allowed(RealmState from, RealmState to) {
  switch (from) {
    case RealmState::kNew: return to == RealmState::kActive;
    case RealmState::kActive: return to == RealmState::kSystemOff;
    case RealmState::kSystemOff: return false;
  }
  return false;
}

inline void realm_transition(RealmDescriptor& rd, RealmState to) {
  MICA_MONITOR_ASSERT(realm_transition_allowed(rd.state, to));
  rd.state = to;
}

}  // namespace mica::monitor
