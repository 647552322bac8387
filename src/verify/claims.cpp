#include "verify/claims.h"

#include <cstdio>

namespace mica::verify {

const char* claim_name(TokenKind kind, int64_t key) {
  switch (key) {
    case claim::kProfile: return "profile";
    case claim::kChallenge: return "challenge";
    default: break;
  }
  if (kind == TokenKind::kPlatform) {
    switch (key) {
      case claim::kInstanceId: return "instance id";
      case claim::kLifecycle: return "security lifecycle";
      case claim::kImplementationId: return "implementation id";
      case claim::kSoftwareComponents: return "software components";
      case claim::kVerificationService: return "verification service";
      case claim::kPlatformConfig: return "platform config";
      case claim::kPlatformHashAlgo: return "hash algorithm id";
      default: return nullptr;
    }
  }
  switch (key) {
    case claim::kPersonalizationValue: return "personalization value";
    case claim::kRealmHashAlgo: return "measurement hash algorithm id";
    case claim::kRealmPublicKey: return "realm attestation key (RAK)";
    case claim::kRim: return "RIM (initial measurement)";
    case claim::kRems: return "REMs (extensible measurements)";
    case claim::kRealmPublicKeyHashAlgo: return "RAK hash algorithm id";
    case claim::kMicaPolicyDigest: return "mica: policy digest";
    case claim::kMicaWorkflowInstanceId: return "mica: workflow instance id";
    case claim::kMicaComponentIndex: return "mica: component index";
    case claim::kMicaComponentName: return "mica: component name";
    default: return nullptr;
  }
}

const char* software_component_field_name(int64_t key) {
  switch (key) {
    case claim::kComponentType: return "measurement type";
    case claim::kComponentValue: return "measurement value";
    case claim::kComponentVersion: return "version";
    case claim::kComponentSignerId: return "signer id";
    case claim::kComponentDescription: return "measurement description";
    default: return nullptr;
  }
}

namespace {
struct LifecycleRange {
  uint64_t first;
  const char* name;
};
// Each state owns first..first+0xFF.
constexpr LifecycleRange kLifecycles[] = {
    {0x0000, "unknown"},
    {0x1000, "assembly and test"},
    {0x2000, "CCA platform RoT provisioning"},
    {0x3000, "secured"},
    {0x4000, "non-CCA platform debug"},
    {0x5000, "recoverable CCA platform debug"},
    {0x6000, "decommissioned"},
};
}  // namespace

std::string lifecycle_name(uint64_t lifecycle) {
  for (const auto& range : kLifecycles) {
    if (lifecycle >= range.first && lifecycle <= range.first + 0xFF) return range.name;
  }
  return "invalid";
}

bool lifecycle_is_secured(uint64_t lifecycle) { return lifecycle >= 0x3000 && lifecycle <= 0x30FF; }

const char* rak_encoding_name(RakEncoding encoding) {
  return encoding == RakEncoding::kCoseKey ? "COSE_Key" : "raw uncompressed EC point";
}

namespace {

bool is_hash_length(size_t n) { return n == 32 || n == 48 || n == 64; }

bool is_known_hash_name(std::string_view name) {
  // IANA "Named Information Hash Algorithm" textual names the profiles allow.
  for (std::string_view known : {"sha-224", "sha-256", "sha-384", "sha-512", "sha3-224", "sha3-256", "sha3-384",
                                 "sha3-512"}) {
    if (name == known) return true;
  }
  return false;
}

std::string key_label(TokenKind kind, int64_t key) {
  const char* name = claim_name(kind, key);
  return (name ? std::string(name) : std::string("claim")) + " (" + std::to_string(key) + ")";
}

// Reads claims of one map, recording problems with their names.
class ClaimReader {
 public:
  ClaimReader(const cbor::Item& map, TokenKind kind, std::vector<std::string>& problems)
      : map_(map), kind_(kind), problems_(problems) {}

  const cbor::Item* get(int64_t key, bool mandatory) {
    const cbor::Item* value = map_.find(key);
    if (!value && mandatory) problems_.push_back("mandatory claim " + key_label(kind_, key) + " is missing");
    return value;
  }

  std::optional<Bytes> bytes(int64_t key, bool mandatory) {
    const cbor::Item* value = get(key, mandatory);
    if (!value) return std::nullopt;
    if (!value->is_bytes()) {
      problems_.push_back(key_label(kind_, key) + " must be a byte string, it is " + describe(*value));
      return std::nullopt;
    }
    return value->bytes_value();
  }

  std::optional<std::string> text(int64_t key, bool mandatory) {
    const cbor::Item* value = get(key, mandatory);
    if (!value) return std::nullopt;
    if (!value->is_text()) {
      problems_.push_back(key_label(kind_, key) + " must be a text string, it is " + describe(*value));
      return std::nullopt;
    }
    return value->text_value();
  }

  std::optional<uint64_t> unsigned_int(int64_t key, bool mandatory) {
    const cbor::Item* value = get(key, mandatory);
    if (!value) return std::nullopt;
    if (value->kind() != cbor::Item::Kind::kUnsigned) {
      problems_.push_back(key_label(kind_, key) + " must be an unsigned integer, it is " + describe(*value));
      return std::nullopt;
    }
    return value->argument();
  }

  void expect_size(int64_t key, const Bytes& value, std::initializer_list<size_t> sizes) {
    for (size_t size : sizes) {
      if (value.size() == size) return;
    }
    std::string allowed;
    for (size_t size : sizes) allowed += (allowed.empty() ? "" : " or ") + std::to_string(size);
    problems_.push_back(key_label(kind_, key) + " is " + std::to_string(value.size()) + " bytes, it must be " +
                        allowed);
  }

  static std::string describe(const cbor::Item& value) {
    std::string text = cbor::diagnostic(value);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
  }

 private:
  const cbor::Item& map_;
  TokenKind kind_;
  std::vector<std::string>& problems_;
};

void note_unknown_claims(const cbor::Item& map, TokenKind kind, std::vector<std::string>& warnings) {
  for (const auto& [key, value] : map.map_entries()) {
    std::optional<int64_t> k = key.to_int64();
    if (!k || !claim_name(kind, *k)) warnings.push_back("unknown claim " + ClaimReader::describe(key) + " (ignored)");
  }
}

void parse_software_components(const cbor::Item& list, ParsedClaims<PlatformClaims>& out) {
  const char* what = "software components (2399)";
  if (!list.is_array()) {
    out.problems.push_back(std::string(what) + " must be an array");
    return;
  }
  if (list.array_items().empty()) out.problems.push_back(std::string(what) + " must list at least one component");
  size_t index = 0;
  for (const auto& entry : list.array_items()) {
    std::string where = "software component [" + std::to_string(index++) + "]";
    if (!entry.is_map()) {
      out.problems.push_back(where + " is not a map");
      continue;
    }
    SoftwareComponent component;
    auto text_field = [&](int64_t key) -> std::optional<std::string> {
      const cbor::Item* v = entry.find(key);
      if (!v) return std::nullopt;
      if (!v->is_text()) {
        out.problems.push_back(where + " " + software_component_field_name(key) + " must be a text string");
        return std::nullopt;
      }
      return v->text_value();
    };
    auto hash_field = [&](int64_t key) -> Bytes {
      const cbor::Item* v = entry.find(key);
      std::string field = std::string(software_component_field_name(key)) + " (" + std::to_string(key) + ")";
      if (!v) {
        out.problems.push_back(where + " has no " + field);
        return {};
      }
      if (!v->is_bytes() || !is_hash_length(v->bytes_value().size())) {
        out.problems.push_back(where + " " + field + " must be a byte string of 32, 48 or 64 bytes");
        return {};
      }
      return v->bytes_value();
    };
    component.type = text_field(claim::kComponentType);
    component.measurement = hash_field(claim::kComponentValue);
    component.version = text_field(claim::kComponentVersion);
    component.signer_id = hash_field(claim::kComponentSignerId);
    component.description = text_field(claim::kComponentDescription);
    for (const auto& [key, value] : entry.map_entries()) {
      std::optional<int64_t> k = key.to_int64();
      if (!k || !software_component_field_name(*k)) {
        out.warnings.push_back(where + " has unknown field " + ClaimReader::describe(key));
      }
    }
    out.claims.software_components.push_back(std::move(component));
  }
}

}  // namespace

ParsedClaims<PlatformClaims> parse_platform_claims(const cbor::Item& claims) {
  ParsedClaims<PlatformClaims> out;
  if (!claims.is_map()) {
    out.problems.push_back("platform claims are not a CBOR map");
    return out;
  }
  ClaimReader r(claims, TokenKind::kPlatform, out.problems);
  PlatformClaims& c = out.claims;

  if (auto profile = r.text(claim::kProfile, true)) {
    c.profile = *profile;
    if (c.profile != kPlatformProfile && c.profile != kLegacyPlatformProfile) {
      out.problems.push_back("unsupported platform profile \"" + c.profile + "\" (supported: " +
                             std::string(kPlatformProfile) + ", " + std::string(kLegacyPlatformProfile) + ")");
    }
  }
  if (auto challenge = r.bytes(claim::kChallenge, true)) {
    c.challenge = *challenge;
    r.expect_size(claim::kChallenge, c.challenge, {32, 48, 64});
  }
  if (auto id = r.bytes(claim::kImplementationId, true)) {
    c.implementation_id = *id;
    r.expect_size(claim::kImplementationId, c.implementation_id, {32});
  }
  if (auto id = r.bytes(claim::kInstanceId, true)) {
    c.instance_id = *id;
    r.expect_size(claim::kInstanceId, c.instance_id, {33});
    if (!c.instance_id.empty() && c.instance_id[0] != 0x01) {
      out.problems.push_back("instance id (256) must be a random-type UEID (first byte 0x01)");
    }
  }
  if (auto config = r.bytes(claim::kPlatformConfig, true)) c.config = *config;
  if (auto lifecycle = r.unsigned_int(claim::kLifecycle, true)) {
    c.lifecycle = *lifecycle;
    if (lifecycle_name(c.lifecycle) == "invalid") {
      char hex[32];
      std::snprintf(hex, sizeof(hex), "0x%llx", static_cast<unsigned long long>(c.lifecycle));
      out.problems.push_back(std::string("security lifecycle (2395) value ") + hex + " is not a defined state");
    }
  }
  if (auto algo = r.text(claim::kPlatformHashAlgo, true)) {
    c.hash_algo = *algo;
    if (!is_known_hash_name(c.hash_algo)) out.problems.push_back("hash algorithm id (2402) \"" + c.hash_algo + "\" is not a known hash name");
  }
  if (auto service = r.text(claim::kVerificationService, false)) {
    c.verification_service = *service;
    if (service->empty()) out.problems.push_back("verification service (2400) is empty");
  }
  if (const cbor::Item* list = r.get(claim::kSoftwareComponents, true)) parse_software_components(*list, out);
  note_unknown_claims(claims, TokenKind::kPlatform, out.warnings);
  return out;
}

namespace {

void parse_mica_claims(const cbor::Item& claims, ClaimReader& r, ParsedClaims<RealmClaims>& out) {
  const int64_t keys[] = {claim::kMicaPolicyDigest, claim::kMicaWorkflowInstanceId, claim::kMicaComponentIndex,
                          claim::kMicaComponentName};
  bool any = false;
  for (int64_t key : keys) any = any || claims.find(key) != nullptr;
  if (!any) return;
  // A token that carries one Mica claim must carry all of them.
  size_t problems_before = out.problems.size();
  MicaClaims mica;
  if (auto digest = r.bytes(claim::kMicaPolicyDigest, true)) {
    mica.policy_digest = *digest;
    r.expect_size(claim::kMicaPolicyDigest, mica.policy_digest, {monitor::abi::kPolicyDigestSize});
  }
  if (auto id = r.bytes(claim::kMicaWorkflowInstanceId, true)) {
    mica.workflow_instance_id = *id;
    r.expect_size(claim::kMicaWorkflowInstanceId, mica.workflow_instance_id, {monitor::abi::kWorkflowInstanceIdSize});
  }
  if (auto index = r.unsigned_int(claim::kMicaComponentIndex, true)) mica.component_index = *index;
  if (auto name = r.text(claim::kMicaComponentName, true)) {
    mica.component_name = *name;
    if (name->empty()) out.problems.push_back("mica: component name is empty");
  }
  if (out.problems.size() == problems_before) out.claims.mica = std::move(mica);
}

}  // namespace

ParsedClaims<RealmClaims> parse_realm_claims(const cbor::Item& claims) {
  ParsedClaims<RealmClaims> out;
  if (!claims.is_map()) {
    out.problems.push_back("realm claims are not a CBOR map");
    return out;
  }
  ClaimReader r(claims, TokenKind::kRealm, out.problems);
  RealmClaims& c = out.claims;

  // The profile claim is optional in realm tokens (absent before RMM 1.0).
  if (auto profile = r.text(claim::kProfile, false)) {
    c.profile = *profile;
    if (*profile != kRealmProfile) {
      out.problems.push_back("unsupported realm profile \"" + *profile + "\" (supported: " + std::string(kRealmProfile) + ")");
    }
  }
  if (auto challenge = r.bytes(claim::kChallenge, true)) {
    c.challenge = *challenge;
    r.expect_size(claim::kChallenge, c.challenge, {64});
  }
  if (auto rpv = r.bytes(claim::kPersonalizationValue, true)) {
    c.personalization_value = *rpv;
    r.expect_size(claim::kPersonalizationValue, c.personalization_value, {64});
  }
  if (auto algo = r.text(claim::kRealmHashAlgo, true)) {
    c.hash_algo = *algo;
    if (!is_known_hash_name(c.hash_algo)) out.problems.push_back("measurement hash algorithm id (44236) \"" + c.hash_algo + "\" is not a known hash name");
  }
  std::optional<size_t> expected_measurement_size;
  if (auto alg = hash_alg_from_name(c.hash_algo)) expected_measurement_size = digest_size(*alg);
  auto check_measurement_size = [&](const std::string& what, const Bytes& value) {
    if (!is_hash_length(value.size())) {
      out.problems.push_back(what + " is " + std::to_string(value.size()) + " bytes, it must be 32, 48 or 64");
    } else if (expected_measurement_size && value.size() != *expected_measurement_size) {
      out.warnings.push_back(what + " is " + std::to_string(value.size()) + " bytes although the hash algorithm is " +
                             c.hash_algo);
    }
  };
  if (auto rim = r.bytes(claim::kRim, true)) {
    c.rim = *rim;
    check_measurement_size("RIM (44238)", c.rim);
  }
  if (const cbor::Item* rems = r.get(claim::kRems, true)) {
    if (!rems->is_array() || rems->array_items().size() != 4) {
      out.problems.push_back("REMs (44239) must be an array of 4 byte strings");
    } else {
      size_t i = 0;
      for (const auto& rem : rems->array_items()) {
        std::string what = "REM[" + std::to_string(i++) + "]";
        if (!rem.is_bytes()) {
          out.problems.push_back(what + " is not a byte string");
          continue;
        }
        check_measurement_size(what, rem.bytes_value());
        c.rems.push_back(rem.bytes_value());
      }
    }
  }
  if (auto key = r.bytes(claim::kRealmPublicKey, true)) {
    c.public_key_bytes = *key;
    // Both encodings are in circulation: TF-RMM emits a COSE_Key, earlier
    // tokens a raw SEC1 point. A raw point starts with 0x04, a map cannot.
    Result<EcPublicKey> parsed = Error{};
    if (!key->empty() && (*key)[0] == 0x04) {
      c.public_key_encoding = RakEncoding::kRawPoint;
      parsed = public_key_from_point(*key);
    } else {
      c.public_key_encoding = RakEncoding::kCoseKey;
      parsed = public_key_from_cose_key(*key);
    }
    if (!parsed) {
      out.problems.push_back("realm attestation key (44237) unusable: " + parsed.error().message);
    } else if (parsed->curve != Curve::kP384) {
      out.problems.push_back(std::string("realm attestation key (44237) must be P-384, it is ") + curve_name(parsed->curve));
    } else {
      c.public_key = parsed.value();
    }
  }
  if (auto algo = r.text(claim::kRealmPublicKeyHashAlgo, true)) {
    c.public_key_hash_algo = *algo;
    if (!hash_alg_from_name(*algo)) {
      out.problems.push_back("RAK hash algorithm id (44240) \"" + *algo + "\" is not supported (sha-256, sha-384, sha-512)");
    }
  }
  parse_mica_claims(claims, r, out);
  note_unknown_claims(claims, TokenKind::kRealm, out.warnings);
  return out;
}

}  // namespace mica::verify
