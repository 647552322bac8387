// The emulated platform's attestation: key custody, the platform token, the RAK.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "platform/attestation.h"
#include "token_builder.h"
#include "verify/cose.h"

namespace mica::platform {
namespace {

using testing::TempDir;
using verify::Bytes;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("stat " + path);
  return st.st_mode & 07777;
}

TEST(PlatformAttestation, CreatesTheKeyOwnerOnlyAndReloadsItOnTheNextBoot) {
  TempDir tmp;
  std::string state = tmp.sub("state");
  PlatformAttestation first(state, testing::sample_platform_config());
  EXPECT_TRUE(first.created_platform_key());
  EXPECT_EQ(mode_of(state), 0700u);
  EXPECT_EQ(mode_of(first.platform_key_path()), 0600u);
  EXPECT_EQ(mode_of(first.platform_public_key_path()), 0644u);
  // No temporary files are left behind.
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(state)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 2u);

  PlatformAttestation second(state, testing::sample_platform_config());
  EXPECT_FALSE(second.created_platform_key());
  EXPECT_EQ(second.platform_public_key(), first.platform_public_key());
  // A new RAK every boot, so a new platform token too.
  EXPECT_NE(second.rak_public_key(), first.rak_public_key());
  EXPECT_NE(second.platform_token(), first.platform_token());
}

TEST(PlatformAttestation, PublishedPublicKeyIsTheTrustAnchor) {
  TempDir tmp;
  PlatformAttestation attestation(tmp.sub("state"), testing::sample_platform_config());
  auto anchor = verify::load_public_key_file(attestation.platform_public_key_path());
  ASSERT_TRUE(anchor.ok()) << anchor.error().message;
  EXPECT_EQ(anchor.value(), attestation.platform_public_key());
  EXPECT_EQ(anchor->curve, verify::Curve::kP384);
}

TEST(PlatformAttestation, RefusesAKeyFileOthersCanRead) {
  TempDir tmp;
  std::string state = tmp.sub("state");
  std::string key_path;
  {
    PlatformAttestation attestation(state, testing::sample_platform_config());
    key_path = attestation.platform_key_path();
  }
  ASSERT_EQ(::chmod(key_path.c_str(), 0644), 0);
  try {
    PlatformAttestation again(state, testing::sample_platform_config());
    FAIL() << "a world-readable key was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("accessible by other users"), std::string::npos) << e.what();
  }
}

TEST(PlatformAttestation, RefusesAStateDirectoryOthersCanWrite) {
  TempDir tmp;
  std::string state = tmp.sub("state");
  ASSERT_EQ(::mkdir(state.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(state.c_str(), 0777), 0);
  EXPECT_THROW(PlatformAttestation(state, testing::sample_platform_config()), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(state + "/" + std::string(kPlatformKeyFile)));
}

TEST(PlatformAttestation, RefusesACorruptKeyFile) {
  TempDir tmp;
  std::string state = tmp.sub("state");
  ASSERT_EQ(::mkdir(state.c_str(), 0700), 0);
  std::string key_path = state + "/" + std::string(kPlatformKeyFile);
  { std::ofstream(key_path) << "-----BEGIN EC PRIVATE KEY-----\nnot a key\n-----END EC PRIVATE KEY-----\n"; }
  ASSERT_EQ(::chmod(key_path.c_str(), 0600), 0);
  EXPECT_THROW(PlatformAttestation(state, testing::sample_platform_config()), std::runtime_error);
}

TEST(PlatformAttestation, RefusesABadMonitorMeasurement) {
  TempDir tmp;
  PlatformTokenConfig config = testing::sample_platform_config();
  config.monitor_measurement.resize(20);
  EXPECT_THROW(PlatformAttestation(tmp.sub("state"), config), std::invalid_argument);
}

TEST(PlatformAttestation, PlatformTokenCarriesTheCcaPlatformClaims) {
  TempDir tmp;
  PlatformTokenConfig config = testing::sample_platform_config();
  config.firmware_components.push_back({"BL31", Bytes(32, 0xB3), unsigned_signer_id(), "2.10"});
  PlatformAttestation attestation(tmp.sub("state"), config);

  auto sign1 = verify::cose::decode_sign1(attestation.platform_token());
  ASSERT_TRUE(sign1.ok()) << sign1.error().message;
  EXPECT_EQ(sign1->alg, verify::cose::kEs384);
  EXPECT_EQ(sign1->signature.size(), 96u);
  EXPECT_TRUE(verify::cose::verify_sign1(sign1.value(), attestation.platform_public_key()).ok());

  auto claims = verify::cbor::decode(sign1->payload);
  ASSERT_TRUE(claims.ok());
  auto parsed = verify::parse_platform_claims(claims.value());
  ASSERT_TRUE(parsed.ok()) << parsed.problems.front();
  EXPECT_TRUE(parsed.warnings.empty());
  const verify::PlatformClaims& c = parsed.claims;
  EXPECT_EQ(c.profile, verify::kPlatformProfile);
  // The challenge binds this boot's RAK: SHA-256 of its COSE_Key encoding.
  EXPECT_EQ(attestation.rak_cose_key().size(), 107u);
  EXPECT_EQ(c.challenge, verify::digest(verify::HashAlg::kSha256, attestation.rak_cose_key()));
  auto rak = verify::public_key_from_cose_key(attestation.rak_cose_key());
  ASSERT_TRUE(rak.ok());
  EXPECT_EQ(rak.value(), attestation.rak_public_key());
  // Instance id: a random-type UEID derived from the platform key.
  Bytes expected_instance{0x01};
  Bytes key_hash = verify::digest(verify::HashAlg::kSha256, attestation.platform_public_key().uncompressed_point());
  expected_instance.insert(expected_instance.end(), key_hash.begin(), key_hash.end());
  EXPECT_EQ(c.instance_id, expected_instance);
  EXPECT_EQ(c.implementation_id, emulated_implementation_id());
  EXPECT_EQ(c.lifecycle, kLifecycleSecured);
  EXPECT_EQ(c.hash_algo, "sha-256");
  EXPECT_EQ(c.config, (Bytes{0, 0, 0, 0}));
  EXPECT_EQ(c.verification_service, "urn:mica:tenant-verifier");
  ASSERT_EQ(c.software_components.size(), 2u);
  EXPECT_EQ(c.software_components[0].type, "BL31");
  EXPECT_EQ(c.software_components[0].version, "2.10");
  const verify::SoftwareComponent& monitor = c.software_components[1];
  EXPECT_EQ(monitor.type, "RMM");
  EXPECT_EQ(monitor.measurement, config.monitor_measurement);
  EXPECT_EQ(monitor.signer_id, unsigned_signer_id());
  EXPECT_EQ(monitor.version, "mica-test");
  EXPECT_EQ(monitor.description, "sha-256");
}

TEST(PlatformAttestation, RakSignsSigStructuresWithEs384) {
  TempDir tmp;
  PlatformAttestation attestation(tmp.sub("state"), testing::sample_platform_config());
  Bytes payload{0xa1, 0x0a, 0x40};
  Bytes protected_bytes = verify::cose::protected_header_for(verify::cose::kEs384);
  Bytes tbs = verify::cose::sig_structure(protected_bytes, payload);
  std::array<uint8_t, kRakSignatureSize> signature{};
  ASSERT_TRUE(attestation.sign_with_rak(tbs, signature));
  EXPECT_TRUE(verify::ecdsa_verify(attestation.rak_public_key(), verify::HashAlg::kSha384, tbs, signature).ok());
  EXPECT_FALSE(verify::ecdsa_verify(attestation.platform_public_key(), verify::HashAlg::kSha384, tbs, signature).ok());

  Bytes token = attestation.sign_realm_token(payload);
  auto sign1 = verify::cose::decode_sign1(token);
  ASSERT_TRUE(sign1.ok());
  EXPECT_EQ(verify::cbor::to_hex(sign1->protected_bytes), "a1013822");  // {1: -35}, as TF-RMM
  EXPECT_EQ(sign1->payload, payload);
  EXPECT_TRUE(verify::cose::verify_sign1(sign1.value(), attestation.rak_public_key()).ok());
}

}  // namespace
}  // namespace mica::platform
