#include "token_builder.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "verify/cose.h"

namespace mica::testing {

Bytes filled(size_t size, uint8_t value) { return Bytes(size, value); }

verify::MicaClaims sample_mica_claims(uint8_t instance_byte) {
  verify::MicaClaims mica;
  mica.policy_digest = filled(32, 0xD1);
  mica.workflow_instance_id = filled(32, instance_byte);
  mica.component_index = 1;
  mica.component_name = "model";
  return mica;
}

Bytes encode_realm_claims(const RealmClaimsSpec& spec) {
  namespace claim = verify::claim;
  auto omitted = [&](int64_t key) {
    for (int64_t k : spec.omit) {
      if (k == key) return true;
    }
    return false;
  };
  std::vector<std::pair<verify::cbor::Item, verify::cbor::Item>> entries;
  auto add = [&](int64_t key, verify::cbor::Item value) {
    if (!omitted(key)) entries.emplace_back(verify::cbor::Item::integer(key), std::move(value));
  };
  using verify::cbor::Item;
  add(claim::kChallenge, Item::bytes(spec.challenge));
  add(claim::kPersonalizationValue, Item::bytes(spec.personalization_value));
  add(claim::kRealmPublicKey, Item::bytes(spec.rak));
  add(claim::kRealmHashAlgo, Item::text(spec.hash_algo));
  add(claim::kRealmPublicKeyHashAlgo, Item::text(spec.rak_hash_algo));
  if (spec.profile) add(claim::kProfile, Item::text(*spec.profile));
  add(claim::kRim, Item::bytes(spec.rim));
  std::vector<Item> rems;
  for (const auto& rem : spec.rems) rems.push_back(Item::bytes(rem));
  add(claim::kRems, Item::array(std::move(rems)));
  if (spec.mica) {
    add(claim::kMicaPolicyDigest, Item::bytes(spec.mica->policy_digest));
    add(claim::kMicaWorkflowInstanceId, Item::bytes(spec.mica->workflow_instance_id));
    add(claim::kMicaComponentIndex, Item::unsigned_int(spec.mica->component_index));
    add(claim::kMicaComponentName, Item::text(spec.mica->component_name));
  }
  // Written with the Writer directly: Item::map would not let a test build
  // duplicate keys, which some negative tests need.
  verify::cbor::Writer w;
  w.map_header(entries.size() + spec.extra_claims.size());
  for (const auto& [k, v] : entries) w.item(k).item(v);
  for (const auto& [k, v] : spec.extra_claims) w.item(k).item(v);
  return w.take();
}

Bytes make_realm_token(const platform::PlatformAttestation& attestation, RealmClaimsSpec spec) {
  if (spec.rak.empty()) spec.rak = attestation.rak_cose_key();
  return attestation.sign_realm_token(encode_realm_claims(spec));
}

Bytes make_cca_token(const platform::PlatformAttestation& attestation, RealmClaimsSpec spec, verify::Wrapper wrapper) {
  Bytes realm = make_realm_token(attestation, std::move(spec));
  return verify::encode_collection(wrapper, attestation.platform_token(), realm);
}

platform::PlatformTokenConfig sample_platform_config() {
  platform::PlatformTokenConfig config;
  config.monitor_measurement = filled(32, 0xA7);
  config.monitor_version = "mica-test";
  return config;
}

TempDir::TempDir() {
  std::string base = (std::filesystem::temp_directory_path() / "mica-verify-test-XXXXXX").string();
  std::vector<char> buffer(base.begin(), base.end());
  buffer.push_back('\0');
  if (!::mkdtemp(buffer.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buffer.data();
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

Bytes resign_platform_token(const platform::PlatformAttestation& attestation, const ClaimEdit& edit) {
  auto sign1 = verify::cose::decode_sign1(attestation.platform_token());
  if (!sign1) throw std::runtime_error(sign1.error().message);
  auto claims = verify::cbor::decode(sign1->payload);
  if (!claims) throw std::runtime_error(claims.error().message);
  std::vector<verify::cbor::Item::Entry> entries = claims->map_entries();
  edit(entries);
  Bytes pem = read_file(attestation.platform_key_path());
  auto key = verify::EcKeyPair::from_pem(std::string(pem.begin(), pem.end()));
  if (!key) throw std::runtime_error(key.error().message);
  auto token = verify::cose::sign1(key.value(), verify::cbor::encode(verify::cbor::Item::map(std::move(entries))));
  if (!token) throw std::runtime_error(token.error().message);
  return token.value();
}

void set_claim(std::vector<verify::cbor::Item::Entry>& entries, int64_t key, verify::cbor::Item value) {
  for (auto& [k, v] : entries) {
    if (k.to_int64() == key) {
      v = std::move(value);
      return;
    }
  }
  entries.emplace_back(verify::cbor::Item::integer(key), std::move(value));
}

Bytes replace_payload(const Bytes& sign1, const Bytes& new_payload) {
  auto decoded = verify::cose::decode_sign1(sign1);
  if (!decoded) throw std::runtime_error(decoded.error().message);
  return verify::cose::encode_sign1(decoded->protected_bytes, new_payload, decoded->signature);
}

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace mica::testing
