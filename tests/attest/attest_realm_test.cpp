// A realm program obtains its CCA token through RSI and the tenant's
// verifier decides from it: end to end on the emulated machine, with the
// real monitor, the realm SDK, the host's loader and the tenant's compiled
// policy.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "attested_workflow.h"
#include "platform/attestation.h"
#include "platform/monitor_measurement.h"
#include "verify/compiled_policy.h"

namespace mica::monitor::testing {
namespace {

using verify::Check;

const Check* check(const verify::TokenReport& report, std::string_view id) {
  const Check* found = report.find(id);
  EXPECT_NE(found, nullptr) << "no check " << id;
  return found;
}

bool passed(const verify::TokenReport& report, std::string_view id) {
  const Check* found = check(report, id);
  return found != nullptr && found->outcome == Check::Outcome::kPassed;
}

class AttestRealmTest : public ::testing::Test {
 protected:
  static verify::CompiledTenantPolicy tenant_policy(const std::vector<uint8_t>& compiled) {
    auto policy = verify::CompiledTenantPolicy::from_compiled(compiled);
    EXPECT_TRUE(policy) << policy.error().message;
    return std::move(policy).value();
  }

  verify::VerifyOptions options(const Challenge& challenge) {
    verify::VerifyOptions o;
    o.platform_anchor = w.host.machine().attestation().platform_public_key();
    o.expected_challenge = verify::Bytes(challenge.begin(), challenge.end());
    o.reference_values = monitor_reference_values();
    return o;
  }

  // Runs `program` to its end and expects two tokens over `challenge`.
  AttestRun attest(Program& program, const Challenge& challenge) {
    AttestRun run = run_attesting(w.host, program, challenge);
    EXPECT_TRUE(run.system_off) << program.name << " console:\n" << run.console;
    EXPECT_EQ(run.exit_status, std::optional<int64_t>(0)) << run.console;
    EXPECT_EQ(run.challenge_requests, 1u);
    EXPECT_TRUE(run.problems.empty()) << run.problems.front();
    EXPECT_EQ(run.tokens.size(), 2u) << run.console;
    if (run.tokens.size() == 2) {
      EXPECT_NE(run.console.find("attest: tokens of " + std::to_string(run.tokens[0].size()) + " and " +
                                 std::to_string(run.tokens[1].size()) + " bytes"),
                std::string::npos)
          << run.console;
    }
    return run;
  }

  AttestedWorkflow w;
};

TEST_F(AttestRealmTest, BoundRealmsTokenSatisfiesTheTenantsPolicy) {
  const Challenge challenge = make_challenge(0x5A);
  const AttestRun run = attest(*w.collector, challenge);
  ASSERT_EQ(run.tokens.size(), 2u);
  const verify::CompiledTenantPolicy policy = tenant_policy(w.policy);
  verify::VerifyOptions o = options(challenge);
  o.policy = &policy;

  for (const std::vector<uint8_t>& token : run.tokens) {
    const verify::TokenReport report = verify::verify_token("collector", token, o);
    EXPECT_FALSE(report.failure().has_value()) << failed_checks(report);
    for (const char* id : {"decode", "platform_signature", "realm_signature", "rak_binding", "realm_challenge",
                           "platform_claims", "realm_claims", "platform_lifecycle", "reference_values",
                           "policy_digest", "policy_component", "policy_rim"}) {
      EXPECT_TRUE(passed(report, id)) << id << "\n" << failed_checks(report);
    }
    ASSERT_TRUE(report.realm.has_value());
    ASSERT_TRUE(report.realm->mica.has_value());
    const verify::MicaClaims& mica = *report.realm->mica;
    const MicaWorkflowInfo info = w.workflow_info(w.wf);
    EXPECT_EQ(mica.policy_digest, verify::Bytes(info.policy_digest, info.policy_digest + 32));
    EXPECT_EQ(mica.policy_digest, policy.digest());
    EXPECT_EQ(mica.workflow_instance_id, verify::Bytes(info.instance_id, info.instance_id + 32));
    EXPECT_EQ(mica.component_index, 0u);
    EXPECT_EQ(mica.component_name, "collector");
    EXPECT_EQ(report.realm->rim, w.collector->rim);
    ASSERT_TRUE(report.component.has_value());
    EXPECT_EQ(report.component->name, "collector");
  }
  // Both tokens (page pieces, and 97-byte pieces straddling pages) are the
  // same bytes: the same claims, and the RAK signs deterministically (RFC 6979).
  EXPECT_EQ(run.tokens[0], run.tokens[1]);
  std::printf("[ measured ] realm program 'attest': tokens of %zu bytes; the whole run (boot, two tokens, "
              "%zu exits to the host) %.1f ms on the emulated CPU\n",
              run.tokens[0].size(), w.host.exits.size(), run.wall_ms);
}

TEST_F(AttestRealmTest, PolicyDifferingInOnePathIsRejectedNamingTheDifference) {
  const Challenge challenge = make_challenge(0x11);
  const AttestRun run = attest(*w.collector, challenge);
  ASSERT_FALSE(run.tokens.empty());
  // The tenant's policy gives the reporter an `out` window the deployed one lacks.
  const std::string tenant_text = attest_policy_text(w.collector->rim, /*outbox=*/true);
  const verify::CompiledTenantPolicy tenant = tenant_policy(compile_policy(tenant_text));
  const verify::CompiledTenantPolicy deployed = tenant_policy(w.policy);
  ASSERT_NE(tenant.digest(), deployed.digest());
  verify::VerifyOptions o = options(challenge);
  o.policy = &tenant;

  const verify::TokenReport plain = verify::verify_token("collector", run.tokens[0], o);
  EXPECT_EQ(plain.failure(), verify::FailureClass::kPolicy) << failed_checks(plain);
  EXPECT_EQ(verify::exit_code(plain.failure()), verify::kExitPolicy);
  EXPECT_FALSE(passed(plain, "policy_digest"));
  // Everything below the policy still holds.
  EXPECT_TRUE(passed(plain, "realm_signature"));
  EXPECT_TRUE(passed(plain, "rak_binding"));

  // With the policy the host says it deployed (authenticated by the token's
  // digest), the verdict names the path.
  o.deployed_policy = &deployed;
  const verify::TokenReport named = verify::verify_token("collector", run.tokens[0], o);
  EXPECT_EQ(named.failure(), verify::FailureClass::kPolicy);
  const Check* digest = check(named, "policy_digest");
  ASSERT_NE(digest, nullptr);
  EXPECT_EQ(digest->outcome, Check::Outcome::kFailed);
  EXPECT_NE(digest->detail.find("realm 'reporter': window 'outbox'"), std::string::npos) << digest->detail;
  EXPECT_NE(digest->detail.find("is not in the deployed policy"), std::string::npos) << digest->detail;
  std::printf("[ verdict  ] %s\n", digest->detail.c_str());
}

TEST_F(AttestRealmTest, WrongChallengeIsABindingFailure) {
  const AttestRun run = attest(*w.collector, make_challenge(1));
  ASSERT_FALSE(run.tokens.empty());
  const verify::TokenReport report = verify::verify_token("collector", run.tokens[0], options(make_challenge(2)));
  EXPECT_EQ(report.failure(), verify::FailureClass::kBinding);
  EXPECT_EQ(verify::exit_code(report.failure()), verify::kExitBinding);
  EXPECT_FALSE(passed(report, "realm_challenge"));
  EXPECT_TRUE(passed(report, "rak_binding"));
}

TEST_F(AttestRealmTest, RealmsOfOneWorkflowShareItsInstanceAndOthersDoNot) {
  const Challenge challenge = make_challenge(0x33);
  const AttestRun collector = attest(*w.collector, challenge);
  const AttestRun reporter = attest(*w.reporter, challenge);
  ASSERT_FALSE(collector.tokens.empty());
  ASSERT_FALSE(reporter.tokens.empty());
  const verify::CompiledTenantPolicy policy = tenant_policy(w.policy);
  verify::VerifyOptions o = options(challenge);
  o.policy = &policy;

  const verify::VerificationReport together =
      verify::verify_tokens({{"collector", collector.tokens[0]}, {"reporter", reporter.tokens[0]}}, o);
  EXPECT_TRUE(together.ok()) << failed_checks(together);
  ASSERT_EQ(together.tokens.size(), 2u);
  ASSERT_TRUE(together.tokens[0].realm && together.tokens[0].realm->mica);
  ASSERT_TRUE(together.tokens[1].realm && together.tokens[1].realm->mica);
  EXPECT_EQ(together.tokens[0].realm->mica->workflow_instance_id,
            together.tokens[1].realm->mica->workflow_instance_id);
  EXPECT_EQ(together.tokens[1].realm->mica->component_name, "reporter");
  EXPECT_EQ(together.tokens[1].realm->mica->component_index, 1u);
  for (const Check& c : together.workflow_checks) EXPECT_EQ(c.outcome, Check::Outcome::kPassed) << c.id;

  // Same policy, same component, another instance of the workflow.
  Program& stranger = w.realm_in_another_instance(1);
  const AttestRun other = attest(stranger, challenge);
  ASSERT_FALSE(other.tokens.empty());
  const verify::VerificationReport mixed =
      verify::verify_tokens({{"collector", collector.tokens[0]}, {"stranger", other.tokens[0]}}, o);
  EXPECT_EQ(mixed.failure(), verify::FailureClass::kPolicy);
  for (const verify::TokenReport& t : mixed.tokens) EXPECT_FALSE(t.failure().has_value()) << failed_checks(t);
  bool same_workflow_failed = false;
  for (const Check& c : mixed.workflow_checks) {
    if (c.id == "same_workflow") same_workflow_failed = c.outcome == Check::Outcome::kFailed;
    if (c.id == "same_platform") {
      EXPECT_EQ(c.outcome, Check::Outcome::kPassed);
    }
  }
  EXPECT_TRUE(same_workflow_failed) << failed_checks(mixed);
}

TEST_F(AttestRealmTest, UnboundRealmsTokenHasNoMicaClaims) {
  const Challenge challenge = make_challenge(0x44);
  Program& loner = w.unbound_realm();
  const AttestRun run = attest(loner, challenge);
  ASSERT_FALSE(run.tokens.empty());
  const verify::TokenReport report = verify::verify_token("loner", run.tokens[0], options(challenge));
  EXPECT_FALSE(report.failure().has_value()) << failed_checks(report);
  ASSERT_TRUE(report.realm.has_value());
  EXPECT_FALSE(report.realm->mica.has_value());
  EXPECT_EQ(report.realm->rim, loner.rim);
  // Against the tenant's policy it proves nothing.
  const verify::CompiledTenantPolicy policy = tenant_policy(w.policy);
  verify::VerifyOptions o = options(challenge);
  o.policy = &policy;
  EXPECT_EQ(verify::verify_token("loner", run.tokens[0], o).failure(), verify::FailureClass::kPolicy);
}

TEST_F(AttestRealmTest, PlatformTokenMeasuresThisMonitorBuild) {
  const AttestRun run = attest(*w.collector, make_challenge(9));
  ASSERT_FALSE(run.tokens.empty());
  const verify::TokenReport report = verify::verify_token("collector", run.tokens[0], options(make_challenge(9)));
  ASSERT_TRUE(report.platform.has_value());
  ASSERT_EQ(report.platform->software_components.size(), 1u);
  const verify::SoftwareComponent& rmm = report.platform->software_components[0];
  EXPECT_EQ(rmm.type, std::optional<std::string>("RMM"));
  EXPECT_EQ(rmm.version, std::optional<std::string>(platform::kMonitorBuildVersion));
  // Computed here from the library file the build produced, independently
  // of the digest the platform embedded.
  std::ifstream library(MICA_MONITOR_LIBRARY, std::ios::binary);
  ASSERT_TRUE(library) << MICA_MONITOR_LIBRARY;
  const verify::Bytes bytes((std::istreambuf_iterator<char>(library)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rmm.measurement, verify::digest(verify::HashAlg::kSha256, bytes));
  // A tenant expecting another monitor build refuses the platform.
  verify::VerifyOptions o = options(make_challenge(9));
  o.reference_values->components.front().measurements = {verify::Bytes(32, 0xA7)};
  EXPECT_EQ(verify::verify_token("collector", run.tokens[0], o).failure(), verify::FailureClass::kReference);
}

}  // namespace
}  // namespace mica::monitor::testing
