// The CCA attestation token: a collection holding the platform token and the
// realm token, each a COSE_Sign1. Two wrappers are in circulation:
//   * legacy: tag 399 over {44234: bstr platform, 44241: bstr realm}
//     (TF-RMM 1.0 emits this),
//   * current: tag 907 over a map of CMW arrays
//     {44234: [content-type, bstr platform], 44241: [content-type, bstr realm]}.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "verify/cbor.h"
#include "verify/claims.h"
#include "verify/cose.h"
#include "verify/result.h"

namespace mica::verify {

inline constexpr uint64_t kTagLegacyCollection = 399;
inline constexpr uint64_t kTagCmwCollection = 907;
inline constexpr int64_t kPlatformTokenKey = 44234;
inline constexpr int64_t kRealmTokenKey = 44241;
// CoAP content format Veraison and others put in the CMW arrays.
inline constexpr uint64_t kCmwContentFormat = 263;
// Tokens larger than this are refused before decoding (a CCA token fits in
// 4 KiB plus a platform token of at most 4 KiB).
inline constexpr size_t kMaxTokenSize = 64 * 1024;

enum class Wrapper : uint8_t { kLegacy399, kCmw907 };
const char* wrapper_name(Wrapper wrapper);

struct CcaCollection {
  Wrapper wrapper = Wrapper::kCmw907;
  Bytes platform_token;  // a COSE_Sign1, as found in the collection
  Bytes realm_token;
  std::optional<cbor::Item> platform_content_type;  // tag 907 only
  std::optional<cbor::Item> realm_content_type;
  std::vector<cbor::Item::Entry> other_entries;  // unsigned extras, reported but not trusted
};

Result<CcaCollection> decode_collection(std::span<const uint8_t> token);

// A CCA token decoded down to its claim maps; no signature checked yet.
struct DecodedToken {
  CcaCollection collection;
  cose::Sign1 platform;
  cose::Sign1 realm;
  cbor::Item platform_claims;  // the decoded payloads
  cbor::Item realm_claims;
};

Result<DecodedToken> decode_token(std::span<const uint8_t> token);

// Both wrappers, for our own tokens and tests.
Bytes encode_collection(Wrapper wrapper, std::span<const uint8_t> platform_token, std::span<const uint8_t> realm_token);

}  // namespace mica::verify
