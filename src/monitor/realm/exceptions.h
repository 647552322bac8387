// Exceptions the monitor injects into a realm: it does to the REC's saved
// context what the PE would do when taking the exception to the realm's EL1.
#pragma once

#include <cstdint>

#include "monitor/platform.h"

namespace mica::monitor {

// Offsets of the exception vectors from VBAR_EL1 for a synchronous exception.
inline constexpr uint64_t kVectorCurrentElSp0 = 0x000;
inline constexpr uint64_t kVectorCurrentElSpx = 0x200;
inline constexpr uint64_t kVectorLowerElAarch64 = 0x400;
inline constexpr uint64_t kVectorLowerElAarch32 = 0x600;

// Vector a synchronous exception taken to EL1 from a context with this
// PSTATE (SPSR format) enters.
uint64_t sync_vector_offset(uint64_t pstate);

// A synchronous external abort for the instruction or data abort described
// by `esr_el2` (EC 0x20 or 0x24) at `far`: ESR_EL1 keeps the syndrome except
// EC (taken from EL1 or EL0), FSC (synchronous external abort), FnV and
// S1PTW, and has EA set; FAR_EL1 = far; ELR_EL1/SPSR_EL1 the interrupted
// PC/PSTATE; the PE continues at the vector in EL1h with DAIF masked.
void inject_sync_external_abort(RealmCpuContext& cpu, uint64_t esr_el2, uint64_t far);

// An Undefined Instruction exception for the instruction the REC's saved
// PC/PSTATE describe (ESR_EL1 = EC 0, IL). FAR_EL1 is not touched.
void inject_undefined_instruction(RealmCpuContext& cpu);

}  // namespace mica::monitor
