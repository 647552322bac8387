#include "verify/cose.h"

#include <set>

namespace mica::verify::cose {

std::optional<Algorithm> algorithm(int64_t id) {
  switch (id) {
    case kEs256: return Algorithm{kEs256, "ES256", Curve::kP256, HashAlg::kSha256};
    case kEs384: return Algorithm{kEs384, "ES384", Curve::kP384, HashAlg::kSha384};
    case kEs512: return Algorithm{kEs512, "ES512", Curve::kP521, HashAlg::kSha512};
    default: return std::nullopt;
  }
}

std::string algorithm_label(int64_t id) {
  if (auto alg = algorithm(id)) return std::string(alg->name) + " (" + std::to_string(id) + ")";
  return std::to_string(id) + " (unsupported)";
}

int64_t algorithm_for_curve(Curve curve) {
  switch (curve) {
    case Curve::kP256: return kEs256;
    case Curve::kP384: return kEs384;
    case Curve::kP521: return kEs512;
  }
  return 0;
}

Result<Sign1> decode_sign1(std::span<const uint8_t> encoded, bool allow_untagged) {
  auto decoded = cbor::decode(encoded);
  if (!decoded) return Error{"COSE_Sign1: " + decoded.error().message};
  const cbor::Item* body = &decoded.value();
  Sign1 out;
  if (body->is_tag()) {
    if (body->tag_number() != kTagSign1) {
      return Error{"COSE_Sign1: tag " + std::to_string(body->tag_number()) + " where tag 18 was expected"};
    }
    out.tagged = true;
    body = &body->tag_content();
  } else if (!allow_untagged) {
    return Error{"COSE_Sign1: not tagged 18"};
  }
  if (!body->is_array() || body->array_items().size() != 4) {
    return Error{"COSE_Sign1: not an array of 4 elements"};
  }
  const auto& parts = body->array_items();
  if (!parts[0].is_bytes()) return Error{"COSE_Sign1: protected header is not a byte string"};
  out.protected_bytes = parts[0].bytes_value();
  if (out.protected_bytes.empty()) {
    out.protected_header = cbor::Item::map({});
  } else {
    auto header = cbor::decode(out.protected_bytes);
    if (!header) return Error{"COSE_Sign1 protected header: " + header.error().message};
    if (!header->is_map()) return Error{"COSE_Sign1: protected header is not a map"};
    out.protected_header = std::move(header.value());
  }
  if (!parts[1].is_map()) return Error{"COSE_Sign1: unprotected header is not a map"};
  out.unprotected_header = parts[1];
  if (parts[2].kind() == cbor::Item::Kind::kSimple && parts[2].argument() == cbor::Item::kNull) {
    return Error{"COSE_Sign1: detached payloads are not supported"};
  }
  if (!parts[2].is_bytes()) return Error{"COSE_Sign1: payload is not a byte string"};
  out.payload = parts[2].bytes_value();
  if (!parts[3].is_bytes()) return Error{"COSE_Sign1: signature is not a byte string"};
  out.signature = parts[3].bytes_value();

  // RFC 9052 §3: a label must not appear in both buckets.
  std::set<cbor::Item> labels;
  for (const auto& [label, value] : out.protected_header.map_entries()) labels.insert(label);
  for (const auto& [label, value] : out.unprotected_header.map_entries()) {
    if (labels.contains(label)) {
      return Error{"COSE_Sign1: header " + cbor::diagnostic(label) + " is both protected and unprotected"};
    }
  }
  // We understand no extension headers, so any critical header is fatal.
  if (out.protected_header.find(kHeaderCrit)) return Error{"COSE_Sign1: critical headers (crit) are not supported"};
  if (out.unprotected_header.find(kHeaderAlg)) return Error{"COSE_Sign1: alg must be a protected header"};
  const cbor::Item* alg = out.protected_header.find(kHeaderAlg);
  if (!alg) return Error{"COSE_Sign1: protected header has no alg"};
  if (!alg->is_integer() || !alg->to_int64()) return Error{"COSE_Sign1: alg " + cbor::diagnostic(*alg) + " is not an integer algorithm"};
  out.alg = alg->to_int64();
  return out;
}

Bytes sig_structure(std::span<const uint8_t> protected_bytes, std::span<const uint8_t> payload,
                    std::span<const uint8_t> external_aad) {
  cbor::Writer w;
  w.array_header(4).text("Signature1").bytes(protected_bytes).bytes(external_aad).bytes(payload);
  return w.take();
}

Status verify_sign1(const Sign1& message, const EcPublicKey& key) {
  if (!message.alg) return Error{"no signature algorithm"};
  auto alg = algorithm(*message.alg);
  if (!alg) return Error{"unsupported signature algorithm " + algorithm_label(*message.alg)};
  if (alg->curve != key.curve) {
    return Error{std::string(alg->name) + " needs a " + curve_name(alg->curve) + " key, the key is " + curve_name(key.curve)};
  }
  Bytes to_be_signed = sig_structure(message.protected_bytes, message.payload);
  if (Status s = ecdsa_verify(key, alg->hash, to_be_signed, message.signature); !s) {
    return Error{std::string(alg->name) + " " + s.error().message};
  }
  return Status::success();
}

Bytes protected_header_for(int64_t alg) {
  cbor::Writer w;
  w.map_header(1).unsigned_int(kHeaderAlg).integer(alg);
  return w.take();
}

Bytes encode_sign1(std::span<const uint8_t> protected_bytes, std::span<const uint8_t> payload,
                   std::span<const uint8_t> signature) {
  cbor::Writer w;
  w.tag(kTagSign1).array_header(4).bytes(protected_bytes).map_header(0).bytes(payload).bytes(signature);
  return w.take();
}

Result<Bytes> sign1(const EcKeyPair& key, std::span<const uint8_t> payload) {
  int64_t alg_id = algorithm_for_curve(key.curve());
  auto alg = algorithm(alg_id);
  Bytes protected_bytes = protected_header_for(alg_id);
  auto signature = key.sign(alg->hash, sig_structure(protected_bytes, payload));
  if (!signature) return signature.error();
  return encode_sign1(protected_bytes, payload, signature.value());
}

}  // namespace mica::verify::cose
