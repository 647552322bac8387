// Decoding of the few A64 instruction classes the realm CPU must understand
// itself: loads and stores (for the data-abort syndrome and fault address),
// WFI/WFE, MRS/MSR and the exception-generating instructions.
//
// Unicorn reports a faulting access with its address and size only; the
// syndrome fields hardware derives from the instruction (ISV, SAS, SSE, SRT,
// SF, AR, WnR) are recovered here from the instruction word.
#pragma once

#include <cstdint>
#include <optional>

#include "vcpu/syndrome.h"

namespace mica::vcpu::insn {

inline constexpr uint32_t kWfi = 0xD503207F;
inline constexpr uint32_t kWfe = 0xD503205F;
inline constexpr uint32_t kEret = 0xD69F03E0;

constexpr bool is_wfi(uint32_t insn) { return insn == kWfi; }
constexpr bool is_wfe(uint32_t insn) { return insn == kWfe; }

// SVC/HVC/SMC/BRK: the 16-bit immediate (bits [20:5]).
constexpr uint16_t exception_imm16(uint32_t insn) { return static_cast<uint16_t>((insn >> 5) & 0xFFFF); }

// A data access as the architecture describes it in the data-abort ISS.
struct DataAccess {
  bool is_write = false;
  // ISV: the syndrome describes the access (single general-purpose register,
  // no writeback). When false the fields below are not meaningful.
  bool syndrome_valid = false;
  unsigned sas = 0;  // log2 of the access size in bytes
  bool sse = false;  // sign-extending load
  unsigned srt = 0;  // transfer register (31 = XZR)
  bool sf = false;   // 64-bit transfer register
  bool ar = false;   // acquire/release semantics
};

// Decodes a load/store (or DC ZVA) instruction. nullopt if the word is not a
// memory access this decoder knows (the caller then reports ISV = 0).
std::optional<DataAccess> decode_data_access(uint32_t insn);

// Data-abort ISS bits derived from the instruction (ISV, SAS, SSE, SRT, SF,
// AR, WnR); the caller adds the fault status code. `is_write` is what the
// memory system observed, used when the instruction is not decodable.
uint64_t data_abort_iss(std::optional<DataAccess> access, bool is_write);

// Register file needed to compute an effective address.
struct AddressRegs {
  const uint64_t* x;  // x[0..30]
  uint64_t sp;        // the stack pointer selected at the time of the access
  uint64_t pc;        // address of the instruction
};

// The first address the instruction accesses (before any writeback), for the
// load/store classes decode_data_access knows. nullopt otherwise.
std::optional<uint64_t> effective_address(uint32_t insn, const AddressRegs& regs);

// MRS / MSR (register) with op0 = 2 or 3.
std::optional<esr::SysRegAccess> decode_sysreg_access(uint32_t insn);

}  // namespace mica::vcpu::insn
