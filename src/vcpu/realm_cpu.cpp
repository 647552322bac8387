#include "realm_cpu.h"

#include <sys/mman.h>
#include <sys/random.h>

#include <algorithm>
#include <deque>
#include <cstring>
#include <utility>

#include "vcpu/insn_decode.h"
#include "vcpu/syndrome.h"

namespace mica::vcpu {
namespace {

constexpr uint64_t kGranule = 4096;

// The ERET the CPU uses to enter the realm lives in one page of the engine's
// address space that no realm IPA may use: the top page below the PE's 44-bit
// physical address limit (instruction fetches above it are address size
// faults). Realms with an IPA width of 44 lose that one unprotected page.
constexpr uint64_t kTrampolineIpa = (uint64_t{1} << kPhysicalAddressBits) - kGranule;
// Emulation "until" address: never executed (the code hook stops earlier).
constexpr uint64_t kUntilIpa = kTrampolineIpa + 0x800;

// Unicorn/QEMU exception numbers (target/arm/cpu.h).
constexpr uint32_t kExcpUdef = 1;
constexpr uint32_t kExcpSwi = 2;
constexpr uint32_t kExcpPrefetchAbort = 3;
constexpr uint32_t kExcpDataAbort = 4;
constexpr uint32_t kExcpBkpt = 7;
constexpr uint32_t kExcpHvc = 11;
constexpr uint32_t kExcpSmc = 13;

// PSTATE / SPSR bits.
constexpr uint64_t kPstateNzcv = 0xF0000000;
constexpr uint64_t kPstateIl = uint64_t{1} << 20;
constexpr uint64_t kPstateZ = uint64_t{1} << 30;
constexpr uint64_t kPstateDaif = 0x3C0;
constexpr uint64_t kPstateModeMask = 0x1F;  // M[4:0]
constexpr uint64_t kModeEl0t = 0x0;
constexpr uint64_t kModeEl1t = 0x4;
constexpr uint64_t kModeEl1h = 0x5;
constexpr unsigned pstate_el(uint64_t pstate) { return (pstate >> 2) & 3; }
constexpr bool pstate_sp_elx(uint64_t pstate) { return (pstate & 1) != 0; }

// EL3/EL2 controls: the realm runs at Non-secure EL1 of the engine's model
// (so that VMPIDR_EL2 is what MPIDR_EL1 reads), AArch64 below EL3 and EL2,
// HVC enabled (it traps to "EL2", i.e. the monitor), WFI trapped so that the
// engine can never halt in it.
constexpr uint64_t kScrNs = uint64_t{1} << 0;
constexpr uint64_t kScrHce = uint64_t{1} << 8;
constexpr uint64_t kScrRw = uint64_t{1} << 10;
constexpr uint64_t kScrTwi = uint64_t{1} << 12;
constexpr uint64_t kScrTwe = uint64_t{1} << 13;
constexpr uint64_t kHcrRw = uint64_t{1} << 31;

struct SysRegId {
  unsigned op0, op1, crn, crm, op2;
};
constexpr SysRegId kScrEl3{3, 6, 1, 1, 0};
constexpr SysRegId kHcrEl2{3, 4, 1, 1, 0};
constexpr SysRegId kVmpidrEl2{3, 4, 0, 0, 5};
constexpr SysRegId kSctlrEl1{3, 0, 1, 0, 0};
constexpr SysRegId kSpsrEl1{3, 0, 4, 0, 0};

// EL1/EL0 state that is not in RealmCpuContext and stays in the engine. It
// must survive the context reload used to leave EL0 (resync_to_el1).
constexpr SysRegId kEngineResidentSysregs[] = {
    {3, 0, 2, 0, 0},   // TTBR0_EL1
    {3, 0, 2, 0, 1},   // TTBR1_EL1
    {3, 0, 2, 0, 2},   // TCR_EL1
    {3, 0, 10, 2, 0},  // MAIR_EL1
    {3, 0, 10, 3, 0},  // AMAIR_EL1
    {3, 0, 13, 0, 1},  // CONTEXTIDR_EL1
    {3, 0, 14, 1, 0},  // CNTKCTL_EL1
    {3, 3, 14, 3, 1},  // CNTV_CTL_EL0
    {3, 3, 14, 3, 2},  // CNTV_CVAL_EL0
    {3, 3, 14, 2, 1},  // CNTP_CTL_EL0
    {3, 3, 14, 2, 2},  // CNTP_CVAL_EL0
    {3, 0, 7, 4, 0},   // PAR_EL1
    {3, 0, 5, 1, 0},   // AFSR0_EL1
    {3, 0, 5, 1, 1},   // AFSR1_EL1
    {2, 0, 0, 2, 2},   // MDSCR_EL1
    {3, 2, 0, 0, 0},   // CSSELR_EL1
};

// MSR/MRS the monitor must see (EC 0x18): every access to the GIC CPU
// interface registers (ICC_*_EL1), which this PE does not implement, so that
// the monitor can hand them to the host's virtual GIC. ID registers are not
// trapped (no HCR_EL2.TID3): the realm reads the PE's own values, because the
// platform interface gives the monitor no better ones to return.
bool traps_to_el2(const esr::SysRegAccess& a) {
  if (a.op0 != 3 || a.op1 != 0) return false;
  return (a.crn == 12 && a.crm >= 8 && a.crm <= 12) ||
         (a.crn == 4 && a.crm == 6 && a.op2 == 0);  // ICC_PMR_EL1
}

// FEAT_RNG: MRS of RNDR (S3_3_C2_C4_0) or RNDRRS (S3_3_C2_C4_1). Realm
// programs need entropy that the host neither sees nor chooses, which on
// hardware is the PE's own random number generator. The Cortex-A72 model
// lacks FEAT_RNG, so the CPU completes these reads itself (ID_AA64ISAR0_EL1
// still reads the A72's value, RNDR = 0: the realm SDK does not probe it).
bool is_random_number_read(const esr::SysRegAccess& a) {
  return a.is_read && a.op0 == 3 && a.op1 == 3 && a.crn == 2 && a.crm == 4 && (a.op2 == 0 || a.op2 == 1);
}

void code_hook(uc_engine*, uint64_t address, uint32_t, void* user) {
  static_cast<RealmCpu*>(user)->on_code(address);
}
void interrupt_hook(uc_engine*, uint32_t intno, void* user) {
  static_cast<RealmCpu*>(user)->on_interrupt(intno);
}
bool memory_fault_hook(uc_engine*, uc_mem_type type, uint64_t address, int, int64_t, void* user) {
  return static_cast<RealmCpu*>(user)->on_memory_fault(type, address);
}
uint32_t sysreg_hook(uc_engine*, uc_arm64_reg, const uc_arm64_cp_reg*, void* user) {
  return static_cast<RealmCpu*>(user)->on_sysreg();
}

uint32_t unicorn_perms(const Translation& t) {
  uint32_t perms = UC_PROT_NONE;
  if (t.readable) perms |= UC_PROT_READ;
  if (t.writable) perms |= UC_PROT_WRITE;
  if (t.executable) perms |= UC_PROT_EXEC;
  return perms;
}

bool same_stage2(const monitor::Stage2Config& a, const monitor::Stage2Config& b) {
  return a.root_rtt == b.root_rtt && a.start_level == b.start_level &&
         a.ipa_width == b.ipa_width && a.num_root_rtts == b.num_root_rtts && a.vmid == b.vmid;
}

}  // namespace

// --- MemorySystem / HostView ------------------------------------------------------------

MemorySystem::MemorySystem(PhysicalMemory p, const uint8_t* view, Limits l)
    : phys(std::move(p)), dram_view(view), walker(view, phys.base, phys.size, phys.pas_of),
      limits(l) {}

HostView::~HostView() {
  if (base_ != nullptr) munmap(base_, size_);
}
HostView::HostView(HostView&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)), size_(std::exchange(other.size_, 0)) {}
HostView& HostView::operator=(HostView&& other) noexcept {
  if (this != &other) {
    if (base_ != nullptr) munmap(base_, size_);
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

// --- Creation ------------------------------------------------------------------------------

RealmCpu::RealmCpu(MemorySystem& memory) : memory_(memory) {}

std::unique_ptr<RealmCpu> RealmCpu::create(MemorySystem& memory, const char** why) {
  std::unique_ptr<RealmCpu> cpu(new RealmCpu(memory));
  if (!cpu->init(why)) return nullptr;
  return cpu;
}

bool RealmCpu::init(const char** why) {
  if (uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc_) != UC_ERR_OK) {
    uc_ = nullptr;
    *why = "Unicorn could not create an AArch64 engine";
    return false;
  }
  if (uc_ctl_set_cpu_model(uc_, UC_CPU_ARM64_A72) != UC_ERR_OK) {
    *why = "Unicorn refused the Cortex-A72 CPU model";
    return false;
  }
  void* page = mmap(nullptr, kGranule, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) {
    *why = "no host memory for the entry page";
    return false;
  }
  trampoline_page_ = static_cast<uint8_t*>(page);
  const uint32_t eret = insn::kEret;
  std::memcpy(trampoline_page_, &eret, sizeof eret);
  // Execute-only: a realm load or store there is refused like any unmapped IPA.
  if (uc_mem_map_ptr(uc_, kTrampolineIpa, kGranule, UC_PROT_EXEC, trampoline_page_) != UC_ERR_OK) {
    *why = "Unicorn could not map the entry page";
    return false;
  }

  uc_hook hook;
  bool ok = uc_hook_add(uc_, &hook, UC_HOOK_CODE, reinterpret_cast<void*>(code_hook), this, 1, 0) ==
            UC_ERR_OK;
  ok = ok && uc_hook_add(uc_, &hook, UC_HOOK_INTR, reinterpret_cast<void*>(interrupt_hook), this, 1,
                         0) == UC_ERR_OK;
  ok = ok && uc_hook_add(uc_, &hook, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT,
                         reinterpret_cast<void*>(memory_fault_hook), this, 1, 0) == UC_ERR_OK;
  ok = ok && uc_hook_add(uc_, &hook, UC_HOOK_INSN, reinterpret_cast<void*>(sysreg_hook), this, 1, 0,
                         UC_ARM64_INS_MRS) == UC_ERR_OK;
  ok = ok && uc_hook_add(uc_, &hook, UC_HOOK_INSN, reinterpret_cast<void*>(sysreg_hook), this, 1, 0,
                         UC_ARM64_INS_MSR) == UC_ERR_OK;
  if (!ok) {
    *why = "Unicorn refused a hook";
    return false;
  }

  set_sysreg(kScrEl3.op0, kScrEl3.op1, kScrEl3.crn, kScrEl3.crm, kScrEl3.op2,
             kScrNs | kScrHce | kScrRw | kScrTwi | kScrTwe);
  set_sysreg(kHcrEl2.op0, kHcrEl2.op1, kHcrEl2.crn, kHcrEl2.crm, kHcrEl2.op2, kHcrRw);
  // Unicorn starts the PE at EL1h with its translation flags computed for
  // that state. Keep a copy: it is the only way back to EL1 from EL0, since
  // Unicorn never takes an exception itself.
  if (uc_context_alloc(uc_, &el1_base_context_) != UC_ERR_OK ||
      uc_context_save(uc_, el1_base_context_) != UC_ERR_OK) {
    *why = "Unicorn could not save the base CPU context";
    return false;
  }
  return true;
}

RealmCpu::~RealmCpu() {
  drop_regions(0, ~uint64_t{0});
  if (el1_base_context_ != nullptr) uc_context_free(el1_base_context_);
  if (uc_ != nullptr) uc_close(uc_);
  if (trampoline_page_ != nullptr) munmap(trampoline_page_, kGranule);
}

std::optional<uint16_t> RealmCpu::vmid() const {
  if (!s2_) return std::nullopt;
  return s2_->vmid;
}

// --- Register access ---------------------------------------------------------------------

uint64_t RealmCpu::reg(int id) {
  uint64_t value = 0;  // some registers are read as 32 bits into the low half
  uc_reg_read(uc_, id, &value);
  return value;
}

void RealmCpu::set_reg(int id, uint64_t value) { uc_reg_write(uc_, id, &value); }

uint64_t RealmCpu::sysreg(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2) {
  uc_arm64_cp_reg cp{};
  cp.op0 = op0;
  cp.op1 = op1;
  cp.crn = crn;
  cp.crm = crm;
  cp.op2 = op2;
  uc_reg_read(uc_, UC_ARM64_REG_CP_REG, &cp);
  return cp.val;
}

void RealmCpu::set_sysreg(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2,
                          uint64_t value) {
  uc_arm64_cp_reg cp{};
  cp.op0 = op0;
  cp.op1 = op1;
  cp.crn = crn;
  cp.crm = crm;
  cp.op2 = op2;
  cp.val = value;
  uc_reg_write(uc_, UC_ARM64_REG_CP_REG, &cp);
}

// --- Context transfer ----------------------------------------------------------------------

bool RealmCpu::resync_to_el1() {
  // Unicorn recomputes its cached translation flags (current EL, MMU index)
  // only on an ERET, which EL0 cannot execute. Reload the saved EL1 context
  // and put back everything that is not loaded from RealmCpuContext.
  struct Vector128 {
    uint64_t lo, hi;
  } vregs[32];
  for (int i = 0; i < 32; ++i) uc_reg_read(uc_, UC_ARM64_REG_Q0 + i, &vregs[i]);
  const uint64_t fpcr = reg(UC_ARM64_REG_FPCR);
  const uint64_t fpsr = reg(UC_ARM64_REG_FPSR);
  uint64_t resident[std::size(kEngineResidentSysregs)];
  for (size_t i = 0; i < std::size(kEngineResidentSysregs); ++i) {
    const SysRegId& r = kEngineResidentSysregs[i];
    resident[i] = sysreg(r.op0, r.op1, r.crn, r.crm, r.op2);
  }
  if (uc_context_restore(uc_, el1_base_context_) != UC_ERR_OK) return false;
  for (int i = 0; i < 32; ++i) uc_reg_write(uc_, UC_ARM64_REG_Q0 + i, &vregs[i]);
  set_reg(UC_ARM64_REG_FPCR, fpcr);
  set_reg(UC_ARM64_REG_FPSR, fpsr);
  for (size_t i = 0; i < std::size(kEngineResidentSysregs); ++i) {
    const SysRegId& r = kEngineResidentSysregs[i];
    set_sysreg(r.op0, r.op1, r.crn, r.crm, r.op2, resident[i]);
  }
  return pstate_el(reg(UC_ARM64_REG_PSTATE)) == 1;
}

bool RealmCpu::load(const monitor::RealmCpuContext& ctx) {
  // The entry ERET runs at the engine's current EL, which must be EL1.
  if (pstate_el(reg(UC_ARM64_REG_PSTATE)) != 1 && !resync_to_el1()) return false;
  const uint64_t engine_pstate = reg(UC_ARM64_REG_PSTATE);

  for (int i = 0; i < 29; ++i) set_reg(UC_ARM64_REG_X0 + i, ctx.x[i]);
  set_reg(UC_ARM64_REG_X29, ctx.x[29]);
  set_reg(UC_ARM64_REG_X30, ctx.x[30]);
  set_reg(UC_ARM64_REG_SP_EL0, ctx.sp_el0);
  set_reg(UC_ARM64_REG_SP_EL1, ctx.sp_el1);
  // The ERET banks the live SP into the stack pointer of the current mode
  // before loading the target mode's one, so the live SP must already hold
  // the realm's value for the engine's current mode.
  set_reg(UC_ARM64_REG_SP, pstate_sp_elx(engine_pstate) ? ctx.sp_el1 : ctx.sp_el0);

  set_reg(UC_ARM64_REG_ESR_EL1, ctx.esr_el1);
  set_reg(UC_ARM64_REG_FAR_EL1, ctx.far_el1);
  set_reg(UC_ARM64_REG_VBAR_EL1, ctx.vbar_el1);
  set_reg(UC_ARM64_REG_TPIDR_EL0, ctx.tpidr_el0);
  set_reg(UC_ARM64_REG_TPIDR_EL1, ctx.tpidr_el1);
  set_reg(UC_ARM64_REG_TPIDRRO_EL0, ctx.tpidrro_el0);
  if (reg(UC_ARM64_REG_CPACR_EL1) != ctx.cpacr_el1) set_reg(UC_ARM64_REG_CPACR_EL1, ctx.cpacr_el1);
  // An SCTLR_EL1 write flushes the engine's TLB: only write a change.
  if (sysreg(kSctlrEl1.op0, kSctlrEl1.op1, kSctlrEl1.crn, kSctlrEl1.crm, kSctlrEl1.op2) !=
      ctx.sctlr_el1) {
    set_sysreg(kSctlrEl1.op0, kSctlrEl1.op1, kSctlrEl1.crn, kSctlrEl1.crm, kSctlrEl1.op2,
               ctx.sctlr_el1);
  }
  set_sysreg(kVmpidrEl2.op0, kVmpidrEl2.op1, kVmpidrEl2.crn, kVmpidrEl2.crm, kVmpidrEl2.op2,
             ctx.mpidr_el1);

  // Enter like R-EL2 firmware does: ERET with the return state in
  // ELR/SPSR. Only EL1 registers can carry it here, so they hold the entry
  // state until the first realm instruction, when the realm's own values go
  // back (on_code).
  set_reg(UC_ARM64_REG_ELR_EL1, ctx.pc);
  set_sysreg(kSpsrEl1.op0, kSpsrEl1.op1, kSpsrEl1.crn, kSpsrEl1.crm, kSpsrEl1.op2, ctx.pstate);
  pending_elr_el1_ = ctx.elr_el1;
  pending_spsr_el1_ = ctx.spsr_el1;
  entry_pending_ = true;
  entering_ = true;
  attention_ = true;
  return true;
}

void RealmCpu::store(monitor::RealmCpuContext& ctx) {
  for (int i = 0; i < 29; ++i) ctx.x[i] = reg(UC_ARM64_REG_X0 + i);
  ctx.x[29] = reg(UC_ARM64_REG_X29);
  ctx.x[30] = reg(UC_ARM64_REG_X30);
  if (stop_.has_gprs) std::memcpy(ctx.x, stop_.x, sizeof ctx.x);
  const uint64_t pstate = reg(UC_ARM64_REG_PSTATE);
  const uint64_t live_sp = reg(UC_ARM64_REG_SP);
  if (pstate_el(pstate) == 1 && pstate_sp_elx(pstate)) {
    ctx.sp_el1 = live_sp;
    ctx.sp_el0 = reg(UC_ARM64_REG_SP_EL0);
  } else {
    ctx.sp_el0 = live_sp;
    ctx.sp_el1 = reg(UC_ARM64_REG_SP_EL1);
  }
  ctx.pstate = pstate;
  ctx.pc = reg(UC_ARM64_REG_PC);
  if (entry_pending_) {
    ctx.elr_el1 = pending_elr_el1_;
    ctx.spsr_el1 = pending_spsr_el1_;
  } else {
    ctx.elr_el1 = reg(UC_ARM64_REG_ELR_EL1);
    ctx.spsr_el1 = sysreg(kSpsrEl1.op0, kSpsrEl1.op1, kSpsrEl1.crn, kSpsrEl1.crm, kSpsrEl1.op2);
  }
  ctx.esr_el1 = reg(UC_ARM64_REG_ESR_EL1);
  ctx.far_el1 = reg(UC_ARM64_REG_FAR_EL1);
  ctx.vbar_el1 = reg(UC_ARM64_REG_VBAR_EL1);
  ctx.sctlr_el1 = sysreg(kSctlrEl1.op0, kSctlrEl1.op1, kSctlrEl1.crn, kSctlrEl1.crm, kSctlrEl1.op2);
  ctx.tpidr_el0 = reg(UC_ARM64_REG_TPIDR_EL0);
  ctx.tpidr_el1 = reg(UC_ARM64_REG_TPIDR_EL1);
  ctx.tpidrro_el0 = reg(UC_ARM64_REG_TPIDRRO_EL0);
  ctx.cpacr_el1 = reg(UC_ARM64_REG_CPACR_EL1);
}

void RealmCpu::enter_el1_exception(monitor::RealmCpuContext& ctx, const Stop& stop) {
  // Synchronous exception to EL1, AArch64: vector offset by where it came from.
  uint64_t offset = 0x400;  // lower EL, AArch64
  if (pstate_el(ctx.pstate) == 1) offset = pstate_sp_elx(ctx.pstate) ? 0x200 : 0x000;
  ctx.spsr_el1 = ctx.pstate;
  ctx.elr_el1 = stop.return_address;
  ctx.esr_el1 = stop.esr;
  if (stop.has_far) ctx.far_el1 = stop.far;
  ctx.pstate = (ctx.pstate & kPstateNzcv) | kPstateDaif | kModeEl1h;
  ctx.pc = ctx.vbar_el1 + offset;
}

// --- Run ---------------------------------------------------------------------------------

monitor::RealmTrap RealmCpu::run(monitor::RealmCpuContext& ctx, const monitor::Stage2Config& s2,
                                 uint64_t budget, RunInfo& info) {
  using Kind = monitor::RealmTrap::Kind;
  info = RunInfo{};
  info_ = &info;
  auto fatal = [&](FatalReason reason, const char* detail) {
    info.fatal = reason;
    info.detail = detail;
    return monitor::RealmTrap{Kind::kFatal, static_cast<uint64_t>(reason), 0, 0};
  };

  const uint64_t mode = ctx.pstate & kPstateModeMask;
  if (mode != kModeEl0t && mode != kModeEl1t && mode != kModeEl1h) {
    return fatal(FatalReason::kUnsupportedCpuState, "PSTATE is not EL0t, EL1t or EL1h (AArch64)");
  }
  // A new stage 2, or any granule changing PAS, invalidates the cached map.
  const uint64_t generation = memory_.phys.gpt_generation ? memory_.phys.gpt_generation() : 0;
  if (!s2_ || !same_stage2(*s2_, s2) || generation != gpt_generation_) {
    invalidate_all();
    s2_ = s2;
    gpt_generation_ = generation;
  }
  if (budget == 0) return monitor::RealmTrap{Kind::kIrq, 0, 0, 0};

  budget_ = budget;
  executed_ = 0;
  if (!load(ctx)) return fatal(FatalReason::kEmulationFailure, "could not bring the CPU to EL1");
  for (;;) {
    stop_ = Stop{};
    const uc_err err = uc_emu_start(uc_, kTrampolineIpa, kUntilIpa, 0, 0);
    info.instructions = executed_;
    if (stop_.kind == Stop::Kind::kNone) {
      // Emulation ended without a hook deciding why.
      if (err == UC_ERR_OK && in_reserved_page(reg(UC_ARM64_REG_PC))) {
        report_abort(reg(UC_ARM64_REG_PC), true, false,
                     memory_.walker.translate(*s2_, reg(UC_ARM64_REG_PC)));
      } else {
        store(ctx);
        return fatal(FatalReason::kEmulationFailure, err == UC_ERR_OK
                                                         ? "emulation stopped without a cause"
                                                         : uc_strerror(err));
      }
    }
    switch (stop_.kind) {
      case Stop::Kind::kTrap:
        store(ctx);
        ctx.pc = stop_.pc;
        return monitor::RealmTrap{Kind::kSync, stop_.esr, stop_.far, stop_.hpfar};
      case Stop::Kind::kIrq:
        store(ctx);
        ctx.pc = stop_.pc;
        return monitor::RealmTrap{Kind::kIrq, 0, 0, 0};
      case Stop::Kind::kEl1Exception:
        store(ctx);
        ctx.pc = stop_.pc;
        enter_el1_exception(ctx, stop_);
        ++info.el1_exceptions;
        // An exception entry counts against the budget: a realm whose vector
        // faults again before executing anything still yields to the host
        // timer.
        if (++executed_ >= budget_) {
          info.instructions = executed_;
          return monitor::RealmTrap{Kind::kIrq, 0, 0, 0};
        }
        if (!load(ctx)) return fatal(FatalReason::kEmulationFailure, "could not enter the EL1 vector");
        continue;
      case Stop::Kind::kEmulated:
        // The CPU completed the instruction itself (RNDR): go on after it.
        store(ctx);
        ctx.pc = stop_.pc;
        if (stop_.emulated_rt < 31) ctx.x[stop_.emulated_rt] = stop_.emulated_value;
        ctx.pstate = (ctx.pstate & ~kPstateNzcv) | stop_.emulated_nzcv;
        if (++executed_ >= budget_) {
          info.instructions = executed_;
          return monitor::RealmTrap{Kind::kIrq, 0, 0, 0};
        }
        if (!load(ctx)) return fatal(FatalReason::kEmulationFailure, "could not resume after an emulated instruction");
        continue;
      case Stop::Kind::kFatal:
        store(ctx);
        ctx.pc = stop_.pc;
        return fatal(stop_.fatal, stop_.detail);
      case Stop::Kind::kNone:
        break;
    }
    return fatal(FatalReason::kEmulationFailure, "unreachable stop state");
  }
}

// --- Stop helpers --------------------------------------------------------------------------

void RealmCpu::stop_trap(uint64_t pc, uint64_t esr, uint64_t far, uint64_t hpfar) {
  stop_.kind = Stop::Kind::kTrap;
  attention_ = true;
  stop_.pc = pc;
  stop_.esr = esr;
  stop_.far = far;
  stop_.hpfar = hpfar;
  uc_emu_stop(uc_);
}

void RealmCpu::stop_el1(uint64_t esr, uint64_t return_address, std::optional<uint64_t> far) {
  stop_.kind = Stop::Kind::kEl1Exception;
  attention_ = true;
  stop_.pc = return_address;
  stop_.esr = esr;
  stop_.return_address = return_address;
  stop_.has_far = far.has_value();
  stop_.far = far.value_or(0);
  uc_emu_stop(uc_);
}

void RealmCpu::stop_fatal(FatalReason reason, const char* detail) {
  stop_.kind = Stop::Kind::kFatal;
  attention_ = true;
  stop_.pc = reg(UC_ARM64_REG_PC);
  stop_.fatal = reason;
  stop_.detail = detail;
  uc_emu_stop(uc_);
}

void RealmCpu::snapshot_gprs() {
  for (int i = 0; i < 29; ++i) stop_.x[i] = reg(UC_ARM64_REG_X0 + i);
  stop_.x[29] = reg(UC_ARM64_REG_X29);
  stop_.x[30] = reg(UC_ARM64_REG_X30);
  stop_.has_gprs = true;
}

void RealmCpu::report_abort(uint64_t address, bool is_fetch, bool is_write, const Translation& t) {
  uint8_t fsc = 0;
  bool stage2_fault = true;  // translation, access flag and permission faults
  switch (t.outcome) {
    case WalkOutcome::kTranslationFault: fsc = esr::translation_fault(t.level); break;
    case WalkOutcome::kAccessFlagFault: fsc = esr::access_flag_fault(t.level); break;
    case WalkOutcome::kMapped:
      if (in_reserved_page(address)) {  // a mapping the CPU cannot honour
        fsc = esr::kSyncExternalAbort;
        stage2_fault = false;
      } else {
        fsc = esr::permission_fault(t.level);
      }
      break;
    case WalkOutcome::kWalkExternalAbort:
      fsc = esr::sync_external_abort_on_walk(t.level);
      stage2_fault = false;
      break;
    case WalkOutcome::kWalkGpf:
      fsc = esr::gpf_on_walk(t.level);
      stage2_fault = false;
      break;
    case WalkOutcome::kOutputExternalAbort:
      fsc = esr::kSyncExternalAbort;
      stage2_fault = false;
      break;
    case WalkOutcome::kOutputGpf:
      fsc = esr::kGranuleProtectionFault;
      stage2_fault = false;
      break;
  }
  const uint64_t hpfar = esr::hpfar_for_ipa(address);
  if (is_fetch) {
    stop_trap(address, esr::make(esr::Ec::kInstructionAbortLowerEl, fsc), address, hpfar);
    return;
  }
  const uint64_t pc = reg(UC_ARM64_REG_PC);
  std::optional<insn::DataAccess> access;
  uint32_t word = 0;
  if (stage2_fault && fetch_instruction(pc, &word)) access = insn::decode_data_access(word);
  snapshot_gprs();
  stop_trap(pc, esr::make(esr::Ec::kDataAbortLowerEl, insn::data_abort_iss(access, is_write) | fsc),
            address, hpfar);
}

// --- Hooks ---------------------------------------------------------------------------------

void RealmCpu::on_code(uint64_t address) {
  // Hot path, once per instruction: an ordinary instruction from the code
  // region seen last, within budget. WFI and WFE differ only in bit 5.
  const uint64_t offset = address - code_ipa_;
  if (!attention_ && offset < code_size_ && executed_ < budget_) {
    uint32_t word;
    std::memcpy(&word, code_host_ + offset, sizeof word);
    if ((word | 0x20) != insn::kWfi) {
      ++executed_;
      return;
    }
  }
  on_code_slow(address);
}

void RealmCpu::on_code_slow(uint64_t address) {
  if (stop_.kind != Stop::Kind::kNone) {  // a hook already decided: run nothing more
    uc_emu_stop(uc_);
    return;
  }
  if (entering_ && address == kTrampolineIpa) {
    entering_ = false;  // the entry ERET itself
    return;
  }
  if (entry_pending_) {
    set_reg(UC_ARM64_REG_ELR_EL1, pending_elr_el1_);
    set_sysreg(kSpsrEl1.op0, kSpsrEl1.op1, kSpsrEl1.crn, kSpsrEl1.crm, kSpsrEl1.op2,
               pending_spsr_el1_);
    entry_pending_ = false;
  }
  attention_ = entering_;
  if (in_reserved_page(address)) {
    report_abort(address, true, false, memory_.walker.translate(*s2_, address));
    return;
  }
  if (executed_ >= budget_) {  // the host timer fires before this instruction
    stop_.kind = Stop::Kind::kIrq;
    stop_.pc = address;
    attention_ = true;
    uc_emu_stop(uc_);
    return;
  }
  uint32_t word = 0;
  if (fetch_instruction(address, &word) && (insn::is_wfi(word) || insn::is_wfe(word))) {
    const uint64_t ti = insn::is_wfe(word) ? esr::wfx::kTiWfe : esr::wfx::kTiWfi;
    stop_trap(address, esr::make(esr::Ec::kWfx, esr::wfx::kCv | esr::wfx::kCondAlways | ti));
    return;
  }
  ++executed_;
}

uint32_t RealmCpu::on_sysreg() {
  const uint64_t pc = reg(UC_ARM64_REG_PC);
  uint32_t word = 0;
  if (!fetch_instruction(pc, &word)) return 0;
  const auto access = insn::decode_sysreg_access(word);
  if (access && is_random_number_read(*access)) {
    stop_random_number_read(pc, *access);
    return 1;
  }
  if (!access || !traps_to_el2(*access)) return 0;
  stop_trap(pc, esr::make(esr::Ec::kSysReg, esr::sysreg_iss(*access)));
  return 1;  // skip the instruction: it did not execute
}

// Xt = 64 random bits and NZCV = 0000, or, if the generator fails,
// Xt = 0 and NZCV = 0100 (what RNDR returns without entropy). The result is
// written into the context after the engine stopped: Unicorn 2.0.1 restarts
// an instruction whose hook writes registers, so the hook cannot complete it.
void RealmCpu::stop_random_number_read(uint64_t pc, const esr::SysRegAccess& access) {
  uint64_t value = 0;
  const bool ok = getrandom(&value, sizeof value, 0) == static_cast<ssize_t>(sizeof value);
  stop_.kind = Stop::Kind::kEmulated;
  attention_ = true;
  stop_.pc = pc + 4;
  stop_.emulated_rt = access.rt;
  stop_.emulated_value = ok ? value : 0;
  stop_.emulated_nzcv = ok ? 0 : kPstateZ;
  uc_emu_stop(uc_);
}

void RealmCpu::on_interrupt(uint32_t intno) {
  if (stop_.kind != Stop::Kind::kNone) {
    uc_emu_stop(uc_);
    return;
  }
  const uint64_t pc = reg(UC_ARM64_REG_PC);
  uint32_t word = 0;
  switch (intno) {
    case kExcpSmc:  // PC is past the SMC; a trapped SMC returns to the SMC itself
      fetch_instruction(pc - 4, &word);
      stop_trap(pc - 4, esr::make(esr::Ec::kSmc64, insn::exception_imm16(word)));
      return;
    case kExcpHvc:  // preferred return address: the next instruction
      fetch_instruction(pc - 4, &word);
      stop_trap(pc, esr::make(esr::Ec::kHvc64, insn::exception_imm16(word)));
      return;
    case kExcpSwi:
      fetch_instruction(pc - 4, &word);
      stop_el1(esr::make(esr::Ec::kSvc64, insn::exception_imm16(word)), pc, std::nullopt);
      return;
    case kExcpBkpt:
      fetch_instruction(pc, &word);
      stop_el1(esr::make(esr::Ec::kBrk64, insn::exception_imm16(word)), pc, std::nullopt);
      return;
    case kExcpUdef: {
      if ((pc & 3) != 0) {
        stop_el1(esr::make(esr::Ec::kPcAlignment, 0), pc, pc);
        return;
      }
      if (fetch_instruction(pc, &word)) {
        if (insn::is_wfi(word) || insn::is_wfe(word)) {
          const uint64_t ti = insn::is_wfe(word) ? esr::wfx::kTiWfe : esr::wfx::kTiWfi;
          stop_trap(pc, esr::make(esr::Ec::kWfx, esr::wfx::kCv | esr::wfx::kCondAlways | ti));
          return;
        }
        const auto access = insn::decode_sysreg_access(word);
        if (access && traps_to_el2(*access)) {
          stop_trap(pc, esr::make(esr::Ec::kSysReg, esr::sysreg_iss(*access)));
          return;
        }
        if (access && is_random_number_read(*access)) {
          stop_random_number_read(pc, *access);
          return;
        }
      }
      const bool illegal_state = (reg(UC_ARM64_REG_PSTATE) & kPstateIl) != 0;
      stop_el1(esr::make(illegal_state ? esr::Ec::kIllegalState : esr::Ec::kUnknown, 0), pc,
               std::nullopt);
      return;
    }
    case kExcpPrefetchAbort: {
      // Raised by the engine itself: a fetch beyond the 44-bit PA range, or
      // the stage-1 MMU the realm turned on (Unicorn 2.0.1 cannot walk it).
      const bool beyond_pa = (pc >> kPhysicalAddressBits) != 0;
      const uint8_t fsc = beyond_pa ? esr::address_size_fault(0) : esr::translation_fault(0);
      stop_el1(esr::make(esr::Ec::kInstructionAbortSameEl, fsc), pc, pc);
      return;
    }
    case kExcpDataAbort: {
      // Raised by the engine itself: an alignment fault (exclusives,
      // SCTLR_EL1.A) or a stage-1 fault with the MMU on.
      std::optional<uint64_t> address;
      bool is_write = false;
      if (fetch_instruction(pc, &word)) {
        uint64_t x[31];
        for (int i = 0; i < 29; ++i) x[i] = reg(UC_ARM64_REG_X0 + i);
        x[29] = reg(UC_ARM64_REG_X29);
        x[30] = reg(UC_ARM64_REG_X30);
        address = insn::effective_address(word, insn::AddressRegs{x, reg(UC_ARM64_REG_SP), pc});
        if (const auto access = insn::decode_data_access(word)) is_write = access->is_write;
      }
      const bool mmu_on =
          (sysreg(kSctlrEl1.op0, kSctlrEl1.op1, kSctlrEl1.crn, kSctlrEl1.crm, kSctlrEl1.op2) & 1) != 0;
      const uint8_t fsc = mmu_on ? esr::translation_fault(0) : esr::kAlignmentFault;
      stop_el1(esr::make(esr::Ec::kDataAbortSameEl, (is_write ? esr::dabt::kWnR : 0) | fsc), pc,
               address.value_or(0));
      return;
    }
    default:
      stop_fatal(FatalReason::kEmulationFailure, "the engine raised an exception it cannot model");
      return;
  }
}

bool RealmCpu::on_memory_fault(uc_mem_type type, uint64_t address) {
  if (stop_.kind != Stop::Kind::kNone) return false;  // e.g. DC ZVA probing on after a fault
  const bool is_fetch = type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT;
  const bool is_write = type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_WRITE_PROT;
  const bool unmapped = type == UC_MEM_READ_UNMAPPED || type == UC_MEM_WRITE_UNMAPPED ||
                        type == UC_MEM_FETCH_UNMAPPED;
  if (unmapped && !in_reserved_page(address)) {
    switch (refill(address)) {  // TLB miss: walk the tables
      case RefillResult::kMapped:
        ++info_->tlb_refills;
        return true;
      case RefillResult::kLimit:
        stop_fatal(FatalReason::kLayoutTooFragmented,
                   "the stage-2 layout needs more regions or host mappings than allowed");
        return false;
      case RefillResult::kHostError:
        stop_fatal(FatalReason::kHostResources, "the host could not map the realm's memory");
        return false;
      case RefillResult::kNotMappable:
        break;
    }
  }
  const Translation t = memory_.walker.translate(*s2_, address);
  if (!unmapped && t.outcome == WalkOutcome::kMapped && !in_reserved_page(address)) {
    const bool allowed = is_fetch ? t.executable : (is_write ? t.writable : t.readable);
    if (allowed) {
      stop_fatal(FatalReason::kEmulationFailure, "engine permissions disagree with the stage-2 walk");
      return false;
    }
  }
  report_abort(address, is_fetch, is_write, t);
  return false;
}

// --- Memory map ----------------------------------------------------------------------------

bool RealmCpu::in_reserved_page(uint64_t address) const {
  return address - kTrampolineIpa < kGranule;
}

const RealmCpu::Region* RealmCpu::region_at(uint64_t ipa) const {
  auto it = regions_.upper_bound(ipa);
  if (it == regions_.begin()) return nullptr;
  --it;
  return ipa - it->second.ipa < it->second.size ? &it->second : nullptr;
}

bool RealmCpu::fetch_instruction(uint64_t address, uint32_t* insn) {
  if ((address & 3) != 0) return false;
  if (in_reserved_page(address)) {  // never cached: the hot path must not run there
    std::memcpy(insn, trampoline_page_ + (address - kTrampolineIpa), sizeof *insn);
    return true;
  }
  if (address - code_ipa_ >= code_size_) {
    const Region* region = region_at(address);
    if (region == nullptr) return false;
    code_ipa_ = region->ipa;
    code_size_ = region->size;
    code_host_ = region->view.data();
  }
  std::memcpy(insn, code_host_ + (address - code_ipa_), sizeof *insn);
  return true;
}

RealmCpu::RefillResult RealmCpu::refill(uint64_t ipa) {
  const Translation first = memory_.walker.translate(*s2_, ipa);
  if (first.outcome != WalkOutcome::kMapped) return RefillResult::kNotMappable;
  const uint32_t perms = unicorn_perms(first);
  const uint64_t ipa_limit = uint64_t{1} << s2_->ipa_width;
  const uint64_t max_bytes = memory_.limits.max_region_bytes;

  struct Piece {
    uint64_t ipa, pa, size;
  };
  // A deque: the run grows at both ends (GCC 12 -O3 also misreports a
  // vector insert at begin() as a null dereference).
  std::deque<Piece> pieces;
  // Granule g can join the run if it is mapped with the same permissions,
  // passes the GPC, and is not already mapped or reserved.
  auto joinable = [&](uint64_t g, uint64_t* pa) {
    if (g >= ipa_limit || in_reserved_page(g) || region_at(g) != nullptr) return false;
    const Translation t = memory_.walker.translate(*s2_, g);
    if (t.outcome != WalkOutcome::kMapped || unicorn_perms(t) != perms) return false;
    *pa = t.leaf_pa + (g - t.leaf_ipa);
    return true;
  };
  uint64_t lo = ipa & ~(kGranule - 1);
  uint64_t hi = lo + kGranule;
  pieces.push_back(Piece{lo, first.leaf_pa + (lo - first.leaf_ipa), kGranule});
  uint64_t pa = 0;
  while (hi - lo < max_bytes && joinable(hi, &pa)) {
    if (pieces.back().pa + pieces.back().size == pa) {
      pieces.back().size += kGranule;
    } else {
      pieces.push_back(Piece{hi, pa, kGranule});
    }
    hi += kGranule;
  }
  while (hi - lo < max_bytes && lo >= kGranule && joinable(lo - kGranule, &pa)) {
    lo -= kGranule;
    if (pa + kGranule == pieces.front().pa) {
      pieces.front() = Piece{lo, pa, pieces.front().size + kGranule};
    } else {
      pieces.push_front(Piece{lo, pa, kGranule});
    }
  }

  const Limits& limits = memory_.limits;
  const size_t max_regions = std::min(limits.max_regions_per_cpu, kEngineRegionCeiling);
  if (regions_.size() + 1 > max_regions ||
      host_mappings_ + pieces.size() > limits.max_host_mappings_per_cpu ||
      memory_.host_mappings + pieces.size() > limits.max_host_mappings_total) {
    return RefillResult::kLimit;
  }

  const uint64_t size = hi - lo;
  void* reserved = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserved == MAP_FAILED) return RefillResult::kHostError;
  HostView view(static_cast<uint8_t*>(reserved), size);
  for (const Piece& piece : pieces) {
    void* at = view.data() + (piece.ipa - lo);
    if (mmap(at, piece.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, memory_.phys.memfd,
             static_cast<off_t>(piece.pa - memory_.phys.base)) == MAP_FAILED) {
      return RefillResult::kHostError;
    }
  }
  if (uc_mem_map_ptr(uc_, lo, size, perms, view.data()) != UC_ERR_OK) return RefillResult::kHostError;
  host_mappings_ += pieces.size();
  memory_.host_mappings += pieces.size();
  regions_.emplace(lo, Region{lo, size, perms, pieces.size(), std::move(view)});
  return RefillResult::kMapped;
}

void RealmCpu::drop_regions(uint64_t ipa, uint64_t size) {
  const uint64_t end = size > ~uint64_t{0} - ipa ? ~uint64_t{0} : ipa + size;
  bool dropped = false;
  for (auto it = regions_.begin(); it != regions_.end();) {
    const Region& r = it->second;
    if (r.ipa < end && ipa < r.ipa + r.size) {
      // Translated code is keyed by the backing memory, which a later
      // region at the same IPA may reuse with other contents: drop it while
      // the region is still mapped. (A full TB flush would cost ~1 s: it
      // clears Unicorn's whole 1 GiB code buffer.)
      if ((r.perms & UC_PROT_EXEC) != 0) uc_ctl_remove_cache(uc_, r.ipa, r.ipa + r.size);
      uc_mem_unmap(uc_, r.ipa, r.size);
      host_mappings_ -= r.host_mappings;
      memory_.host_mappings -= r.host_mappings;
      it = regions_.erase(it);
      dropped = true;
    } else {
      ++it;
    }
  }
  if (dropped) {
    code_ipa_ = 1;
    code_size_ = 0;
  }
}

void RealmCpu::invalidate_all() { drop_regions(0, ~uint64_t{0}); }

void RealmCpu::invalidate_range(uint64_t ipa, uint64_t size) { drop_regions(ipa, size); }

}  // namespace mica::vcpu
