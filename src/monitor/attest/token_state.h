// The attestation token a REC has in progress (RMM 1.0 facts §8.5-8.6),
// kept in the REC's auxiliary granules. Only the REC reaches them (lock
// class 3 in monitor/granule_table.h) and nobody else may touch them while
// the REC runs, so a token costs the monitor no memory of its own, and each
// REC of a realm has its own token.
//
//   aux[kAuxState]          TokenState: phase, sizes, the claims INIT encoded
//   aux[kAuxScratch]        the Sig_structure while signing, then the realm token
//   aux[kAuxPlatformToken]  the platform token, as the platform copied it
//   aux[kAuxCcaToken]       the CCA token CONTINUE hands out
//
// Aux granules start as zeros (DELEGATED granules are zero), which is the
// idle state; REC_DESTROY zeroes them again.
//
// Locking: the handlers take these locks after the RD and the RTT walk
// (class 3 of the lock order), never before, and in the order of the
// indices below. Only the running REC's own handlers take them, so no other
// thread ever waits for one.
#pragma once

#include <cstddef>
#include <cstdint>

#include "monitor/abi/rmi.h"
#include "monitor/types.h"

namespace mica::monitor::attest {

inline constexpr unsigned kAuxState = 0;
inline constexpr unsigned kAuxScratch = 1;
inline constexpr unsigned kAuxPlatformToken = 2;
inline constexpr unsigned kAuxCcaToken = 3;
inline constexpr unsigned kAuxCount = 4;
static_assert(abi::kRecAuxCount >= kAuxCount, "every REC has the aux granules its token needs");

// RSI_ATTEST_TOKEN_INIT's X1: the most bytes a token can take (TF-RMM's
// RMM_CCA_TOKEN_BUFFER of one page).
inline constexpr size_t kCcaTokenCapacity = kGranuleSize;
// The realm claims: about 480 bytes with SHA-256 measurements, 640 with
// SHA-512, plus at most 160 for the Mica claims; room to spare.
inline constexpr size_t kClaimsCapacity = 2048;
// The largest RAK public key encoding accepted from the platform (a P-384
// COSE_Key is 107 bytes; P-521 would be 143).
inline constexpr size_t kRakCapacity = 160;

enum class TokenPhase : uint8_t {
  kIdle = 0,    // no token: CONTINUE gives ERROR_STATE
  kClaims = 1,  // INIT encoded the claims; the next CONTINUE signs and assembles
  kReady = 2,   // the CCA token is complete; CONTINUE copies it out
};

struct TokenState {
  TokenPhase phase;
  uint8_t reserved[7];
  uint64_t claims_size;  // bytes of `claims` in use
  uint64_t token_size;   // kReady: bytes of the CCA token in aux[kAuxCcaToken]
  uint64_t copied;       // kReady: bytes already handed to the realm
  uint8_t claims[kClaimsCapacity];

  void reset() {
    phase = TokenPhase::kIdle;
    claims_size = 0;
    token_size = 0;
    copied = 0;
  }
};
static_assert(sizeof(TokenState) <= kGranuleSize);

}  // namespace mica::monitor::attest
