// Assertions of the monitor's own invariants. Untrusted input never reaches
// one of these: it gets an RMI/RSI error code instead. A failed invariant
// means the monitor is broken, so it stops the PE (as R-EL2 firmware would
// panic) instead of carrying on with corrupted state.
#pragma once

#define MICA_MONITOR_ASSERT(condition) \
  do {                                 \
    if (!(condition)) {                \
      __builtin_trap();                \
    }                                  \
  } while (false)
