// The emulated platform's attestation: what the platform security processor
// and EL3 provide on a CCA machine.
//
//   * The platform attestation key (CPAK; ECDSA P-384) lives in the state
//     directory. It is created on first use (file 0600 in a 0700 directory)
//     and loaded on later boots, so tenants can pin its public key
//     (platform-attestation-key.pub.pem) as their trust anchor.
//   * A realm attestation key (RAK; ECDSA P-384) is generated at every boot.
//     Its private half never leaves this object: the monitor asks for
//     signatures (through PlatformInterface) instead of receiving the scalar.
//   * The platform token is built once per boot: a COSE_Sign1 (ES384) over
//     the CCA platform claims, whose challenge is SHA-256 of the RAK's
//     COSE_Key encoding. That binds this boot's RAK to the platform.
// Honest limit: the key is a file, not a hardware root of trust.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "verify/crypto.h"

namespace mica::platform {

// One entry of the platform token's software components (claim 2399).
struct SoftwareComponent {
  std::string type;                  // measurement type, e.g. "RMM"
  std::vector<uint8_t> measurement;  // 32, 48 or 64 bytes
  std::vector<uint8_t> signer_id;    // 32, 48 or 64 bytes
  std::string version;               // omitted when empty
};

struct PlatformTokenConfig {
  // Measurement of the monitor's own build (required; 32, 48 or 64 bytes).
  // It appears as the software component of type "RMM".
  std::vector<uint8_t> monitor_measurement;
  std::string monitor_version;  // omitted when empty
  // Firmware measured before the monitor, if the caller models any; listed first.
  std::vector<SoftwareComponent> firmware_components;
  // Claim 2401. The emulator has no configuration options: four zero bytes.
  std::vector<uint8_t> platform_config = {0, 0, 0, 0};
  std::string verification_service = "urn:mica:tenant-verifier";
};

inline constexpr std::string_view kPlatformKeyFile = "platform-attestation-key.pem";
inline constexpr std::string_view kPlatformPublicKeyFile = "platform-attestation-key.pub.pem";
inline constexpr uint64_t kLifecycleSecured = 0x3000;
// Value of the realm token's RAK hash algorithm claim (44240), as in TF-RMM.
inline constexpr std::string_view kRakHashAlgorithm = "sha-256";
inline constexpr size_t kRakSignatureSize = 96;  // ES384: r || s

// Implementation id (claim 2396) of the emulated platform: SHA-256 of a fixed
// name, the same on every machine running this emulator.
std::vector<uint8_t> emulated_implementation_id();
// Signer id used for components nobody signs (the emulator verifies no image
// signatures): SHA-256 of the string "mica: unsigned image".
std::vector<uint8_t> unsigned_signer_id();

class PlatformAttestation {
 public:
  // Loads or creates the platform key in `state_dir` (empty: "state"),
  // generates this boot's RAK and builds the platform token. Throws
  // std::runtime_error when the key cannot be created, read or trusted
  // (e.g. a key file readable by other users) and std::invalid_argument for
  // a bad config.
  PlatformAttestation(std::string state_dir, PlatformTokenConfig config);
  ~PlatformAttestation();
  PlatformAttestation(const PlatformAttestation&) = delete;
  PlatformAttestation& operator=(const PlatformAttestation&) = delete;

  // The platform token (tagged COSE_Sign1, ES384), embedded as-is in every
  // CCA token of this boot.
  const std::vector<uint8_t>& platform_token() const { return platform_token_; }
  // The RAK public key as the 107-byte COSE_Key the realm token's claim 44237 carries.
  const std::vector<uint8_t>& rak_cose_key() const { return rak_cose_key_; }
  const verify::EcPublicKey& rak_public_key() const;
  const verify::EcPublicKey& platform_public_key() const;
  std::string platform_key_path() const;
  std::string platform_public_key_path() const;
  // True when this boot created the platform key (first boot of this state dir).
  bool created_platform_key() const { return created_key_; }

  // ES384 over `to_be_signed` (the COSE Sig_structure the monitor built):
  // SHA-384, then ECDSA with the RAK. Writes r || s. False only if mbedTLS fails.
  bool sign_with_rak(std::span<const uint8_t> to_be_signed, std::span<uint8_t, kRakSignatureSize> signature) const;
  // Convenience for callers that hold a realm claims payload: the whole
  // tagged COSE_Sign1 realm token, signed with the RAK.
  std::vector<uint8_t> sign_realm_token(std::span<const uint8_t> claims_payload) const;

 private:
  std::string state_dir_;
  bool created_key_ = false;
  std::unique_ptr<verify::EcKeyPair> platform_key_;
  std::unique_ptr<verify::EcKeyPair> rak_;
  std::vector<uint8_t> rak_cose_key_;
  std::vector<uint8_t> platform_token_;
};

}  // namespace mica::platform
