// Mica's RSI commands (SiP range 0xC2000F40..0xC2000F5F) as the RSI
// extension of the monitor serves them while a REC runs, and what the
// handlers share: a snapshot of the calling realm's binding.
#pragma once

#include <cstdint>

#include "mica/context.h"
#include "mica/state.h"
#include "monitor/abi/rsi.h"
#include "monitor/realm_run.h"
#include "realm/rec_run.h"

namespace mica::monitor::ext {

// The calling realm's binding, read under its RD lock. Everything but the
// gate waiter and the channel mappings is fixed once the realm is active.
struct Binding {
  bool bound = false;
  PhysAddr workflow;
  uint8_t workflow_slot = 0;
  uint32_t component = 0;
  uint64_t bind_generation = 0;
  ComponentPaths paths{};
};
Binding binding_of(GranuleTable& granules, PhysAddr rd);

// Entry point of the RSI extension (an unbound realm gets SMC_UNKNOWN, as
// without Mica).
void handle_rsi(Context& ctx, RsiExtensionCall& call);

// Results of a call: X0 and the next registers.
void rsi_return(RsiExtensionCall& call, abi::RsiStatus status);

// The gate commands (mica/gate.cpp).
void gate_wait(Context& ctx, RecRun& run, const Binding& self, RsiExtensionCall& call);
void gate_call(Context& ctx, RecRun& run, const Binding& self, RsiExtensionCall& call);
void gate_reply(Context& ctx, RecRun& run, const Binding& self, RsiExtensionCall& call);

}  // namespace mica::monitor::ext
