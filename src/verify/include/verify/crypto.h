// Elliptic-curve keys, hashing and ECDSA for attestation tokens, all done by
// mbedTLS (2.28 API). Nothing cryptographic is implemented here by hand:
// this file only moves bytes between COSE/JWK/PEM encodings and mbedTLS.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "verify/cbor.h"
#include "verify/result.h"

namespace mica::verify {

using Bytes = std::vector<uint8_t>;

enum class Curve : uint8_t { kP256, kP384, kP521 };
// Bytes of one big-endian coordinate (and of r and s in a raw signature).
size_t coordinate_size(Curve curve);
const char* curve_name(Curve curve);  // "P-256", "P-384", "P-521"
// COSE elliptic curve identifiers (RFC 9053 §7.1): P-256 1, P-384 2, P-521 3.
int64_t cose_curve_id(Curve curve);
std::optional<Curve> curve_from_cose_id(int64_t id);

enum class HashAlg : uint8_t { kSha256, kSha384, kSha512 };
size_t digest_size(HashAlg alg);
const char* hash_alg_name(HashAlg alg);  // IANA textual names: "sha-256", ...
std::optional<HashAlg> hash_alg_from_name(std::string_view name);
Bytes digest(HashAlg alg, std::span<const uint8_t> data);

// An EC public key as two coordinates. Every constructor below checks that
// the point lies on the curve, so a value of this type is always usable.
struct EcPublicKey {
  Curve curve = Curve::kP384;
  Bytes x;
  Bytes y;

  Bytes uncompressed_point() const;  // 0x04 || x || y
  friend bool operator==(const EcPublicKey&, const EcPublicKey&) = default;
};

// SEC1 uncompressed point 0x04 || x || y; the length selects the curve.
Result<EcPublicKey> public_key_from_point(std::span<const uint8_t> point);
// COSE_Key (RFC 9052 §7) of kty EC2 with x and y as byte strings.
Result<EcPublicKey> public_key_from_cose_key(const cbor::Item& cose_key);
Result<EcPublicKey> public_key_from_cose_key(std::span<const uint8_t> encoded);
// {1: 2, -1: crv, -2: x, -3: y}, the 4-entry encoding TF-RMM emits for the RAK.
Bytes cose_key_encoding(const EcPublicKey& key);
// JWK (RFC 7518 §6.2) with "kty": "EC"; a private "d" member is ignored.
Result<EcPublicKey> public_key_from_jwk(std::string_view json);
// PEM or DER SubjectPublicKeyInfo of an EC key.
Result<EcPublicKey> public_key_from_pem(std::string_view pem);
// Reads a trust anchor file: a JWK (JSON object) or a PEM public key.
Result<EcPublicKey> load_public_key_file(const std::string& path);

// ECDSA over `message` hashed with `hash`; `signature` is raw r || s.
Status ecdsa_verify(const EcPublicKey& key, HashAlg hash, std::span<const uint8_t> message,
                    std::span<const uint8_t> signature);

// An EC key pair held by mbedTLS. Signing is deterministic ECDSA (RFC 6979)
// with blinding from mbedTLS's CTR_DRBG.
class EcKeyPair {
 public:
  static Result<EcKeyPair> generate(Curve curve);
  static Result<EcKeyPair> from_pem(std::string_view pem);
  // A raw big-endian private scalar (as EL3 hands the RAK to the RMM, or a JWK "d").
  static Result<EcKeyPair> from_private_scalar(Curve curve, std::span<const uint8_t> scalar);

  EcKeyPair(EcKeyPair&&) noexcept;
  EcKeyPair& operator=(EcKeyPair&&) noexcept;
  ~EcKeyPair();

  const EcPublicKey& public_key() const { return public_key_; }
  Curve curve() const { return public_key_.curve; }
  // PKCS#1/SEC1 "EC PRIVATE KEY" PEM of the private key.
  Result<std::string> private_key_pem() const;
  // SubjectPublicKeyInfo PEM of the public key.
  Result<std::string> public_key_pem() const;
  // Raw r || s, each coordinate_size(curve()) bytes.
  Result<Bytes> sign(HashAlg hash, std::span<const uint8_t> message) const;

 private:
  struct State;
  explicit EcKeyPair(std::unique_ptr<State> state);
  static Result<EcKeyPair> finish(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
  EcPublicKey public_key_;
};

}  // namespace mica::verify
