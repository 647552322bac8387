// Test helpers: realm claim sets built the way the monitor builds them, CCA
// tokens around them, and platform tokens with arbitrary claims.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "platform/attestation.h"
#include "verify/cbor.h"
#include "verify/claims.h"
#include "verify/crypto.h"
#include "verify/tenant_policy.h"
#include "verify/token.h"

namespace mica::testing {

using verify::Bytes;

Bytes filled(size_t size, uint8_t value);

struct RealmClaimsSpec {
  std::optional<std::string> profile = std::string(verify::kRealmProfile);
  Bytes challenge = filled(64, 0xC1);
  Bytes personalization_value = filled(64, 0x00);
  Bytes rim = filled(32, 0x11);
  std::vector<Bytes> rems = {filled(32, 0), filled(32, 0), filled(32, 0), filled(32, 0)};
  std::string hash_algo = "sha-256";
  Bytes rak;  // claim 44237 content
  std::string rak_hash_algo = "sha-256";
  std::optional<verify::MicaClaims> mica;
  std::vector<std::pair<verify::cbor::Item, verify::cbor::Item>> extra_claims;
  std::vector<int64_t> omit;  // keys to leave out
};

verify::MicaClaims sample_mica_claims(uint8_t instance_byte = 0x5A);

// The claims map in the order TF-RMM emits it, then the Mica claims.
Bytes encode_realm_claims(const RealmClaimsSpec& spec);

// A realm token signed by `attestation`'s RAK, with spec.rak defaulting to it.
Bytes make_realm_token(const platform::PlatformAttestation& attestation, RealmClaimsSpec spec);

// A complete CCA token from this boot.
Bytes make_cca_token(const platform::PlatformAttestation& attestation, RealmClaimsSpec spec,
                     verify::Wrapper wrapper = verify::Wrapper::kCmw907);

platform::PlatformTokenConfig sample_platform_config();

// A fresh private directory under the test temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A compiled policy as the verifier sees it, for tests.
class FakePolicy final : public verify::TenantPolicy {
 public:
  FakePolicy(std::string name, Bytes digest, std::vector<verify::PolicyComponent> components)
      : name_(std::move(name)), digest_(std::move(digest)), components_(std::move(components)) {}
  std::string workflow_name() const override { return name_; }
  Bytes digest() const override { return digest_; }
  std::vector<verify::PolicyComponent> components() const override { return components_; }
  std::vector<std::string> differences_from(const verify::TenantPolicy& deployed) const override {
    if (deployed.digest() == digest_) return {};
    return {"fake policies differ"};
  }

 private:
  std::string name_;
  Bytes digest_;
  std::vector<verify::PolicyComponent> components_;
};

// The boot's platform token with its claims edited, signed again with the
// platform key from the state directory (for claims our platform never emits).
using ClaimEdit = std::function<void(std::vector<verify::cbor::Item::Entry>&)>;
Bytes resign_platform_token(const platform::PlatformAttestation& attestation, const ClaimEdit& edit);
// Replaces (or adds) claim `key` in a list of map entries.
void set_claim(std::vector<verify::cbor::Item::Entry>& entries, int64_t key, verify::cbor::Item value);

// Re-encodes a COSE_Sign1 with a new payload but the old signature.
Bytes replace_payload(const Bytes& sign1, const Bytes& new_payload);

// Reads a whole file (tests only).
Bytes read_file(const std::string& path);

}  // namespace mica::testing
