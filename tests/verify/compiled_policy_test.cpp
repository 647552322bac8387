// The verifier against a real compiled policy (mica_policy): digest, RIMs,
// flow facts, and naming what a deployed policy changed.
#include <gtest/gtest.h>

#include "platform/attestation.h"
#include "policy/compiler.h"
#include "token_builder.h"
#include "verify/compiled_policy.h"
#include "verify/verifier.h"

namespace mica::verify {
namespace {

using testing::filled;

constexpr const char* kPolicy = R"(workflow pipeline;

realm ingest {
  measurement sha256:1010101010101010101010101010101010101010101010101010101010101010;
  memory 64 MiB;
  recs 1;
  untrusted { window inbox in 1 MiB; }
}

realm model {
  measurement sha256:1111111111111111111111111111111111111111111111111111111111111111;
  memory 64 MiB;
  recs 1;
  untrusted none;
}

realm egress {
  measurement sha256:1212121212121212121212121212121212121212121212121212121212121212;
  memory 64 MiB;
  recs 1;
  untrusted { window outbox out 256 KiB; }
}

channel records : ingest -> model size 4 MiB;
channel results : model -> egress size 256 KiB;

require model !-> untrusted except via egress;
)";

CompiledTenantPolicy compile(const std::string& text) {
  policy::Compilation compilation = policy::compile(policy::SourceFile("test.mica", text));
  if (!compilation.ok()) throw std::runtime_error("test policy does not compile");
  auto tenant = CompiledTenantPolicy::from_compiled(compilation.compiled);
  if (!tenant) throw std::runtime_error(tenant.error().message);
  EXPECT_EQ(tenant->digest(), Bytes(compilation.digest.begin(), compilation.digest.end()));
  return std::move(tenant.value());
}

std::string with_replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("test edit not found: " + from);
  return text.replace(at, from.size(), to);
}

class CompiledPolicyTest : public ::testing::Test {
 protected:
  CompiledPolicyTest() : boot(tmp.sub("state"), testing::sample_platform_config()), tenant(compile(kPolicy)) {}

  Bytes token_under(const CompiledTenantPolicy& deployed) {
    testing::RealmClaimsSpec s;
    s.rim = filled(32, 0x11);
    s.mica = MicaClaims{deployed.digest(), filled(32, 0x5A), 2, "model"};
    return testing::make_cca_token(boot, s);
  }

  testing::TempDir tmp;
  platform::PlatformAttestation boot;
  CompiledTenantPolicy tenant;
};

TEST_F(CompiledPolicyTest, ComponentsCarryRimsAndProvenFlowFacts) {
  auto components = tenant.components();
  ASSERT_EQ(components.size(), 3u);
  // Canonical order is by name: egress, ingest, model.
  EXPECT_EQ(components[2].name, "model");
  EXPECT_EQ(components[2].index, 2u);
  EXPECT_EQ(components[2].measurements, std::vector<Bytes>{filled(32, 0x11)});
  ASSERT_FALSE(components[2].flow_facts.empty());
  EXPECT_EQ(components[2].flow_facts[0], "model !-> untrusted except via egress (proven)");
  EXPECT_EQ(tenant.workflow_name(), "pipeline");
}

TEST_F(CompiledPolicyTest, TokenUnderTheTenantsPolicyVerifies) {
  testing::RealmClaimsSpec s;
  s.rim = filled(32, 0x11);
  s.mica = MicaClaims{tenant.digest(), filled(32, 0x5A), 2, "model"};
  VerifyOptions options;
  options.platform_anchor = boot.platform_public_key();
  options.expected_challenge = s.challenge;
  options.policy = &tenant;
  TokenReport report = verify_token("t", testing::make_cca_token(boot, s), options);
  EXPECT_FALSE(report.failure().has_value()) << report.checks.back().detail;
  ASSERT_TRUE(report.component.has_value());
  EXPECT_EQ(report.component->flow_facts.front(), "model !-> untrusted except via egress (proven)");
}

TEST_F(CompiledPolicyTest, PolicyDifferingInOnePathIsRejectedWithTheDifferenceNamed) {
  // The host deployed a policy that also lets ingest call the host.
  CompiledTenantPolicy deployed =
      compile(with_replaced(kPolicy, "window inbox in 1 MiB; }", "window inbox in 1 MiB; host_calls allow; }"));
  ASSERT_NE(deployed.digest(), tenant.digest());

  VerifyOptions options;
  options.platform_anchor = boot.platform_public_key();
  options.expected_challenge = filled(64, 0xC1);
  options.policy = &tenant;
  TokenReport without = verify_token("t", token_under(deployed), options);
  EXPECT_EQ(without.failure(), FailureClass::kPolicy);

  options.deployed_policy = &deployed;
  TokenReport named = verify_token("t", token_under(deployed), options);
  EXPECT_EQ(named.failure(), FailureClass::kPolicy);
  const Check* digest = named.find("policy_digest");
  ASSERT_NE(digest, nullptr);
  EXPECT_NE(digest->detail.find("the deployed policy differs from yours: realm 'ingest': host_calls deny in yours, allow deployed"),
            std::string::npos)
      << digest->detail;

  // A "deployed policy" that is not the one in the token is not believed.
  options.deployed_policy = &tenant;
  TokenReport unrelated = verify_token("t", token_under(deployed), options);
  EXPECT_NE(unrelated.find("policy_digest")->detail.find("not the token's, so it says nothing"), std::string::npos);
}

TEST(PolicyDifferences, NamesChannelsGatesWindowsAndRequirements) {
  CompiledTenantPolicy mine = compile(kPolicy);
  std::string text = with_replaced(kPolicy, "channel results : model -> egress size 256 KiB;",
                                   "channel results : model -> egress, ingest size 256 KiB;\ngate ingest -> model;");
  text = with_replaced(text, "window outbox out 256 KiB;", "window outbox out 512 KiB;");
  text = with_replaced(text, "require model !-> untrusted except via egress;", "");
  CompiledTenantPolicy theirs = compile(text);
  std::vector<std::string> differences = mine.differences_from(theirs);
  std::vector<std::string> expected = {
      "realm 'egress': window 'outbox' is out 256 KiB at offset 0 in yours, out 512 KiB at offset 0 deployed",
      "channel 'results' is model -> egress size 256 KiB in yours, model -> egress, ingest size 256 KiB deployed",
      "the deployed policy adds gate 'ingest -> model'",
      "requirement 'model !-> untrusted except via egress' is not in the deployed policy"};
  EXPECT_EQ(differences, expected);
  EXPECT_TRUE(mine.differences_from(compile(kPolicy)).empty());
}

TEST(CompiledPolicy, RefusesWhatTheMonitorWouldRefuse) {
  auto garbage = CompiledTenantPolicy::from_compiled(Bytes{0xa1, 0x00});
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().message.rfind("compiled policy: ", 0), 0u);
}

}  // namespace
}  // namespace mica::verify
