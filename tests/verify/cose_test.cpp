// COSE_Sign1: structure checks and signatures.
#include <gtest/gtest.h>

#include "verify/cose.h"

namespace mica::verify::cose {
namespace {

using cbor::Item;

EcKeyPair generate(Curve curve) {
  auto key = EcKeyPair::generate(curve);
  if (!key) throw std::runtime_error(key.error().message);
  return std::move(key.value());
}

// A COSE_Sign1 from parts, for malformed variants.
Bytes build(const Item& protected_map, const Item& unprotected, const Bytes& payload, const Bytes& signature,
            bool tagged = true) {
  Item body = Item::array({Item::bytes(cbor::encode(protected_map)), unprotected, Item::bytes(payload), Item::bytes(signature)});
  return cbor::encode(tagged ? Item::tag(kTagSign1, std::move(body)) : std::move(body));
}

Item alg_header(int64_t alg) { return Item::map({{Item::integer(kHeaderAlg), Item::integer(alg)}}); }

void expect_refused(const Bytes& token, const std::string& why) {
  auto result = decode_sign1(token);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find(why), std::string::npos) << result.error().message;
}

TEST(CoseSign1, SignDecodeVerifyForEachAlgorithm) {
  for (Curve curve : {Curve::kP256, Curve::kP384, Curve::kP521}) {
    EcKeyPair key = generate(curve);
    Bytes payload{0xa1, 0x0a, 0x41, 0x07};
    auto token = sign1(key, payload);
    ASSERT_TRUE(token.ok()) << token.error().message;
    auto decoded = decode_sign1(token.value());
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_TRUE(decoded->tagged);
    EXPECT_EQ(decoded->alg, algorithm_for_curve(curve));
    EXPECT_EQ(decoded->payload, payload);
    EXPECT_EQ(decoded->signature.size(), 2 * coordinate_size(curve));
    EXPECT_TRUE(verify_sign1(decoded.value(), key.public_key()).ok());
  }
}

TEST(CoseSign1, TamperedPayloadOrProtectedHeaderFails) {
  EcKeyPair key = generate(Curve::kP384);
  auto token = sign1(key, Bytes{0xa1, 0x0a, 0x41, 0x07});
  ASSERT_TRUE(token.ok());
  auto decoded = decode_sign1(token.value());
  ASSERT_TRUE(decoded.ok());

  Sign1 tampered = decoded.value();
  tampered.payload.back() ^= 1;
  Status s = verify_sign1(tampered, key.public_key());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "ES384 signature does not verify");

  // Same alg, different protected bytes (a non-shortest encoding of -35):
  // the Sig_structure covers the bytes, so this must fail too.
  Sign1 reencoded = decoded.value();
  reencoded.protected_bytes = {0xa1, 0x01, 0x39, 0x00, 0x22};
  EXPECT_FALSE(verify_sign1(reencoded, key.public_key()).ok());
}

TEST(CoseSign1, AlgorithmMustMatchTheKeyCurve) {
  EcKeyPair p256 = generate(Curve::kP256);
  EcKeyPair p384 = generate(Curve::kP384);
  auto token = sign1(p384, Bytes{0xa0});
  ASSERT_TRUE(token.ok());
  auto decoded = decode_sign1(token.value());
  ASSERT_TRUE(decoded.ok());
  Status s = verify_sign1(decoded.value(), p256.public_key());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "ES384 needs a P-384 key, the key is P-256");
}

TEST(CoseSign1, UnsupportedAlgorithmIsReported) {
  EcKeyPair key = generate(Curve::kP256);
  auto decoded = decode_sign1(build(alg_header(-8), Item::map({}), Bytes{0xa0}, Bytes(64, 1)));
  ASSERT_TRUE(decoded.ok());  // structurally fine
  Status s = verify_sign1(decoded.value(), key.public_key());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "unsupported signature algorithm -8 (unsupported)");
}

TEST(CoseSign1, StructuralRefusals) {
  Item no_headers = Item::map({});
  expect_refused(build(alg_header(kEs256), no_headers, {0xa0}, Bytes(64), /*tagged=*/false), "not tagged 18");
  expect_refused(cbor::encode(Item::tag(17, Item::array({}))), "tag 17 where tag 18");
  expect_refused(cbor::encode(Item::tag(18, Item::array({Item::bytes(Bytes{})}))), "array of 4");
  expect_refused(build(no_headers, no_headers, {0xa0}, Bytes(64)), "no alg");
  expect_refused(build(alg_header(kEs256), alg_header(kEs256), {0xa0}, Bytes(64)), "both protected and unprotected");
  expect_refused(build(Item::map({{Item::integer(1), Item::integer(-7)}, {Item::integer(2), Item::array({Item::integer(99)})}}),
                       no_headers, {0xa0}, Bytes(64)),
                 "critical");
  expect_refused(build(Item::map({}), alg_header(kEs256), {0xa0}, Bytes(64)), "alg must be a protected header");
  expect_refused(build(Item::map({{Item::integer(1), Item::text("ES256")}}), no_headers, {0xa0}, Bytes(64)),
                 "not an integer algorithm");
  // Detached payload (nil).
  expect_refused(cbor::encode(Item::tag(18, Item::array({Item::bytes(cbor::encode(alg_header(kEs256))), no_headers,
                                                          Item::null(), Item::bytes(Bytes(64))}))),
                 "detached");
  // A protected header that is not a map, or not CBOR.
  expect_refused(cbor::encode(Item::tag(18, Item::array({Item::bytes(Bytes{0x80}), no_headers, Item::bytes(Bytes{0xa0}),
                                                          Item::bytes(Bytes(64))}))),
                 "protected header is not a map");
  expect_refused(cbor::encode(Item::tag(18, Item::array({Item::bytes(Bytes{0xa1, 0x01}), no_headers,
                                                          Item::bytes(Bytes{0xa0}), Item::bytes(Bytes(64))}))),
                 "protected header: CBOR at offset");
}

TEST(CoseSign1, UntaggedAcceptedOnlyWhenAsked) {
  Bytes untagged = build(alg_header(kEs256), Item::map({}), {0xa0}, Bytes(64), false);
  auto decoded = decode_sign1(untagged, /*allow_untagged=*/true);
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded->tagged);
}

TEST(CoseSign1, SigStructureLayout) {
  // ["Signature1", h'a10126', h'', h'a0']
  EXPECT_EQ(cbor::to_hex(sig_structure(Bytes{0xa1, 0x01, 0x26}, Bytes{0xa0})),
            "846a5369676e61747572653143a101264041a0");
}

}  // namespace
}  // namespace mica::verify::cose
