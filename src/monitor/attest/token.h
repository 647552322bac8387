// The CCA attestation token as the monitor encodes it (RMM 1.0 facts §8,
// docs/attestation.md §1 and §4): the realm claims, the realm token (a
// COSE_Sign1 signed ES384 with the realm attestation key) and the collection
// that carries it together with the platform token.
//
// Pure encoders over caller-supplied buffers: no heap, no locks, no platform.
// Everything is CBOR with definite lengths and shortest heads, map entries
// in the order TF-RMM emits them (not sorted: this is not canonical CBOR).
#pragma once

#include <cstddef>
#include <cstdint>

#include "monitor/mica_extension.h"
#include "monitor/platform.h"
#include "monitor/types.h"

namespace mica::monitor::attest {

// --- Keys and fixed values (RMM 1.0 facts §8.1-8.2) ------------------------------------
// The collection: the legacy form TF-RMM 1.0 emits, tag 399 over a map of
// byte strings. (Veraison's later tag-907 form wraps each entry in a CMW
// array; verifiers accept both, and a realm written against RMM 1.0 expects
// this one.)
inline constexpr uint64_t kTagCcaCollection = 399;
inline constexpr uint64_t kKeyPlatformToken = 44234;
inline constexpr uint64_t kKeyRealmToken = 44241;

inline constexpr uint64_t kTagCoseSign1 = 18;
inline constexpr int64_t kCoseHeaderAlg = 1;
inline constexpr int64_t kCoseAlgEs384 = -35;
inline constexpr char kSigStructureContext[] = "Signature1";

inline constexpr uint64_t kClaimChallenge = 10;
inline constexpr uint64_t kClaimPersonalizationValue = 44235;
inline constexpr uint64_t kClaimRak = 44237;
inline constexpr uint64_t kClaimHashAlgo = 44236;
inline constexpr uint64_t kClaimRakHashAlgo = 44240;
inline constexpr uint64_t kClaimProfile = 265;
inline constexpr uint64_t kClaimRim = 44238;
inline constexpr uint64_t kClaimRems = 44239;
inline constexpr char kRealmProfile[] = "tag:arm.com,2023:realm#1.0.0";
// The platform token's challenge is SHA-256 of the RAK's COSE_Key.
inline constexpr char kRakHashAlgo[] = "sha-256";

inline constexpr size_t kChallengeSize = 64;
inline constexpr size_t kRpvSize = 64;
inline constexpr size_t kRemCount = 4;

// What one realm token says. Pointers into the caller's (locked) data.
struct RealmClaims {
  const uint8_t* challenge = nullptr;  // kChallengeSize bytes
  const uint8_t* rpv = nullptr;        // kRpvSize bytes
  const uint8_t* rak = nullptr;        // the RAK's COSE_Key encoding
  size_t rak_size = 0;
  HashAlgo hash_algo = HashAlgo::kSha256;
  const uint8_t* rim = nullptr;        // hash_size(hash_algo) bytes
  const uint8_t* rems[kRemCount] = {};
  const MicaClaims* mica = nullptr;    // null: the realm is not bound to a workflow
};

// Each encoder returns the size of the encoding, or 0 when it does not fit
// in `capacity` (nothing useful is in `out` then).

// The realm claims map: the eight RMM 1.0 claims, then -- for a bound realm --
// the four Mica claims under the keys of monitor/abi/mica_claims.h.
size_t encode_realm_claims(const RealmClaims& claims, uint8_t* out, size_t capacity);

// COSE Sig_structure ["Signature1", protected, h'', payload]: the bytes the
// RAK signs (RFC 9052 §4.4), with protected = {1: -35} (ES384).
size_t encode_sig_structure(const uint8_t* payload, size_t payload_size, uint8_t* out, size_t capacity);

// The realm token: #6.18([protected, {}, payload, signature]).
size_t encode_realm_token(const uint8_t* payload, size_t payload_size, const uint8_t* signature,
                          uint8_t* out, size_t capacity);

// The CCA token: #6.399({44234: platform token, 44241: realm token}).
size_t encode_cca_token(const uint8_t* platform_token, size_t platform_size, const uint8_t* realm_token,
                        size_t realm_size, uint8_t* out, size_t capacity);

}  // namespace mica::monitor::attest
