// EC keys in every encoding the verifier reads, and ECDSA through mbedTLS.
#include <gtest/gtest.h>
#include <mbedtls/base64.h>

#include <string>

#include "verify/crypto.h"

namespace mica::verify {
namespace {

std::string base64url(const Bytes& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  size_t written = 0;
  EXPECT_EQ(mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &written, data.data(),
                                  data.size()),
            0);
  out.resize(written);
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string jwk_of(const EcPublicKey& key) {
  return std::string("{\"kty\":\"EC\",\"crv\":\"") + curve_name(key.curve) + "\",\"x\":\"" + base64url(key.x) +
         "\",\"y\":\"" + base64url(key.y) + "\"}";
}

EcKeyPair generate(Curve curve) {
  auto key = EcKeyPair::generate(curve);
  if (!key) throw std::runtime_error(key.error().message);
  return std::move(key.value());
}

class EveryCurve : public ::testing::TestWithParam<Curve> {};

TEST_P(EveryCurve, SignAndVerify) {
  EcKeyPair key = generate(GetParam());
  Bytes message{'m', 'i', 'c', 'a'};
  for (HashAlg hash : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
    auto signature = key.sign(hash, message);
    ASSERT_TRUE(signature.ok()) << signature.error().message;
    EXPECT_EQ(signature->size(), 2 * coordinate_size(GetParam()));
    EXPECT_TRUE(ecdsa_verify(key.public_key(), hash, message, signature.value()).ok());

    Bytes tampered_message = message;
    tampered_message[0] ^= 1;
    EXPECT_FALSE(ecdsa_verify(key.public_key(), hash, tampered_message, signature.value()).ok());
    Bytes tampered_signature = signature.value();
    tampered_signature.back() ^= 1;
    EXPECT_FALSE(ecdsa_verify(key.public_key(), hash, message, tampered_signature).ok());
  }
  EcKeyPair other = generate(GetParam());
  auto signature = key.sign(HashAlg::kSha256, message);
  ASSERT_TRUE(signature.ok());
  Status wrong_key = ecdsa_verify(other.public_key(), HashAlg::kSha256, message, signature.value());
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_EQ(wrong_key.error().message, "signature does not verify");
}

TEST_P(EveryCurve, PublicKeyEncodingsRoundTrip) {
  EcKeyPair key = generate(GetParam());
  const EcPublicKey& pub = key.public_key();

  auto from_point = public_key_from_point(pub.uncompressed_point());
  ASSERT_TRUE(from_point.ok()) << from_point.error().message;
  EXPECT_EQ(from_point.value(), pub);

  auto from_cose = public_key_from_cose_key(cose_key_encoding(pub));
  ASSERT_TRUE(from_cose.ok()) << from_cose.error().message;
  EXPECT_EQ(from_cose.value(), pub);

  auto from_jwk = public_key_from_jwk(jwk_of(pub));
  ASSERT_TRUE(from_jwk.ok()) << from_jwk.error().message;
  EXPECT_EQ(from_jwk.value(), pub);

  auto pem = key.public_key_pem();
  ASSERT_TRUE(pem.ok());
  auto from_pem = public_key_from_pem(pem.value());
  ASSERT_TRUE(from_pem.ok()) << from_pem.error().message;
  EXPECT_EQ(from_pem.value(), pub);

  auto private_pem = key.private_key_pem();
  ASSERT_TRUE(private_pem.ok());
  auto reloaded = EcKeyPair::from_pem(private_pem.value());
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  EXPECT_EQ(reloaded->public_key(), pub);
}

INSTANTIATE_TEST_SUITE_P(Curves, EveryCurve, ::testing::Values(Curve::kP256, Curve::kP384, Curve::kP521),
                         [](const auto& param_info) {
                           std::string name = curve_name(param_info.param);
                           name.erase(1, 1);  // "P256"
                           return name;
                         });

TEST(CoseKey, P384EncodingIsTheTfRmmLayout) {
  EcKeyPair key = generate(Curve::kP384);
  Bytes encoded = cose_key_encoding(key.public_key());
  ASSERT_EQ(encoded.size(), 107u);
  EXPECT_EQ(cbor::to_hex(Bytes(encoded.begin(), encoded.begin() + 8)), "a401022002215830");
  EXPECT_EQ(encoded[8 + 48], 0x22);
}

TEST(CoseKey, RefusesWhatIsNotAnEc2PublicKey) {
  EcKeyPair key = generate(Curve::kP384);
  const EcPublicKey& pub = key.public_key();
  using cbor::Item;
  auto with = [&](std::vector<Item::Entry> entries) { return public_key_from_cose_key(Item::map(std::move(entries))); };
  auto x = Item::bytes(pub.x), y = Item::bytes(pub.y);

  auto okp = with({{Item::integer(1), Item::integer(1)}, {Item::integer(-1), Item::integer(2)}, {Item::integer(-2), x}, {Item::integer(-3), y}});
  ASSERT_FALSE(okp.ok());
  EXPECT_NE(okp.error().message.find("kty"), std::string::npos);

  auto compressed = with({{Item::integer(1), Item::integer(2)}, {Item::integer(-1), Item::integer(2)}, {Item::integer(-2), x}, {Item::integer(-3), Item::boolean(true)}});
  ASSERT_FALSE(compressed.ok());
  EXPECT_NE(compressed.error().message.find("compressed"), std::string::npos);

  auto with_private = with({{Item::integer(1), Item::integer(2)}, {Item::integer(-1), Item::integer(2)}, {Item::integer(-2), x}, {Item::integer(-3), y}, {Item::integer(-4), Item::bytes(Bytes(48, 1))}});
  ASSERT_FALSE(with_private.ok());
  EXPECT_NE(with_private.error().message.find("private"), std::string::npos);

  auto wrong_curve = with({{Item::integer(1), Item::integer(2)}, {Item::integer(-1), Item::integer(1)}, {Item::integer(-2), x}, {Item::integer(-3), y}});
  ASSERT_FALSE(wrong_curve.ok());  // P-256 id with 48-byte coordinates

  Bytes off_curve_y = pub.y;
  off_curve_y.back() ^= 1;
  auto off_curve = with({{Item::integer(1), Item::integer(2)}, {Item::integer(-1), Item::integer(2)}, {Item::integer(-2), x}, {Item::integer(-3), Item::bytes(off_curve_y)}});
  ASSERT_FALSE(off_curve.ok());
  EXPECT_NE(off_curve.error().message.find("not a point on the curve"), std::string::npos);
}

TEST(RawPoint, RefusesCompressedAndOddSizes) {
  EcKeyPair key = generate(Curve::kP384);
  Bytes point = key.public_key().uncompressed_point();
  Bytes compressed(point.begin(), point.begin() + 49);
  compressed[0] = 0x02;
  EXPECT_FALSE(public_key_from_point(compressed).ok());
  Bytes short_point(point.begin(), point.end() - 1);
  EXPECT_FALSE(public_key_from_point(short_point).ok());
  EXPECT_FALSE(public_key_from_point(Bytes{}).ok());
}

TEST(Jwk, RefusesBadMembers) {
  EcKeyPair key = generate(Curve::kP256);
  std::string good = jwk_of(key.public_key());
  EXPECT_TRUE(public_key_from_jwk(good).ok());
  EXPECT_FALSE(public_key_from_jwk("[]").ok());
  EXPECT_FALSE(public_key_from_jwk("{\"kty\":\"RSA\"}").ok());
  std::string no_y = good.substr(0, good.find(",\"y\"")) + "}";
  EXPECT_FALSE(public_key_from_jwk(no_y).ok());
  std::string p384 = good;
  p384.replace(p384.find("P-256"), 5, "P-384");
  auto wrong_size = public_key_from_jwk(p384);
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_NE(wrong_size.error().message.find("48 bytes"), std::string::npos);
  std::string padded = good;
  padded.insert(padded.find("\",\"y\""), "=");
  EXPECT_FALSE(public_key_from_jwk(padded).ok());  // base64url has no padding
}

TEST(PrivateScalar, DerivesThePublicKey) {
  auto zero = EcKeyPair::from_private_scalar(Curve::kP384, Bytes(48, 0));
  EXPECT_FALSE(zero.ok());
  auto wrong_size = EcKeyPair::from_private_scalar(Curve::kP384, Bytes(32, 1));
  EXPECT_FALSE(wrong_size.ok());
  auto one = EcKeyPair::from_private_scalar(Curve::kP384, [] {
    Bytes d(48, 0);
    d.back() = 1;
    return d;
  }());
  ASSERT_TRUE(one.ok()) << one.error().message;
  // d = 1: the public key is the generator, whose x coordinate is fixed by SEC 2.
  EXPECT_EQ(cbor::to_hex(one->public_key().x),
            "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7");
}

TEST(Digest, KnownAnswers) {
  Bytes abc{'a', 'b', 'c'};
  EXPECT_EQ(cbor::to_hex(digest(HashAlg::kSha256, abc)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(cbor::to_hex(digest(HashAlg::kSha384, abc)).substr(0, 16), "cb00753f45a35e8b");
  EXPECT_EQ(cbor::to_hex(digest(HashAlg::kSha512, abc)).substr(0, 16), "ddaf35a193617aba");
  EXPECT_EQ(hash_alg_from_name("sha-384"), HashAlg::kSha384);
  EXPECT_FALSE(hash_alg_from_name("SHA256").has_value());
}

}  // namespace
}  // namespace mica::verify
