// One RMI_REC_ENTER in progress: the REC being run, what the monitor knows
// about its realm, and the exit being built. Shared by the run loop
// (rmi/rec_enter.cpp), the trap handlers (core/exit.cpp) and the RSI
// handlers (rsi/).
//
// While a REC runs its granule's reference count is 1 and its lock is NOT
// held (as in TF-RMM): every other command that could change the REC
// (REC_ENTER, REC_DESTROY, RTT_SET_RIPAS, PSCI_COMPLETE naming it as caller)
// sees the count and refuses, and PSCI_COMPLETE naming it as target only
// reads the count. So the PE running the REC owns its state without the
// lock. It works on a copy (`rec`) taken under the lock at entry and writes
// it back under the lock at the end, so that introspection never sees a
// half-updated REC. Handlers take the RD lock (and RTT locks below it) on
// their own, never while holding the REC lock.
#pragma once

#include <cstdint>

#include "monitor/granule_table.h"
#include "monitor/platform.h"
#include "monitor/realm_run.h"
#include "monitor/types.h"
#include "realm/rec_exit.h"
#include "realm/rec_state.h"

namespace mica::monitor {

// The realm facts a running REC needs. They cannot change while it runs:
// geometry, hash algorithm and RPV are fixed at REALM_CREATE, and RECs are
// created only while the realm is NEW (a running realm is ACTIVE), so the REC
// count is fixed too. Read once under the RD lock at entry.
struct RealmSnapshot {
  PhysAddr rd;
  Stage2Config stage2;
  HashAlgo hash_algo;
  uint64_t rec_count;

  uint64_t ipa_size() const { return uint64_t{1} << stage2.ipa_width; }
  uint64_t par_size() const { return ipa_size() / 2; }
  bool in_par(uint64_t ipa) const { return ipa < par_size(); }
};

struct RecRun {
  PlatformInterface& platform;
  GranuleTable& granules;
  const RsiExtension* extension;  // null: no Mica RSI commands
  PhysAddr rec_pa;
  RecState& rec;                  // the running REC's state (see above)
  const RealmSnapshot& realm;
  RecExit& exit;
  bool trap_wfi;                  // RmiRecEnterFlags TRAP_WFI / TRAP_WFE of this entry
  bool trap_wfe;
  // How many more times this REC_ENTER may start the realm CPU (each with a
  // fresh instruction budget). A Mica gate call that runs the callee inside
  // the caller's REC_ENTER draws from the same count.
  unsigned runs_left = kMaxRealmResumesPerEntry + 1;
};

// What the monitor does after handling one exit from the realm.
enum class TrapOutcome : uint8_t {
  kResumeRealm,  // handled inside the monitor: run the realm again
  kExitToHost,   // `exit` is complete: REC_ENTER returns to the host
};

}  // namespace mica::monitor
