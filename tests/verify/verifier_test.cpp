// The verifier end to end on tokens from our platform code and realm tokens
// built as the monitor builds them: every failure lands in its class.
#include <gtest/gtest.h>

#include "platform/attestation.h"
#include "token_builder.h"
#include "verify/cose.h"
#include "verify/report.h"
#include "verify/verifier.h"

namespace mica::verify {
namespace {

using cbor::Item;
using testing::filled;
using testing::RealmClaimsSpec;
using testing::TempDir;

class VerifierTest : public ::testing::Test {
 protected:
  VerifierTest()
      : boot(tmp.sub("state"), testing::sample_platform_config()),
        policy("medical_inference", filled(32, 0xD1),
               {{0, "ingest", false, {filled(32, 0x10)}, {"ingest !-> untrusted except via egress"}},
                {1, "model", false, {filled(32, 0x11), filled(32, 0x12)}, {"model !-> untrusted except via egress"}},
                {2, "egress", true, {}, {}}}) {
    ReferenceComponent monitor;
    monitor.type = "RMM";
    monitor.measurements = {filled(32, 0xA7)};
    monitor.signer_id = platform::unsigned_signer_id();
    reference.components.push_back(monitor);
    reference.implementation_id = platform::emulated_implementation_id();
  }

  VerifyOptions options() const {
    VerifyOptions o;
    o.platform_anchor = boot.platform_public_key();
    o.expected_challenge = filled(64, 0xC1);
    o.reference_values = reference;
    o.policy = &policy;
    return o;
  }

  static RealmClaimsSpec spec() {
    RealmClaimsSpec s;
    s.mica = testing::sample_mica_claims();  // component 1 "model", RIM 0x11..
    return s;
  }

  TokenReport verify(const Bytes& token) const { return verify_token("token.cbor", token, options()); }

  static const Check& check(const TokenReport& report, const std::string& id) {
    const Check* c = report.find(id);
    if (!c) throw std::runtime_error("no check " + id);
    return *c;
  }

  // Every check except `failed` passed, and `failed` failed with `class_`.
  static void expect_only_failure(const TokenReport& report, const std::string& failed, FailureClass cls) {
    for (const Check& c : report.checks) {
      if (c.id == failed) {
        EXPECT_EQ(c.outcome, Check::Outcome::kFailed) << c.id;
        EXPECT_EQ(c.failure_class, cls);
      } else {
        EXPECT_EQ(c.outcome, Check::Outcome::kPassed) << c.id << ": " << c.detail;
      }
    }
    EXPECT_EQ(report.failure(), cls);
  }

  TempDir tmp;
  platform::PlatformAttestation boot;
  testing::FakePolicy policy;
  ReferenceValues reference;
};

TEST_F(VerifierTest, AcceptsOurTokenInBothWrappers) {
  for (Wrapper wrapper : {Wrapper::kCmw907, Wrapper::kLegacy399}) {
    TokenReport report = verify(testing::make_cca_token(boot, spec(), wrapper));
    for (const Check& c : report.checks) EXPECT_EQ(c.outcome, Check::Outcome::kPassed) << c.id << ": " << c.detail;
    EXPECT_EQ(report.checks.size(), 12u);
    EXPECT_FALSE(report.failure().has_value());
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    ASSERT_TRUE(report.component.has_value());
    EXPECT_EQ(report.component->name, "model");
    EXPECT_EQ(report.component->flow_facts, std::vector<std::string>{"model !-> untrusted except via egress"});
    ASSERT_TRUE(report.realm && report.realm->mica);
    EXPECT_EQ(report.realm->mica->workflow_instance_id, filled(32, 0x5A));
    EXPECT_EQ(check(report, "realm_signature").detail, "ES384 (-35) by the RAK (COSE_Key)");
    EXPECT_EQ(check(report, "rak_binding").detail, "platform challenge = sha-256(RAK)");
  }
}

TEST_F(VerifierTest, ChecksNotRequestedAreSkippedNotPassed) {
  VerifyOptions o;
  o.platform_anchor = boot.platform_public_key();
  TokenReport report = verify_token("t", testing::make_cca_token(boot, spec()), o);
  EXPECT_FALSE(report.failure().has_value());
  for (const char* id : {"realm_challenge", "reference_values", "policy_digest", "policy_component", "policy_rim"}) {
    EXPECT_EQ(check(report, id).outcome, Check::Outcome::kSkipped) << id;
  }
}

TEST_F(VerifierTest, WithoutATrustAnchorNothingVerifies) {
  VerifyOptions o = options();
  o.platform_anchor.reset();
  TokenReport report = verify_token("t", testing::make_cca_token(boot, spec()), o);
  expect_only_failure(report, "platform_signature", FailureClass::kSignature);
  EXPECT_EQ(check(report, "platform_signature").detail, "no platform trust anchor given");
}

TEST_F(VerifierTest, TamperedRealmPayloadFailsTheRealmSignature) {
  RealmClaimsSpec s = spec();
  Bytes realm = testing::make_realm_token(boot, s);
  s.rak = boot.rak_cose_key();
  s.rim = filled(32, 0x12);  // another RIM the policy allows: only the signature can catch this
  Bytes forged = testing::replace_payload(realm, testing::encode_realm_claims(s));
  TokenReport report = verify(encode_collection(Wrapper::kCmw907, boot.platform_token(), forged));
  expect_only_failure(report, "realm_signature", FailureClass::kSignature);
  EXPECT_EQ(check(report, "realm_signature").detail, "ES384 signature does not verify");
  EXPECT_EQ(exit_code(report.failure()), kExitSignature);
}

TEST_F(VerifierTest, TamperedPlatformPayloadFailsThePlatformSignature) {
  auto platform = cose::decode_sign1(boot.platform_token());
  ASSERT_TRUE(platform.ok());
  Bytes payload = platform->payload;
  payload[payload.size() - 40] ^= 0x01;  // inside the last software component
  Bytes forged = testing::replace_payload(boot.platform_token(), payload);
  TokenReport report =
      verify(encode_collection(Wrapper::kCmw907, forged, testing::make_realm_token(boot, spec())));
  EXPECT_EQ(check(report, "platform_signature").outcome, Check::Outcome::kFailed);
  EXPECT_EQ(report.failure(), FailureClass::kSignature);
}

TEST_F(VerifierTest, AnotherPlatformKeyFailsThePlatformSignature) {
  platform::PlatformAttestation other(tmp.sub("other-state"), testing::sample_platform_config());
  VerifyOptions o = options();
  o.platform_anchor = other.platform_public_key();
  TokenReport report = verify_token("t", testing::make_cca_token(boot, spec()), o);
  expect_only_failure(report, "platform_signature", FailureClass::kSignature);
}

TEST_F(VerifierTest, WrongChallengeIsABindingFailure) {
  RealmClaimsSpec s = spec();
  s.challenge = filled(64, 0xC2);
  TokenReport report = verify(testing::make_cca_token(boot, s));
  expect_only_failure(report, "realm_challenge", FailureClass::kBinding);
  EXPECT_EQ(exit_code(report.failure()), kExitBinding);
  EXPECT_NE(check(report, "realm_challenge").detail.find("is not the expected"), std::string::npos);
}

TEST_F(VerifierTest, PlatformTokenFromAnotherBootFailsTheBinding) {
  // Same state directory: same platform key, so both signatures verify; but
  // the second boot's platform token vouches for a different RAK.
  platform::PlatformAttestation next_boot(tmp.sub("state"), testing::sample_platform_config());
  Bytes realm = testing::make_realm_token(boot, spec());
  TokenReport report = verify(encode_collection(Wrapper::kCmw907, next_boot.platform_token(), realm));
  expect_only_failure(report, "rak_binding", FailureClass::kBinding);
  EXPECT_NE(check(report, "rak_binding").detail.find("was not issued for this realm attestation key"),
            std::string::npos);
}

TEST_F(VerifierTest, RealmTokenSignedByAnotherRakFailsItsSignature) {
  platform::PlatformAttestation next_boot(tmp.sub("state"), testing::sample_platform_config());
  RealmClaimsSpec s = spec();
  s.rak = boot.rak_cose_key();  // claims this boot's RAK, signed by the next boot's
  Bytes realm = next_boot.sign_realm_token(testing::encode_realm_claims(s));
  TokenReport report = verify(encode_collection(Wrapper::kCmw907, boot.platform_token(), realm));
  expect_only_failure(report, "realm_signature", FailureClass::kSignature);
}

TEST_F(VerifierTest, RawPointRakEncodingVerifiesEndToEnd) {
  RealmClaimsSpec s = spec();
  s.rak = boot.rak_public_key().uncompressed_point();
  Bytes platform_token = testing::resign_platform_token(boot, [&](auto& entries) {
    testing::set_claim(entries, claim::kChallenge, Item::bytes(digest(HashAlg::kSha256, s.rak)));
  });
  Bytes realm = boot.sign_realm_token(testing::encode_realm_claims(s));
  TokenReport report = verify(encode_collection(Wrapper::kLegacy399, platform_token, realm));
  EXPECT_FALSE(report.failure().has_value());
  EXPECT_EQ(check(report, "realm_signature").detail, "ES384 (-35) by the RAK (raw uncompressed EC point)");
}

TEST_F(VerifierTest, MissingMandatoryRealmClaimIsAClaimFailure) {
  RealmClaimsSpec s = spec();
  s.omit = {claim::kPersonalizationValue};
  TokenReport report = verify(testing::make_cca_token(boot, s));
  expect_only_failure(report, "realm_claims", FailureClass::kClaim);
  EXPECT_EQ(check(report, "realm_claims").detail, "mandatory claim personalization value (44235) is missing");
  EXPECT_EQ(exit_code(report.failure()), kExitClaim);
}

TEST_F(VerifierTest, IncompleteMicaClaimsAreAClaimFailure) {
  RealmClaimsSpec s = spec();
  s.omit = {claim::kMicaComponentName};
  TokenReport report = verify(testing::make_cca_token(boot, s));
  EXPECT_EQ(report.failure(), FailureClass::kClaim);
  EXPECT_EQ(check(report, "realm_claims").detail, "mandatory claim mica: component name (-1296646916) is missing");
  EXPECT_EQ(check(report, "policy_digest").outcome, Check::Outcome::kFailed);
}

TEST_F(VerifierTest, WronglyTypedClaimsAreListedTogether) {
  RealmClaimsSpec s = spec();
  s.omit = {claim::kRim, claim::kRealmHashAlgo};
  s.extra_claims.emplace_back(Item::integer(claim::kRim), Item::text("not bytes"));
  s.extra_claims.emplace_back(Item::integer(claim::kRealmHashAlgo), Item::unsigned_int(256));
  TokenReport report = verify(testing::make_cca_token(boot, s));
  EXPECT_EQ(report.failure(), FailureClass::kClaim);
  EXPECT_EQ(check(report, "realm_claims").detail,
            "measurement hash algorithm id (44236) must be a text string, it is 256; "
            "RIM (initial measurement) (44238) must be a byte string, it is \"not bytes\"");
}

TEST_F(VerifierTest, UnknownClaimsAreWarningsNotFailures) {
  RealmClaimsSpec s = spec();
  s.extra_claims.emplace_back(Item::integer(-70000), Item::text("vendor data"));
  TokenReport report = verify(testing::make_cca_token(boot, s));
  EXPECT_FALSE(report.failure().has_value());
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(report.warnings[0], "realm: unknown claim -70000 (ignored)");
}

TEST_F(VerifierTest, PlatformNotSecuredIsAClaimFailure) {
  Bytes platform_token = testing::resign_platform_token(boot, [](auto& entries) {
    testing::set_claim(entries, claim::kLifecycle, Item::unsigned_int(0x4003));
  });
  TokenReport report = verify(encode_collection(Wrapper::kCmw907, platform_token, testing::make_realm_token(boot, spec())));
  expect_only_failure(report, "platform_lifecycle", FailureClass::kClaim);
  EXPECT_NE(check(report, "platform_lifecycle").detail.find("non-CCA platform debug"), std::string::npos);
}

TEST_F(VerifierTest, ReferenceValueMismatchIsItsOwnClass) {
  ReferenceValues other = reference;
  other.components[0].measurements = {filled(32, 0xA8)};
  VerifyOptions o = options();
  o.reference_values = other;
  TokenReport report = verify_token("t", testing::make_cca_token(boot, spec()), o);
  expect_only_failure(report, "reference_values", FailureClass::kReference);
  EXPECT_EQ(exit_code(report.failure()), kExitReference);
  EXPECT_EQ(check(report, "reference_values").detail,
            "software component \"RMM\" measurement " + cbor::to_hex(filled(32, 0xA7)) +
                " matches no reference value; reference component \"RMM\" is not in the token");
}

TEST_F(VerifierTest, PolicyDigestMismatchIsAPolicyFailure) {
  testing::FakePolicy changed("medical_inference", filled(32, 0xD2), policy.components());
  VerifyOptions o = options();
  o.policy = &changed;
  TokenReport report = verify_token("t", testing::make_cca_token(boot, spec()), o);
  expect_only_failure(report, "policy_digest", FailureClass::kPolicy);
  EXPECT_EQ(check(report, "policy_digest").detail,
            "the realm runs under policy digest " + cbor::to_hex(filled(32, 0xD1)) +
                ", the tenant's policy \"medical_inference\" has digest " + cbor::to_hex(filled(32, 0xD2)));
  EXPECT_EQ(exit_code(report.failure()), kExitPolicy);
}

TEST_F(VerifierTest, RimNotAllowedForTheComponentIsAPolicyFailure) {
  RealmClaimsSpec s = spec();
  s.rim = filled(32, 0x10);  // ingest's measurement, claimed by "model"
  TokenReport report = verify(testing::make_cca_token(boot, s));
  expect_only_failure(report, "policy_rim", FailureClass::kPolicy);
  EXPECT_EQ(check(report, "policy_rim").detail,
            "RIM " + cbor::to_hex(filled(32, 0x10)) + " is not allowed for \"model\" (policy allows: " +
                cbor::to_hex(filled(32, 0x11)) + ", " + cbor::to_hex(filled(32, 0x12)) + ")");
}

TEST_F(VerifierTest, ComponentUnknownOrRenamedIsAPolicyFailure) {
  RealmClaimsSpec s = spec();
  s.mica->component_name = "modell";
  TokenReport renamed = verify(testing::make_cca_token(boot, s));
  expect_only_failure(renamed, "policy_component", FailureClass::kPolicy);
  EXPECT_EQ(check(renamed, "policy_component").detail,
            "component 1 is \"model\" in the policy but \"modell\" in the token");

  s.mica->component_index = 7;
  TokenReport unknown = verify(testing::make_cca_token(boot, s));
  EXPECT_EQ(unknown.failure(), FailureClass::kPolicy);
  EXPECT_EQ(check(unknown, "policy_component").detail,
            "the policy has no component with index 7 (token says \"modell\")");
  EXPECT_EQ(check(unknown, "policy_rim").outcome, Check::Outcome::kSkipped);
}

TEST_F(VerifierTest, AnyMeasurementComponentAcceptsAnyRim) {
  RealmClaimsSpec s = spec();
  s.mica->component_index = 2;
  s.mica->component_name = "egress";
  s.rim = filled(32, 0xEE);
  TokenReport report = verify(testing::make_cca_token(boot, s));
  EXPECT_FALSE(report.failure().has_value());
  EXPECT_EQ(check(report, "policy_rim").detail, "the policy accepts any measurement for \"egress\" (treated as untrusted)");
}

TEST_F(VerifierTest, TokenWithoutMicaClaimsFailsPolicyChecks) {
  RealmClaimsSpec s = spec();
  s.mica.reset();
  TokenReport report = verify(testing::make_cca_token(boot, s));
  EXPECT_EQ(report.failure(), FailureClass::kPolicy);
  EXPECT_EQ(check(report, "realm_claims").outcome, Check::Outcome::kPassed);
  EXPECT_EQ(check(report, "policy_digest").detail,
            "the realm token carries no (valid) Mica claims: the realm is not bound to a workflow");
}

TEST_F(VerifierTest, TokensOfOneWorkflowInstancePass) {
  RealmClaimsSpec ingest = spec();
  ingest.mica->component_index = 0;
  ingest.mica->component_name = "ingest";
  ingest.rim = filled(32, 0x10);
  VerificationReport report = verify_tokens(
      {{"ingest.cbor", testing::make_cca_token(boot, ingest)}, {"model.cbor", testing::make_cca_token(boot, spec())}},
      options());
  EXPECT_TRUE(report.ok()) << report_text(report);
  ASSERT_EQ(report.workflow_checks.size(), 2u);
  EXPECT_EQ(report.workflow_checks[0].id, "same_workflow");
  EXPECT_EQ(report.workflow_checks[0].outcome, Check::Outcome::kPassed);
  EXPECT_EQ(report.workflow_checks[1].id, "same_platform");
  EXPECT_EQ(report.workflow_checks[1].outcome, Check::Outcome::kPassed);
}

TEST_F(VerifierTest, TokensOfTwoWorkflowInstancesFail) {
  RealmClaimsSpec ingest = spec();
  ingest.mica->component_index = 0;
  ingest.mica->component_name = "ingest";
  ingest.rim = filled(32, 0x10);
  ingest.mica->workflow_instance_id = filled(32, 0x5B);
  VerificationReport report = verify_tokens(
      {{"ingest.cbor", testing::make_cca_token(boot, ingest)}, {"model.cbor", testing::make_cca_token(boot, spec())}},
      options());
  for (const auto& token : report.tokens) EXPECT_FALSE(token.failure().has_value()) << token.source;
  EXPECT_EQ(report.failure(), FailureClass::kPolicy);
  EXPECT_EQ(report.exit_code(), kExitPolicy);
  EXPECT_EQ(report.workflow_checks[0].outcome, Check::Outcome::kFailed);
  EXPECT_EQ(report.workflow_checks[0].detail, "model.cbor belongs to workflow instance " + cbor::to_hex(filled(32, 0x5A)) +
                                                  ", not " + cbor::to_hex(filled(32, 0x5B)));
}

TEST_F(VerifierTest, TokensFromTwoPlatformsFail) {
  Bytes foreign_platform = testing::resign_platform_token(boot, [](auto& entries) {
    Bytes other_instance(33, 0x77);
    other_instance[0] = 0x01;
    testing::set_claim(entries, claim::kInstanceId, Item::bytes(other_instance));
  });
  Bytes second = encode_collection(Wrapper::kCmw907, foreign_platform, testing::make_realm_token(boot, spec()));
  VerificationReport report =
      verify_tokens({{"a.cbor", testing::make_cca_token(boot, spec())}, {"b.cbor", second}}, options());
  EXPECT_EQ(report.failure(), FailureClass::kPolicy);
  EXPECT_EQ(report.workflow_checks[1].id, "same_platform");
  EXPECT_EQ(report.workflow_checks[1].outcome, Check::Outcome::kFailed);
}

TEST_F(VerifierTest, MostFundamentalFailureDecidesTheExitCode) {
  RealmClaimsSpec s = spec();
  s.challenge = filled(64, 0xC3);  // binding
  s.rim = filled(32, 0x99);        // policy
  platform::PlatformAttestation other(tmp.sub("other-state"), testing::sample_platform_config());
  VerifyOptions o = options();
  o.platform_anchor = other.platform_public_key();  // signature
  TokenReport report = verify_token("t", testing::make_cca_token(boot, s), o);
  EXPECT_EQ(report.failure(), FailureClass::kSignature);
  EXPECT_EQ(exit_code(report.failure()), kExitSignature);
  size_t failed = 0;
  for (const Check& c : report.checks) failed += c.outcome == Check::Outcome::kFailed;
  EXPECT_EQ(failed, 3u);  // all three are still reported
}

// --- Malformed input: the strict decoder under a signed token ---------------

TEST_F(VerifierTest, TruncatedTokenIsMalformed) {
  Bytes token = testing::make_cca_token(boot, spec());
  ASSERT_FALSE(token.empty());
  token.pop_back();
  TokenReport report = verify(token);
  EXPECT_EQ(report.failure(), FailureClass::kMalformed);
  EXPECT_EQ(exit_code(report.failure()), kExitMalformed);
  ASSERT_EQ(report.checks.size(), 1u);
  EXPECT_NE(check(report, "decode").detail.find("exceeds"), std::string::npos) << check(report, "decode").detail;
}

TEST_F(VerifierTest, TrailingBytesAreMalformed) {
  Bytes token = testing::make_cca_token(boot, spec());
  token.push_back(0x00);
  TokenReport report = verify(token);
  EXPECT_EQ(report.failure(), FailureClass::kMalformed);
  EXPECT_EQ(check(report, "decode").detail, "CBOR at offset " + std::to_string(token.size() - 1) +
                                                ": 1 trailing byte(s) after the data item");
}

TEST_F(VerifierTest, SignedDuplicateClaimIsMalformed) {
  // Validly signed, so only the decoder stands between two RIMs and a verifier
  // that would read the first one.
  RealmClaimsSpec s = spec();
  s.extra_claims.emplace_back(Item::integer(claim::kRim), Item::bytes(filled(32, 0x12)));
  TokenReport report = verify(testing::make_cca_token(boot, s));
  EXPECT_EQ(report.failure(), FailureClass::kMalformed);
  EXPECT_NE(check(report, "decode").detail.find("realm token payload: CBOR at offset"), std::string::npos);
  EXPECT_NE(check(report, "decode").detail.find("duplicate map key 44238"), std::string::npos);
}

TEST_F(VerifierTest, SignedIndefiniteLengthPayloadIsMalformed) {
  Bytes payload = testing::encode_realm_claims(spec());
  payload[0] = 0xBF;  // indefinite-length map ...
  payload.push_back(0xFF);  // ... closed by a break: well-formed CBOR, refused by policy
  Bytes realm = boot.sign_realm_token(payload);
  TokenReport report = verify(encode_collection(Wrapper::kCmw907, boot.platform_token(), realm));
  EXPECT_EQ(report.failure(), FailureClass::kMalformed);
  EXPECT_NE(check(report, "decode").detail.find("indefinite-length items are not accepted"), std::string::npos);
}

TEST_F(VerifierTest, AbsurdLengthInsideTheCollectionIsMalformed) {
  Bytes token = testing::make_cca_token(boot, spec());
  // The collection's first bstr header: 44234 -> [263, bstr]. Rewrite the
  // bstr length to 2^32-1 (the rest no longer matters).
  Bytes head = {0xd9, 0x03, 0x8b, 0xa2, 0x19, 0xac, 0xca, 0x82, 0x19, 0x01, 0x07};
  ASSERT_TRUE(std::equal(head.begin(), head.end(), token.begin()));
  Bytes absurd(head);
  absurd.insert(absurd.end(), {0x5a, 0xff, 0xff, 0xff, 0xff});
  absurd.insert(absurd.end(), token.begin() + static_cast<std::ptrdiff_t>(head.size()) + 3, token.end());
  TokenReport report = verify(absurd);
  EXPECT_EQ(report.failure(), FailureClass::kMalformed);
  EXPECT_NE(check(report, "decode").detail.find("declared length 4294967295 exceeds"), std::string::npos);
}

TEST_F(VerifierTest, OversizedInputIsRefusedBeforeDecoding) {
  Bytes huge(kMaxTokenSize + 1, 0);
  TokenReport report = verify(huge);
  EXPECT_EQ(report.failure(), FailureClass::kMalformed);
  EXPECT_NE(check(report, "decode").detail.find("more than the 65536 accepted"), std::string::npos);
}

// --- Reports -------------------------------------------------------------------

TEST_F(VerifierTest, ReportsSayWhatHolds) {
  RealmClaimsSpec s = spec();
  s.rim = filled(32, 0x10);
  VerificationReport report = verify_tokens({{"model.cbor", testing::make_cca_token(boot, s)}}, options());
  std::string text = report_text(report);
  for (const char* expected : {"policy: medical_inference", "token model.cbor", "[FAIL] policy_rim",
                               "[ ok ] platform_signature", "component \"model\" (index 1) of workflow instance",
                               "the policy's guarantees for \"model\" do NOT apply", "verdict: FAIL (policy, exit code 7)"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << "missing: " << expected << "\n" << text;
  }
  nlohmann::json json = report_json(report);
  EXPECT_EQ(json["verdict"], "fail");
  EXPECT_EQ(json["failure_class"], "policy");
  EXPECT_EQ(json["exit_code"], 7);
  EXPECT_EQ(json["tokens"][0]["realm"]["mica"]["component_name"], "model");
  EXPECT_EQ(json["tokens"][0]["realm"]["rim"], cbor::to_hex(filled(32, 0x10)));
  EXPECT_EQ(json["tokens"][0]["component"]["facts_apply"], false);
  EXPECT_EQ(json["tokens"][0]["platform"]["lifecycle_state"], "secured");
  bool found = false;
  for (const auto& c : json["tokens"][0]["checks"]) {
    if (c["id"] == "policy_rim") {
      found = true;
      EXPECT_EQ(c["outcome"], "failed");
      EXPECT_EQ(c["class"], "policy");
    }
  }
  EXPECT_TRUE(found);

  VerificationReport good = verify_tokens({{"model.cbor", testing::make_cca_token(boot, spec())}}, options());
  std::string good_text = report_text(good);
  EXPECT_NE(good_text.find("what the policy proves about \"model\":\n    - model !-> untrusted except via egress"),
            std::string::npos)
      << good_text;
  EXPECT_NE(good_text.find("verdict: PASS"), std::string::npos);
  EXPECT_EQ(report_json(good)["tokens"][0]["component"]["facts_apply"], true);
}

}  // namespace
}  // namespace mica::verify
