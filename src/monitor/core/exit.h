// What the monitor does when the realm CPU stops (RMM 1.0 §5.2): handle the
// exit itself and resume the realm, or describe it to the host in RmiRecExit.
//
// The trap contract with the platform (PlatformInterface::run_realm): the
// RealmTrap carries ESR_EL2/FAR_EL2/HPFAR_EL2 as the PE sets them on an
// exception to EL2, and the context's pc is the preferred return address the
// PE would put in ELR_EL2:
//   SMC (EC 0x17), trapped WFI/WFE (0x01) and MSR/MRS (0x18), instruction and
//   data aborts (0x20, 0x24): the address of the instruction that trapped;
//   HVC (0x16): the instruction after it;
//   kIrq (budget exhausted): the next instruction the realm would execute.
// The monitor steps past the instruction itself where the architecture says
// the trapped instruction completes (RSI calls, WFx, system registers,
// emulated MMIO): PC + 4.
#pragma once

#include "monitor/platform.h"
#include "realm/rec_run.h"

namespace mica::monitor {

// Handles one return of run_realm. On kExitToHost, run.exit is complete
// (except the GIC, timer and PMU fields every exit carries) and the REC's
// last-exit syndrome is recorded for the next REC_ENTER.
TrapOutcome handle_realm_trap(RecRun& run, const RealmTrap& trap);

// RMI_EXIT_SERROR when the realm CPU cannot go on (RealmTrap::kFatal): an
// SError syndrome with IDS (bit 24) set, whose ISS[23:0] the architecture
// leaves implementation defined; they carry the platform's reason code (the
// low 24 bits of the trap's esr_el2, e.g. a "stage-2 layout too fragmented"
// code of the realm CPU).
inline constexpr uint64_t kFatalSerrorIds = uint64_t{1} << 24;
inline constexpr uint64_t kFatalSerrorReasonMask = kFatalSerrorIds - 1;

}  // namespace mica::monitor
