// The data owner's side of the secure I/O protocol (verify/owner_session.h).
#include "verify/owner_session.h"

#include <sys/random.h>

#include <algorithm>
#include <cstring>

#include "mica/secure_io_abi.h"
#include "mica/sio_crypto.h"
#include "verify/cbor.h"

namespace mica::verify {

namespace {

constexpr uint32_t kPeerActive = 2;  // MICA_PEER_ACTIVE (realm-sdk/include/mica/mica_abi.h)

int os_entropy(void*, unsigned char* out, size_t length) {
  size_t done = 0;
  while (done < length) {
    const ssize_t n = getrandom(out + done, length - done, 0);
    if (n <= 0) return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    done += static_cast<size_t>(n);
  }
  return 0;
}

uint32_t le32(std::span<const uint8_t> b, size_t at) {
  return uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 | uint32_t{b[at + 3]} << 24;
}
uint64_t le64(std::span<const uint8_t> b, size_t at) { return le32(b, at) | uint64_t{le32(b, at + 4)} << 32; }

std::string hex(std::span<const uint8_t> bytes, size_t max = 64) { return cbor::to_hex(bytes, max); }

const char* peer_state_name(uint32_t state) {
  switch (state) {
    case 0: return "no realm bound";
    case 1: return "NEW";
    case 2: return "ACTIVE";
    case 3: return "SYSTEM_OFF";
  }
  return "unknown state";
}

// Every failed check of a token report, one line each.
void add_token_problems(const TokenReport& report, const std::string& what, std::vector<std::string>& problems) {
  for (const Check& check : report.checks) {
    if (check.outcome != Check::Outcome::kFailed) continue;
    problems.push_back(what + ": " + check.id + ": " + check.detail);
  }
}

}  // namespace

OwnerSession::OwnerSession(OwnerOptions options) : options_(std::move(options)) {}

OwnerSession::~OwnerSession() {
  if (key_ != nullptr) {
    mica_sio_keypair_free(key_);
    delete key_;
  }
  if (rng_ != nullptr) {
    mica_sio_rng_free(rng_);
    delete rng_;
  }
}

Result<std::unique_ptr<OwnerSession>> OwnerSession::create(OwnerOptions options) {
  if (options.policy == nullptr) return Error{"an owner needs its policy"};
  std::unique_ptr<OwnerSession> owned(new OwnerSession(std::move(options)));
  OwnerSession& session = *owned;
  session.rng_ = new mica_sio_rng;
  if (mica_sio_rng_init(session.rng_, os_entropy, nullptr, "mica data owner") != 0) {
    return Error{"cannot seed the random generator from the operating system"};
  }
  session.key_ = new mica_sio_keypair;
  if (mica_sio_keypair_generate(session.key_, session.rng_) != 0) {
    delete session.key_;
    session.key_ = nullptr;
    return Error{"cannot make the owner's key pair"};
  }
  if (mbedtls_ctr_drbg_random(&session.rng_->drbg, session.nonce_.data(), session.nonce_.size()) != 0) {
    return Error{"cannot draw the owner's nonce"};
  }
  return owned;
}

Bytes OwnerSession::offer() const {
  Bytes out(nonce_.begin(), nonce_.end());
  out.insert(out.end(), key_->public_key, key_->public_key + MICA_SIO_PUBLIC_KEY_SIZE);
  out.push_back(options_.result_recipient ? MICA_OFFER_RESULT_RECIPIENT : 0);
  return out;
}

VerifyOptions OwnerSession::verify_options(const Bytes& challenge) const {
  VerifyOptions v;
  v.platform_anchor = options_.platform_anchor;
  v.expected_challenge = challenge;
  v.reference_values = options_.reference;
  v.policy = options_.policy;
  v.deployed_policy = options_.deployed_policy;
  return v;
}

EvidenceCheck OwnerSession::check_evidence(std::span<const uint8_t> evidence) {
  EvidenceCheck check;
  auto fail = [&check](std::string why) {
    check.problems.push_back(std::move(why));
    return check;
  };
  // Layout first: every length comes from the untrusted host's bytes.
  if (evidence.size() < MICA_EVIDENCE_OFF_PEERS) return fail("evidence: " + std::to_string(evidence.size()) + " bytes, too short");
  check.component = le32(evidence, MICA_EVIDENCE_OFF_COMPONENT);
  const uint32_t peers = le32(evidence, MICA_EVIDENCE_OFF_PEER_COUNT);
  const std::vector<PolicyComponent> components = options_.policy->components();
  if (peers != components.size()) {
    return fail("evidence: a peer table of " + std::to_string(peers) + " components; the policy has " +
                std::to_string(components.size()));
  }
  const size_t table_end = MICA_EVIDENCE_OFF_PEERS + size_t{peers} * MICA_PEER_RECORD_SIZE;
  if (evidence.size() < table_end + 4) return fail("evidence: truncated peer table");
  const uint32_t token_size = le32(evidence, table_end);
  if (evidence.size() != table_end + 4 + token_size) {
    return fail("evidence: token of " + std::to_string(token_size) + " bytes does not match the message size");
  }
  check.ingress_public_key.assign(evidence.begin() + MICA_EVIDENCE_OFF_PUBLIC_KEY,
                                  evidence.begin() + MICA_EVIDENCE_OFF_PUBLIC_KEY + MICA_SIO_PUBLIC_KEY_SIZE);
  const std::span<const uint8_t> table = evidence.subspan(MICA_EVIDENCE_OFF_PEERS, table_end - MICA_EVIDENCE_OFF_PEERS);
  const std::span<const uint8_t> token = evidence.subspan(table_end + 4, token_size);
  for (uint32_t i = 0; i < peers; ++i) {
    const auto record = table.subspan(size_t{i} * MICA_PEER_RECORD_SIZE, MICA_PEER_RECORD_SIZE);
    PeerRecord peer{le32(record, 0), le32(record, 4), le32(record, 8), le64(record, 16), {}};
    const size_t rim_size = peer.hash_algo == 1 ? 64 : 32;
    peer.rim.assign(record.begin() + 24, record.begin() + 24 + static_cast<std::ptrdiff_t>(rim_size));
    check.peers.push_back(std::move(peer));
  }

  // The challenge the token must carry if key and table are the realm's.
  uint8_t digest[MICA_SIO_DIGEST_SIZE];
  mica_sio_sha256(table.data(), table.size(), digest);
  Bytes challenge(MICA_SIO_CHALLENGE_SIZE);
  mica_sio_challenge(MICA_SIO_LABEL_INGRESS_EVIDENCE, nonce_.data(), key_->public_key,
                     check.ingress_public_key.data(), digest, challenge.data());
  const std::optional<uint32_t> wanted = [&]() -> std::optional<uint32_t> {
    for (const PolicyComponent& c : components) {
      if (c.name == options_.ingress) return static_cast<uint32_t>(c.index);
    }
    return std::nullopt;
  }();
  check.component_name = check.component < components.size() ? components[check.component].name : "?";
  TokenReport report = verify_token("evidence of '" + check.component_name + "'", token, verify_options(challenge));
  add_token_problems(report, "ingress token", check.problems);
  if (!wanted) check.problems.push_back("the policy has no component '" + options_.ingress + "'");
  if (wanted && check.component != *wanted) {
    check.problems.push_back("the evidence comes from component " + std::to_string(check.component) + " (" +
                             check.component_name + "), not from '" + options_.ingress + "'");
  }
  if (report.realm && report.realm->mica && report.realm->mica->component_index != check.component) {
    check.problems.push_back("the token is of component " + std::to_string(report.realm->mica->component_index) +
                             ", the evidence says " + std::to_string(check.component));
  }
  // The peer table: every component active with a RIM the policy allows.
  for (uint32_t i = 0; i < peers; ++i) {
    const PeerRecord& peer = check.peers[i];
    const PolicyComponent& component = components[i];
    if (peer.component != i) {
      check.problems.push_back("peer table: entry " + std::to_string(i) + " names component " +
                               std::to_string(peer.component));
      continue;
    }
    if (peer.state != kPeerActive) {
      check.problems.push_back("peer '" + component.name + "' is " + peer_state_name(peer.state) +
                               ", not ACTIVE");
      continue;
    }
    if (!component.any_measurement &&
        std::find(component.measurements.begin(), component.measurements.end(), peer.rim) ==
            component.measurements.end()) {
      check.problems.push_back("peer '" + component.name + "' runs RIM " + hex(peer.rim) +
                               ", which the policy does not allow there");
    }
    if (i == check.component && report.realm && peer.rim != report.realm->rim) {
      check.problems.push_back("the peer table's RIM for the ingress differs from its token's");
    }
  }
  check.token = std::move(report);
  check.accepted = check.problems.empty();
  if (check.accepted) {
    std::array<uint8_t, 32> key{};
    if (mica_sio_derive_key(key_, check.ingress_public_key.data(), nonce_.data(), MICA_SIO_LABEL_INGRESS_KEY,
                            key_->public_key, check.ingress_public_key.data(), rng_, key.data()) != 0) {
      check.accepted = false;
      check.problems.push_back("the ingress public key is not a P-256 point");
    } else {
      ingress_key_ = key;
      accepted_ = check;
    }
  }
  return check;
}

Result<Bytes> OwnerSession::seal(std::span<const uint8_t> data) {
  if (!ingress_key_) return Error{"no evidence accepted: nothing is sealed"};
  Bytes out(MICA_SIO_IV_SIZE + data.size() + MICA_SIO_TAG_SIZE);
  if (mbedtls_ctr_drbg_random(&rng_->drbg, out.data(), MICA_SIO_IV_SIZE) != 0) return Error{"no IV"};
  if (mica_sio_seal(ingress_key_->data(), out.data(), MICA_SIO_LABEL_INPUT, nonce_.data(), data.data(), data.size(),
                    out.data() + MICA_SIO_IV_SIZE) != 0) {
    return Error{"sealing failed"};
  }
  return out;
}

ResultCheck OwnerSession::open_result(std::span<const uint8_t> message) {
  ResultCheck check;
  auto fail = [&check](std::string why) {
    check.problems.push_back(std::move(why));
    return check;
  };
  if (!accepted_) return fail("no evidence was accepted: a result cannot be from our session");
  if (!options_.result_recipient) return fail("this owner did not ask for results");
  if (message.size() < MICA_RESULT_OFF_TOKEN) return fail("result: " + std::to_string(message.size()) + " bytes, too short");
  check.component = le32(message, MICA_RESULT_OFF_COMPONENT);
  const uint32_t token_size = le32(message, MICA_RESULT_OFF_TOKEN_SIZE);
  const uint64_t sealed_size = le64(message, MICA_RESULT_OFF_SEALED_SIZE);
  if (sealed_size < MICA_SIO_TAG_SIZE || message.size() - MICA_RESULT_OFF_TOKEN < token_size ||
      message.size() - MICA_RESULT_OFF_TOKEN - token_size != sealed_size) {
    return fail("result: token and sealed sizes do not match the message");
  }
  check.sealed_size = sealed_size;
  const auto egress_key = message.subspan(MICA_RESULT_OFF_PUBLIC_KEY, MICA_SIO_PUBLIC_KEY_SIZE);
  const auto iv = message.subspan(MICA_RESULT_OFF_IV, MICA_SIO_IV_SIZE);
  const auto token = message.subspan(MICA_RESULT_OFF_TOKEN, token_size);
  const auto sealed = message.subspan(MICA_RESULT_OFF_TOKEN + token_size, sealed_size);
  uint8_t digest[MICA_SIO_DIGEST_SIZE];
  mica_sio_sha256_2(iv.data(), iv.size(), sealed.data(), sealed.size(), digest);
  Bytes challenge(MICA_SIO_CHALLENGE_SIZE);
  mica_sio_challenge(MICA_SIO_LABEL_EGRESS_EVIDENCE, nonce_.data(), key_->public_key, egress_key.data(), digest,
                     challenge.data());
  const std::vector<PolicyComponent> components = options_.policy->components();
  check.component_name = check.component < components.size() ? components[check.component].name : "?";
  TokenReport report = verify_token("result of '" + check.component_name + "'", token, verify_options(challenge));
  add_token_problems(report, "egress token", check.problems);
  const TokenReport& ingress = *accepted_->token;
  if (report.realm && report.realm->mica && ingress.realm && ingress.realm->mica) {
    if (report.realm->mica->workflow_instance_id != ingress.realm->mica->workflow_instance_id) {
      check.problems.push_back("the result comes from workflow instance " +
                               hex(report.realm->mica->workflow_instance_id) + ", not the instance " +
                               hex(ingress.realm->mica->workflow_instance_id) + " our data went into");
    }
    if (report.realm->mica->component_index != check.component) {
      check.problems.push_back("the token is of component " + std::to_string(report.realm->mica->component_index) +
                               ", the result message says " + std::to_string(check.component));
    }
  }
  if (report.platform && ingress.platform && report.platform->instance_id != ingress.platform->instance_id) {
    check.problems.push_back("the result comes from another platform than the evidence");
  }
  check.token = std::move(report);
  if (!check.problems.empty()) return check;
  std::array<uint8_t, 32> key{};
  if (mica_sio_derive_key(key_, egress_key.data(), nonce_.data(), MICA_SIO_LABEL_EGRESS_KEY, key_->public_key,
                          egress_key.data(), rng_, key.data()) != 0) {
    return fail("the egress public key is not a P-256 point");
  }
  check.plaintext.resize(sealed_size - MICA_SIO_TAG_SIZE);
  if (mica_sio_open(key.data(), iv.data(), MICA_SIO_LABEL_RESULT, nonce_.data(), sealed.data(), sealed.size(),
                    check.plaintext.data()) != 0) {
    check.plaintext.clear();
    return fail("the sealed result does not authenticate under the session key");
  }
  check.accepted = true;
  return check;
}

}  // namespace mica::verify
