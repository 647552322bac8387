// The shared CCA token vectors (Veraison ccatoken, Apache-2.0) give the
// verdicts their INDEX.md states. The directory is passed by CMake; if it is
// missing these tests fail rather than skip.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "verify/claims.h"
#include "verify/inspect.h"
#include "verify/token.h"
#include "verify/verifier.h"

namespace mica::verify {
namespace {

std::string vector_path(const std::string& name) { return std::string(MICA_CCA_TOKEN_VECTORS) + "/" + name; }

Bytes read_vector(const std::string& name) {
  std::ifstream in(vector_path(name), std::ios::binary);
  if (!in) throw std::runtime_error("missing test vector " + vector_path(name));
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

EcPublicKey key(const std::string& name) {
  auto k = load_public_key_file(vector_path(name));
  if (!k) throw std::runtime_error(k.error().message);
  return k.value();
}

const Check& check(const TokenReport& report, const std::string& id) {
  const Check* c = report.find(id);
  if (!c) throw std::runtime_error("no check " + id);
  return *c;
}

TEST(CcaVectors, DirectoryIsPresent) {
  ASSERT_TRUE(std::filesystem::exists(vector_path("INDEX.md")))
      << "CCA token vectors not found at " << MICA_CCA_TOKEN_VECTORS << " (set MICA_CCA_TOKEN_VECTORS)";
}

void expect_good_token(const std::string& name, Wrapper wrapper) {
  Bytes token = read_vector(name);
  VerifyOptions options;
  options.platform_anchor = key("testIAK.jwk.json");
  TokenReport report = verify_token(name, token, options);
  EXPECT_FALSE(report.failure().has_value()) << name << " failed as " << failure_class_name(*report.failure());
  for (const char* id : {"decode", "platform_signature", "realm_signature", "rak_binding", "platform_claims",
                         "realm_claims", "platform_lifecycle"}) {
    EXPECT_EQ(check(report, id).outcome, Check::Outcome::kPassed) << name << " " << id << ": " << check(report, id).detail;
  }
  ASSERT_TRUE(report.token.has_value());
  EXPECT_EQ(report.token->collection.wrapper, wrapper);
  EXPECT_EQ(check(report, "platform_signature").detail, "ES256 (-7) by the trust anchor");
  EXPECT_EQ(check(report, "realm_signature").detail, "ES384 (-35) by the RAK (COSE_Key)");
  EXPECT_EQ(check(report, "rak_binding").detail, "platform challenge = sha-512(RAK)");
  ASSERT_TRUE(report.realm && report.realm->public_key);
  // The RAK inside the token is the published test RAK.
  EXPECT_EQ(*report.realm->public_key, key("testRAK.jwk.json"));
  Bytes abab;
  for (int i = 0; i < 32; ++i) abab.insert(abab.end(), {'A', 'B'});
  EXPECT_EQ(report.realm->challenge, abab);
  EXPECT_FALSE(report.realm->mica.has_value());
  ASSERT_TRUE(report.platform.has_value());
  EXPECT_EQ(report.platform->profile, kPlatformProfile);
  EXPECT_EQ(report.platform->lifecycle, 0x3000u);
  ASSERT_EQ(report.platform->software_components.size(), 1u);
  EXPECT_EQ(report.platform->software_components[0].measurement, Bytes(32, 0x03));
}

TEST(CcaVectors, GoodTokenInTag907Wrapper) { expect_good_token("testGoodCCAToken.cbor", Wrapper::kCmw907); }

TEST(CcaVectors, GoodTokenInLegacyTag399Wrapper) { expect_good_token("testGoodLegacyCCAToken.cbor", Wrapper::kLegacy399); }

TEST(CcaVectors, BothWrappersCarryTheSameSignedTokens) {
  auto current = decode_collection(read_vector("testGoodCCAToken.cbor"));
  auto legacy = decode_collection(read_vector("testGoodLegacyCCAToken.cbor"));
  ASSERT_TRUE(current.ok() && legacy.ok());
  EXPECT_EQ(current->platform_token, legacy->platform_token);
  EXPECT_EQ(current->realm_token, legacy->realm_token);
  ASSERT_TRUE(current->platform_content_type.has_value());
  EXPECT_EQ(current->platform_content_type->argument(), kCmwContentFormat);
}

TEST(CcaVectors, GoodTokenWithTheWrongAnchorFailsOnThePlatformSignature) {
  VerifyOptions options;
  options.platform_anchor = key("testAltIAK.jwk.json");
  TokenReport report = verify_token("good", read_vector("testGoodCCAToken.cbor"), options);
  EXPECT_EQ(report.failure(), FailureClass::kSignature);
  EXPECT_EQ(check(report, "platform_signature").outcome, Check::Outcome::kFailed);
  EXPECT_EQ(check(report, "platform_signature").detail, "ES256 signature does not verify");
  // The realm side is intact: only the anchor is wrong.
  EXPECT_EQ(check(report, "realm_signature").outcome, Check::Outcome::kPassed);
  EXPECT_EQ(check(report, "rak_binding").outcome, Check::Outcome::kPassed);
  EXPECT_EQ(exit_code(report.failure()), kExitSignature);
}

TEST(CcaVectors, EmptyCollectionHasNoPlatformToken) {
  VerifyOptions options;
  options.platform_anchor = key("testIAK.jwk.json");
  TokenReport report = verify_token("empty", read_vector("inline_empty_collection.cbor"), options);
  EXPECT_EQ(report.failure(), FailureClass::kMalformed);
  EXPECT_EQ(check(report, "decode").detail, "CCA token has no platform token (44234)");
}

TEST(CcaVectors, BareCoseSign1IsTheWrongOuterTag) {
  auto collection = decode_collection(read_vector("inline_wrong_top_level_tag.cbor"));
  ASSERT_FALSE(collection.ok());
  EXPECT_EQ(collection.error().message, "not a CCA token: wrong top-level tag 18 (expected 399 or 907)");
}

cbor::Item claims_vector(const std::string& name) {
  auto item = cbor::decode(read_vector(name));
  if (!item) throw std::runtime_error(item.error().message);
  return item.value();
}

TEST(CcaVectors, RealmClaimsWithEveryClaimAreValid) {
  auto parsed = parse_realm_claims(claims_vector("CcaRealmClaimsAll.cbor"));
  EXPECT_TRUE(parsed.ok()) << parsed.problems.front();
  EXPECT_EQ(parsed.claims.public_key_encoding, RakEncoding::kCoseKey);
  EXPECT_EQ(parsed.claims.rems.size(), 4u);
  // The vector's 64-byte RIM under "sha-256" is accepted, and pointed out.
  ASSERT_FALSE(parsed.warnings.empty());
  EXPECT_NE(parsed.warnings.front().find("64 bytes although the hash algorithm is sha-256"), std::string::npos);
}

TEST(CcaVectors, RealmClaimsWithoutTheRimAreRejected) {
  auto parsed = parse_realm_claims(claims_vector("CcaClaimsMissingMandInitialMeas.cbor"));
  ASSERT_EQ(parsed.problems.size(), 1u);
  EXPECT_EQ(parsed.problems.front(), "mandatory claim RIM (initial measurement) (44238) is missing");
  // This vector carries the RAK as a raw point, the other encoding in use.
  EXPECT_EQ(parsed.claims.public_key_encoding, RakEncoding::kRawPoint);
  ASSERT_TRUE(parsed.claims.public_key.has_value());
  EXPECT_EQ(*parsed.claims.public_key, key("testRAK.jwk.json"));
}

TEST(CcaVectors, PlatformClaimsWithEveryClaimAreValid) {
  auto parsed = parse_platform_claims(claims_vector("CcaPlatformClaimsAll.cbor"));
  EXPECT_TRUE(parsed.ok()) << parsed.problems.front();
  EXPECT_EQ(parsed.claims.verification_service, "https://veraison.example/v1/challenge-response");
  EXPECT_TRUE(parsed.warnings.empty());
}

TEST(CcaVectors, PlatformClaimsWithoutTheChallengeAreRejected) {
  auto parsed = parse_platform_claims(claims_vector("CcaPlatformClaimsMissingMandatoryNonce.cbor"));
  ASSERT_EQ(parsed.problems.size(), 1u);
  EXPECT_EQ(parsed.problems.front(), "mandatory claim challenge (10) is missing");
  EXPECT_EQ(parsed.claims.profile, kLegacyPlatformProfile);  // the legacy profile name is accepted
}

TEST(CcaVectors, EveryStrictPrefixOfAGoodTokenIsRefused) {
  Bytes token = read_vector("testGoodCCAToken.cbor");
  for (size_t n = 0; n < token.size(); ++n) {
    EXPECT_FALSE(cbor::decode(std::span(token.data(), n)).ok()) << "prefix of " << n << " bytes decoded";
  }
}

TEST(CcaVectors, InspectNamesEveryClaimOfTheGoodToken) {
  InspectOptions options;
  options.platform_key = key("testIAK.jwk.json");
  auto text = inspect_text(read_vector("testGoodCCAToken.cbor"), options);
  ASSERT_TRUE(text.ok()) << text.error().message;
  for (const char* expected :
       {"CCA token, CMW collection (tag 907), 1183 bytes", "platform token (44234): 409 bytes, CMW content type 263",
        "algorithm ES256 (-7)", "signature: 64 bytes, VALID, verifies with the given platform key",
        "security lifecycle (2395): 12288  (0x3000, secured)", "software components (2399):",
        "measurement value (2): 0303030303030303030303030303030303030303030303030303030303030303",
        "signature: 96 bytes, VALID, verifies with the RAK in the realm token",
        "realm attestation key (RAK) (44237): a401022002215830", "(COSE_Key, P-384)",
        "binding: platform challenge == sha-512(RAK claim) (bound)"}) {
    EXPECT_NE(text->find(expected), std::string::npos) << "missing: " << expected << "\n" << text.value();
  }
  EXPECT_EQ(text->find("unknown"), std::string::npos) << text.value();
}

}  // namespace
}  // namespace mica::verify
