// How long one RMI_REC_ENTER may keep the PE in the realm, and the hook
// through which the Mica extension (src/monitor/mica) serves its own RSI
// commands. Shared by the monitor and the host side (a VMM that wants to
// know how often a spinning realm hands control back).
#pragma once

#include <cstdint>

#include "monitor/types.h"

namespace mica::monitor {

// The host timer, modelled as an instruction budget: each time the monitor
// resumes a realm (PlatformInterface::run_realm) the realm CPU may execute at
// most this many instructions before it takes a physical IRQ, which the
// monitor reports as RMI_EXIT_IRQ. The emulated CPU runs memory-bound code at
// about 12 million instructions per second and a register-only loop at about
// 130 million (measured through REC_ENTER, budget exits included), so this is
// 8..80 ms of realm time: long enough that the cost of entering the CPU is
// small, short enough that a host scheduling several RECs stays responsive.
inline constexpr uint64_t kRealmInstructionBudget = 1'000'000;

// Exits the monitor handles without the host (RSI calls it answers itself,
// injected aborts, untrapped WFE, trapped system registers) resume the realm
// inside the same REC_ENTER, each with a fresh budget. After this many the
// monitor returns RMI_EXIT_IRQ instead, so that a realm issuing RSI calls in a
// loop cannot keep the host out: one REC_ENTER runs at most
// (kMaxRealmResumesPerEntry + 1) * kRealmInstructionBudget instructions.
inline constexpr unsigned kMaxRealmResumesPerEntry = 64;

// --- RSI extension hook ----------------------------------------------------------
// Mica's own RSI commands live in the SMCCC SiP service range (owner 2),
// which SMCCC leaves to implementations.
inline constexpr uint32_t kMicaRsiFidFirst = 0xC2000F40;
inline constexpr uint32_t kMicaRsiFidLast = 0xC2000F5F;

struct RecRun;  // the REC_ENTER in progress (monitor-internal, realm/rec_run.h)

// What happens after an extension call.
enum class RsiExtensionAction : uint8_t {
  kReturn,         // results to X0..X4, PC + 4, the realm runs on
  kReturnAndExit,  // results to X0..X4, PC + 4, then REC_ENTER returns run->exit to the host
  kExitAndRetry,   // registers and PC unchanged: REC_ENTER returns run->exit to the
                   // host, and the SMC is issued again when the REC next runs
};

// One RSI call in the extension's range, as the extension sees it.
struct RsiExtensionCall {
  uint32_t fid;              // W0 with the SVE hint cleared
  PhysAddr rd;               // the caller's realm
  PhysAddr rec;              // the calling REC
  const uint64_t* x;         // the caller's X0..X30 (read-only)
  // Results for X0..X4. On entry X0..X3 are 0 and X4 is the caller's X4
  // (SMCCC: a call that does not produce X4 preserves it).
  uint64_t result[5];
  // The REC_ENTER in progress: an extension inside the monitor may update
  // the REC's state and fill the exit; null for callers that have none.
  RecRun* run = nullptr;
  RsiExtensionAction action = RsiExtensionAction::kReturn;
};

// A plain function pointer with its context, so the TCB needs neither RTTI
// nor a C++ runtime for pure virtual functions.
struct RsiExtension {
  void* self = nullptr;
  void (*handle)(void* self, RsiExtensionCall& call) = nullptr;
};

}  // namespace mica::monitor
