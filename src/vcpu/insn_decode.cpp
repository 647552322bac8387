#include "vcpu/insn_decode.h"

namespace mica::vcpu::insn {
namespace {

constexpr uint32_t bits(uint32_t insn, unsigned hi, unsigned lo) {
  return (insn >> lo) & ((uint32_t{1} << (hi - lo + 1)) - 1);
}
constexpr bool bit(uint32_t insn, unsigned n) { return ((insn >> n) & 1) != 0; }

constexpr int64_t sign_extend(uint64_t value, unsigned width) {
  const uint64_t sign = uint64_t{1} << (width - 1);
  return static_cast<int64_t>((value ^ sign) - sign);
}

// Instruction classes (A64 "Loads and Stores" encoding group).
enum class LdstClass {
  kOther,
  kExclusiveOrOrdered,  // size 001000 ...
  kLiteral,             // LDR (literal)
  kPair,                // LDP/STP/LDNP/STNP
  kUnscaledImm,         // LDUR/STUR
  kPostIndex,
  kUnprivileged,        // LDTR/STTR
  kPreIndex,
  kRegisterOffset,
  kUnsignedImm,
  kSimdStructure,       // LD1..LD4 / ST1..ST4
  kDcZva,
};

LdstClass classify(uint32_t insn) {
  if ((insn & 0xFFFFFFE0) == 0xD50B7420) return LdstClass::kDcZva;
  if ((insn & 0x3F000000) == 0x08000000) return LdstClass::kExclusiveOrOrdered;
  if ((insn & 0x3B000000) == 0x18000000) return LdstClass::kLiteral;
  if ((insn & 0x3A000000) == 0x28000000) return LdstClass::kPair;
  if ((insn & 0x3B000000) == 0x39000000) return LdstClass::kUnsignedImm;
  if ((insn & 0x3B200000) == 0x38000000) {
    switch (bits(insn, 11, 10)) {
      case 0: return LdstClass::kUnscaledImm;
      case 1: return LdstClass::kPostIndex;
      case 2: return LdstClass::kUnprivileged;
      default: return LdstClass::kPreIndex;
    }
  }
  if ((insn & 0x3B200C00) == 0x38200800) return LdstClass::kRegisterOffset;
  if ((insn & 0xBE000000) == 0x0C000000) return LdstClass::kSimdStructure;
  return LdstClass::kOther;
}

// The single-register general-purpose load/store forms (size:opc) shared by
// the immediate, register-offset and unprivileged classes.
std::optional<DataAccess> decode_gpr_single(uint32_t insn, bool writeback) {
  const unsigned size = bits(insn, 31, 30);
  const unsigned opc = bits(insn, 23, 22);
  DataAccess access;
  access.sas = size;
  access.srt = bits(insn, 4, 0);
  switch (opc) {
    case 0:  // store
      access.is_write = true;
      access.sf = size == 3;
      break;
    case 1:  // load, zero-extending
      access.sf = size == 3;
      break;
    case 2:  // size 3: PRFM (never faults); else load signed into X
      if (size == 3) return std::nullopt;
      access.sse = true;
      access.sf = true;
      break;
    default:  // load signed into W (sizes 0, 1); others unallocated
      if (size >= 2) return std::nullopt;
      access.sse = true;
      access.sf = false;
      break;
  }
  access.syndrome_valid = !writeback;
  return access;
}

// Access size in bytes of a SIMD&FP single-register load/store.
unsigned simd_scale(uint32_t insn) {
  return bits(insn, 31, 30) + (bit(insn, 23) ? 4 : 0);
}

uint64_t base_register(const AddressRegs& regs, unsigned n) { return n == 31 ? regs.sp : regs.x[n]; }
uint64_t zr_register(const AddressRegs& regs, unsigned n) { return n == 31 ? 0 : regs.x[n]; }

}  // namespace

std::optional<DataAccess> decode_data_access(uint32_t insn) {
  switch (classify(insn)) {
    case LdstClass::kDcZva: {
      DataAccess access;
      access.is_write = true;
      return access;
    }
    case LdstClass::kExclusiveOrOrdered: {
      DataAccess access;
      access.is_write = !bit(insn, 22);
      const bool ordered = bit(insn, 23) && !bit(insn, 21);
      if (ordered) {  // LDAR/STLR (and LDLAR/STLLR): single register, no writeback
        access.syndrome_valid = true;
        access.sas = bits(insn, 31, 30);
        access.srt = bits(insn, 4, 0);
        access.sf = access.sas == 3;
        access.ar = true;
      }
      return access;
    }
    case LdstClass::kLiteral: {
      if (bit(insn, 26)) {
        DataAccess access;  // SIMD&FP literal load: ISV = 0
        return access;
      }
      DataAccess access;
      access.srt = bits(insn, 4, 0);
      access.syndrome_valid = true;
      switch (bits(insn, 31, 30)) {
        case 0: access.sas = 2; break;
        case 1: access.sas = 3; access.sf = true; break;
        case 2: access.sas = 2; access.sse = true; access.sf = true; break;
        default: return std::nullopt;  // PRFM (literal)
      }
      return access;
    }
    case LdstClass::kPair:
    case LdstClass::kSimdStructure: {
      DataAccess access;
      access.is_write = !bit(insn, 22);
      return access;
    }
    case LdstClass::kUnscaledImm:
    case LdstClass::kUnprivileged:
    case LdstClass::kRegisterOffset:
    case LdstClass::kUnsignedImm:
    case LdstClass::kPostIndex:
    case LdstClass::kPreIndex: {
      const bool writeback = classify(insn) == LdstClass::kPostIndex ||
                             classify(insn) == LdstClass::kPreIndex;
      if (bit(insn, 26)) {  // SIMD&FP register: ISV = 0
        DataAccess access;
        access.is_write = !bit(insn, 22);
        return access;
      }
      return decode_gpr_single(insn, writeback);
    }
    case LdstClass::kOther:
      break;
  }
  return std::nullopt;
}

uint64_t data_abort_iss(std::optional<DataAccess> access, bool is_write) {
  uint64_t iss = is_write ? esr::dabt::kWnR : 0;
  if (access && access->syndrome_valid) {
    iss |= esr::dabt::kIsv | (uint64_t{access->sas} << esr::dabt::kSasShift) |
           (uint64_t{access->srt} << esr::dabt::kSrtShift);
    if (access->sse) iss |= esr::dabt::kSse;
    if (access->sf) iss |= esr::dabt::kSf;
    if (access->ar) iss |= esr::dabt::kAr;
  }
  return iss;
}

std::optional<uint64_t> effective_address(uint32_t insn, const AddressRegs& regs) {
  const unsigned rn = bits(insn, 9, 5);
  switch (classify(insn)) {
    case LdstClass::kDcZva:
      return zr_register(regs, bits(insn, 4, 0));
    case LdstClass::kExclusiveOrOrdered:
    case LdstClass::kSimdStructure:
      return base_register(regs, rn);
    case LdstClass::kLiteral:
      return regs.pc + static_cast<uint64_t>(sign_extend(bits(insn, 23, 5), 19) * 4);
    case LdstClass::kPair: {
      const unsigned opc = bits(insn, 31, 30);
      const unsigned scale = bit(insn, 26) ? 2 + opc : (opc == 2 ? 3 : 2);
      const int64_t offset = sign_extend(bits(insn, 21, 15), 7) * (int64_t{1} << scale);
      const bool post_index = bits(insn, 24, 23) == 1;
      return base_register(regs, rn) + (post_index ? 0 : static_cast<uint64_t>(offset));
    }
    case LdstClass::kUnscaledImm:
    case LdstClass::kUnprivileged:
    case LdstClass::kPreIndex:
      return base_register(regs, rn) + static_cast<uint64_t>(sign_extend(bits(insn, 20, 12), 9));
    case LdstClass::kPostIndex:
      return base_register(regs, rn);
    case LdstClass::kUnsignedImm: {
      const unsigned scale = bit(insn, 26) ? simd_scale(insn) : bits(insn, 31, 30);
      return base_register(regs, rn) + (uint64_t{bits(insn, 21, 10)} << scale);
    }
    case LdstClass::kRegisterOffset: {
      const unsigned scale = bit(insn, 26) ? simd_scale(insn) : bits(insn, 31, 30);
      const unsigned option = bits(insn, 15, 13);
      uint64_t index = zr_register(regs, bits(insn, 20, 16));
      switch (option) {
        case 2: index = static_cast<uint32_t>(index); break;                                    // UXTW
        case 6: index = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(index))); break;  // SXTW
        default: break;                                                                         // LSL / SXTX
      }
      const unsigned shift = bit(insn, 12) ? scale : 0;
      return base_register(regs, rn) + (index << shift);
    }
    case LdstClass::kOther:
      break;
  }
  return std::nullopt;
}

std::optional<esr::SysRegAccess> decode_sysreg_access(uint32_t insn) {
  if ((insn & 0xFFD00000) != 0xD5100000) return std::nullopt;
  esr::SysRegAccess access{};
  access.is_read = bit(insn, 21);
  access.op0 = bits(insn, 20, 19);
  access.op1 = bits(insn, 18, 16);
  access.crn = bits(insn, 15, 12);
  access.crm = bits(insn, 11, 8);
  access.op2 = bits(insn, 7, 5);
  access.rt = bits(insn, 4, 0);
  return access;
}

}  // namespace mica::vcpu::insn
