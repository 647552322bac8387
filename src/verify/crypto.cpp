#include "verify/crypto.h"

#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

namespace mica::verify {

// --- Names and sizes -----------------------------------------------------------

size_t coordinate_size(Curve curve) {
  switch (curve) {
    case Curve::kP256: return 32;
    case Curve::kP384: return 48;
    case Curve::kP521: return 66;
  }
  return 0;
}

const char* curve_name(Curve curve) {
  switch (curve) {
    case Curve::kP256: return "P-256";
    case Curve::kP384: return "P-384";
    case Curve::kP521: return "P-521";
  }
  return "?";
}

int64_t cose_curve_id(Curve curve) {
  switch (curve) {
    case Curve::kP256: return 1;
    case Curve::kP384: return 2;
    case Curve::kP521: return 3;
  }
  return 0;
}

std::optional<Curve> curve_from_cose_id(int64_t id) {
  switch (id) {
    case 1: return Curve::kP256;
    case 2: return Curve::kP384;
    case 3: return Curve::kP521;
    default: return std::nullopt;
  }
}

size_t digest_size(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha256: return 32;
    case HashAlg::kSha384: return 48;
    case HashAlg::kSha512: return 64;
  }
  return 0;
}

const char* hash_alg_name(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha256: return "sha-256";
    case HashAlg::kSha384: return "sha-384";
    case HashAlg::kSha512: return "sha-512";
  }
  return "?";
}

std::optional<HashAlg> hash_alg_from_name(std::string_view name) {
  if (name == "sha-256") return HashAlg::kSha256;
  if (name == "sha-384") return HashAlg::kSha384;
  if (name == "sha-512") return HashAlg::kSha512;
  return std::nullopt;
}

Bytes digest(HashAlg alg, std::span<const uint8_t> data) {
  Bytes out(digest_size(alg));
  int rc = 0;
  switch (alg) {
    case HashAlg::kSha256: rc = mbedtls_sha256_ret(data.data(), data.size(), out.data(), 0); break;
    case HashAlg::kSha384: rc = mbedtls_sha512_ret(data.data(), data.size(), out.data(), 1); break;
    case HashAlg::kSha512: rc = mbedtls_sha512_ret(data.data(), data.size(), out.data(), 0); break;
  }
  if (rc != 0) throw std::runtime_error("mbedTLS hash failed");
  return out;
}

// --- mbedTLS plumbing ------------------------------------------------------------

namespace {

std::string mbed_error(const char* what, int rc) {
  std::ostringstream out;
  out << what << " (mbedTLS error -0x" << std::hex << -rc << ")";
  return out.str();
}

mbedtls_ecp_group_id group_id(Curve curve) {
  switch (curve) {
    case Curve::kP256: return MBEDTLS_ECP_DP_SECP256R1;
    case Curve::kP384: return MBEDTLS_ECP_DP_SECP384R1;
    case Curve::kP521: return MBEDTLS_ECP_DP_SECP521R1;
  }
  return MBEDTLS_ECP_DP_NONE;
}

std::optional<Curve> curve_from_group(mbedtls_ecp_group_id id) {
  switch (id) {
    case MBEDTLS_ECP_DP_SECP256R1: return Curve::kP256;
    case MBEDTLS_ECP_DP_SECP384R1: return Curve::kP384;
    case MBEDTLS_ECP_DP_SECP521R1: return Curve::kP521;
    default: return std::nullopt;
  }
}

mbedtls_md_type_t md_type(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha256: return MBEDTLS_MD_SHA256;
    case HashAlg::kSha384: return MBEDTLS_MD_SHA384;
    case HashAlg::kSha512: return MBEDTLS_MD_SHA512;
  }
  return MBEDTLS_MD_NONE;
}

struct Group {
  mbedtls_ecp_group grp;
  Group() { mbedtls_ecp_group_init(&grp); }
  ~Group() { mbedtls_ecp_group_free(&grp); }
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;
};

struct Point {
  mbedtls_ecp_point point;
  Point() { mbedtls_ecp_point_init(&point); }
  ~Point() { mbedtls_ecp_point_free(&point); }
  Point(const Point&) = delete;
  Point& operator=(const Point&) = delete;
};

struct Mpi {
  mbedtls_mpi mpi;
  Mpi() { mbedtls_mpi_init(&mpi); }
  ~Mpi() { mbedtls_mpi_free(&mpi); }
  Mpi(const Mpi&) = delete;
  Mpi& operator=(const Mpi&) = delete;
};

struct Pk {
  mbedtls_pk_context pk;
  Pk() { mbedtls_pk_init(&pk); }
  ~Pk() { mbedtls_pk_free(&pk); }
  Pk(const Pk&) = delete;
  Pk& operator=(const Pk&) = delete;
};

// A CTR_DRBG seeded from the system entropy source.
struct Drbg {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  Drbg() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
  }
  ~Drbg() {
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  Drbg(const Drbg&) = delete;
  Drbg& operator=(const Drbg&) = delete;
  int seed() {
    static const char kPersonalization[] = "mica-attestation-keys";
    return mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                                 reinterpret_cast<const unsigned char*>(kPersonalization),
                                 sizeof(kPersonalization) - 1);
  }
};

// Coordinates of a point that mbedTLS holds, checked on the curve.
Result<EcPublicKey> export_point(const mbedtls_ecp_group& grp, const mbedtls_ecp_point& q) {
  auto curve = curve_from_group(grp.id);
  if (!curve) return Error{"unsupported elliptic curve (P-256, P-384 and P-521 are supported)"};
  if (int rc = mbedtls_ecp_check_pubkey(&grp, &q); rc != 0) return Error{mbed_error("public key is not a valid point", rc)};
  size_t size = coordinate_size(*curve);
  Bytes point(1 + 2 * size);
  size_t written = 0;
  int rc = mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &written, point.data(), point.size());
  if (rc != 0 || written != point.size()) return Error{mbed_error("cannot export the public key", rc)};
  EcPublicKey key;
  key.curve = *curve;
  key.x.assign(point.begin() + 1, point.begin() + 1 + static_cast<std::ptrdiff_t>(size));
  key.y.assign(point.begin() + 1 + static_cast<std::ptrdiff_t>(size), point.end());
  return key;
}

// Loads `key` into mbedTLS objects; fails if the point is not on the curve.
Status import_point(const EcPublicKey& key, Group& group, Point& q) {
  size_t size = coordinate_size(key.curve);
  if (key.x.size() != size || key.y.size() != size) {
    return Error{std::string("coordinates of a ") + curve_name(key.curve) + " key must be " + std::to_string(size) + " bytes"};
  }
  if (int rc = mbedtls_ecp_group_load(&group.grp, group_id(key.curve)); rc != 0) return Error{mbed_error("cannot load curve", rc)};
  Bytes point = key.uncompressed_point();
  if (int rc = mbedtls_ecp_point_read_binary(&group.grp, &q.point, point.data(), point.size()); rc != 0) {
    return Error{mbed_error("cannot read the public key point", rc)};
  }
  if (int rc = mbedtls_ecp_check_pubkey(&group.grp, &q.point); rc != 0) {
    return Error{mbed_error("public key is not a point on the curve", rc)};
  }
  return Status::success();
}

std::optional<Bytes> base64url_decode(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (c == '+' || c == '/' || c == '=') return std::nullopt;  // not base64url
  }
  while (standard.size() % 4 != 0) standard.push_back('=');
  size_t needed = 0;
  auto* in = reinterpret_cast<const unsigned char*>(standard.data());
  mbedtls_base64_decode(nullptr, 0, &needed, in, standard.size());
  Bytes out(needed);
  size_t written = 0;
  if (mbedtls_base64_decode(out.data(), out.size(), &written, in, standard.size()) != 0) return std::nullopt;
  out.resize(written);
  return out;
}

}  // namespace

// --- Public keys ---------------------------------------------------------------

Bytes EcPublicKey::uncompressed_point() const {
  Bytes point;
  point.reserve(1 + x.size() + y.size());
  point.push_back(0x04);
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  return point;
}

namespace {
Result<EcPublicKey> checked(EcPublicKey key) {
  Group group;
  Point q;
  if (Status s = import_point(key, group, q); !s) return s.error();
  return key;
}
}  // namespace

Result<EcPublicKey> public_key_from_point(std::span<const uint8_t> point) {
  if (point.empty() || point[0] != 0x04) {
    return Error{"not an uncompressed EC point (first byte must be 0x04)"};
  }
  std::optional<Curve> curve;
  for (Curve c : {Curve::kP256, Curve::kP384, Curve::kP521}) {
    if (point.size() == 1 + 2 * coordinate_size(c)) curve = c;
  }
  if (!curve) return Error{"uncompressed EC point of " + std::to_string(point.size()) + " bytes matches no supported curve"};
  size_t size = coordinate_size(*curve);
  EcPublicKey key;
  key.curve = *curve;
  key.x.assign(point.begin() + 1, point.begin() + 1 + static_cast<std::ptrdiff_t>(size));
  key.y.assign(point.begin() + 1 + static_cast<std::ptrdiff_t>(size), point.end());
  return checked(std::move(key));
}

Result<EcPublicKey> public_key_from_cose_key(const cbor::Item& cose_key) {
  if (!cose_key.is_map()) return Error{"COSE_Key is not a map"};
  const cbor::Item* kty = cose_key.find(1);
  if (!kty || !kty->is_integer() || kty->to_int64() != 2) return Error{"COSE_Key kty (1) must be 2 (EC2)"};
  const cbor::Item* crv = cose_key.find(-1);
  if (!crv || !crv->is_integer()) return Error{"COSE_Key crv (-1) missing or not an integer"};
  auto curve = curve_from_cose_id(crv->to_int64().value_or(0));
  if (!curve) return Error{"COSE_Key crv " + cbor::diagnostic(*crv) + " is not P-256, P-384 or P-521"};
  const cbor::Item* x = cose_key.find(-2);
  const cbor::Item* y = cose_key.find(-3);
  if (!x || !x->is_bytes()) return Error{"COSE_Key x (-2) missing or not a byte string"};
  if (!y) return Error{"COSE_Key y (-3) missing"};
  if (y->is_bool()) return Error{"COSE_Key with a compressed point (y as a sign bit) is not supported"};
  if (!y->is_bytes()) return Error{"COSE_Key y (-3) is not a byte string"};
  if (const cbor::Item* alg = cose_key.find(3); alg && !alg->is_integer() && !alg->is_text()) {
    return Error{"COSE_Key alg (3) is neither an integer nor a text string"};
  }
  if (cose_key.find(-4)) return Error{"COSE_Key carries a private key (d, -4)"};
  EcPublicKey key;
  key.curve = *curve;
  key.x = x->bytes_value();
  key.y = y->bytes_value();
  return checked(std::move(key));
}

Result<EcPublicKey> public_key_from_cose_key(std::span<const uint8_t> encoded) {
  auto item = cbor::decode(encoded);
  if (!item) return Error{"COSE_Key: " + item.error().message};
  return public_key_from_cose_key(item.value());
}

Bytes cose_key_encoding(const EcPublicKey& key) {
  cbor::Writer w;
  w.map_header(4);
  w.unsigned_int(1).unsigned_int(2);                       // kty: EC2
  w.integer(-1).integer(cose_curve_id(key.curve));         // crv
  w.integer(-2).bytes(key.x);                              // x
  w.integer(-3).bytes(key.y);                              // y
  return w.take();
}

Result<EcPublicKey> public_key_from_jwk(std::string_view json) {
  nlohmann::json jwk = nlohmann::json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (jwk.is_discarded() || !jwk.is_object()) return Error{"JWK: not a JSON object"};
  auto member = [&](const char* name) -> std::optional<std::string> {
    auto it = jwk.find(name);
    if (it == jwk.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  if (member("kty") != "EC") return Error{"JWK: \"kty\" must be \"EC\""};
  auto crv = member("crv");
  std::optional<Curve> curve;
  if (crv == "P-256") curve = Curve::kP256;
  if (crv == "P-384") curve = Curve::kP384;
  if (crv == "P-521") curve = Curve::kP521;
  if (!curve) return Error{"JWK: \"crv\" must be P-256, P-384 or P-521"};
  auto x_text = member("x");
  auto y_text = member("y");
  if (!x_text || !y_text) return Error{"JWK: \"x\" and \"y\" are required strings"};
  auto x = base64url_decode(*x_text);
  auto y = base64url_decode(*y_text);
  if (!x || !y) return Error{"JWK: \"x\" or \"y\" is not base64url"};
  size_t size = coordinate_size(*curve);
  if (x->size() != size || y->size() != size) {
    return Error{"JWK: coordinates of a " + *crv + " key must be " + std::to_string(size) + " bytes"};
  }
  return checked(EcPublicKey{*curve, std::move(*x), std::move(*y)});
}

Result<EcPublicKey> public_key_from_pem(std::string_view pem) {
  // mbedTLS wants PEM NUL-terminated, with the terminator counted.
  std::string buffer(pem);
  bool is_pem = buffer.find("-----BEGIN") != std::string::npos;
  Pk pk;
  int rc = mbedtls_pk_parse_public_key(&pk.pk, reinterpret_cast<const unsigned char*>(buffer.c_str()),
                                       buffer.size() + (is_pem ? 1 : 0));
  if (rc != 0) return Error{mbed_error("not a PEM/DER public key", rc)};
  if (mbedtls_pk_get_type(&pk.pk) != MBEDTLS_PK_ECKEY) return Error{"public key is not an EC key"};
  const mbedtls_ecp_keypair* ec = mbedtls_pk_ec(pk.pk);
  return export_point(ec->grp, ec->Q);
}

Result<EcPublicKey> load_public_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open key file " + path};
  // Read through a stream buffer: GCC 12 -O2 sees a null dereference in
  // istreambuf_iterator that cannot happen (-Wnull-dereference).
  std::ostringstream contents;
  contents << in.rdbuf();
  const std::string text = contents.str();
  if (text.size() > 64 * 1024) return Error{"key file " + path + " is too large to be a public key"};
  size_t first = text.find_first_not_of(" \t\r\n");
  Result<EcPublicKey> key = (first != std::string::npos && text[first] == '{') ? public_key_from_jwk(text)
                                                                                 : public_key_from_pem(text);
  if (!key) return Error{path + ": " + key.error().message};
  return key;
}

Status ecdsa_verify(const EcPublicKey& key, HashAlg hash, std::span<const uint8_t> message,
                    std::span<const uint8_t> signature) {
  size_t size = coordinate_size(key.curve);
  if (signature.size() != 2 * size) {
    return Error{"signature is " + std::to_string(signature.size()) + " bytes, a " + curve_name(key.curve) +
                 " signature is " + std::to_string(2 * size)};
  }
  Group group;
  Point q;
  if (Status s = import_point(key, group, q); !s) return s;
  Mpi r, s;
  if (mbedtls_mpi_read_binary(&r.mpi, signature.data(), size) != 0 ||
      mbedtls_mpi_read_binary(&s.mpi, signature.data() + size, size) != 0) {
    return Error{"cannot read the signature"};
  }
  Bytes hashed = digest(hash, message);
  int rc = mbedtls_ecdsa_verify(&group.grp, hashed.data(), hashed.size(), &q.point, &r.mpi, &s.mpi);
  if (rc != 0) return Error{"signature does not verify"};
  return Status::success();
}

// --- Key pairs --------------------------------------------------------------------

struct EcKeyPair::State {
  Pk pk;
  Drbg drbg;
  mutable std::mutex mutex;  // CTR_DRBG is not thread-safe
};

EcKeyPair::EcKeyPair(std::unique_ptr<State> state) : state_(std::move(state)) {}
EcKeyPair::EcKeyPair(EcKeyPair&&) noexcept = default;
EcKeyPair& EcKeyPair::operator=(EcKeyPair&&) noexcept = default;
EcKeyPair::~EcKeyPair() = default;

Result<EcKeyPair> EcKeyPair::finish(std::unique_ptr<State> state) {
  const mbedtls_ecp_keypair* ec = mbedtls_pk_ec(state->pk.pk);
  if (int rc = mbedtls_ecp_check_privkey(&ec->grp, &ec->d); rc != 0) return Error{mbed_error("invalid private key", rc)};
  auto pub = export_point(ec->grp, ec->Q);
  if (!pub) return pub.error();
  EcKeyPair pair(std::move(state));
  pair.public_key_ = std::move(pub.value());
  return pair;
}

Result<EcKeyPair> EcKeyPair::generate(Curve curve) {
  auto state = std::make_unique<State>();
  if (int rc = state->drbg.seed(); rc != 0) return Error{mbed_error("cannot seed the random generator", rc)};
  if (int rc = mbedtls_pk_setup(&state->pk.pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)); rc != 0) {
    return Error{mbed_error("cannot set up a key", rc)};
  }
  if (int rc = mbedtls_ecp_gen_key(group_id(curve), mbedtls_pk_ec(state->pk.pk), mbedtls_ctr_drbg_random,
                                   &state->drbg.drbg);
      rc != 0) {
    return Error{mbed_error("key generation failed", rc)};
  }
  return finish(std::move(state));
}

Result<EcKeyPair> EcKeyPair::from_pem(std::string_view pem) {
  auto state = std::make_unique<State>();
  if (int rc = state->drbg.seed(); rc != 0) return Error{mbed_error("cannot seed the random generator", rc)};
  std::string buffer(pem);
  int rc = mbedtls_pk_parse_key(&state->pk.pk, reinterpret_cast<const unsigned char*>(buffer.c_str()),
                                buffer.size() + 1, nullptr, 0);
  mbedtls_platform_zeroize(buffer.data(), buffer.size());
  if (rc != 0) return Error{mbed_error("not a PEM private key", rc)};
  if (mbedtls_pk_get_type(&state->pk.pk) != MBEDTLS_PK_ECKEY) return Error{"private key is not an EC key"};
  const mbedtls_ecp_keypair* ec = mbedtls_pk_ec(state->pk.pk);
  if (ec == nullptr || !curve_from_group(ec->grp.id)) return Error{"private key is on an unsupported curve"};
  return finish(std::move(state));
}

Result<EcKeyPair> EcKeyPair::from_private_scalar(Curve curve, std::span<const uint8_t> scalar) {
  auto state = std::make_unique<State>();
  if (int rc = state->drbg.seed(); rc != 0) return Error{mbed_error("cannot seed the random generator", rc)};
  if (int rc = mbedtls_pk_setup(&state->pk.pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)); rc != 0) {
    return Error{mbed_error("cannot set up a key", rc)};
  }
  mbedtls_ecp_keypair* ec = mbedtls_pk_ec(state->pk.pk);
  if (int rc = mbedtls_ecp_group_load(&ec->grp, group_id(curve)); rc != 0) return Error{mbed_error("cannot load curve", rc)};
  if (scalar.size() != coordinate_size(curve)) {
    return Error{std::string("a ") + curve_name(curve) + " private scalar is " + std::to_string(coordinate_size(curve)) + " bytes"};
  }
  if (int rc = mbedtls_mpi_read_binary(&ec->d, scalar.data(), scalar.size()); rc != 0) {
    return Error{mbed_error("cannot read the private scalar", rc)};
  }
  if (int rc = mbedtls_ecp_check_privkey(&ec->grp, &ec->d); rc != 0) return Error{mbed_error("invalid private scalar", rc)};
  if (int rc = mbedtls_ecp_mul(&ec->grp, &ec->Q, &ec->d, &ec->grp.G, mbedtls_ctr_drbg_random, &state->drbg.drbg);
      rc != 0) {
    return Error{mbed_error("cannot derive the public key", rc)};
  }
  return finish(std::move(state));
}

Result<std::string> EcKeyPair::private_key_pem() const {
  std::vector<unsigned char> buffer(4096);
  int rc = mbedtls_pk_write_key_pem(&state_->pk.pk, buffer.data(), buffer.size());
  if (rc != 0) {
    mbedtls_platform_zeroize(buffer.data(), buffer.size());
    return Error{mbed_error("cannot write the private key", rc)};
  }
  std::string pem(reinterpret_cast<const char*>(buffer.data()));
  mbedtls_platform_zeroize(buffer.data(), buffer.size());
  return pem;
}

Result<std::string> EcKeyPair::public_key_pem() const {
  std::vector<unsigned char> buffer(2048);
  int rc = mbedtls_pk_write_pubkey_pem(&state_->pk.pk, buffer.data(), buffer.size());
  if (rc != 0) return Error{mbed_error("cannot write the public key", rc)};
  return std::string(reinterpret_cast<const char*>(buffer.data()));
}

Result<Bytes> EcKeyPair::sign(HashAlg hash, std::span<const uint8_t> message) const {
  const mbedtls_ecp_keypair* ec = mbedtls_pk_ec(state_->pk.pk);
  Bytes hashed = digest(hash, message);
  Mpi r, s;
  size_t size = coordinate_size(curve());
  {
    std::lock_guard lock(state_->mutex);
    int rc = mbedtls_ecdsa_sign_det_ext(const_cast<mbedtls_ecp_group*>(&ec->grp), &r.mpi, &s.mpi, &ec->d,
                                        hashed.data(), hashed.size(), md_type(hash), mbedtls_ctr_drbg_random,
                                        &state_->drbg.drbg);
    if (rc != 0) return Error{mbed_error("ECDSA signing failed", rc)};
  }
  Bytes signature(2 * size);
  if (mbedtls_mpi_write_binary(&r.mpi, signature.data(), size) != 0 ||
      mbedtls_mpi_write_binary(&s.mpi, signature.data() + size, size) != 0) {
    return Error{"cannot write the signature"};
  }
  return signature;
}

}  // namespace mica::verify
