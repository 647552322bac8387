// The whole host stack as `mica boot` uses it, for a realm bound to a
// workflow: the host's load plan over RMI, MICA_WORKFLOW_CREATE and
// MICA_REALM_BIND, then the project's VMM (src/host/vmm.h) runs the realm,
// relays the verifier's challenge in and the tokens out; the tenant's
// verifier accepts them against the policy it compiled.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "attested_workflow.h"
#include "host/elf_image.h"
#include "host/load_plan.h"
#include "host/realm_loader.h"
#include "host/vmm.h"
#include "host/machine_host.h"
#include "monitor/abi/mica.h"
#include "platform/attestation.h"
#include "verify/compiled_policy.h"

namespace mica::monitor::testing {
namespace {

namespace wp = abi::workflow_params;

constexpr uint64_t kRamSize = 2ull << 20;  // the policy's `memory 2 MiB`

uint64_t mica_smc(platform::Machine& machine, abi::MicaRmiCommand command, uint64_t x1, uint64_t x2,
                  uint64_t x3 = 0) {
  SmcArgs args;
  args.x[0] = abi::mica_rmi_fid(command);
  args.x[1] = x1;
  args.x[2] = x2;
  args.x[3] = x3;
  return machine.smc(args).x[0];
}

PhysAddr delegated(host::MachineHost& host) {
  const PhysAddr pa = host.granules.allocate().value();
  EXPECT_TRUE(host.rmi.granule_delegate(pa).ok());
  return pa;
}

// MICA_WORKFLOW_CREATE of `policy`, its bytes in NS granules as the host stages them.
PhysAddr create_workflow(host::MachineHost& host, const std::vector<uint8_t>& policy) {
  std::vector<uint8_t> params(kGranuleSize, 0);
  auto put = [&params](uint64_t offset, uint64_t value) { std::memcpy(params.data() + offset, &value, 8); };
  put(wp::kPolicySize, policy.size());
  uint64_t sources = 0;
  for (size_t offset = 0; offset < policy.size(); offset += kGranuleSize, ++sources) {
    const PhysAddr src = host.granules.allocate().value();
    const size_t chunk = std::min<size_t>(kGranuleSize, policy.size() - offset);
    EXPECT_TRUE(host.memory.write(src, std::span(policy.data() + offset, chunk)));
    put(wp::kSources + 8 * sources, src.value());
  }
  put(wp::kNumSources, sources);
  put(wp::kNumAux, abi::kWorkflowAuxCount);
  for (uint64_t i = 0; i < abi::kWorkflowAuxCount; ++i) put(wp::kAux + 8 * i, delegated(host).value());
  const PhysAddr params_pa = host.granules.allocate().value();
  EXPECT_TRUE(host.memory.write(params_pa, params));
  const PhysAddr wf = delegated(host);
  EXPECT_EQ(mica_smc(host.machine, abi::MicaRmiCommand::kWorkflowCreate, wf.value(), params_pa.value()), 0u);
  return wf;
}

TEST(AttestThroughTheVmm, BoundRealmHandsItsTokensToTheVmmAndTheTenantAcceptsThem) {
  platform::MachineConfig machine_config;
  machine_config.state_dir = ::testing::TempDir() + "/mica-attest-vmm-state";
  std::filesystem::create_directories(machine_config.state_dir);
  platform::Machine machine(machine_config);
  host::MachineHost host(machine);
  host.rmi.set_logging(false);

  // Load, stopping short of activation: binding comes first.
  auto image = host::ElfImage::load(realm_program_path("attest"));
  ASSERT_TRUE(image) << image.error();
  host::RealmConfig realm_config;
  realm_config.ram_size = kRamSize;
  auto plan = host::build_load_plan(*image, realm_config);
  ASSERT_TRUE(plan) << plan.error();
  ASSERT_TRUE(std::holds_alternative<host::step::RealmActivate>(plan->steps.back()));
  plan->steps.pop_back();
  auto loaded = host::load_realm(host.rmi, host.memory, host.granules, *plan);
  ASSERT_TRUE(loaded) << loaded.error();
  host::LoadedRealm realm = std::move(loaded).value();
  RealmInfo info;
  ASSERT_TRUE(machine.monitor().realm_info(realm.rd, info));
  const std::vector<uint8_t> rim(info.rim(), info.rim() + info.measurement_size());

  // The tenant's policy admits exactly this RIM as `collector`.
  const std::vector<uint8_t> policy = compile_policy(attest_policy_text(rim));
  const PhysAddr wf = create_workflow(host, policy);
  ASSERT_EQ(mica_smc(machine, abi::MicaRmiCommand::kRealmBind, realm.rd.value(), wf.value(), 0), 0u);
  ASSERT_TRUE(host.rmi.realm_activate(realm.rd).ok());
  realm.active = true;

  const Challenge challenge = make_challenge(0x7E);
  host::VmmOptions options;
  options.attestation_challenge = challenge;
  auto vmm = host::Vmm::create(host.rmi, host.memory, host.granules, realm, realm_config, options);
  ASSERT_TRUE(vmm) << vmm.error();
  const host::RunReport& report = (*vmm)->run();
  EXPECT_TRUE(report.realm_finished()) << report.summary();
  EXPECT_EQ(report.exit_status, std::optional<int64_t>(0)) << report.console;
  EXPECT_EQ(report.count(host::ExitAction::kAttestChallenge), 1u);
  ASSERT_EQ(report.attestation_tokens.size(), 2u) << report.console;
  EXPECT_EQ(report.attestation_tokens[0], report.attestation_tokens[1]);

  auto tenant = verify::CompiledTenantPolicy::from_compiled(policy);
  ASSERT_TRUE(tenant) << tenant.error().message;
  verify::VerifyOptions verify_options;
  verify_options.platform_anchor = machine.attestation().platform_public_key();
  verify_options.expected_challenge = verify::Bytes(challenge.begin(), challenge.end());
  verify_options.reference_values = monitor_reference_values();
  verify_options.policy = &tenant.value();
  const verify::TokenReport verdict = verify::verify_token("collector", report.attestation_tokens[0], verify_options);
  EXPECT_FALSE(verdict.failure().has_value()) << failed_checks(verdict);
  ASSERT_TRUE(verdict.realm && verdict.realm->mica);
  EXPECT_EQ(verdict.realm->mica->component_name, "collector");
  EXPECT_EQ(verdict.realm->rim, rim);
  EXPECT_EQ(verdict.realm->mica->policy_digest, tenant->digest());

  ASSERT_TRUE((*vmm)->detach());
}

}  // namespace
}  // namespace mica::monitor::testing
