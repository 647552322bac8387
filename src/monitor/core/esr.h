// Bit layouts of the EL2 syndrome registers (ESR_EL2, HPFAR_EL2) and of
// SPSR/PSTATE as the monitor reads them from a realm trap, and of the ESR_EL1
// values it injects. Declared once here; nothing else re-derives them.
#pragma once

#include <cstdint>

namespace mica::monitor::esr {

// A field of a 64-bit register: bits [lsb + width - 1 : lsb].
struct Field {
  unsigned lsb;
  unsigned width;
  constexpr uint64_t mask() const { return ((uint64_t{1} << width) - 1) << lsb; }
  constexpr uint64_t get(uint64_t raw) const { return (raw & mask()) >> lsb; }
  constexpr uint64_t put(uint64_t value) const { return (value << lsb) & mask(); }
};

// --- Common to every ESR ---------------------------------------------------------
inline constexpr Field kEc{26, 6};
inline constexpr Field kIl{25, 1};  // 32-bit instruction

enum class Ec : uint8_t {
  kUnknown = 0x00,
  kWfx = 0x01,
  kHvc64 = 0x16,
  kSmc64 = 0x17,
  kSysReg = 0x18,
  kInstructionAbortLowerEl = 0x20,
  kInstructionAbortSameEl = 0x21,
  kDataAbortLowerEl = 0x24,
  kDataAbortSameEl = 0x25,
};
constexpr Ec ec_of(uint64_t esr) { return static_cast<Ec>(kEc.get(esr)); }
constexpr uint64_t ec_bits(Ec ec) { return kEc.put(static_cast<uint8_t>(ec)); }

// --- Instruction and data aborts (EC 0x20, 0x24) ------------------------------------
namespace abort {
inline constexpr Field kIsv{24, 1};   // the syndrome describes the access
inline constexpr Field kSas{22, 2};   // access size: 1 << SAS bytes
inline constexpr Field kSse{21, 1};   // sign-extending load
inline constexpr Field kSrt{16, 5};   // transfer register (31 = XZR)
inline constexpr Field kSf{15, 1};    // 64-bit transfer register
inline constexpr Field kAr{14, 1};
inline constexpr Field kSet{11, 2};   // synchronous error type
inline constexpr Field kFnv{10, 1};   // FAR not valid
inline constexpr Field kEa{9, 1};     // external abort type
inline constexpr Field kS1ptw{7, 1};
inline constexpr Field kWnr{6, 1};    // write, not read
inline constexpr Field kFsc{0, 6};    // fault status code

// Fault status codes.
inline constexpr uint64_t kFscTranslationFaultLevel0 = 0x04;  // + level (0..3)
inline constexpr uint64_t kFscTypeMask = 0x3C;                // the FSC without its level
inline constexpr uint64_t kFscSyncExternalAbort = 0x10;
// Synchronous external abort on a translation table walk, levels 0..3 (0x14..0x17),
// and 0x13 (level -1 with FEAT_LPA2).
inline constexpr uint64_t kFscSeaOnWalkFirst = 0x13;
inline constexpr uint64_t kFscSeaOnWalkLast = 0x17;
constexpr bool is_external_abort(uint64_t fsc) {
  return fsc == kFscSyncExternalAbort || (fsc >= kFscSeaOnWalkFirst && fsc <= kFscSeaOnWalkLast);
}

// SET values for a synchronous external abort.
inline constexpr uint64_t kSetRecoverable = 0b00;     // UER: the realm can be told
inline constexpr uint64_t kSetUncontainable = 0b10;   // UC
inline constexpr uint64_t kSetRestartable = 0b11;     // UEO

// What the host is shown of an abort it may emulate (outside the PAR):
// SRT, SSE and AR stay hidden, as they describe the realm's registers.
inline constexpr uint64_t kEmulatableMask = kEc.mask() | kIsv.mask() | kSas.mask() | kSf.mask() |
                                            kSet.mask() | kFnv.mask() | kEa.mask() | kWnr.mask() |
                                            kFsc.mask();
// What the host is shown of any other abort: where and what kind, not how.
inline constexpr uint64_t kNonEmulatableMask =
    kEc.mask() | kSet.mask() | kFnv.mask() | kEa.mask() | kFsc.mask();

// The bytes an access of this syndrome transfers, as a value mask.
constexpr uint64_t access_mask(uint64_t esr) {
  const uint64_t bytes = uint64_t{1} << kSas.get(esr);
  return bytes == 8 ? ~uint64_t{0} : (uint64_t{1} << (bytes * 8)) - 1;
}
}  // namespace abort

// --- WFI / WFE (EC 0x01) ------------------------------------------------------------
namespace wfx {
inline constexpr Field kTi{0, 1};  // 0 WFI, 1 WFE
}

// --- MSR / MRS / system instruction traps (EC 0x18) ------------------------------------
namespace sysreg {
inline constexpr Field kOp0{20, 2};
inline constexpr Field kOp2{17, 3};
inline constexpr Field kOp1{14, 3};
inline constexpr Field kCrn{10, 4};
inline constexpr Field kRt{5, 5};
inline constexpr Field kCrm{1, 4};
inline constexpr Field kDirection{0, 1};  // 1 = read (MRS)
constexpr bool is_read(uint64_t esr) { return kDirection.get(esr) != 0; }
}  // namespace sysreg

// --- HPFAR_EL2 --------------------------------------------------------------------------
// FIPA holds IPA[51:12] in bits [43:4].
inline constexpr Field kHpfarFipa{4, 40};
inline constexpr unsigned kHpfarFipaToIpaShift = 8;
constexpr uint64_t ipa_of_hpfar(uint64_t hpfar) { return (hpfar & kHpfarFipa.mask()) << kHpfarFipaToIpaShift; }

}  // namespace mica::monitor::esr

namespace mica::monitor::pstate {

// SPSR_ELx / saved PSTATE of an AArch64 exception level.
inline constexpr esr::Field kMode{0, 4};   // M[3:0]
inline constexpr esr::Field kNrw{4, 1};    // 1 = AArch32
inline constexpr esr::Field kDaif{6, 4};
inline constexpr uint64_t kModeEl0t = 0b0000;
inline constexpr uint64_t kModeEl1t = 0b0100;
inline constexpr uint64_t kModeEl1h = 0b0101;

constexpr bool is_aarch32(uint64_t spsr) { return kNrw.get(spsr) != 0; }
// EL0t, or AArch32 User mode (M[3:0] = 0b0000 as well).
constexpr bool from_el0(uint64_t spsr) { return kMode.get(spsr) == kModeEl0t; }

}  // namespace mica::monitor::pstate
