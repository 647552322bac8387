// Reading the structures the host passes in NS granules. The granule must be
// a tracked granule in state NS; the copy itself is a faulting NS access, so
// a granule that changed PAS meanwhile gives ERROR_INPUT, never data.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rmi/handlers.h"

namespace mica::monitor::rmi {

// True if pa names a tracked granule currently in state NS (TF-RMM reads this
// state without the lock: the NS access below is what is authoritative).
inline bool is_ns_granule(Context& ctx, PhysAddr pa) {
  GranuleState state;
  uint16_t refcount;
  return ctx.granules.peek(pa, state, refcount) && state == GranuleState::kUndelegated;
}

// Copies len bytes at `offset` inside the NS granule at pa.
inline bool read_ns(Context& ctx, PhysAddr pa, uint64_t offset, void* dst, size_t len) {
  return ctx.platform.ns_read(pa.plus(offset), dst, len);
}

}  // namespace mica::monitor::rmi
