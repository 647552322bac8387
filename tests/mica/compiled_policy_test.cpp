// The tenant's tool chain and the monitor agree: a policy compiled by
// src/policy (the examples in examples/policy) becomes a workflow whose
// digest is the one `mica build` prints and the verifier expects.
#include <filesystem>

#include "mica_fixture.h"
#include "policy/compiler.h"

namespace mica::monitor::testing {
namespace {

class CompiledPolicyTest : public MicaTest {};

TEST_F(CompiledPolicyTest, ExamplePoliciesBecomeWorkflowsWithTheCompilersDigest) {
  const std::filesystem::path dir = std::filesystem::path(MICA_SOURCE_DIR) / "examples" / "policy";
  unsigned compiled = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".mica") continue;
    SCOPED_TRACE(entry.path().string());
    std::string error;
    auto source = mica::policy::load_source(entry.path(), error);
    ASSERT_TRUE(source) << error;
    const mica::policy::Compilation result = mica::policy::compile(std::move(*source));
    ASSERT_TRUE(result.ok());
    ASSERT_FALSE(result.compiled.empty());
    const PhysAddr wf = create_workflow(result.compiled);
    const MicaWorkflowInfo info = workflow_info(wf);
    EXPECT_EQ(hex(info.policy_digest, 32), hex(result.digest.data(), 32));
    EXPECT_EQ(info.policy_size, result.compiled.size());
    ASSERT_TRUE(result.checked.has_value());
    ++compiled;
  }
  EXPECT_GE(compiled, 2u);
}

}  // namespace
}  // namespace mica::monitor::testing
