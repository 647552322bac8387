// Writes tokens that realm programs obtained from the real monitor, for the
// checks that run outside this process: the independent Python cross-check
// (tests/verify/crosscheck.py) and `mica verify` / `mica inspect`
// (tests/attest/cli_test.sh). Registered with ctest as a fixture.
//
// Into MICA_ATTEST_TOKEN_DIR:
//   collector.cbor, reporter.cbor  tokens of the two realms of one workflow
//   stranger.cbor                  a realm of another instance of that policy
//   challenge.hex                  the challenge all three answer
//   expected.json                  what crosscheck.py must find in collector.cbor
//   platform-key.pub.pem           the platform's trust anchor
//   policy.mica                    the deployed policy
//   policy-outbox.mica             the same with one more path (reporter's outbox)
//   ref-values.json                this build's monitor as reference value
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "attested_workflow.h"
#include "platform/attestation.h"

namespace mica::monitor::testing {
namespace {

void write_file(const std::filesystem::path& path, const void* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}
void write_file(const std::filesystem::path& path, const std::string& text) { write_file(path, text.data(), text.size()); }
void write_file(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  write_file(path, bytes.data(), bytes.size());
}

TEST(AttestTokenFiles, RealmProgramsTokensForTheOutsideChecks) {
  const std::filesystem::path dir = MICA_ATTEST_TOKEN_DIR;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  AttestedWorkflow w;
  const Challenge challenge = make_challenge(0xC3);
  const AttestRun collector = run_attesting(w.host, *w.collector, challenge);
  const AttestRun reporter = run_attesting(w.host, *w.reporter, challenge);
  const AttestRun stranger = run_attesting(w.host, w.realm_in_another_instance(0), challenge);
  for (const AttestRun* run : {&collector, &reporter, &stranger}) {
    ASSERT_EQ(run->exit_status, std::optional<int64_t>(0)) << run->console;
    ASSERT_EQ(run->tokens.size(), 2u) << run->console;
  }
  write_file(dir / "collector.cbor", collector.tokens[0]);
  write_file(dir / "reporter.cbor", reporter.tokens[0]);
  write_file(dir / "stranger.cbor", stranger.tokens[0]);
  write_file(dir / "challenge.hex", to_hex(std::vector<uint8_t>(challenge.begin(), challenge.end())) + "\n");

  MicaWorkflowInfo info = w.workflow_info(w.wf);
  const std::string expected =
      "{\n  \"realm_challenge\": \"" + to_hex(std::vector<uint8_t>(challenge.begin(), challenge.end())) +
      "\",\n  \"policy_digest\": \"" + to_hex(std::vector<uint8_t>(info.policy_digest, info.policy_digest + 32)) +
      "\",\n  \"workflow_instance_id\": \"" + to_hex(std::vector<uint8_t>(info.instance_id, info.instance_id + 32)) +
      "\",\n  \"component_index\": 0,\n  \"component_name\": \"collector\",\n  \"claim_keys\": {\n" +
      "    \"policy_digest\": " + std::to_string(abi::kClaimPolicyDigest) + ",\n" +
      "    \"workflow_instance_id\": " + std::to_string(abi::kClaimWorkflowInstanceId) + ",\n" +
      "    \"component_index\": " + std::to_string(abi::kClaimComponentIndex) + ",\n" +
      "    \"component_name\": " + std::to_string(abi::kClaimComponentName) + "\n  }\n}\n";
  write_file(dir / "expected.json", expected);

  std::filesystem::copy_file(w.host.machine().attestation().platform_public_key_path(), dir / "platform-key.pub.pem");
  write_file(dir / "policy.mica", w.policy_text);
  write_file(dir / "policy-outbox.mica", attest_policy_text(w.collector->rim, /*outbox=*/true));
  write_file(dir / "ref-values.json", monitor_reference_values_json());
}

}  // namespace
}  // namespace mica::monitor::testing
