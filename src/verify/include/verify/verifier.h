// The tenant's verifier: from CCA tokens to a verdict a person can act on.
//
// Each token goes through the checks below, in this order; all of them run
// (so the report lists every problem), and the verdict is the most
// fundamental failure: malformed < signature < binding < claim < reference
// < policy.
//   decode               malformed   wrapper, COSE_Sign1 structures, payloads
//   platform_signature   signature   platform token signed by the trust anchor
//   realm_signature      signature   realm token signed by the RAK it carries
//   rak_binding          binding     platform challenge == hash(RAK claim bytes)
//   realm_challenge      binding     realm challenge == the expected challenge
//   platform_claims      claim       mandatory platform claims, types, profile
//   realm_claims         claim       mandatory realm (and Mica) claims
//   platform_lifecycle   claim       the platform is in the "secured" state
//   reference_values     reference   platform software components
//   policy_digest        policy      Mica policy digest == tenant policy digest
//   policy_component     policy      the claimed component exists, same name
//   policy_rim           policy      RIM is one the policy allows there
// Across tokens (workflow checks, policy class):
//   same_workflow        every token carries the same workflow instance id
//   same_platform        every token comes from the same platform instance
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "verify/reference_values.h"
#include "verify/tenant_policy.h"
#include "verify/token.h"

namespace mica::verify {

enum class FailureClass : uint8_t { kMalformed, kSignature, kBinding, kClaim, kReference, kPolicy };
const char* failure_class_name(FailureClass failure);

// Exit codes of `mica verify` (docs/attestation.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;  // bad arguments, unreadable files
inline constexpr int kExitMalformed = 2;
inline constexpr int kExitSignature = 3;
inline constexpr int kExitBinding = 4;
inline constexpr int kExitClaim = 5;
inline constexpr int kExitReference = 6;
inline constexpr int kExitPolicy = 7;
int exit_code(std::optional<FailureClass> failure);

struct Check {
  enum class Outcome : uint8_t { kPassed, kFailed, kSkipped };
  std::string id;  // stable, e.g. "platform_signature"
  FailureClass failure_class;
  Outcome outcome;
  std::string detail;
};
const char* outcome_name(Check::Outcome outcome);

struct VerifyOptions {
  std::optional<EcPublicKey> platform_anchor;        // without it nothing verifies
  std::optional<Bytes> expected_challenge;           // nullopt: check skipped
  std::optional<ReferenceValues> reference_values;   // nullopt: check skipped
  const TenantPolicy* policy = nullptr;              // nullptr: policy checks skipped
  // The compiled policy the (untrusted) host says it deployed. Used only to
  // name what differs from `policy` when a token's digest matches it.
  const TenantPolicy* deployed_policy = nullptr;
};

struct TokenReport {
  std::string source;  // where the token came from (file name)
  size_t size = 0;
  std::optional<DecodedToken> token;
  std::optional<PlatformClaims> platform;  // filled as far as parsing got
  std::optional<RealmClaims> realm;
  std::optional<PolicyComponent> component;  // the policy's entry for this token
  std::vector<std::string> warnings;
  std::vector<Check> checks;

  std::optional<FailureClass> failure() const;
  const Check* find(std::string_view id) const;
};

struct VerificationReport {
  std::vector<TokenReport> tokens;
  std::vector<Check> workflow_checks;
  std::optional<std::string> policy_name;

  std::optional<FailureClass> failure() const;
  int exit_code() const { return verify::exit_code(failure()); }
  bool ok() const { return !failure(); }
};

struct TokenInput {
  std::string source;
  Bytes bytes;
};

TokenReport verify_token(std::string source, std::span<const uint8_t> token, const VerifyOptions& options);
VerificationReport verify_tokens(const std::vector<TokenInput>& tokens, const VerifyOptions& options);

}  // namespace mica::verify
