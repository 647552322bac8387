// One REC's emulated PE (internal to the vcpu library).
#pragma once

#include <unicorn/unicorn.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "monitor/platform.h"
#include "vcpu/realm_cpus.h"
#include "vcpu/stage2_walker.h"
#include "vcpu/syndrome.h"

namespace mica::vcpu {

// What all CPUs share: DRAM, the walker, the limits and the count of host
// mappings in use.
struct MemorySystem {
  PhysicalMemory phys;
  const uint8_t* dram_view = nullptr;  // read-only map of all of DRAM
  Stage2Walker walker;
  Limits limits;
  size_t host_mappings = 0;

  MemorySystem(PhysicalMemory p, const uint8_t* view, Limits l);
};

// Host memory backing one engine region: a reserved range of address space
// into which pieces of the DRAM memfd are mapped at their IPA offsets.
class HostView {
 public:
  HostView() = default;
  HostView(uint8_t* base, size_t size) : base_(base), size_(size) {}
  ~HostView();
  HostView(HostView&& other) noexcept;
  HostView& operator=(HostView&& other) noexcept;
  HostView(const HostView&) = delete;
  HostView& operator=(const HostView&) = delete;
  uint8_t* data() const { return base_; }

 private:
  uint8_t* base_ = nullptr;
  size_t size_ = 0;
};

class RealmCpu {
 public:
  // nullptr (and *why set) if the engine cannot be created.
  static std::unique_ptr<RealmCpu> create(MemorySystem& memory, const char** why);
  ~RealmCpu();
  RealmCpu(const RealmCpu&) = delete;
  RealmCpu& operator=(const RealmCpu&) = delete;

  monitor::RealmTrap run(monitor::RealmCpuContext& ctx, const monitor::Stage2Config& s2,
                         uint64_t budget, RunInfo& info);
  void invalidate_all();
  void invalidate_range(uint64_t ipa, uint64_t size);
  std::optional<uint16_t> vmid() const;
  size_t region_count() const { return regions_.size(); }

  // Called from the engine's hooks only.
  void on_code(uint64_t address);
  void on_code_slow(uint64_t address);
  void on_interrupt(uint32_t intno);
  bool on_memory_fault(uc_mem_type type, uint64_t address);
  uint32_t on_sysreg();

 private:
  struct Region {
    uint64_t ipa;
    uint64_t size;
    uint32_t perms;
    size_t host_mappings;
    HostView view;
  };

  // Why emulation stopped, recorded by the hooks.
  struct Stop {
    enum class Kind { kNone, kTrap, kIrq, kEl1Exception, kEmulated, kFatal } kind = Kind::kNone;
    uint64_t pc = 0;   // the PC the context must hold
    uint64_t esr = 0;  // trap: ESR_EL2. EL1 exception: ESR_EL1
    uint64_t far = 0;
    uint64_t hpfar = 0;
    bool has_far = false;          // EL1 exception: FAR_EL1 is written
    uint64_t return_address = 0;   // EL1 exception: ELR_EL1
    FatalReason fatal = FatalReason::kNone;
    const char* detail = "";
    // GPRs at the fault, for aborts (Unicorn may finish the faulting
    // instruction's register updates after a refused write).
    bool has_gprs = false;
    uint64_t x[31] = {};
    // kEmulated: what the instruction writes (a register, NZCV).
    unsigned emulated_rt = 31;
    uint64_t emulated_value = 0;
    uint64_t emulated_nzcv = 0;
  };

  enum class RefillResult { kMapped, kNotMappable, kLimit, kHostError };

  explicit RealmCpu(MemorySystem& memory);
  bool init(const char** why);

  // Context transfer.
  bool load(const monitor::RealmCpuContext& ctx);
  void store(monitor::RealmCpuContext& ctx);
  bool resync_to_el1();
  static void enter_el1_exception(monitor::RealmCpuContext& ctx, const Stop& stop);

  // Memory map.
  RefillResult refill(uint64_t ipa);
  void drop_regions(uint64_t ipa, uint64_t size);
  const Region* region_at(uint64_t ipa) const;
  bool fetch_instruction(uint64_t address, uint32_t* insn);
  bool in_reserved_page(uint64_t address) const;

  // Stop helpers.
  void stop_trap(uint64_t pc, uint64_t esr, uint64_t far = 0, uint64_t hpfar = 0);
  void stop_el1(uint64_t esr, uint64_t return_address, std::optional<uint64_t> far);
  void stop_fatal(FatalReason reason, const char* detail);
  void stop_random_number_read(uint64_t pc, const esr::SysRegAccess& access);
  void report_abort(uint64_t address, bool is_fetch, bool is_write, const Translation& t);
  void snapshot_gprs();

  uint64_t reg(int id);
  void set_reg(int id, uint64_t value);
  uint64_t sysreg(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2);
  void set_sysreg(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2,
                  uint64_t value);

  MemorySystem& memory_;
  uc_engine* uc_ = nullptr;
  uc_context* el1_base_context_ = nullptr;
  uint8_t* trampoline_page_ = nullptr;

  std::map<uint64_t, Region> regions_;  // by first IPA
  size_t host_mappings_ = 0;
  std::optional<monitor::Stage2Config> s2_;
  uint64_t gpt_generation_ = 0;

  // Per-run state.
  Stop stop_;
  uint64_t budget_ = 0;
  uint64_t executed_ = 0;
  bool attention_ = false;       // on_code must take its slow path
  bool entering_ = false;        // the trampoline ERET has not run yet
  bool entry_pending_ = false;   // ELR_EL1/SPSR_EL1 still hold the entry values
  uint64_t pending_elr_el1_ = 0;
  uint64_t pending_spsr_el1_ = 0;
  RunInfo* info_ = nullptr;
  // Last region an instruction was fetched from (hot path of the code hook).
  uint64_t code_ipa_ = 1;
  uint64_t code_size_ = 0;
  const uint8_t* code_host_ = nullptr;
};

}  // namespace mica::vcpu
