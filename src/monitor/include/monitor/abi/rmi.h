// The Realm Management Interface (RMI 1.0) as the host sees it: function
// IDs, status codes, enumerations and the layout of the structures the host
// passes in NS granules. Shared by the monitor (src/monitor) and the host
// side (src/host); nothing here depends on how the monitor is built.
#pragma once

#include <cstdint>

#include "monitor/abi/smccc.h"

namespace mica::monitor::abi {

inline constexpr uint64_t kRmiVersion_1_0 = interface_version(1, 0);

// --- Function IDs --------------------------------------------------------------
// The command's slot in the RMI range is its function number minus 0x150.
enum class RmiCommand : uint16_t {
  kVersion = 0x150,
  kGranuleDelegate = 0x151,
  kGranuleUndelegate = 0x152,
  kDataCreate = 0x153,
  kDataCreateUnknown = 0x154,
  kDataDestroy = 0x155,
  kRealmActivate = 0x157,
  kRealmCreate = 0x158,
  kRealmDestroy = 0x159,
  kRecCreate = 0x15A,
  kRecDestroy = 0x15B,
  kRecEnter = 0x15C,
  kRttCreate = 0x15D,
  kRttDestroy = 0x15E,
  kRttMapUnprotected = 0x15F,
  kRttReadEntry = 0x161,
  kRttUnmapUnprotected = 0x162,
  kPsciComplete = 0x164,
  kFeatures = 0x165,
  kRttFold = 0x166,
  kRecAuxCount = 0x167,
  kRttInitRipas = 0x168,
  kRttSetRipas = 0x169,
};
inline constexpr uint16_t kRmiFunctionFirst = 0x150;
inline constexpr uint16_t kRmiFunctionLast = 0x169;
inline constexpr unsigned kRmiSlotCount = kRmiFunctionLast - kRmiFunctionFirst + 1;  // 26

constexpr uint64_t rmi_fid(RmiCommand command) {
  return standard_smc64_fid(static_cast<uint16_t>(command));
}

// --- Status (X0) -----------------------------------------------------------------
// X0 = status | (index << 8). Only ERROR_RTT (index = RTT level) and
// ERROR_REALM from REC_ENTER carry an index.
enum class RmiStatus : uint8_t {
  kSuccess = 0,
  kErrorInput = 1,
  kErrorRealm = 2,
  kErrorRec = 3,
  kErrorRtt = 4,
};
constexpr uint64_t rmi_status_word(RmiStatus status, uint8_t index = 0) {
  return static_cast<uint64_t>(status) | (uint64_t{index} << 8);
}
constexpr RmiStatus rmi_status_of(uint64_t x0) { return static_cast<RmiStatus>(x0 & 0xFF); }
constexpr uint8_t rmi_index_of(uint64_t x0) { return static_cast<uint8_t>((x0 >> 8) & 0xFF); }

// --- Enumerations ------------------------------------------------------------------
enum class Ripas : uint8_t { kEmpty = 0, kRam = 1, kDestroyed = 2 };
enum class RmiRttEntryState : uint8_t { kUnassigned = 0, kAssigned = 1, kTable = 2 };
enum class RmiHashAlgorithm : uint8_t { kSha256 = 0, kSha512 = 1 };
enum class RmiDataFlags : uint64_t { kNoMeasureContent = 0, kMeasureContent = 1 };
enum class RmiResponse : uint8_t { kAccept = 0, kReject = 1 };
enum class RmiPsciStatus : int64_t { kSuccess = 0, kDenied = -3 };

// --- Stage-2 geometry (4 KiB granule) ----------------------------------------------
inline constexpr int kRttPageLevel = 3;
inline constexpr int kRttMinBlockLevel = 1;
inline constexpr unsigned kRttEntriesPerTable = 512;
inline constexpr unsigned kRttMaxRootTables = 16;
constexpr unsigned rtt_level_shift(int level) {
  return static_cast<unsigned>((3 - level) * 9 + 12);
}
// Size of the IPA range one entry at `level` maps.
constexpr uint64_t rtt_map_size(int level) { return uint64_t{1} << rtt_level_shift(level); }

// --- RmiFeatureRegister0 (RMI_FEATURES index 0) ----------------------------------------
namespace feature0 {
inline constexpr unsigned kS2szShift = 0, kS2szWidth = 8;
inline constexpr unsigned kLpa2Shift = 8;
inline constexpr unsigned kSveEnShift = 9;
inline constexpr unsigned kSveVlShift = 10, kSveVlWidth = 4;
inline constexpr unsigned kNumBpsShift = 14, kNumBpsWidth = 6;
inline constexpr unsigned kNumWpsShift = 20, kNumWpsWidth = 6;
inline constexpr unsigned kPmuEnShift = 26;
inline constexpr unsigned kPmuNumCtrsShift = 27, kPmuNumCtrsWidth = 5;
inline constexpr unsigned kHashSha256Shift = 32;
inline constexpr unsigned kHashSha512Shift = 33;
inline constexpr unsigned kGicv3NumLrsShift = 34, kGicv3NumLrsWidth = 4;
inline constexpr unsigned kMaxRecsOrderShift = 38, kMaxRecsOrderWidth = 4;
}  // namespace feature0

// --- RmiRealmParams (REALM_CREATE X2), one NS granule --------------------------------
namespace realm_params {
inline constexpr uint64_t kFlags = 0x000;         // u64 RmiRealmFlags
inline constexpr uint64_t kS2sz = 0x008;          // u32 (TF-RMM width)
inline constexpr uint64_t kSveVl = 0x010;         // u32
inline constexpr uint64_t kNumBps = 0x018;        // u32
inline constexpr uint64_t kNumWps = 0x020;        // u32
inline constexpr uint64_t kPmuNumCtrs = 0x028;    // u32
inline constexpr uint64_t kHashAlgo = 0x030;      // u8 RmiHashAlgorithm
inline constexpr uint64_t kRpv = 0x400;           // 64 bytes
inline constexpr uint64_t kVmid = 0x800;          // u16
inline constexpr uint64_t kRttBase = 0x808;       // u64 PA of the first root RTT
inline constexpr uint64_t kRttLevelStart = 0x810; // s64
inline constexpr uint64_t kRttNumStart = 0x818;   // u32
inline constexpr uint64_t kRpvSize = 64;
// RmiRealmFlags
inline constexpr uint64_t kFlagLpa2 = uint64_t{1} << 0;
inline constexpr uint64_t kFlagSve = uint64_t{1} << 1;
inline constexpr uint64_t kFlagPmu = uint64_t{1} << 2;
}  // namespace realm_params

// --- RmiRecParams (REC_CREATE X3), one NS granule --------------------------------------
namespace rec_params {
inline constexpr uint64_t kFlags = 0x000;   // u64; bit 0 RUNNABLE
inline constexpr uint64_t kMpidr = 0x100;   // u64 RmiRecMpidr
inline constexpr uint64_t kPc = 0x200;      // u64
inline constexpr uint64_t kGprs = 0x300;    // 8 x u64: X0..X7
inline constexpr uint64_t kNumAux = 0x800;  // u64
inline constexpr uint64_t kAux = 0x808;     // 16 x u64 PAs
inline constexpr unsigned kGprCount = 8;
inline constexpr unsigned kMaxAux = 16;
inline constexpr uint64_t kFlagRunnable = uint64_t{1} << 0;
}  // namespace rec_params

// The number of auxiliary granules every REC takes (RMI_REC_AUX_COUNT).
inline constexpr uint64_t kRecAuxCount = 16;
// The most RECs one realm may have (RmiFeatureRegister0.MAX_RECS_ORDER = 10).
inline constexpr unsigned kMaxRecsOrder = 10;
inline constexpr uint64_t kMaxRecs = (uint64_t{1} << kMaxRecsOrder) - 1;

// --- RmiRecMpidr -----------------------------------------------------------------------
// Allowed bits: Aff0[3:0], Aff1[15:8], Aff2[23:16], Aff3[31:24].
inline constexpr uint64_t kRecMpidrValidMask = 0xFFFF'FF0F;
constexpr bool rec_mpidr_is_valid(uint64_t mpidr) { return (mpidr & ~kRecMpidrValidMask) == 0; }
// The REC index RmiRecMpidr names: RECs of a realm are numbered 0, 1, 2, ...
constexpr uint64_t rec_mpidr_to_index(uint64_t mpidr) {
  return (mpidr & 0xF) | (((mpidr >> 8) & 0xFF) << 4) | (((mpidr >> 16) & 0xFF) << 12) |
         (((mpidr >> 24) & 0xFF) << 20);
}
// The index an MPIDR_EL1-format value (Aff3 at [39:32]) names, as a realm
// passes it in PSCI calls.
constexpr uint64_t mpidr_el1_to_rec_index(uint64_t mpidr) {
  return (mpidr & 0xF) | (((mpidr >> 8) & 0xFF) << 4) | (((mpidr >> 16) & 0xFF) << 12) |
         (((mpidr >> 32) & 0xFF) << 20);
}
// VMPIDR_EL2 the realm sees: Aff0..Aff2 in place, Aff3 at [39:32], bit 31 (RES1).
constexpr uint64_t rec_mpidr_to_vmpidr(uint64_t mpidr) {
  return (mpidr & 0xFF'FFFF) | (((mpidr >> 24) & 0xFF) << 32) | (uint64_t{1} << 31);
}

// --- RmiRecRun (REC_ENTER X2), one NS granule ----------------------------------------------
namespace rec_run {
inline constexpr uint64_t kEnterFlags = 0x000;
inline constexpr uint64_t kEnterGprs = 0x200;      // 31 x u64
inline constexpr uint64_t kEnterGicv3Hcr = 0x300;
inline constexpr uint64_t kEnterGicv3Lrs = 0x308;  // 16 x u64
inline constexpr uint64_t kExit = 0x800;           // RmiRecExit starts here
inline constexpr uint64_t kExitReason = 0x800;
inline constexpr uint64_t kExitEsr = 0x900;
inline constexpr uint64_t kExitFar = 0x908;
inline constexpr uint64_t kExitHpfar = 0x910;
inline constexpr uint64_t kExitGprs = 0xA00;       // 31 x u64
inline constexpr uint64_t kExitGicv3Hcr = 0xB00;
inline constexpr uint64_t kExitGicv3Lrs = 0xB08;   // 16 x u64
inline constexpr uint64_t kExitGicv3Misr = 0xB88;
inline constexpr uint64_t kExitGicv3Vmcr = 0xB90;
inline constexpr uint64_t kExitCntpCtl = 0xC00;
inline constexpr uint64_t kExitCntpCval = 0xC08;
inline constexpr uint64_t kExitCntvCtl = 0xC10;
inline constexpr uint64_t kExitCntvCval = 0xC18;
inline constexpr uint64_t kExitRipasBase = 0xD00;
inline constexpr uint64_t kExitRipasTop = 0xD08;
inline constexpr uint64_t kExitRipasValue = 0xD10;  // u8
inline constexpr uint64_t kExitImm = 0xE00;         // u32 (TF-RMM width)
inline constexpr uint64_t kExitPmuOvfStatus = 0xF00;
inline constexpr unsigned kGprCount = 31;
inline constexpr unsigned kGicv3LrCount = 16;
// RmiRecEnterFlags
inline constexpr uint64_t kFlagEmulMmio = uint64_t{1} << 0;
inline constexpr uint64_t kFlagInjectSea = uint64_t{1} << 1;
inline constexpr uint64_t kFlagTrapWfi = uint64_t{1} << 2;
inline constexpr uint64_t kFlagTrapWfe = uint64_t{1} << 3;
inline constexpr uint64_t kFlagRipasResponse = uint64_t{1} << 4;
}  // namespace rec_run

enum class RmiRecExitReason : uint8_t {
  kSync = 0,
  kIrq = 1,
  kFiq = 2,
  kPsci = 3,
  kRipasChange = 4,
  kHostCall = 5,
  kSerror = 6,
};

}  // namespace mica::monitor::abi
