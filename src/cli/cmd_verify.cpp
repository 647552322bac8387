// `mica verify TOKEN... --platform-key KEY (--challenge HEX | --no-challenge)
//              [--ref-values FILE] [--policy FILE [--deployed-policy FILE]] [--json]`
// The tenant's verifier: a report a person can act on (or --json for a
// program), and an exit code per failure class (docs/attestation.md):
// 0 ok, 1 usage, 2 malformed, 3 signature, 4 binding, 5 claim, 6 reference, 7 policy.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "verify/report.h"
#include "verify/verifier.h"

#ifdef MICA_VERIFY_HAS_POLICY
#include "policy_cli.h"
#include "verify/compiled_policy.h"
#endif

namespace {

using mica::verify::kExitUsage;

struct VerifyArgs {
  std::vector<std::string> tokens;
  std::string platform_key;
  std::string challenge;
  bool no_challenge = false;
  std::string ref_values;
  std::string policy;
  std::string deployed_policy;
  bool json = false;
};

std::optional<std::vector<uint8_t>> read_bounded(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<uint8_t> bytes(limit + 1);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));
  return bytes;
}

#ifdef MICA_VERIFY_HAS_POLICY
// A policy is given as text (.mica, compiled here with the same checks as
// `mica build`) or as the compiled CBOR `mica build` writes.
std::optional<mica::verify::CompiledTenantPolicy> load_policy(const std::string& path, const char* option) {
  auto bytes = read_bounded(path, 16 << 20);
  if (!bytes) {
    std::cerr << "mica verify: cannot open " << option << " '" << path << "'\n";
    return std::nullopt;
  }
  std::vector<uint8_t> compiled;
  bool is_cbor = !bytes->empty() && ((*bytes)[0] & 0xE0) == 0xA0;  // a CBOR map head
  if (is_cbor) {
    compiled = std::move(*bytes);
  } else {
    mica::cli::PolicyInput input;
    input.file = path;
    auto compilation = mica::cli::compile_input(input, {}, std::cerr, STDERR_FILENO);
    if (!compilation || !compilation->ok()) {
      std::cerr << "mica verify: " << option << " '" << path << "' does not compile\n";
      return std::nullopt;
    }
    compiled = compilation->compiled;
  }
  auto policy = mica::verify::CompiledTenantPolicy::from_compiled(compiled);
  if (!policy) {
    std::cerr << "mica verify: " << option << " '" << path << "': " << policy.error().message << "\n";
    return std::nullopt;
  }
  return std::move(policy.value());
}
#endif

int run_verify(const VerifyArgs& args) {
  mica::verify::VerifyOptions options;
  auto anchor = mica::verify::load_public_key_file(args.platform_key);
  if (!anchor) {
    std::cerr << "mica verify: --platform-key: " << anchor.error().message << "\n";
    return kExitUsage;
  }
  options.platform_anchor = anchor.value();

  // Freshness is only ever skipped on purpose.
  if (args.challenge.empty() == !args.no_challenge) {
    std::cerr << "mica verify: give the expected realm challenge with --challenge HEX, or --no-challenge to skip "
                 "the freshness check explicitly\n";
    return kExitUsage;
  }
  if (!args.challenge.empty()) {
    auto challenge = mica::verify::cbor::from_hex(args.challenge);
    if (!challenge || challenge->size() != 64) {
      std::cerr << "mica verify: --challenge must be 64 bytes written as 128 hex digits\n";
      return kExitUsage;
    }
    options.expected_challenge = std::move(*challenge);
  }
  if (!args.ref_values.empty()) {
    auto reference = mica::verify::ReferenceValues::load(args.ref_values);
    if (!reference) {
      std::cerr << "mica verify: --ref-values: " << reference.error().message << "\n";
      return kExitUsage;
    }
    options.reference_values = std::move(reference.value());
  }

#ifdef MICA_VERIFY_HAS_POLICY
  std::optional<mica::verify::CompiledTenantPolicy> policy, deployed;
  if (!args.policy.empty()) {
    policy = load_policy(args.policy, "--policy");
    if (!policy) return kExitUsage;
    options.policy = &*policy;
  }
  if (!args.deployed_policy.empty()) {
    if (!policy) {
      std::cerr << "mica verify: --deployed-policy needs --policy (it is compared with yours)\n";
      return kExitUsage;
    }
    deployed = load_policy(args.deployed_policy, "--deployed-policy");
    if (!deployed) return kExitUsage;
    options.deployed_policy = &*deployed;
  }
#endif

  std::vector<mica::verify::TokenInput> tokens;
  for (const auto& path : args.tokens) {
    auto bytes = read_bounded(path, mica::verify::kMaxTokenSize);
    if (!bytes) {
      std::cerr << "mica verify: cannot open token '" << path << "'\n";
      return kExitUsage;
    }
    tokens.push_back({path, std::move(*bytes)});
  }
  mica::verify::VerificationReport report = mica::verify::verify_tokens(tokens, options);
  if (args.json) {
    std::cout << mica::verify::report_json(report).dump(2) << "\n";
  } else {
    std::cout << mica::verify::report_text(report);
  }
  return report.exit_code();
}

mica::cli::CommandRegistration registration{"verify", [](CLI::App& app, int& exit_code) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* command = app.add_subcommand("verify", "verify CCA attestation tokens against a trust anchor and policy");
  command->add_option("TOKEN", args->tokens, "CCA token files (one per realm of a workflow)")->required();
  command->add_option("--platform-key", args->platform_key, "platform trust anchor: JWK or PEM public key")->required();
  command->add_option("--challenge", args->challenge, "expected realm challenge, 128 hex digits");
  command->add_flag("--no-challenge", args->no_challenge, "do not check the realm challenge (no freshness)");
  command->add_option("--ref-values", args->ref_values, "reference values of platform software components (JSON)");
#ifdef MICA_VERIFY_HAS_POLICY
  command->add_option("--policy", args->policy, "the tenant's policy (.mica text or compiled .cbor)");
  command->add_option("--deployed-policy", args->deployed_policy,
                      "the compiled policy the host says it deployed: names what differs from --policy");
#endif
  command->add_flag("--json", args->json, "print a JSON attestation result instead of the report");
  command->callback([&exit_code, args] { exit_code = run_verify(*args); });
}};

}  // namespace
