// The Mica extension's ABI: the RMI commands a host issues and the RSI
// commands a bound realm issues, their function IDs, argument layouts and
// result codes (docs/abi.md describes each one with its error priority).
// Shared by the monitor, the host side and tests; the realm SDK mirrors the
// RSI part in C (realm-sdk/include/mica/mica_abi.h).
#pragma once

#include <cstdint>

#include "monitor/abi/smccc.h"

namespace mica::monitor::abi {

// --- Function IDs ----------------------------------------------------------------------
// Both ranges are in the SMCCC SiP service (owning entity 2), which SMCCC
// leaves to implementations: RMI 0xC2000F00..0xC2000F3F, RSI 0xC2000F40..0xC2000F5F.
inline constexpr uint32_t kOwnerSipService = 2;
inline constexpr uint32_t kSipSmc64Prefix = kFidFastCall | kFidSmc64 | (kOwnerSipService << kFidOwnerShift);

enum class MicaRmiCommand : uint16_t {
  kVersion = 0xF00,
  kWorkflowAuxCount = 0xF01,
  kWorkflowCreate = 0xF02,
  kWorkflowDestroy = 0xF03,
  kRealmBind = 0xF04,
  kShareCreate = 0xF05,
  kShareDestroy = 0xF06,
  kShareMap = 0xF07,
  kShareUnmap = 0xF08,
};
inline constexpr uint16_t kMicaRmiFunctionFirst = 0xF00;
inline constexpr uint16_t kMicaRmiFunctionLast = 0xF3F;
inline constexpr unsigned kMicaRmiSlotCount = kMicaRmiFunctionLast - kMicaRmiFunctionFirst + 1;  // 64

constexpr uint64_t mica_rmi_fid(MicaRmiCommand command) {
  return kSipSmc64Prefix | static_cast<uint16_t>(command);
}

enum class MicaRsiCommand : uint16_t {
  kVersion = 0xF40,
  kWorkflowInfo = 0xF41,
  kPeerInfo = 0xF42,
  kChannelInfo = 0xF43,
  kGateWait = 0xF44,
  kGateCall = 0xF45,
  kGateReply = 0xF46,
};
inline constexpr uint16_t kMicaRsiFunctionFirst = 0xF40;
inline constexpr uint16_t kMicaRsiFunctionLast = 0xF5F;
inline constexpr unsigned kMicaRsiSlotCount = kMicaRsiFunctionLast - kMicaRsiFunctionFirst + 1;  // 32

constexpr uint64_t mica_rsi_fid(MicaRsiCommand command) {
  return kSipSmc64Prefix | static_cast<uint16_t>(command);
}

// MICA_VERSION (RMI) and MICA_RSI_VERSION: (major << 16) | minor.
inline constexpr uint64_t kMicaVersion_1_0 = interface_version(1, 0);

// --- Workflows ---------------------------------------------------------------------------
// A workflow is one WORKFLOW granule (its descriptor) plus this many
// WORKFLOW_AUX granules holding the decoded policy (MICA_WORKFLOW_AUX_COUNT).
inline constexpr uint64_t kWorkflowAuxCount = 14;
// The longest compiled policy MICA_WORKFLOW_CREATE accepts, in bytes.
inline constexpr uint64_t kMaxPolicyBytes = 192 * 1024;
// At most this many workflows exist at once.
inline constexpr uint64_t kMaxWorkflows = 127;

// MicaWorkflowParams (MICA_WORKFLOW_CREATE X2), one NS granule.
namespace workflow_params {
inline constexpr uint64_t kPolicySize = 0x000;  // u64: bytes of canonical CBOR, 1..kMaxPolicyBytes
inline constexpr uint64_t kNumSources = 0x008;  // u64: NS granules holding them, ceil(size / 4 KiB)
inline constexpr uint64_t kNumAux = 0x010;      // u64: must equal kWorkflowAuxCount
inline constexpr uint64_t kAux = 0x100;         // 16 x u64: PAs of DELEGATED granules
inline constexpr uint64_t kSources = 0x200;     // 48 x u64: PAs of NS granules, in policy order
inline constexpr unsigned kMaxAux = 16;
inline constexpr unsigned kMaxSources = 48;
}  // namespace workflow_params

// MICA_WORKFLOW_CREATE refused with ERROR_INPUT: X1 says why when the policy
// itself (not an address or a granule state) was the problem, X2 the byte
// offset in the policy where the decoder stopped.
enum class MicaPolicyError : uint8_t {
  kNone = 0,           // not a policy problem (X1 = 0): see the status priority
  kTooLarge = 1,
  kCbor = 2,
  kSchema = 3,
  kCapacity = 4,
  kOutOfRange = 5,
  kBadName = 6,
  kNotSorted = 7,
  kDuplicate = 8,
  kBadReference = 9,
  kNoWorkflowSlot = 0x20,  // kMaxWorkflows workflows exist already
  kNoEntropy = 0x21,       // the platform gave no entropy for the instance id
};

// --- Shared protected memory -------------------------------------------------------------
// MICA_SHARE_MAP X4.
inline constexpr uint64_t kShareMapWrite = uint64_t{1} << 0;
inline constexpr uint64_t kShareMapFlagsMask = kShareMapWrite;

// --- RSI results -------------------------------------------------------------------------
// X0 of every Mica RSI call is an RsiStatus (monitor/abi/rsi.h).
inline constexpr unsigned kGateWords = 6;  // arguments of a call, results of a reply

// MICA_PEER_INFO X1.
enum class MicaPeerState : uint8_t {
  kUnbound = 0,  // no realm is bound to that component now
  kNew = 1,
  kActive = 2,
  kSystemOff = 3,
};

// MICA_CHANNEL_INFO X3.
inline constexpr uint64_t kChannelRead = uint64_t{1} << 0;
inline constexpr uint64_t kChannelWrite = uint64_t{1} << 1;

// X1 of a gate call that failed with RSI_ERROR_STATE.
enum class MicaGateError : uint8_t {
  kNone = 0,
  kCalleeUnbound = 1,     // no realm is bound to the callee component
  kCalleeNotActive = 2,   // its realm is NEW or SYSTEM_OFF
  kCalleeNotWaiting = 3,  // no REC of it waits on its gate now (or it is being run)
  kAborted = 4,           // the callee REC or realm went away during the call
  kNested = 5,            // a REC serving a call cannot call, wait or be called
  kNotServing = 6,        // MICA_GATE_REPLY from a REC that serves no call
  kCallerBusy = 7,        // MICA_GATE_WAIT from a REC that is in a call
};

}  // namespace mica::monitor::abi
