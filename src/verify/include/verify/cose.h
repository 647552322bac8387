// COSE_Sign1 (RFC 9052 §4.2) with the ECDSA algorithms CCA tokens use.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "verify/cbor.h"
#include "verify/crypto.h"
#include "verify/result.h"

namespace mica::verify::cose {

inline constexpr uint64_t kTagSign1 = 18;
inline constexpr int64_t kHeaderAlg = 1;
inline constexpr int64_t kHeaderCrit = 2;
inline constexpr int64_t kHeaderContentType = 3;
inline constexpr int64_t kHeaderKid = 4;

// COSE algorithm identifiers (RFC 9053 §2.1).
inline constexpr int64_t kEs256 = -7;
inline constexpr int64_t kEs384 = -35;
inline constexpr int64_t kEs512 = -36;

struct Algorithm {
  int64_t id;
  const char* name;  // "ES256"
  Curve curve;       // the curve a key for it must be on
  HashAlg hash;
};
std::optional<Algorithm> algorithm(int64_t id);
// "ES256 (-7)" for known ids, "-42 (unsupported)" otherwise.
std::string algorithm_label(int64_t id);

struct Sign1 {
  bool tagged = false;
  Bytes protected_bytes;          // the protected header bstr exactly as sent
  cbor::Item protected_header;    // its decoded map (an empty map for a zero-length bstr)
  cbor::Item unprotected_header;  // a map
  Bytes payload;
  Bytes signature;
  std::optional<int64_t> alg;     // from the protected header; nullopt if absent or not an integer
};

// Decodes a COSE_Sign1, tagged 18 or (when allow_untagged) untagged. Checks
// the structure only: header maps, no label in both header buckets, a
// protected alg, no critical headers, an embedded payload.
Result<Sign1> decode_sign1(std::span<const uint8_t> encoded, bool allow_untagged = false);

// ["Signature1", protected, external_aad, payload] as CBOR.
Bytes sig_structure(std::span<const uint8_t> protected_bytes, std::span<const uint8_t> payload,
                    std::span<const uint8_t> external_aad = {});

// Checks the signature with `key`: the algorithm must be supported and match
// the key's curve.
Status verify_sign1(const Sign1& message, const EcPublicKey& key);

// The protected header {1: alg} as the bstr content TF-RMM and Veraison emit.
Bytes protected_header_for(int64_t alg);
// Builds a tagged COSE_Sign1 from its parts (no kid, empty unprotected map).
Bytes encode_sign1(std::span<const uint8_t> protected_bytes, std::span<const uint8_t> payload,
                   std::span<const uint8_t> signature);
// Signs `payload` with `key` (the algorithm follows the key's curve) and
// returns the tagged COSE_Sign1.
Result<Bytes> sign1(const EcKeyPair& key, std::span<const uint8_t> payload);
// The algorithm matching a key's curve: P-256 ES256, P-384 ES384, P-521 ES512.
int64_t algorithm_for_curve(Curve curve);

}  // namespace mica::verify::cose
