// `mica inspect` on our tokens, bare COSE_Sign1 and plain CBOR.
#include <gtest/gtest.h>

#include "platform/attestation.h"
#include "token_builder.h"
#include "verify/inspect.h"

namespace mica::verify {
namespace {

using cbor::Item;
using testing::filled;

class InspectTest : public ::testing::Test {
 protected:
  InspectTest() : boot(tmp.sub("state"), testing::sample_platform_config()) {
    testing::RealmClaimsSpec s;
    s.mica = testing::sample_mica_claims();
    s.extra_claims.emplace_back(Item::integer(-70000), Item::map({{Item::text("vendor"), Item::bytes(Bytes{1, 2})}}));
    token = testing::make_cca_token(boot, s);
  }
  testing::TempDir tmp;
  platform::PlatformAttestation boot;
  Bytes token;
};

void expect_contains(const std::string& text, const std::vector<std::string>& parts) {
  for (const auto& part : parts) EXPECT_NE(text.find(part), std::string::npos) << "missing: " << part << "\n" << text;
}

TEST_F(InspectTest, TextNamesMicaAndUnknownClaimsAndDoesNotCheckWithoutAKey) {
  auto text = inspect_text(token, {});
  ASSERT_TRUE(text.ok()) << text.error().message;
  expect_contains(text.value(),
                  {"CCA token, CMW collection (tag 907)", "algorithm ES384 (-35)",
                   "signature: 96 bytes, not checked (give --platform-key to check)",
                   "mica: policy digest (-1296646913): " + cbor::to_hex(filled(32, 0xD1)),
                   "mica: workflow instance id (-1296646914): " + cbor::to_hex(filled(32, 0x5A)),
                   "mica: component index (-1296646915): 1", "mica: component name (-1296646916): \"model\"",
                   "unknown -70000: {\"vendor\": h'0102'}", "measurement type (1): \"RMM\"",
                   "binding: platform challenge == sha-256(RAK claim) (bound)"});
  EXPECT_EQ(text->find("VALID"), std::string::npos);
}

TEST_F(InspectTest, WithTheKeyBothSignaturesAreChecked) {
  InspectOptions options;
  options.platform_key = boot.platform_public_key();
  auto text = inspect_text(token, options);
  ASSERT_TRUE(text.ok());
  expect_contains(text.value(), {"VALID, verifies with the given platform key", "VALID, verifies with the RAK in the realm token"});

  platform::PlatformAttestation other(tmp.sub("other"), testing::sample_platform_config());
  options.platform_key = other.platform_public_key();
  auto wrong = inspect_text(token, options);
  ASSERT_TRUE(wrong.ok());
  expect_contains(wrong.value(), {"INVALID, ES384 signature does not verify"});
}

TEST_F(InspectTest, JsonListsClaimsWithKeysNamesAndTypes) {
  InspectOptions options;
  options.platform_key = boot.platform_public_key();
  auto json = inspect_json(token, options);
  ASSERT_TRUE(json.ok());
  const nlohmann::json& j = json.value();
  EXPECT_EQ(j["format"], "cmw-907");
  EXPECT_EQ(j["platform_token"]["algorithm"]["name"], "ES384");
  EXPECT_EQ(j["platform_token"]["signature"]["verified"], true);
  EXPECT_EQ(j["realm_token"]["signature"]["verified"], true);
  EXPECT_EQ(j["binding"]["bound"], true);
  bool saw_name = false, saw_unknown = false;
  for (const auto& c : j["realm_token"]["claims"]) {
    if (c["key"] == claim::kMicaComponentName) {
      saw_name = true;
      EXPECT_EQ(c["name"], "mica: component name");
      EXPECT_EQ(c["value"], "model");
      EXPECT_EQ(c["type"], "tstr");
    }
    if (c["key"] == -70000) {
      saw_unknown = true;
      EXPECT_TRUE(c["name"].is_null());
      EXPECT_EQ(c["value"]["vendor"], "0102");
    }
  }
  EXPECT_TRUE(saw_name && saw_unknown);
  const auto& components = j["platform_token"]["claims"];
  bool saw_components = false;
  for (const auto& c : components) {
    if (c["key"] == claim::kSoftwareComponents) {
      saw_components = true;
      ASSERT_EQ(c["items"].size(), 1u);
      EXPECT_EQ(c["items"][0]["index"], 0);
      EXPECT_EQ(c["items"][0]["items"][0]["name"], "measurement type");
    }
  }
  EXPECT_TRUE(saw_components);
}

TEST_F(InspectTest, UnboundTokenIsShownAsSuch) {
  platform::PlatformAttestation next_boot(tmp.sub("state"), testing::sample_platform_config());
  auto collection = decode_collection(token);
  ASSERT_TRUE(collection.ok());
  Bytes mixed = encode_collection(Wrapper::kLegacy399, next_boot.platform_token(), collection->realm_token);
  auto text = inspect_text(mixed, {});
  ASSERT_TRUE(text.ok());
  expect_contains(text.value(), {"legacy collection (tag 399)", "platform challenge != sha-256(RAK claim) (NOT BOUND)"});
}

TEST_F(InspectTest, BareCoseSign1AndPlainCbor) {
  auto collection = decode_collection(token);
  ASSERT_TRUE(collection.ok());
  auto realm_only = inspect_text(collection->realm_token, {});
  ASSERT_TRUE(realm_only.ok());
  expect_contains(realm_only.value(), {"COSE_Sign1 (tag 18), not a CCA token collection", "token (realm claims)",
                                       "RIM (initial measurement) (44238)"});
  auto platform_only = inspect_text(collection->platform_token, {});
  ASSERT_TRUE(platform_only.ok());
  expect_contains(platform_only.value(), {"token (platform claims)", "software components (2399)"});

  auto plain = inspect_text(Bytes{0x82, 0x01, 0x61, 0x61}, {});
  ASSERT_TRUE(plain.ok());
  expect_contains(plain.value(), {"CBOR data item, not a CCA token", "[1, \"a\"]"});

  auto garbage = inspect_text(Bytes{0x5f, 0x41}, {});
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message.find("indefinite"), std::string::npos);
}

TEST_F(InspectTest, BrokenInnerTokenIsReportedNextToTheGoodOne) {
  auto collection = decode_collection(token);
  ASSERT_TRUE(collection.ok());
  Bytes bad_realm = collection->realm_token;
  bad_realm.push_back(0x00);  // trailing byte
  auto text = inspect_text(encode_collection(Wrapper::kCmw907, collection->platform_token, bad_realm), {});
  ASSERT_TRUE(text.ok());
  expect_contains(text.value(), {"software components (2399)", "error: COSE_Sign1: CBOR at offset"});
}

}  // namespace
}  // namespace mica::verify
