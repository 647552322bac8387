#include "platform/attestation.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <random>
#include <stdexcept>

#include "verify/cbor.h"
#include "verify/claims.h"
#include "verify/cose.h"

namespace mica::platform {

namespace {

using verify::Bytes;

std::runtime_error io_error(const std::string& what, const std::string& path) {
  return std::runtime_error("platform attestation: " + what + " " + path + ": " + std::strerror(errno));
}

std::vector<uint8_t> sha256_of(std::string_view text) {
  return verify::digest(verify::HashAlg::kSha256,
                        std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

// The state directory must exist, be a directory of ours and not be writable
// by others (who could otherwise swap the key file).
void prepare_state_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) throw io_error("cannot create state directory", dir);
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) throw io_error("cannot stat state directory", dir);
  if (!S_ISDIR(st.st_mode)) throw std::runtime_error("platform attestation: " + dir + " is not a directory");
  if (st.st_uid != ::geteuid()) throw std::runtime_error("platform attestation: state directory " + dir + " is not owned by this user");
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    throw std::runtime_error("platform attestation: state directory " + dir + " is writable by other users");
  }
}

void write_all(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw io_error("cannot write", path);
    done += static_cast<size_t>(n);
  }
}

std::string temporary_name(const std::string& path) {
  std::random_device rd;
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
}

// Writes `data` to a new file and publishes it at `path` only once complete:
// link() fails if `path` exists, so two boots racing on one state directory
// never both create a key. Returns false when `path` already existed.
bool create_file_exclusively(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = temporary_name(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) throw io_error("cannot create", tmp);
  try {
    if (::fchmod(fd, mode) != 0) throw io_error("cannot set permissions of", tmp);  // umask-proof
    write_all(fd, data, tmp);
    if (::fsync(fd) != 0) throw io_error("cannot sync", tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  int rc = ::link(tmp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (rc == 0) return true;
  errno = link_errno;
  if (link_errno == EEXIST) return false;
  throw io_error("cannot publish", path);
}

// Replaces `path` atomically (for derived, public data).
void replace_file(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = temporary_name(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) throw io_error("cannot create", tmp);
  try {
    if (::fchmod(fd, mode) != 0) throw io_error("cannot set permissions of", tmp);
    write_all(fd, data, tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw io_error("cannot write", path);
  }
}

// Reads the private key file, refusing one that others could read or replace.
std::string read_private_key_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) throw io_error("cannot open platform key", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw io_error("cannot stat platform key", path);
  }
  auto refuse = [&](const std::string& why) {
    ::close(fd);
    throw std::runtime_error("platform attestation: refusing platform key " + path + ": " + why);
  };
  if (!S_ISREG(st.st_mode)) refuse("not a regular file");
  if (st.st_uid != ::geteuid()) refuse("not owned by this user");
  if (st.st_mode & (S_IRWXG | S_IRWXO)) refuse("accessible by other users (chmod 600 it, and consider it leaked)");
  if (st.st_size > 16 * 1024) refuse("too large to be a key");
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw io_error("cannot read platform key", path);
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return data;
}

std::string hash_name_for(size_t measurement_size) {
  switch (measurement_size) {
    case 32: return "sha-256";
    case 48: return "sha-384";
    case 64: return "sha-512";
    default: return "";
  }
}

void validate_component(const SoftwareComponent& c) {
  if (c.type.empty()) throw std::invalid_argument("platform attestation: a software component needs a type");
  if (hash_name_for(c.measurement.size()).empty()) {
    throw std::invalid_argument("platform attestation: measurement of \"" + c.type + "\" must be 32, 48 or 64 bytes");
  }
  if (hash_name_for(c.signer_id.size()).empty()) {
    throw std::invalid_argument("platform attestation: signer id of \"" + c.type + "\" must be 32, 48 or 64 bytes");
  }
}

void write_component(verify::cbor::Writer& w, const SoftwareComponent& c) {
  namespace claim = verify::claim;
  w.map_header(c.version.empty() ? 4 : 5);
  w.unsigned_int(claim::kComponentType).text(c.type);
  w.unsigned_int(claim::kComponentValue).bytes(c.measurement);
  if (!c.version.empty()) w.unsigned_int(claim::kComponentVersion).text(c.version);
  w.unsigned_int(claim::kComponentSignerId).bytes(c.signer_id);
  w.unsigned_int(claim::kComponentDescription).text(hash_name_for(c.measurement.size()));
}

}  // namespace

std::vector<uint8_t> emulated_implementation_id() { return sha256_of("mica: emulated Arm CCA platform, implementation 1"); }

std::vector<uint8_t> unsigned_signer_id() { return sha256_of("mica: unsigned image"); }

PlatformAttestation::PlatformAttestation(std::string state_dir, PlatformTokenConfig config)
    : state_dir_(state_dir.empty() ? std::string("state") : std::move(state_dir)) {
  SoftwareComponent monitor{"RMM", config.monitor_measurement, unsigned_signer_id(), config.monitor_version};
  for (const auto& c : config.firmware_components) validate_component(c);
  validate_component(monitor);

  // Platform key: load, or create on the first boot of this state directory.
  prepare_state_dir(state_dir_);
  std::string key_path = platform_key_path();
  if (::access(key_path.c_str(), F_OK) != 0) {
    auto fresh = verify::EcKeyPair::generate(verify::Curve::kP384);
    if (!fresh) throw std::runtime_error("platform attestation: " + fresh.error().message);
    auto pem = fresh->private_key_pem();
    if (!pem) throw std::runtime_error("platform attestation: " + pem.error().message);
    created_key_ = create_file_exclusively(key_path, pem.value(), 0600);
    // Overwrite our copy of the secret before the string is released.
    mbedtls_platform_zeroize(pem.value().data(), pem.value().size());
  }
  std::string pem = read_private_key_file(key_path);
  auto key = verify::EcKeyPair::from_pem(pem);
  mbedtls_platform_zeroize(pem.data(), pem.size());
  if (!key) throw std::runtime_error("platform attestation: " + key_path + ": " + key.error().message);
  if (key->curve() != verify::Curve::kP384) throw std::runtime_error("platform attestation: " + key_path + " is not a P-384 key");
  platform_key_ = std::make_unique<verify::EcKeyPair>(std::move(key.value()));
  auto public_pem = platform_key_->public_key_pem();
  if (!public_pem) throw std::runtime_error("platform attestation: " + public_pem.error().message);
  replace_file(platform_public_key_path(), public_pem.value(), 0644);

  // This boot's RAK, and the platform token that binds it.
  auto rak = verify::EcKeyPair::generate(verify::Curve::kP384);
  if (!rak) throw std::runtime_error("platform attestation: " + rak.error().message);
  rak_ = std::make_unique<verify::EcKeyPair>(std::move(rak.value()));
  rak_cose_key_ = verify::cose_key_encoding(rak_->public_key());
  Bytes challenge = verify::digest(verify::HashAlg::kSha256, rak_cose_key_);

  Bytes instance_id{0x01};  // random-type UEID, derived from the platform key
  Bytes key_hash = verify::digest(verify::HashAlg::kSha256, platform_key_->public_key().uncompressed_point());
  instance_id.insert(instance_id.end(), key_hash.begin(), key_hash.end());

  namespace claim = verify::claim;
  verify::cbor::Writer w;
  w.map_header(9);
  w.unsigned_int(claim::kProfile).text(verify::kPlatformProfile);
  w.unsigned_int(claim::kChallenge).bytes(challenge);
  w.unsigned_int(claim::kImplementationId).bytes(emulated_implementation_id());
  w.unsigned_int(claim::kInstanceId).bytes(instance_id);
  w.unsigned_int(claim::kPlatformConfig).bytes(config.platform_config);
  w.unsigned_int(claim::kLifecycle).unsigned_int(kLifecycleSecured);
  w.unsigned_int(claim::kPlatformHashAlgo).text("sha-256");
  w.unsigned_int(claim::kVerificationService).text(config.verification_service);
  w.unsigned_int(claim::kSoftwareComponents).array_header(config.firmware_components.size() + 1);
  for (const auto& c : config.firmware_components) write_component(w, c);
  write_component(w, monitor);

  auto token = verify::cose::sign1(*platform_key_, w.data());
  if (!token) throw std::runtime_error("platform attestation: cannot sign the platform token: " + token.error().message);
  platform_token_ = std::move(token.value());
}

PlatformAttestation::~PlatformAttestation() = default;

const verify::EcPublicKey& PlatformAttestation::rak_public_key() const { return rak_->public_key(); }
const verify::EcPublicKey& PlatformAttestation::platform_public_key() const { return platform_key_->public_key(); }
std::string PlatformAttestation::platform_key_path() const { return state_dir_ + "/" + std::string(kPlatformKeyFile); }
std::string PlatformAttestation::platform_public_key_path() const {
  return state_dir_ + "/" + std::string(kPlatformPublicKeyFile);
}

bool PlatformAttestation::sign_with_rak(std::span<const uint8_t> to_be_signed,
                                        std::span<uint8_t, kRakSignatureSize> signature) const {
  auto result = rak_->sign(verify::HashAlg::kSha384, to_be_signed);
  if (!result || result->size() != kRakSignatureSize) return false;
  std::copy(result->begin(), result->end(), signature.begin());
  return true;
}

std::vector<uint8_t> PlatformAttestation::sign_realm_token(std::span<const uint8_t> claims_payload) const {
  Bytes protected_bytes = verify::cose::protected_header_for(verify::cose::kEs384);
  std::array<uint8_t, kRakSignatureSize> signature{};
  if (!sign_with_rak(verify::cose::sig_structure(protected_bytes, claims_payload), signature)) {
    throw std::runtime_error("platform attestation: RAK signing failed");
  }
  return verify::cose::encode_sign1(protected_bytes, claims_payload, signature);
}

}  // namespace mica::platform
