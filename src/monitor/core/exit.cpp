#include "core/exit.h"

#include "core/esr.h"
#include "mica/hooks.h"
#include "realm/exceptions.h"
#include "realm/realm_memory.h"
#include "rsi/rsi.h"

namespace mica::monitor {

namespace {

namespace ab = esr::abort;
namespace sr = esr::sysreg;

constexpr uint64_t kPageOffsetMask = kGranuleSize - 1;
constexpr unsigned kXzr = 31;

TrapOutcome exit_to_host() { return TrapOutcome::kExitToHost; }
TrapOutcome resume() { return TrapOutcome::kResumeRealm; }

uint64_t read_register(const RealmCpuContext& cpu, uint64_t rt) { return rt == kXzr ? 0 : cpu.x[rt]; }

// True if ipa (granule aligned) is in the PAR and its RIPAS is EMPTY: the
// realm gave the page up, so touching it is the realm's own error.
bool is_empty_protected_page(RecRun& run, uint64_t ipa) {
  if (!run.realm.in_par(ipa)) return false;
  return lookup_protected_page(run.granules, run.realm.rd, Ipa(ipa)).ripas == abi::Ripas::kEmpty;
}

// --- Synchronous external aborts ---------------------------------------------------------
// Reported to the host at once (HPFAR is not valid for them, and FAR means
// nothing without it). A recoverable one (UER) is also injected into the
// realm, which may handle it; a restartable one (UEO) is retried on
// re-entry. TF-RMM stops the system on an uncontainable one (UC); on this
// platform nothing beyond the realm can be affected, so it is reported like
// UEO and the host decides.
bool handle_sync_external_abort(RecRun& run, const RealmTrap& trap) {
  const uint64_t esr = trap.esr_el2;
  if (!ab::is_external_abort(ab::kFsc.get(esr))) return false;
  if (ab::kSet.get(esr) == ab::kSetRecoverable) inject_sync_external_abort(run.rec.cpu, esr, trap.far_el2);
  run.exit.esr = esr & ab::kNonEmulatableMask;
  return true;
}

// --- Data aborts (EC 0x24) ---------------------------------------------------------------------
TrapOutcome data_abort(RecRun& run, const RealmTrap& trap, RecLastExit& last) {
  const uint64_t esr = trap.esr_el2;
  RealmCpuContext& cpu = run.rec.cpu;
  if (handle_sync_external_abort(run, trap)) return exit_to_host();
  // Mica: a write to a read-only channel page, or MMIO its policy closes.
  if (ext::abort_is_closed(run, trap)) {
    inject_sync_external_abort(cpu, esr, trap.far_el2);
    return resume();
  }

  const uint64_t fipa = esr::ipa_of_hpfar(trap.hpfar_el2);
  if (fipa >= run.realm.ipa_size() || is_empty_protected_page(run, fipa)) {
    inject_sync_external_abort(cpu, esr, trap.far_el2);
    return resume();
  }
  run.exit.hpfar = trap.hpfar_el2;
  if (pstate::is_aarch32(cpu.pstate) || run.realm.in_par(fipa)) {
    // A protected page the host must (re)map, or an AArch32 access the host
    // cannot emulate: where and what kind, no address within the page.
    run.exit.esr = esr & ab::kNonEmulatableMask;
    return exit_to_host();
  }
  // An unprotected IPA: the host may emulate the access (MMIO).
  run.exit.esr = esr & ab::kEmulatableMask;
  run.exit.far = trap.far_el2 & kPageOffsetMask;
  if (ab::kIsv.get(esr) != 0) {
    if (ab::kWnr.get(esr) != 0) {
      run.exit.gprs[0] = read_register(cpu, ab::kSrt.get(esr)) & ab::access_mask(esr);
    }
    last.emulatable_mmio = true;
  }
  return exit_to_host();
}

// --- Instruction aborts (EC 0x20) --------------------------------------------------------------
TrapOutcome instruction_abort(RecRun& run, const RealmTrap& trap) {
  const uint64_t esr = trap.esr_el2;
  if (handle_sync_external_abort(run, trap)) return exit_to_host();
  // Mica: an instruction fetch from a channel page (never executable).
  if (ext::abort_is_closed(run, trap)) {
    inject_sync_external_abort(run.rec.cpu, esr, trap.far_el2);
    return resume();
  }

  const uint64_t fipa = esr::ipa_of_hpfar(trap.hpfar_el2);
  // A realm executes only protected memory it owns.
  if (fipa >= run.realm.ipa_size() || !run.realm.in_par(fipa) || is_empty_protected_page(run, fipa)) {
    inject_sync_external_abort(run.rec.cpu, esr, trap.far_el2);
    return resume();
  }
  if ((ab::kFsc.get(esr) & ab::kFscTypeMask) != ab::kFscTranslationFaultLevel0) {
    // Not a missing mapping: nothing the host can act on is disclosed.
    return exit_to_host();
  }
  run.exit.esr = esr & ab::kNonEmulatableMask;
  run.exit.hpfar = trap.hpfar_el2;
  return exit_to_host();
}

// --- WFI / WFE (EC 0x01) -------------------------------------------------------------------------
// Trapped (RmiRecEnterFlags TRAP_WFI/TRAP_WFE): the host sees EC and TI, and
// the instruction is complete. Not trapped, the PE would execute it: a WFI
// waits for an interrupt, and every physical interrupt goes to the host, so
// it is an IRQ exit after the WFI; a WFE completes at once (the event
// register is not modelled) and the realm runs on.
TrapOutcome wait_for(RecRun& run, const RealmTrap& trap) {
  const uint64_t esr = trap.esr_el2;
  const bool is_wfe = esr::wfx::kTi.get(esr) != 0;
  run.rec.cpu.pc += 4;
  if (is_wfe ? run.trap_wfe : run.trap_wfi) {
    run.exit.esr = esr & (esr::kEc.mask() | esr::wfx::kTi.mask());
    return exit_to_host();
  }
  if (is_wfe) return resume();
  run.exit.reason = abi::RmiRecExitReason::kIrq;
  return exit_to_host();
}

// --- MSR / MRS (EC 0x18) -------------------------------------------------------------------------
// The encoding of a trapped register, as a mask/value over the ISS.
struct SysRegClass {
  uint64_t mask;
  uint64_t value;
  bool matches(uint64_t esr) const { return (esr & mask) == value; }
};
constexpr uint64_t sysreg_bits(uint64_t op0, uint64_t op1, uint64_t crn, uint64_t crm, uint64_t op2) {
  return sr::kOp0.put(op0) | sr::kOp1.put(op1) | sr::kCrn.put(crn) | sr::kCrm.put(crm) | sr::kOp2.put(op2);
}
// The GIC CPU-interface registers the host's virtual GIC must see (SGI
// generation, deactivation, the priority mask): S3_{0,4}_C12_C{8..15}_n and ICC_PMR_EL1.
constexpr SysRegClass kIccRegisters{sysreg_bits(3, 3, 15, 8, 0), sysreg_bits(3, 0, 12, 8, 0)};
constexpr SysRegClass kIccPmr{sysreg_bits(3, 7, 15, 15, 7), sysreg_bits(3, 0, 4, 6, 0)};

TrapOutcome system_register(RecRun& run, const RealmTrap& trap) {
  const uint64_t esr = trap.esr_el2;
  RealmCpuContext& cpu = run.rec.cpu;
  const uint64_t rt = sr::kRt.get(esr);
  cpu.pc += 4;
  if (kIccRegisters.matches(esr) || kIccPmr.matches(esr)) {
    // The host emulates it: a write's value goes out in gprs[0], a read is
    // completed by the next REC_ENTER from RmiRecEnter.gprs[0].
    run.exit.esr = esr;
    if (!sr::is_read(esr)) run.exit.gprs[0] = read_register(cpu, rt);
    return exit_to_host();
  }
  // Everything else a platform traps -- including the ID registers, whose
  // values this platform interface does not expose -- reads as zero and
  // ignores writes, inside the monitor.
  if (sr::is_read(esr) && rt != kXzr) cpu.x[rt] = 0;
  return resume();
}

TrapOutcome synchronous(RecRun& run, const RealmTrap& trap, RecLastExit& last) {
  switch (esr::ec_of(trap.esr_el2)) {
    case esr::Ec::kWfx: return wait_for(run, trap);
    case esr::Ec::kHvc64:
      // No hypervisor calls into a realm's EL2: the HVC is undefined.
      inject_undefined_instruction(run.rec.cpu);
      return resume();
    case esr::Ec::kSmc64: return rsi::handle_smc(run);
    case esr::Ec::kSysReg: return system_register(run, trap);
    case esr::Ec::kInstructionAbortLowerEl: return instruction_abort(run, trap);
    case esr::Ec::kDataAbortLowerEl: return data_abort(run, trap, last);
    default:
      // Nothing the host could act on: esr, far and hpfar stay 0.
      return exit_to_host();
  }
}

}  // namespace

TrapOutcome handle_realm_trap(RecRun& run, const RealmTrap& trap) {
  // Each exit is described from scratch: nothing from an exit the monitor
  // handled itself may reach the host.
  run.exit = RecExit{};
  switch (trap.kind) {
    case RealmTrap::Kind::kIrq:
      run.exit.reason = abi::RmiRecExitReason::kIrq;
      return exit_to_host();
    case RealmTrap::Kind::kFatal:
      // The realm CPU could not execute the realm any further. The REC keeps
      // the context the platform reported at the failure (its last
      // consistent state), the realm and the monitor are untouched, and the
      // host is told with an SError exit; a re-entry retries (and, for a
      // deterministic failure, fails the same way until the host changes
      // what caused it, e.g. a too fragmented stage 2).
      run.exit.reason = abi::RmiRecExitReason::kSerror;
      run.exit.esr = kFatalSerrorIds | (trap.esr_el2 & kFatalSerrorReasonMask);
      return exit_to_host();
    case RealmTrap::Kind::kSync: break;
  }
  run.exit.reason = abi::RmiRecExitReason::kSync;
  RecLastExit last{trap.esr_el2, trap.far_el2, trap.hpfar_el2, false, {}};
  const TrapOutcome outcome = synchronous(run, trap, last);
  if (outcome == TrapOutcome::kExitToHost) run.rec.last_exit = last;
  return outcome;
}

}  // namespace mica::monitor
