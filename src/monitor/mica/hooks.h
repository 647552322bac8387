// The points where the RMM core asks the Mica extension. Each one leaves a
// realm that is not bound to a workflow exactly as RMM 1.0 says; for a bound
// realm it enforces what the realm's component declares.
#pragma once

#include <cstdint>

#include "monitor/granule_table.h"
#include "monitor/mica_extension.h"
#include "monitor/platform.h"
#include "monitor/types.h"
#include "realm/realm_descriptor.h"
#include "realm/rec_state.h"
#include "rmi/handlers.h"

namespace mica::monitor {
struct RecRun;
}
namespace mica::monitor::rsi {
struct Result;
}

namespace mica::monitor::ext {

// --- RMI ---------------------------------------------------------------------------------------
// RMI_REALM_ACTIVATE, the RD locked and NEW: a bound realm activates only if
// its RIM is one its component allows, it has at most the component's RECs
// and its DATA granules fit the component's memory. Else ERROR_REALM.
rmi::Status check_activation(GranuleTable& granules, const RealmDescriptor& rd);

// RMI_REALM_DESTROY, committing (RD and roots locked): frees the realm's
// component slot in its workflow.
void realm_destroyed(GranuleTable& granules, PhysAddr rd_pa, const RealmDescriptor& rd);

// RMI_DATA_CREATE / RMI_DATA_CREATE_UNKNOWN after every other check: false
// (ERROR_REALM) if one more DATA granule would exceed a bound realm's memory.
bool may_add_data_granule(const RealmDescriptor& rd);
// Their commit, and RMI_DATA_DESTROY's: the realm's DATA granule count.
void data_granule_added(RealmDescriptor& rd);
void data_granule_removed(RealmDescriptor& rd);

// RMI_RTT_MAP_UNPROTECTED after its argument checks: false (ERROR_INPUT) if
// a bound realm's component grants no window holding the whole mapping;
// otherwise `attributes` (MemAttr and S2AP in descriptor position) lose the
// stage-2 write permission when the window is an `in` window.
bool unprotected_map_allowed(const RealmDescriptor& rd, Ipa ipa, int level, uint64_t& attributes);

// --- REC_ENTER and realm exits ---------------------------------------------------------------
// RMI_REC_ENTER after its REC checks: false (ERROR_REC) for a REC that serves
// a gate call whose caller still waits for it (it runs only inside the
// caller's REC_ENTERs). A REC whose caller is gone (destroyed, no longer
// calling it, or its realm stopped) is released from the call and may run.
bool rec_may_enter(GranuleTable& granules, PhysAddr rec_pa, RecState& rec);

// Before the RMM core handles a realm's SMC: true if the call is one of the
// paths to the host that the realm's policy closes (RSI_HOST_CALL,
// RSI_IPA_STATE_SET, a PSCI call other than SYSTEM_OFF) -- `result` then
// holds the error the realm gets, and nothing reaches the host. Also answers
// PSCI_FEATURES for closed PSCI functions with NOT_SUPPORTED.
bool deny_closed_path(RecRun& run, uint32_t fid, rsi::Result& result);

// Before the RMM core handles a realm's instruction or data abort: true if
// the realm must get a synchronous external abort and the host nothing: a
// permission fault in the protected range (a write to a channel page the
// realm may only read, or an instruction fetch from one), or an access to
// the unprotected range by a bound realm whose policy closes MMIO emulation.
bool abort_is_closed(RecRun& run, const RealmTrap& trap);

// --- Attestation -------------------------------------------------------------------------------
// RSI_ATTEST_TOKEN_INIT, the RD locked: the Mica claims of a realm bound to a
// workflow (policy digest, workflow instance id, component index and name).
// False for a realm that is not bound: its token carries no Mica claims.
bool realm_token_claims(GranuleTable& granules, const RealmDescriptor& rd, MicaClaims& claims);

}  // namespace mica::monitor::ext
