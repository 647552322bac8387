#include "realm/exceptions.h"

#include "core/esr.h"
#include "realm/rec_state.h"

namespace mica::monitor {

namespace {

// The PE takes the exception to EL1 and runs the vector in EL1h, AArch64,
// with D, A, I and F masked -- the same PSTATE a REC starts with.
void take_exception_to_el1(RealmCpuContext& cpu, uint64_t esr_el1) {
  cpu.esr_el1 = esr_el1;
  cpu.elr_el1 = cpu.pc;
  cpu.spsr_el1 = cpu.pstate;
  cpu.pc = cpu.vbar_el1 + sync_vector_offset(cpu.pstate);
  cpu.pstate = kRecResetPstate;
}

}  // namespace

uint64_t sync_vector_offset(uint64_t pstate) {
  if (pstate::is_aarch32(pstate)) return kVectorLowerElAarch32;
  switch (pstate::kMode.get(pstate)) {
    case pstate::kModeEl0t: return kVectorLowerElAarch64;
    case pstate::kModeEl1t: return kVectorCurrentElSp0;
    default: return kVectorCurrentElSpx;  // EL1h; a realm runs at no other level
  }
}

void inject_sync_external_abort(RealmCpuContext& cpu, uint64_t esr_el2, uint64_t far) {
  namespace ab = esr::abort;
  // Taken from EL1 (EC 0x21/0x25) unless the realm was at EL0 (0x20/0x24).
  uint64_t ec = esr::kEc.get(esr_el2);
  if (!pstate::from_el0(cpu.pstate)) ec += 1;
  const uint64_t kept = esr_el2 & ~(esr::kEc.mask() | ab::kFsc.mask() | ab::kFnv.mask() | ab::kS1ptw.mask());
  const uint64_t esr_el1 = kept | esr::kEc.put(ec) | ab::kFsc.put(ab::kFscSyncExternalAbort) | ab::kEa.mask();
  cpu.far_el1 = far;
  take_exception_to_el1(cpu, esr_el1);
}

void inject_undefined_instruction(RealmCpuContext& cpu) {
  take_exception_to_el1(cpu, esr::ec_bits(esr::Ec::kUnknown) | esr::kIl.mask());
}

}  // namespace mica::monitor
