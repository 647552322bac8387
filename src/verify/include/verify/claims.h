// CCA platform and realm claim sets, and the Mica claims in the realm token:
// their keys, names, typed forms and the checks each profile makes mandatory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/abi/mica_claims.h"
#include "verify/cbor.h"
#include "verify/crypto.h"

namespace mica::verify {

namespace claim {
// Shared by both tokens.
inline constexpr int64_t kProfile = 265;  // EAT profile
inline constexpr int64_t kChallenge = 10; // EAT nonce
// Platform token (CCA platform profile / PSA heritage).
inline constexpr int64_t kInstanceId = 256;          // EAT UEID
inline constexpr int64_t kLifecycle = 2395;
inline constexpr int64_t kImplementationId = 2396;
inline constexpr int64_t kSoftwareComponents = 2399;
inline constexpr int64_t kVerificationService = 2400;
inline constexpr int64_t kPlatformConfig = 2401;
inline constexpr int64_t kPlatformHashAlgo = 2402;
// Realm token (RMM 1.0).
inline constexpr int64_t kPersonalizationValue = 44235;
inline constexpr int64_t kRealmHashAlgo = 44236;
inline constexpr int64_t kRealmPublicKey = 44237;
inline constexpr int64_t kRim = 44238;
inline constexpr int64_t kRems = 44239;
inline constexpr int64_t kRealmPublicKeyHashAlgo = 44240;
// Mica (private use, monitor/abi/mica_claims.h).
inline constexpr int64_t kMicaPolicyDigest = monitor::abi::kClaimPolicyDigest;
inline constexpr int64_t kMicaWorkflowInstanceId = monitor::abi::kClaimWorkflowInstanceId;
inline constexpr int64_t kMicaComponentIndex = monitor::abi::kClaimComponentIndex;
inline constexpr int64_t kMicaComponentName = monitor::abi::kClaimComponentName;
// Keys inside one software component map.
inline constexpr int64_t kComponentType = 1;
inline constexpr int64_t kComponentValue = 2;
inline constexpr int64_t kComponentVersion = 4;
inline constexpr int64_t kComponentSignerId = 5;
inline constexpr int64_t kComponentDescription = 6;  // carries the hash algorithm name in CCA
}  // namespace claim

inline constexpr std::string_view kPlatformProfile = "tag:arm.com,2023:cca_platform#1.0.0";
inline constexpr std::string_view kLegacyPlatformProfile = "http://arm.com/CCA-SSD/1.0.0";
inline constexpr std::string_view kRealmProfile = "tag:arm.com,2023:realm#1.0.0";

enum class TokenKind : uint8_t { kPlatform, kRealm };
// Human names ("challenge", "software components", ...); nullptr for unknown keys.
const char* claim_name(TokenKind kind, int64_t key);
const char* software_component_field_name(int64_t key);
// "secured", "non-CCA platform debug", ... or "invalid".
std::string lifecycle_name(uint64_t lifecycle);
bool lifecycle_is_secured(uint64_t lifecycle);

struct SoftwareComponent {
  std::optional<std::string> type;
  Bytes measurement;
  std::optional<std::string> version;
  Bytes signer_id;
  std::optional<std::string> description;
};

struct PlatformClaims {
  std::string profile;
  Bytes challenge;
  Bytes implementation_id;
  Bytes instance_id;
  Bytes config;
  uint64_t lifecycle = 0;
  std::string hash_algo;
  std::optional<std::string> verification_service;
  std::vector<SoftwareComponent> software_components;
};

struct MicaClaims {
  Bytes policy_digest;
  Bytes workflow_instance_id;
  uint64_t component_index = 0;
  std::string component_name;
};

enum class RakEncoding : uint8_t { kCoseKey, kRawPoint };
const char* rak_encoding_name(RakEncoding encoding);

struct RealmClaims {
  std::optional<std::string> profile;
  Bytes challenge;
  Bytes personalization_value;
  Bytes rim;
  std::vector<Bytes> rems;
  std::string hash_algo;
  Bytes public_key_bytes;  // the claim's bstr content, which the platform challenge hashes
  std::optional<RakEncoding> public_key_encoding;
  std::optional<EcPublicKey> public_key;
  std::string public_key_hash_algo;
  std::optional<MicaClaims> mica;
};

// Parsing never stops at the first problem: every missing or ill-typed claim
// is listed, and the fields that could be read are filled in.
template <class Claims>
struct ParsedClaims {
  Claims claims;
  std::vector<std::string> problems;
  std::vector<std::string> warnings;  // accepted, but worth telling a person
  bool ok() const { return problems.empty(); }
};

// The platform claim set of the CCA platform profile (current or legacy name).
ParsedClaims<PlatformClaims> parse_platform_claims(const cbor::Item& claims);
// The realm claim set of RMM 1.0, plus the Mica claims when any is present.
ParsedClaims<RealmClaims> parse_realm_claims(const cbor::Item& claims);

}  // namespace mica::verify
