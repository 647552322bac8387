#include "verify/verifier.h"

#include <algorithm>

namespace mica::verify {

const char* failure_class_name(FailureClass failure) {
  switch (failure) {
    case FailureClass::kMalformed: return "malformed";
    case FailureClass::kSignature: return "signature";
    case FailureClass::kBinding: return "binding";
    case FailureClass::kClaim: return "claim";
    case FailureClass::kReference: return "reference";
    case FailureClass::kPolicy: return "policy";
  }
  return "?";
}

int exit_code(std::optional<FailureClass> failure) {
  if (!failure) return kExitOk;
  switch (*failure) {
    case FailureClass::kMalformed: return kExitMalformed;
    case FailureClass::kSignature: return kExitSignature;
    case FailureClass::kBinding: return kExitBinding;
    case FailureClass::kClaim: return kExitClaim;
    case FailureClass::kReference: return kExitReference;
    case FailureClass::kPolicy: return kExitPolicy;
  }
  return kExitUsage;
}

const char* outcome_name(Check::Outcome outcome) {
  switch (outcome) {
    case Check::Outcome::kPassed: return "passed";
    case Check::Outcome::kFailed: return "failed";
    case Check::Outcome::kSkipped: return "skipped";
  }
  return "?";
}

namespace {

std::optional<FailureClass> worst(const std::vector<Check>& checks, std::optional<FailureClass> so_far) {
  for (const auto& check : checks) {
    if (check.outcome != Check::Outcome::kFailed) continue;
    if (!so_far || check.failure_class < *so_far) so_far = check.failure_class;
  }
  return so_far;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += (out.empty() ? "" : "; ") + line;
  return out;
}

class Checks {
 public:
  explicit Checks(std::vector<Check>& out) : out_(out) {}
  void pass(std::string id, FailureClass cls, std::string detail = {}) {
    out_.push_back({std::move(id), cls, Check::Outcome::kPassed, std::move(detail)});
  }
  void fail(std::string id, FailureClass cls, std::string detail) {
    out_.push_back({std::move(id), cls, Check::Outcome::kFailed, std::move(detail)});
  }
  void skip(std::string id, FailureClass cls, std::string detail) {
    out_.push_back({std::move(id), cls, Check::Outcome::kSkipped, std::move(detail)});
  }
  void result(std::string id, FailureClass cls, const Status& status, std::string pass_detail = {}) {
    if (status) {
      pass(std::move(id), cls, std::move(pass_detail));
    } else {
      fail(std::move(id), cls, status.error().message);
    }
  }

 private:
  std::vector<Check>& out_;
};

std::optional<PolicyComponent> find_component(const TenantPolicy& policy, uint64_t index) {
  for (auto& component : policy.components()) {
    if (component.index == index) return component;
  }
  return std::nullopt;
}

void check_policy(TokenReport& report, const VerifyOptions& options, Checks& checks) {
  constexpr auto kPolicy = FailureClass::kPolicy;
  if (!options.policy) {
    for (const char* id : {"policy_digest", "policy_component", "policy_rim"}) checks.skip(id, kPolicy, "no policy given");
    return;
  }
  const TenantPolicy& policy = *options.policy;
  const MicaClaims* mica = report.realm && report.realm->mica ? &*report.realm->mica : nullptr;
  if (!mica) {
    for (const char* id : {"policy_digest", "policy_component", "policy_rim"}) {
      checks.fail(id, kPolicy, "the realm token carries no (valid) Mica claims: the realm is not bound to a workflow");
    }
    return;
  }
  Bytes expected_digest = policy.digest();
  if (mica->policy_digest == expected_digest) {
    checks.pass("policy_digest", kPolicy, "policy \"" + policy.workflow_name() + "\" " + cbor::to_hex(expected_digest));
  } else {
    std::string detail = "the realm runs under policy digest " + cbor::to_hex(mica->policy_digest) +
                         ", the tenant's policy \"" + policy.workflow_name() + "\" has digest " +
                         cbor::to_hex(expected_digest);
    if (options.deployed_policy && options.deployed_policy->digest() == mica->policy_digest) {
      // The token's digest authenticates the deployed policy: what differs is real.
      std::vector<std::string> differences = policy.differences_from(*options.deployed_policy);
      detail += "; the deployed policy differs from yours: " +
                (differences.empty() ? std::string("(no difference in meaning found)") : join(differences));
    } else if (options.deployed_policy) {
      detail += "; the deployed policy given has digest " + cbor::to_hex(options.deployed_policy->digest()) +
                ", not the token's, so it says nothing about this realm";
    }
    checks.fail("policy_digest", kPolicy, detail);
  }
  auto component = find_component(policy, mica->component_index);
  if (!component) {
    checks.fail("policy_component", kPolicy,
                "the policy has no component with index " + std::to_string(mica->component_index) + " (token says \"" +
                    mica->component_name + "\")");
    checks.skip("policy_rim", kPolicy, "no policy component to compare with");
    return;
  }
  report.component = component;
  if (component->name != mica->component_name) {
    checks.fail("policy_component", kPolicy,
                "component " + std::to_string(component->index) + " is \"" + component->name +
                    "\" in the policy but \"" + mica->component_name + "\" in the token");
  } else {
    checks.pass("policy_component", kPolicy, "\"" + component->name + "\" (index " + std::to_string(component->index) + ")");
  }
  if (component->any_measurement) {
    checks.pass("policy_rim", kPolicy,
                "the policy accepts any measurement for \"" + component->name + "\" (treated as untrusted)");
    return;
  }
  const Bytes& rim = report.realm->rim;
  bool allowed = std::find(component->measurements.begin(), component->measurements.end(), rim) !=
                 component->measurements.end();
  if (allowed) {
    checks.pass("policy_rim", kPolicy, "RIM " + cbor::to_hex(rim));
  } else {
    std::string accepted;
    for (const auto& m : component->measurements) accepted += (accepted.empty() ? "" : ", ") + cbor::to_hex(m);
    checks.fail("policy_rim", kPolicy,
                "RIM " + cbor::to_hex(rim) + " is not allowed for \"" + component->name + "\" (policy allows: " +
                    (accepted.empty() ? std::string("nothing") : accepted) + ")");
  }
}

}  // namespace

std::optional<FailureClass> TokenReport::failure() const { return worst(checks, std::nullopt); }

const Check* TokenReport::find(std::string_view id) const {
  for (const auto& check : checks) {
    if (check.id == id) return &check;
  }
  return nullptr;
}

std::optional<FailureClass> VerificationReport::failure() const {
  std::optional<FailureClass> result = worst(workflow_checks, std::nullopt);
  for (const auto& token : tokens) result = worst(token.checks, result);
  return result;
}

TokenReport verify_token(std::string source, std::span<const uint8_t> bytes, const VerifyOptions& options) {
  TokenReport report;
  report.source = std::move(source);
  report.size = bytes.size();
  Checks checks(report.checks);

  auto decoded = decode_token(bytes);
  if (!decoded) {
    checks.fail("decode", FailureClass::kMalformed, decoded.error().message);
    return report;
  }
  report.token = std::move(decoded.value());
  const DecodedToken& token = *report.token;
  checks.pass("decode", FailureClass::kMalformed, wrapper_name(token.collection.wrapper));

  auto platform = parse_platform_claims(token.platform_claims);
  auto realm = parse_realm_claims(token.realm_claims);
  report.platform = platform.claims;
  report.realm = realm.claims;
  for (const auto& w : platform.warnings) report.warnings.push_back("platform: " + w);
  for (const auto& w : realm.warnings) report.warnings.push_back("realm: " + w);

  // Signatures.
  constexpr auto kSignature = FailureClass::kSignature;
  if (!options.platform_anchor) {
    checks.fail("platform_signature", kSignature, "no platform trust anchor given");
  } else {
    checks.result("platform_signature", kSignature, cose::verify_sign1(token.platform, *options.platform_anchor),
                  cose::algorithm_label(token.platform.alg.value_or(0)) + " by the trust anchor");
  }
  if (!realm.claims.public_key) {
    checks.fail("realm_signature", kSignature, "the realm token has no usable RAK to verify it with");
  } else {
    checks.result("realm_signature", kSignature, cose::verify_sign1(token.realm, *realm.claims.public_key),
                  cose::algorithm_label(token.realm.alg.value_or(0)) + " by the RAK (" +
                      rak_encoding_name(*realm.claims.public_key_encoding) + ")");
  }

  // Binding of the realm token to the platform token, and to the verifier's challenge.
  constexpr auto kBinding = FailureClass::kBinding;
  auto rak_hash = hash_alg_from_name(realm.claims.public_key_hash_algo);
  if (realm.claims.public_key_bytes.empty()) {
    checks.fail("rak_binding", kBinding, "the realm token has no RAK claim");
  } else if (!rak_hash) {
    checks.fail("rak_binding", kBinding,
                "RAK hash algorithm \"" + realm.claims.public_key_hash_algo + "\" is missing or unsupported");
  } else {
    Bytes expected = digest(*rak_hash, realm.claims.public_key_bytes);
    if (platform.claims.challenge == expected) {
      checks.pass("rak_binding", kBinding, std::string("platform challenge = ") + hash_alg_name(*rak_hash) + "(RAK)");
    } else {
      checks.fail("rak_binding", kBinding,
                  std::string("platform challenge ") + cbor::to_hex(platform.claims.challenge) + " is not " +
                      hash_alg_name(*rak_hash) + "(RAK) " + cbor::to_hex(expected) +
                      ": the platform token was not issued for this realm attestation key");
    }
  }
  if (!options.expected_challenge) {
    checks.skip("realm_challenge", kBinding, "no expected challenge given");
  } else if (realm.claims.challenge == *options.expected_challenge) {
    checks.pass("realm_challenge", kBinding, "matches the expected challenge");
  } else {
    checks.fail("realm_challenge", kBinding,
                "realm challenge " + cbor::to_hex(realm.claims.challenge) + " is not the expected " +
                    cbor::to_hex(*options.expected_challenge));
  }

  // Claim sets.
  constexpr auto kClaim = FailureClass::kClaim;
  if (platform.ok()) {
    checks.pass("platform_claims", kClaim, platform.claims.profile);
  } else {
    checks.fail("platform_claims", kClaim, join(platform.problems));
  }
  if (realm.ok()) {
    checks.pass("realm_claims", kClaim, realm.claims.mica ? "with Mica claims" : "no Mica claims");
  } else {
    checks.fail("realm_claims", kClaim, join(realm.problems));
  }
  if (!token.platform_claims.find(claim::kLifecycle)) {
    checks.fail("platform_lifecycle", kClaim, "no security lifecycle claim");
  } else if (lifecycle_is_secured(platform.claims.lifecycle)) {
    checks.pass("platform_lifecycle", kClaim, "secured");
  } else {
    checks.fail("platform_lifecycle", kClaim,
                "the platform is in lifecycle state \"" + lifecycle_name(platform.claims.lifecycle) +
                    "\", attestation is only meaningful when it is \"secured\"");
  }

  // Appraisal against the tenant's expectations.
  if (!options.reference_values) {
    checks.skip("reference_values", FailureClass::kReference, "no reference values given");
  } else {
    auto mismatches = compare_with_reference(platform.claims, *options.reference_values);
    if (mismatches.empty()) {
      checks.pass("reference_values", FailureClass::kReference,
                  std::to_string(platform.claims.software_components.size()) + " software component(s) match");
    } else {
      checks.fail("reference_values", FailureClass::kReference, join(mismatches));
    }
  }
  check_policy(report, options, checks);
  return report;
}

VerificationReport verify_tokens(const std::vector<TokenInput>& tokens, const VerifyOptions& options) {
  VerificationReport report;
  if (options.policy) report.policy_name = options.policy->workflow_name();
  for (const auto& input : tokens) report.tokens.push_back(verify_token(input.source, input.bytes, options));
  if (tokens.size() < 2) return report;

  Checks checks(report.workflow_checks);
  constexpr auto kPolicy = FailureClass::kPolicy;
  // One workflow instance lives in one monitor: every token must name the same
  // instance id and come from the same platform.
  std::optional<Bytes> instance, platform;
  std::string instance_mismatch, platform_mismatch, missing;
  for (const auto& token : report.tokens) {
    if (!token.realm || !token.realm->mica) {
      missing += (missing.empty() ? "" : ", ") + token.source;
    } else if (!instance) {
      instance = token.realm->mica->workflow_instance_id;
    } else if (*instance != token.realm->mica->workflow_instance_id && instance_mismatch.empty()) {
      instance_mismatch = token.source + " belongs to workflow instance " +
                          cbor::to_hex(token.realm->mica->workflow_instance_id) + ", not " + cbor::to_hex(*instance);
    }
    if (token.platform) {
      if (!platform) {
        platform = token.platform->instance_id;
      } else if (*platform != token.platform->instance_id && platform_mismatch.empty()) {
        platform_mismatch = token.source + " comes from platform " + cbor::to_hex(token.platform->instance_id) +
                            ", not " + cbor::to_hex(*platform);
      }
    }
  }
  if (!missing.empty()) {
    checks.fail("same_workflow", kPolicy, "no Mica workflow claims in: " + missing);
  } else if (!instance_mismatch.empty()) {
    checks.fail("same_workflow", kPolicy, instance_mismatch);
  } else {
    checks.pass("same_workflow", kPolicy, "workflow instance " + cbor::to_hex(*instance));
  }
  if (!platform_mismatch.empty()) {
    checks.fail("same_platform", kPolicy, platform_mismatch);
  } else if (platform) {
    checks.pass("same_platform", kPolicy, "platform instance " + cbor::to_hex(*platform));
  } else {
    checks.skip("same_platform", kPolicy, "no platform claims");
  }
  return report;
}

}  // namespace mica::verify
