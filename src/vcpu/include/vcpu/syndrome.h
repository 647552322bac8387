// Exception syndrome values (ESR_ELx) as the realm CPU produces them.
//
// One place for the bit layouts of the syndromes this CPU reports to EL2
// (RealmTrap::esr_el2) and injects into the realm's own EL1 (ESR_EL1), so
// that nothing else re-derives them with masks.
#pragma once

#include <cstdint>

namespace mica::vcpu::esr {

// Exception classes (ESR_ELx.EC, bits [31:26]).
enum class Ec : uint8_t {
  kUnknown = 0x00,
  kWfx = 0x01,
  kIllegalState = 0x0E,
  kSvc64 = 0x15,
  kHvc64 = 0x16,
  kSmc64 = 0x17,
  kSysReg = 0x18,
  kInstructionAbortLowerEl = 0x20,
  kInstructionAbortSameEl = 0x21,
  kPcAlignment = 0x22,
  kDataAbortLowerEl = 0x24,
  kDataAbortSameEl = 0x25,
  kBrk64 = 0x3C,
};

inline constexpr unsigned kEcShift = 26;
inline constexpr uint64_t kIl = uint64_t{1} << 25;  // 32-bit instruction
inline constexpr uint64_t kIssMask = (uint64_t{1} << 25) - 1;

constexpr uint64_t make(Ec ec, uint64_t iss) {
  return (uint64_t{static_cast<uint8_t>(ec)} << kEcShift) | kIl | (iss & kIssMask);
}
constexpr Ec ec_of(uint64_t esr) { return static_cast<Ec>((esr >> kEcShift) & 0x3F); }
constexpr uint64_t iss_of(uint64_t esr) { return esr & kIssMask; }

// --- Fault status codes (DFSC / IFSC, ISS[5:0]) ------------------------------------
constexpr uint8_t translation_fault(int level) { return static_cast<uint8_t>(0x04 + level); }
constexpr uint8_t access_flag_fault(int level) { return static_cast<uint8_t>(0x08 + level); }
constexpr uint8_t permission_fault(int level) { return static_cast<uint8_t>(0x0C + level); }
constexpr uint8_t address_size_fault(int level) { return static_cast<uint8_t>(0x00 + level); }
inline constexpr uint8_t kSyncExternalAbort = 0x10;
constexpr uint8_t sync_external_abort_on_walk(int level) { return static_cast<uint8_t>(0x14 + level); }
inline constexpr uint8_t kAlignmentFault = 0x21;
// FEAT_RME: granule protection fault on the access itself / on a table walk.
inline constexpr uint8_t kGranuleProtectionFault = 0x28;
constexpr uint8_t gpf_on_walk(int level) { return static_cast<uint8_t>(0x24 + level); }

// --- Data abort ISS (EC 0x24/0x25) -----------------------------------------------------
namespace dabt {
inline constexpr uint64_t kIsv = uint64_t{1} << 24;
inline constexpr unsigned kSasShift = 22;  // access size: 0 byte .. 3 doubleword
inline constexpr uint64_t kSse = uint64_t{1} << 21;  // sign-extended load
inline constexpr unsigned kSrtShift = 16;  // register transferred
inline constexpr uint64_t kSf = uint64_t{1} << 15;   // 64-bit register
inline constexpr uint64_t kAr = uint64_t{1} << 14;   // acquire/release
inline constexpr uint64_t kCm = uint64_t{1} << 8;    // cache maintenance
inline constexpr uint64_t kWnR = uint64_t{1} << 6;   // write, not read
inline constexpr uint64_t kFscMask = 0x3F;
}  // namespace dabt

// --- WFx ISS (EC 0x01) ------------------------------------------------------------------
namespace wfx {
inline constexpr uint64_t kCv = uint64_t{1} << 24;
inline constexpr uint64_t kCondAlways = uint64_t{0xE} << 20;
inline constexpr uint64_t kTiWfi = 0;
inline constexpr uint64_t kTiWfe = 1;
}  // namespace wfx

// --- MSR/MRS ISS (EC 0x18) --------------------------------------------------------------
struct SysRegAccess {
  unsigned op0, op1, crn, crm, op2, rt;
  bool is_read;
};
constexpr uint64_t sysreg_iss(const SysRegAccess& a) {
  return (uint64_t{a.op0} << 20) | (uint64_t{a.op2} << 17) | (uint64_t{a.op1} << 14) |
         (uint64_t{a.crn} << 10) | (uint64_t{a.rt} << 5) | (uint64_t{a.crm} << 1) |
         (a.is_read ? 1u : 0u);
}

// HPFAR_EL2.FIPA holds IPA[55:12] in bits [47:4].
constexpr uint64_t hpfar_for_ipa(uint64_t ipa) { return (ipa >> 8) & 0x0000'FFFF'FFFF'FFF0ull; }

}  // namespace mica::vcpu::esr
