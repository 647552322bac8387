// Writes a CCA token made by our platform attestation and a realm token built
// the way the monitor builds it, for the independent Python cross-check, and
// prints the token sizes and how long producing and verifying one takes.
//
//   mica_make_sample_token DIR [COMPILED_POLICY INDEX NAME]
// creates DIR/state (platform key), DIR/token.cbor (tag 907),
// DIR/token-legacy.cbor (tag 399) and DIR/expected.json. With a compiled
// policy, the Mica claims name it (digest = SHA-256 of the file) and the
// given component, as the monitor does for a realm bound to that component.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "platform/attestation.h"
#include "token_builder.h"
#include "verify/verifier.h"

namespace {

using mica::verify::Bytes;
using Clock = std::chrono::steady_clock;

void write(const std::string& path, const Bytes& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

double micros_since(Clock::time_point start, int iterations) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / iterations;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 5) {
    std::cerr << "usage: " << argv[0] << " DIR [COMPILED_POLICY INDEX NAME]\n";
    return 1;
  }
  try {
    std::string dir = argv[1];
    std::filesystem::create_directories(dir);
    std::filesystem::remove_all(dir + "/state");  // a fresh platform key each run

    auto boot_start = Clock::now();
    mica::platform::PlatformAttestation boot(dir + "/state", mica::testing::sample_platform_config());
    double boot_us = micros_since(boot_start, 1);

    mica::testing::RealmClaimsSpec spec;
    spec.mica = mica::testing::sample_mica_claims();
    if (argc == 5) {
      spec.mica->policy_digest = mica::verify::digest(mica::verify::HashAlg::kSha256, mica::testing::read_file(argv[2]));
      spec.mica->component_index = std::stoull(argv[3]);
      spec.mica->component_name = argv[4];
    }
    Bytes token = mica::testing::make_cca_token(boot, spec, mica::verify::Wrapper::kCmw907);
    Bytes legacy = mica::testing::make_cca_token(boot, spec, mica::verify::Wrapper::kLegacy399);
    write(dir + "/token.cbor", token);
    write(dir + "/token-legacy.cbor", legacy);

    nlohmann::json expected = {
        {"realm_challenge", mica::verify::cbor::to_hex(spec.challenge)},
        {"policy_digest", mica::verify::cbor::to_hex(spec.mica->policy_digest)},
        {"workflow_instance_id", mica::verify::cbor::to_hex(spec.mica->workflow_instance_id)},
        {"component_index", spec.mica->component_index},
        {"component_name", spec.mica->component_name},
        {"claim_keys",
         {{"policy_digest", mica::verify::claim::kMicaPolicyDigest},
          {"workflow_instance_id", mica::verify::claim::kMicaWorkflowInstanceId},
          {"component_index", mica::verify::claim::kMicaComponentIndex},
          {"component_name", mica::verify::claim::kMicaComponentName}}}};
    std::ofstream(dir + "/expected.json") << expected.dump(2) << "\n";

    // Timings: producing a realm token (what RSI_ATTEST_TOKEN_* will cost in
    // signing) and verifying a whole CCA token. Printed, never asserted.
    constexpr int kIterations = 50;
    auto sign_start = Clock::now();
    for (int i = 0; i < kIterations; ++i) (void)mica::testing::make_cca_token(boot, spec);
    double sign_us = micros_since(sign_start, kIterations);

    mica::verify::VerifyOptions options;
    options.platform_anchor = boot.platform_public_key();
    options.expected_challenge = spec.challenge;
    auto verify_start = Clock::now();
    bool all_ok = true;
    for (int i = 0; i < kIterations; ++i) {
      all_ok = all_ok && !mica::verify::verify_token("sample", token, options).failure().has_value();
    }
    double verify_us = micros_since(verify_start, kIterations);
    if (!all_ok) {
      std::cerr << "the sample token does not verify with the project's own verifier\n";
      return 1;
    }
    auto collection = mica::verify::decode_collection(token);
    std::printf("platform token %zu bytes, realm token %zu bytes, CCA token %zu bytes (tag 907) / %zu bytes (tag 399)\n",
                boot.platform_token().size(), collection->realm_token.size(), token.size(), legacy.size());
    std::printf("boot (platform key %s, RAK generation, platform token signing): %.0f us\n",
                boot.created_platform_key() ? "created" : "loaded", boot_us);
    std::printf("realm token ES384 signing + collection: %.0f us/token; full verification: %.0f us/token (%d runs)\n",
                sign_us, verify_us, kIterations);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "mica_make_sample_token: " << e.what() << "\n";
    return 1;
  }
}
