// The data owner's side of the secure I/O protocol (docs/secure-io.md,
// realm-sdk/include/mica/secure_io_abi.h).
//
// An owner trusts nothing the host says. It makes a fresh key pair and
// nonce (the offer), and accepts an ingress component's evidence only if
//   - the token verifies: platform token signed by the platform's key, realm
//     token by the RAK it binds, this build's monitor as reference value,
//     the tenant's policy digest, the component and its RIM allowed there;
//   - its challenge is SHA-512 of the owner's own nonce and key, the ingress
//     public key the evidence carries and the peer table it carries (so the
//     key and the table are the attested realm's);
//   - the peer table, what MICA_PEER_INFO told the ingress of every
//     component of its workflow instance, shows each one ACTIVE with a RIM
//     the policy allows there.
// Only then does it seal its data to the ingress key. A result is accepted
// only from a token of the same workflow instance and platform, of a
// component the policy has, whose challenge binds the nonce, both keys and
// the sealed bytes; then it is opened.
//
// Every refusal says what differs, in words a data owner can act on.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "verify/reference_values.h"
#include "verify/result.h"
#include "verify/tenant_policy.h"
#include "verify/verifier.h"

struct mica_sio_rng;
struct mica_sio_keypair;

namespace mica::verify {

struct OwnerOptions {
  std::string ingress;          // the component the owner's data enters through
  bool result_recipient = false;
  EcPublicKey platform_anchor;  // the platform's public key (its endorsement)
  ReferenceValues reference;    // the platform software the owner accepts
  const TenantPolicy* policy = nullptr;  // required: the owner's own policy
  // What the host says it deployed (optional): only used to name how it
  // differs from `policy` when a token's digest matches it.
  const TenantPolicy* deployed_policy = nullptr;
};

// What MICA_PEER_INFO said of one component, as the ingress reported it.
struct PeerRecord {
  uint32_t component = 0;
  uint32_t state = 0;  // MICA_PEER_*
  uint32_t hash_algo = 0;
  uint64_t bind_generation = 0;
  Bytes rim;
};

struct EvidenceCheck {
  bool accepted = false;
  std::vector<std::string> problems;  // why not, one cause per line
  std::optional<TokenReport> token;
  uint32_t component = 0;
  std::string component_name;
  std::vector<PeerRecord> peers;
  Bytes ingress_public_key;
};

struct ResultCheck {
  bool accepted = false;
  std::vector<std::string> problems;
  std::optional<TokenReport> token;
  uint32_t component = 0;
  std::string component_name;
  Bytes plaintext;  // the result, when accepted
  size_t sealed_size = 0;
};

class OwnerSession {
 public:
  static Result<std::unique_ptr<OwnerSession>> create(OwnerOptions options);
  ~OwnerSession();
  OwnerSession(const OwnerSession&) = delete;
  OwnerSession& operator=(const OwnerSession&) = delete;

  const OwnerOptions& options() const { return options_; }
  // The inbox OFFER payload: nonce | public key | flags.
  Bytes offer() const;
  const std::array<uint8_t, 32>& nonce() const { return nonce_; }

  // Checks an EVIDENCE message; remembers the ingress key when accepted.
  EvidenceCheck check_evidence(std::span<const uint8_t> evidence);
  bool evidence_accepted() const { return ingress_key_.has_value(); }
  const std::optional<EvidenceCheck>& accepted_evidence() const { return accepted_; }

  // The inbox DATA payload (iv | ciphertext | tag) for the accepted
  // ingress; an error before evidence was accepted.
  Result<Bytes> seal(std::span<const uint8_t> data);

  // Checks and opens a RESULT message (for a result recipient, after the
  // evidence was accepted).
  ResultCheck open_result(std::span<const uint8_t> result);

 private:
  explicit OwnerSession(OwnerOptions options);
  VerifyOptions verify_options(const Bytes& challenge) const;

  OwnerOptions options_;
  mica_sio_rng* rng_ = nullptr;
  mica_sio_keypair* key_ = nullptr;
  std::array<uint8_t, 32> nonce_{};
  std::optional<std::array<uint8_t, 32>> ingress_key_;
  std::optional<EvidenceCheck> accepted_;
};

}  // namespace mica::verify
