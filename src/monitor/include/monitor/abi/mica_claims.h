// Claim keys Mica adds to the CCA realm token (see docs/attestation.md).
//
// Shared by the monitor, which encodes them, and the verifier, which checks
// them. Freestanding: integers only.
//
// The keys are in the CWT/EAT claim registry's Private Use range (integers
// below -65536, RFC 8392 §9.1), so no registered claim can ever take them,
// and away from the block -75000..-75010 that the first PSA tokens used. As
// negative integers with argument 0x4D4943nn, each key is encoded as
// 3A 4D 49 43 nn: the ASCII letters "MIC" are visible in a hex dump.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mica::monitor::abi {

// CBOR major type 1 argument of the first Mica claim key; key = -1 - argument.
inline constexpr uint32_t kMicaClaimArgumentBase = 0x4D494300;

constexpr int64_t mica_claim_key(uint32_t index) {
  return -1 - static_cast<int64_t>(kMicaClaimArgumentBase + index);
}

// bstr .size 32: SHA-256 of the compiled policy's canonical encoding.
inline constexpr int64_t kClaimPolicyDigest = mica_claim_key(0);          // -1296646913
// bstr .size 32: the workflow instance id the monitor drew at WORKFLOW_CREATE.
inline constexpr int64_t kClaimWorkflowInstanceId = mica_claim_key(1);    // -1296646914
// uint: the index of the component (realm) in the policy this realm is bound to.
inline constexpr int64_t kClaimComponentIndex = mica_claim_key(2);        // -1296646915
// tstr: that component's name as written in the policy.
inline constexpr int64_t kClaimComponentName = mica_claim_key(3);         // -1296646916

inline constexpr size_t kPolicyDigestSize = 32;
inline constexpr size_t kWorkflowInstanceIdSize = 32;

static_assert(kClaimPolicyDigest == -1296646913, "claim keys are part of the token format");
static_assert(kClaimComponentName < -65536, "Mica claim keys must stay in the Private Use range");

}  // namespace mica::monitor::abi
