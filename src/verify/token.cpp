#include "verify/token.h"

namespace mica::verify {

const char* wrapper_name(Wrapper wrapper) {
  return wrapper == Wrapper::kLegacy399 ? "legacy collection (tag 399)" : "CMW collection (tag 907)";
}

namespace {

// One member of a tag 907 collection: [content-type, bstr] or [content-type, bstr, indicator].
Status read_cmw(const cbor::Item& entry, const char* what, Bytes& token, std::optional<cbor::Item>& content_type) {
  if (!entry.is_array() || entry.array_items().size() < 2 || entry.array_items().size() > 3) {
    return Error{std::string(what) + " is not a CMW array [content-type, value]"};
  }
  const auto& parts = entry.array_items();
  if (parts[0].kind() != cbor::Item::Kind::kUnsigned && !parts[0].is_text()) {
    return Error{std::string(what) + " CMW content type is neither a CoAP content format nor a media type"};
  }
  if (!parts[1].is_bytes()) return Error{std::string(what) + " CMW value is not a byte string"};
  if (parts.size() == 3 && parts[2].kind() != cbor::Item::Kind::kUnsigned) {
    return Error{std::string(what) + " CMW indicator is not an unsigned integer"};
  }
  content_type = parts[0];
  token = parts[1].bytes_value();
  return Status::success();
}

}  // namespace

Result<CcaCollection> decode_collection(std::span<const uint8_t> token) {
  if (token.size() > kMaxTokenSize) {
    return Error{"token is " + std::to_string(token.size()) + " bytes, more than the " + std::to_string(kMaxTokenSize) +
                 " accepted"};
  }
  auto decoded = cbor::decode(token);
  if (!decoded) return decoded.error();
  const cbor::Item& top = decoded.value();
  if (!top.is_tag()) return Error{"not a CCA token: the top-level item is not tagged 399 or 907"};
  CcaCollection out;
  if (top.tag_number() == kTagLegacyCollection) {
    out.wrapper = Wrapper::kLegacy399;
  } else if (top.tag_number() == kTagCmwCollection) {
    out.wrapper = Wrapper::kCmw907;
  } else {
    return Error{"not a CCA token: wrong top-level tag " + std::to_string(top.tag_number()) + " (expected 399 or 907)"};
  }
  const cbor::Item& map = top.tag_content();
  if (!map.is_map()) return Error{"CCA token collection is not a map"};
  bool have_platform = false, have_realm = false;
  for (const auto& [key, value] : map.map_entries()) {
    std::optional<int64_t> k = key.to_int64();
    bool is_platform = k == kPlatformTokenKey;
    bool is_realm = k == kRealmTokenKey;
    if (!is_platform && !is_realm) {
      out.other_entries.emplace_back(key, value);
      continue;
    }
    Bytes& dst = is_platform ? out.platform_token : out.realm_token;
    const char* what = is_platform ? "platform token (44234)" : "realm token (44241)";
    if (out.wrapper == Wrapper::kLegacy399) {
      if (!value.is_bytes()) return Error{std::string(what) + " is not a byte string"};
      dst = value.bytes_value();
    } else {
      auto& content_type = is_platform ? out.platform_content_type : out.realm_content_type;
      if (Status s = read_cmw(value, what, dst, content_type); !s) return s.error();
    }
    (is_platform ? have_platform : have_realm) = true;
  }
  if (!have_platform) return Error{"CCA token has no platform token (44234)"};
  if (!have_realm) return Error{"CCA token has no realm token (44241)"};
  return out;
}

Result<DecodedToken> decode_token(std::span<const uint8_t> token) {
  auto collection = decode_collection(token);
  if (!collection) return collection.error();
  DecodedToken out;
  out.collection = std::move(collection.value());
  auto platform = cose::decode_sign1(out.collection.platform_token);
  if (!platform) return Error{"platform token: " + platform.error().message};
  out.platform = std::move(platform.value());
  auto realm = cose::decode_sign1(out.collection.realm_token);
  if (!realm) return Error{"realm token: " + realm.error().message};
  out.realm = std::move(realm.value());
  auto platform_claims = cbor::decode(out.platform.payload);
  if (!platform_claims) return Error{"platform token payload: " + platform_claims.error().message};
  out.platform_claims = std::move(platform_claims.value());
  auto realm_claims = cbor::decode(out.realm.payload);
  if (!realm_claims) return Error{"realm token payload: " + realm_claims.error().message};
  out.realm_claims = std::move(realm_claims.value());
  return out;
}

Bytes encode_collection(Wrapper wrapper, std::span<const uint8_t> platform_token, std::span<const uint8_t> realm_token) {
  cbor::Writer w;
  if (wrapper == Wrapper::kLegacy399) {
    w.tag(kTagLegacyCollection).map_header(2);
    w.unsigned_int(kPlatformTokenKey).bytes(platform_token);
    w.unsigned_int(kRealmTokenKey).bytes(realm_token);
  } else {
    w.tag(kTagCmwCollection).map_header(2);
    w.unsigned_int(kPlatformTokenKey).array_header(2).unsigned_int(kCmwContentFormat).bytes(platform_token);
    w.unsigned_int(kRealmTokenKey).array_header(2).unsigned_int(kCmwContentFormat).bytes(realm_token);
  }
  return w.take();
}

}  // namespace mica::verify
