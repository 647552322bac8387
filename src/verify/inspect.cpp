#include "verify/inspect.h"

#include <cstdio>
#include <sstream>

#include "verify/claims.h"
#include "verify/cose.h"
#include "verify/token.h"

namespace mica::verify {

nlohmann::json cbor_to_json(const cbor::Item& item) {
  using Kind = cbor::Item::Kind;
  switch (item.kind()) {
    case Kind::kUnsigned:
      return item.argument();
    case Kind::kNegative:
      if (auto v = item.to_int64()) return *v;
      return cbor::diagnostic(item);
    case Kind::kBytes:
      return cbor::to_hex(item.bytes_value());
    case Kind::kText:
      return item.text_value();
    case Kind::kArray: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& element : item.array_items()) out.push_back(cbor_to_json(element));
      return out;
    }
    case Kind::kMap: {
      bool simple_keys = true;
      for (const auto& [k, v] : item.map_entries()) simple_keys = simple_keys && (k.is_integer() || k.is_text());
      if (simple_keys) {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& [k, v] : item.map_entries()) {
          out[k.is_text() ? k.text_value() : cbor::diagnostic(k)] = cbor_to_json(v);
        }
        return out;
      }
      nlohmann::json out = nlohmann::json::array();
      for (const auto& [k, v] : item.map_entries()) out.push_back({cbor_to_json(k), cbor_to_json(v)});
      return out;
    }
    case Kind::kTag:
      return {{"tag", item.tag_number()}, {"value", cbor_to_json(item.tag_content())}};
    case Kind::kSimple:
      if (item.is_bool()) return item.bool_value();
      if (item.argument() == cbor::Item::kNull) return nullptr;
      return cbor::diagnostic(item);
    case Kind::kFloat:
      return item.float_value();
  }
  return nullptr;
}

namespace {

// One line of the description: a claim, a member of a structured claim, ...
struct Field {
  cbor::Item key;
  std::string name;  // empty when the key is not known
  cbor::Item value;
  std::string note;
  std::vector<Field> children;  // shown instead of the value when present
  bool is_index = false;        // key is a position in an array, shown as [n]
};

struct Part {
  std::string title;
  TokenKind kind = TokenKind::kPlatform;
  size_t size = 0;
  std::optional<cbor::Item> content_type;
  std::optional<cose::Sign1> sign1;
  std::string error;  // why the part could not be decoded
  std::optional<bool> signature_ok;
  std::string signature_detail;
  std::vector<Field> claims;
};

struct Description {
  std::string format;
  std::string wrapper;  // machine-readable form of `format`
  size_t size = 0;
  std::vector<Part> parts;
  std::vector<Field> extra_entries;
  std::optional<bool> binding_ok;
  std::string binding_detail;
  std::optional<cbor::Item> plain;
};

std::string hex_short(uint64_t v) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "0x%04llx", static_cast<unsigned long long>(v));
  return buffer;
}

std::vector<Field> describe_map(const cbor::Item& map, const char* (*name_of)(int64_t)) {
  std::vector<Field> fields;
  for (const auto& [k, v] : map.map_entries()) {
    const char* name = k.to_int64() ? name_of(*k.to_int64()) : nullptr;
    fields.push_back({k, name ? name : "", v, "", {}, false});
  }
  return fields;
}

const char* platform_name(int64_t key) { return claim_name(TokenKind::kPlatform, key); }
const char* realm_name(int64_t key) { return claim_name(TokenKind::kRealm, key); }

std::vector<Field> describe_claims(const cbor::Item& claims, TokenKind kind) {
  std::vector<Field> fields = describe_map(claims, kind == TokenKind::kPlatform ? platform_name : realm_name);
  for (Field& f : fields) {
    std::optional<int64_t> key = f.key.to_int64();
    if (!key) continue;
    if (kind == TokenKind::kPlatform && *key == claim::kSoftwareComponents && f.value.is_array()) {
      uint64_t i = 0;
      for (const auto& component : f.value.array_items()) {
        Field child{cbor::Item::unsigned_int(i++), "", component, "", {}, true};
        if (component.is_map()) child.children = describe_map(component, software_component_field_name);
        f.children.push_back(std::move(child));
      }
    } else if (kind == TokenKind::kPlatform && *key == claim::kLifecycle && f.value.kind() == cbor::Item::Kind::kUnsigned) {
      f.note = hex_short(f.value.argument()) + ", " + lifecycle_name(f.value.argument());
    } else if (kind == TokenKind::kPlatform && *key == claim::kInstanceId && f.value.is_bytes() &&
               !f.value.bytes_value().empty()) {
      f.note = f.value.bytes_value()[0] == 0x01 ? "random-type UEID" : "not a random-type UEID";
    } else if (kind == TokenKind::kRealm && *key == claim::kRems && f.value.is_array()) {
      uint64_t i = 0;
      for (const auto& rem : f.value.array_items()) {
        f.children.push_back({cbor::Item::unsigned_int(i++), "", rem, "", {}, true});
      }
    } else if (kind == TokenKind::kRealm && *key == claim::kRealmPublicKey && f.value.is_bytes()) {
      const Bytes& raw = f.value.bytes_value();
      bool is_point = !raw.empty() && raw[0] == 0x04;
      auto parsed = is_point ? public_key_from_point(raw) : public_key_from_cose_key(raw);
      f.note = std::string(is_point ? "raw uncompressed EC point" : "COSE_Key") + ", " +
               (parsed ? std::string(curve_name(parsed->curve)) : "unusable: " + parsed.error().message);
    }
  }
  return fields;
}

Part describe_sign1(std::string title, std::span<const uint8_t> bytes, std::optional<TokenKind> kind) {
  Part part;
  part.title = std::move(title);
  part.size = bytes.size();
  auto sign1 = cose::decode_sign1(bytes, /*allow_untagged=*/true);
  if (!sign1) {
    part.error = sign1.error().message;
    return part;
  }
  part.sign1 = std::move(sign1.value());
  auto claims = cbor::decode(part.sign1->payload);
  if (!claims) {
    part.error = "payload: " + claims.error().message;
    return part;
  }
  if (!kind) {
    // A bare token: a realm token is recognised by its realm-only claims.
    const cbor::Item* profile = claims->find(claim::kProfile);
    bool realm = claims->find(claim::kRealmPublicKey) || claims->find(claim::kRim) ||
                 (profile && profile->is_text() && profile->text_value() == kRealmProfile);
    kind = realm ? TokenKind::kRealm : TokenKind::kPlatform;
    part.title += realm ? " (realm claims)" : " (platform claims)";
  }
  part.kind = *kind;
  if (!claims->is_map()) {
    part.error = "payload is not a claims map: " + cbor::diagnostic(claims.value());
    return part;
  }
  part.claims = describe_claims(claims.value(), part.kind);
  return part;
}

void check_signature(Part& part, const EcPublicKey& key, const char* key_name) {
  if (!part.sign1) return;
  Status s = cose::verify_sign1(*part.sign1, key);
  part.signature_ok = s.ok();
  part.signature_detail = s ? std::string("verifies with ") + key_name : s.error().message;
}

Result<Description> describe(std::span<const uint8_t> input, const InspectOptions& options) {
  if (input.size() > kMaxTokenSize) return Error{"input is larger than " + std::to_string(kMaxTokenSize) + " bytes"};
  auto item = cbor::decode(input);
  if (!item) return item.error();
  Description d;
  d.size = input.size();
  auto collection = decode_collection(input);
  if (collection) {
    d.format = std::string("CCA token, ") + wrapper_name(collection->wrapper);
    d.wrapper = collection->wrapper == Wrapper::kLegacy399 ? "legacy-399" : "cmw-907";
    Part platform = describe_sign1("platform token (44234)", collection->platform_token, TokenKind::kPlatform);
    platform.content_type = collection->platform_content_type;
    Part realm = describe_sign1("realm token (44241)", collection->realm_token, TokenKind::kRealm);
    realm.content_type = collection->realm_content_type;
    for (const auto& [k, v] : collection->other_entries) d.extra_entries.push_back({k, "", v, "not signed", {}, false});

    // The binding is a computation on the claims, not a signature: always shown.
    if (platform.sign1 && realm.sign1) {
      auto pclaims = cbor::decode(platform.sign1->payload);
      auto rclaims = cbor::decode(realm.sign1->payload);
      if (pclaims && rclaims) {
        const cbor::Item* challenge = pclaims->find(claim::kChallenge);
        const cbor::Item* rak = rclaims->find(claim::kRealmPublicKey);
        const cbor::Item* alg = rclaims->find(claim::kRealmPublicKeyHashAlgo);
        auto hash = alg && alg->is_text() ? hash_alg_from_name(alg->text_value()) : std::nullopt;
        if (challenge && challenge->is_bytes() && rak && rak->is_bytes() && hash) {
          const HashAlg rak_hash = hash.value();  // GCC 12 -O2: *hash "may be used uninitialized"
          const bool bound = digest(rak_hash, rak->bytes_value()) == challenge->bytes_value();
          d.binding_ok = bound;
          d.binding_detail = std::string("platform challenge ") + (bound ? "==" : "!=") + " " +
                             hash_alg_name(rak_hash) + "(RAK claim)";
        } else {
          d.binding_detail = "cannot be computed (challenge, RAK or RAK hash algorithm missing or unsupported)";
        }
      }
    }
    if (options.platform_key) {
      check_signature(platform, *options.platform_key, "the given platform key");
      if (realm.sign1) {
        auto rclaims = cbor::decode(realm.sign1->payload);
        auto parsed = rclaims ? parse_realm_claims(rclaims.value()) : ParsedClaims<RealmClaims>{};
        if (parsed.claims.public_key) {
          check_signature(realm, *parsed.claims.public_key, "the RAK in the realm token");
        } else {
          realm.signature_ok = false;
          realm.signature_detail = "no usable RAK in the realm token";
        }
      }
    }
    d.parts.push_back(std::move(platform));
    d.parts.push_back(std::move(realm));
    return d;
  }
  if (item->is_tag() && item->tag_number() == cose::kTagSign1) {
    d.format = "COSE_Sign1 (tag 18), not a CCA token collection";
    d.wrapper = "cose-sign1";
    Part part = describe_sign1("token", input, std::nullopt);
    if (options.platform_key) check_signature(part, *options.platform_key, "the given key");
    d.parts.push_back(std::move(part));
    return d;
  }
  d.format = "CBOR data item, not a CCA token (" + collection.error().message + ")";
  d.wrapper = "cbor";
  d.plain = std::move(item.value());
  return d;
}

// --- Text -------------------------------------------------------------------------

std::string field_label(const Field& f) {
  if (f.is_index) return "[" + cbor::diagnostic(f.key) + "]";
  if (f.name.empty()) return "unknown " + cbor::diagnostic(f.key);
  return f.name + " (" + cbor::diagnostic(f.key) + ")";
}

std::string value_text(const cbor::Item& v) {
  if (v.is_bytes()) return v.bytes_value().empty() ? "(empty)" : cbor::to_hex(v.bytes_value());
  return cbor::diagnostic(v);
}

void print_fields(std::ostringstream& out, const std::vector<Field>& fields, int indent) {
  std::string pad(static_cast<size_t>(indent), ' ');
  for (const Field& f : fields) {
    std::string label = field_label(f);
    if (!f.children.empty()) {
      out << pad << label << ":" << (f.note.empty() ? "" : "  (" + f.note + ")") << "\n";
      print_fields(out, f.children, indent + 2);
      continue;
    }
    out << pad << label << ": " << value_text(f.value) << (f.note.empty() ? "" : "  (" + f.note + ")") << "\n";
  }
}

std::string text_of(const Description& d) {
  std::ostringstream out;
  out << d.format << ", " << d.size << " bytes\n";
  if (d.plain) {
    out << cbor::diagnostic(*d.plain) << "\n";
    return out.str();
  }
  for (const Part& p : d.parts) {
    out << "\n" << p.title << ": " << p.size << " bytes";
    if (p.content_type) out << ", CMW content type " << cbor::diagnostic(*p.content_type);
    out << "\n";
    if (p.sign1) {
      out << "  COSE_Sign1" << (p.sign1->tagged ? " (tag 18)" : " (untagged)") << ", algorithm "
          << cose::algorithm_label(p.sign1->alg.value_or(0)) << "\n";
      out << "  protected header: " << cbor::diagnostic(p.sign1->protected_header) << "\n";
      if (!p.sign1->unprotected_header.map_entries().empty()) {
        out << "  unprotected header: " << cbor::diagnostic(p.sign1->unprotected_header) << "\n";
      }
      out << "  signature: " << p.sign1->signature.size() << " bytes, ";
      if (!p.signature_ok) {
        out << "not checked (give --platform-key to check)\n";
      } else {
        out << (*p.signature_ok ? "VALID, " : "INVALID, ") << p.signature_detail << "\n";
      }
    }
    if (!p.error.empty()) {
      out << "  error: " << p.error << "\n";
      continue;
    }
    out << "  claims:\n";
    print_fields(out, p.claims, 4);
  }
  for (const Field& f : d.extra_entries) {
    out << "\nunsigned collection entry " << cbor::diagnostic(f.key) << ": " << cbor::diagnostic(f.value) << "\n";
  }
  if (!d.binding_detail.empty()) {
    out << "\nbinding: " << d.binding_detail;
    if (d.binding_ok) out << (*d.binding_ok ? " (bound)" : " (NOT BOUND)");
    out << "\n";
  }
  return out.str();
}

// --- JSON -------------------------------------------------------------------------

nlohmann::json json_of(const std::vector<Field>& fields) {
  nlohmann::json out = nlohmann::json::array();
  for (const Field& f : fields) {
    nlohmann::json entry;
    entry[f.is_index ? "index" : "key"] = cbor_to_json(f.key);
    entry["name"] = f.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.name);
    if (!f.children.empty()) {
      entry["items"] = json_of(f.children);
    } else {
      entry["value"] = cbor_to_json(f.value);
      entry["type"] = f.value.is_bytes() ? "bstr" : f.value.is_text() ? "tstr" : f.value.is_integer() ? "int" : "other";
    }
    if (!f.note.empty()) entry["note"] = f.note;
    out.push_back(std::move(entry));
  }
  return out;
}

nlohmann::json json_of(const Description& d) {
  nlohmann::json out;
  out["format"] = d.wrapper;
  out["description"] = d.format;
  out["size"] = d.size;
  if (d.plain) {
    out["value"] = cbor_to_json(*d.plain);
    out["diagnostic"] = cbor::diagnostic(*d.plain);
    return out;
  }
  for (const Part& p : d.parts) {
    nlohmann::json part;
    part["size"] = p.size;
    if (p.content_type) part["content_type"] = cbor_to_json(*p.content_type);
    if (p.sign1) {
      part["tagged"] = p.sign1->tagged;
      nlohmann::json alg;
      alg["id"] = p.sign1->alg ? nlohmann::json(*p.sign1->alg) : nlohmann::json(nullptr);
      auto known = p.sign1->alg ? cose::algorithm(*p.sign1->alg) : std::nullopt;
      alg["name"] = known ? nlohmann::json(known->name) : nlohmann::json(nullptr);
      part["algorithm"] = alg;
      part["protected_header"] = cbor_to_json(p.sign1->protected_header);
      part["unprotected_header"] = cbor_to_json(p.sign1->unprotected_header);
      nlohmann::json signature;
      signature["size"] = p.sign1->signature.size();
      signature["verified"] = p.signature_ok ? nlohmann::json(*p.signature_ok) : nlohmann::json(nullptr);
      if (!p.signature_detail.empty()) signature["detail"] = p.signature_detail;
      part["signature"] = signature;
    }
    if (!p.error.empty()) part["error"] = p.error;
    part["claims"] = json_of(p.claims);
    std::string name = d.parts.size() == 1 ? "token" : (p.kind == TokenKind::kPlatform ? "platform_token" : "realm_token");
    out[name] = std::move(part);
  }
  if (!d.extra_entries.empty()) out["unsigned_entries"] = json_of(d.extra_entries);
  if (!d.binding_detail.empty()) {
    out["binding"] = {{"bound", d.binding_ok ? nlohmann::json(*d.binding_ok) : nlohmann::json(nullptr)},
                      {"detail", d.binding_detail}};
  }
  return out;
}

}  // namespace

Result<std::string> inspect_text(std::span<const uint8_t> input, const InspectOptions& options) {
  auto d = describe(input, options);
  if (!d) return d.error();
  return text_of(d.value());
}

Result<nlohmann::json> inspect_json(std::span<const uint8_t> input, const InspectOptions& options) {
  auto d = describe(input, options);
  if (!d) return d.error();
  return json_of(d.value());
}

}  // namespace mica::verify
