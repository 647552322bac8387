#include "attest/token.h"

#include "cbor/writer.h"
#include "monitor/abi/mica_claims.h"

namespace mica::monitor::attest {

namespace {

template <size_t N>
constexpr size_t text_size(const char (&)[N]) {
  return N - 1;
}

const char* hash_algo_name(HashAlgo algo) { return algo == HashAlgo::kSha256 ? "sha-256" : "sha-512"; }
constexpr size_t kHashAlgoNameSize = 7;  // "sha-256", "sha-512"

// The protected header {1: -35}, which both the Sig_structure and the token
// carry as a byte string.
constexpr uint8_t kProtectedEs384[] = {0xA1, 0x01, 0x38, 0x22};

size_t finished(cbor::Writer& w) { return w.finish() ? w.size() : 0; }

bool write_key_bytes(cbor::Writer& w, uint64_t key, const uint8_t* data, size_t size) {
  return w.write_uint(key) && w.write_bytes(data, size);
}

bool write_mica_claims(cbor::Writer& w, const MicaClaims& mica) {
  return w.write_int(abi::kClaimPolicyDigest) && w.write_bytes(mica.policy_digest, abi::kPolicyDigestSize) &&
         w.write_int(abi::kClaimWorkflowInstanceId) &&
         w.write_bytes(mica.instance_id, abi::kWorkflowInstanceIdSize) &&
         w.write_int(abi::kClaimComponentIndex) && w.write_uint(mica.component) &&
         w.write_int(abi::kClaimComponentName) && w.write_text(mica.component_name, mica.component_name_length);
}

}  // namespace

size_t encode_realm_claims(const RealmClaims& claims, uint8_t* out, size_t capacity) {
  static_assert(sizeof(MicaClaims::policy_digest) == abi::kPolicyDigestSize);
  static_assert(sizeof(MicaClaims::instance_id) == abi::kWorkflowInstanceIdSize);
  if (claims.mica != nullptr &&
      (claims.mica->component_name_length == 0 ||
       claims.mica->component_name_length > sizeof(claims.mica->component_name))) {
    return 0;  // the Mica claims require a name; the policy decoder guarantees one
  }
  const size_t measurement_size = hash_size(claims.hash_algo);
  cbor::Writer w(out, capacity, /*canonical=*/false);
  const bool ok =
      w.write_map(8 + (claims.mica != nullptr ? 4 : 0)) &&
      write_key_bytes(w, kClaimChallenge, claims.challenge, kChallengeSize) &&
      write_key_bytes(w, kClaimPersonalizationValue, claims.rpv, kRpvSize) &&
      write_key_bytes(w, kClaimRak, claims.rak, claims.rak_size) && w.write_uint(kClaimHashAlgo) &&
      w.write_text(hash_algo_name(claims.hash_algo), kHashAlgoNameSize) && w.write_uint(kClaimRakHashAlgo) &&
      w.write_text(kRakHashAlgo, text_size(kRakHashAlgo)) && w.write_uint(kClaimProfile) &&
      w.write_text(kRealmProfile, text_size(kRealmProfile)) &&
      write_key_bytes(w, kClaimRim, claims.rim, measurement_size) && w.write_uint(kClaimRems) &&
      w.write_array(kRemCount) && w.write_bytes(claims.rems[0], measurement_size) &&
      w.write_bytes(claims.rems[1], measurement_size) && w.write_bytes(claims.rems[2], measurement_size) &&
      w.write_bytes(claims.rems[3], measurement_size) &&
      (claims.mica == nullptr || write_mica_claims(w, *claims.mica));
  return ok ? finished(w) : 0;
}

size_t encode_sig_structure(const uint8_t* payload, size_t payload_size, uint8_t* out, size_t capacity) {
  cbor::Writer w(out, capacity, /*canonical=*/false);
  const bool ok = w.write_array(4) && w.write_text(kSigStructureContext, text_size(kSigStructureContext)) &&
                  w.write_bytes(kProtectedEs384, sizeof kProtectedEs384) &&
                  w.write_bytes(nullptr, 0) &&  // no external AAD
                  w.write_bytes(payload, payload_size);
  return ok ? finished(w) : 0;
}

size_t encode_realm_token(const uint8_t* payload, size_t payload_size, const uint8_t* signature, uint8_t* out,
                          size_t capacity) {
  cbor::Writer w(out, capacity, /*canonical=*/false);
  const bool ok = w.write_tag(kTagCoseSign1) && w.write_array(4) &&
                  w.write_bytes(kProtectedEs384, sizeof kProtectedEs384) &&
                  w.write_map(0) &&  // unprotected: no kid
                  w.write_bytes(payload, payload_size) && w.write_bytes(signature, kRakSignatureSize);
  return ok ? finished(w) : 0;
}

size_t encode_cca_token(const uint8_t* platform_token, size_t platform_size, const uint8_t* realm_token,
                        size_t realm_size, uint8_t* out, size_t capacity) {
  cbor::Writer w(out, capacity, /*canonical=*/false);
  const bool ok = w.write_tag(kTagCcaCollection) && w.write_map(2) &&
                  write_key_bytes(w, kKeyPlatformToken, platform_token, platform_size) &&
                  write_key_bytes(w, kKeyRealmToken, realm_token, realm_size);
  return ok ? finished(w) : 0;
}

}  // namespace mica::monitor::attest
