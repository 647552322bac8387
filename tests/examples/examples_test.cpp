// The three example pipelines, end to end, as `mica run` runs them: each
// output equals the native reference computation over the same input; a
// swapped image, a policy edited after deployment and a channel page mapped
// into the wrong realm each stop the run with a message naming what
// differs, before any data is sent; and after a run no NS granule and
// nothing the host logged holds plaintext planted in the input.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <unistd.h>

#include "analytics/analytics_data.h"
#include "host/workflow_deployer.h"
#include "inference/inference_data.h"
#include "logs/logs_data.h"
#include "platform/machine.h"
#include "run/pipeline_run.h"

namespace mica::cli {
namespace {

namespace fs = std::filesystem;

// A scratch directory per test process, removed afterwards.
class Scratch {
 public:
  Scratch() : dir_(fs::temp_directory_path() / ("mica-examples-" + std::to_string(getpid()))) {
    fs::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string write(const std::string& name, const std::string& bytes) const {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

std::string policy_of(const std::string& example) {
  return std::string(MICA_EXAMPLES_SOURCE) + "/" + example + "/" + example + ".mica";
}

RunRequest request_for(const std::string& example, const Scratch& scratch) {
  RunRequest request;
  request.policy_file = policy_of(example);
  request.image_dirs = {std::string(MICA_EXAMPLE_PROGRAMS) + "/" + example};
  request.state_dir = scratch.path("state");
  request.output_file = scratch.path(example + ".out");
  return request;
}

struct Ran {
  RunSummary summary;
  std::string log;  // everything printed: what the host and the owners said
};

Ran run(const RunRequest& request) {
  std::ostringstream log;
  Ran ran{run_pipeline(request, log), ""};
  ran.log = log.str();
  return ran;
}

std::string text(const std::vector<uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

// --- Outputs equal the native references -------------------------------------------------------------------

TEST(Examples, ConfidentialAnalyticsEqualsTheNativeReference) {
  Scratch scratch;
  const std::string records = examples::analytics::generate(3000, 7);
  RunRequest request = request_for("analytics", scratch);
  request.inputs[""] = scratch.write("records.csv", records);
  const Ran ran = run(request);
  ASSERT_EQ(ran.summary.outcome, RunOutcome::kOk) << ran.log;
  EXPECT_EQ(text(ran.summary.output), examples::analytics::reference(records));
  // Small groups are suppressed, large ones reported.
  EXPECT_NE(text(ran.summary.output).find("<20,suppressed"), std::string::npos);
  EXPECT_EQ(ran.summary.input_bytes, records.size());
  EXPECT_NE(ran.log.find("owner of 'ingest': ACCEPTED"), std::string::npos) << ran.log;
  EXPECT_NE(ran.log.find("mica run: OK"), std::string::npos);
  std::ifstream written(request.output_file, std::ios::binary);
  std::stringstream file;
  file << written.rdbuf();
  EXPECT_EQ(file.str(), text(ran.summary.output));
}

TEST(Examples, LogAnalysisFanOutFanInEqualsTheNativeReference) {
  Scratch scratch;
  const std::string log = examples::logs::generate(3000, 11);
  RunRequest request = request_for("logs", scratch);
  request.inputs["ingest"] = scratch.write("access.log", log);
  const Ran ran = run(request);
  ASSERT_EQ(ran.summary.outcome, RunOutcome::kOk) << ran.log;
  EXPECT_EQ(text(ran.summary.output), examples::logs::reference(log));
  // Every mapper did its share of the work.
  for (const char* mapper : {"mapper_a", "mapper_b", "mapper_c"}) {
    const auto it = std::find_if(ran.summary.work.begin(), ran.summary.work.end(),
                                 [mapper](const ComponentWork& w) { return w.name == mapper; });
    ASSERT_NE(it, ran.summary.work.end());
    EXPECT_GT(it->guest_instructions, 1'000'000u) << mapper;
  }
}

TEST(Examples, PrivateInferenceWithTwoOwnersEqualsTheNativeReference) {
  Scratch scratch;
  const auto weights = examples::inference::generate_weights(3);
  const std::string patients = examples::inference::generate_patients(400, 4);
  RunRequest request = request_for("inference", scratch);
  request.inputs["weights_loader"] = scratch.write("weights.bin", std::string(weights.begin(), weights.end()));
  request.inputs["ingest"] = scratch.write("patients.csv", patients);
  request.recipient = "ingest";
  const Ran ran = run(request);
  ASSERT_EQ(ran.summary.outcome, RunOutcome::kOk) << ran.log;
  EXPECT_EQ(text(ran.summary.output), examples::inference::reference(weights, patients));
  // Each owner verified its own evidence before sending.
  EXPECT_NE(ran.log.find("owner of 'weights_loader': ACCEPTED"), std::string::npos) << ran.log;
  EXPECT_NE(ran.log.find("owner of 'ingest': ACCEPTED"), std::string::npos) << ran.log;
  EXPECT_EQ(ran.summary.input_bytes, weights.size() + patients.size());
}

// --- Failure is visible, and no data leaves ---------------------------------------------------------------

TEST(Examples, ASwappedImageIsRefusedAtActivationAndNoDataIsSent) {
  Scratch scratch;
  RunRequest request = request_for("analytics", scratch);
  request.inputs[""] = scratch.write("records.csv", examples::analytics::generate(100, 1));
  // The host runs another program as the third-party analytics.
  request.images["analytics"] = std::string(MICA_EXAMPLE_PROGRAMS) + "/logs/reducer.elf";
  const Ran ran = run(request);
  EXPECT_EQ(ran.summary.outcome, RunOutcome::kDeployRefused) << ran.log;
  EXPECT_FALSE(ran.summary.data_sent);
  EXPECT_TRUE(ran.summary.output.empty());
  EXPECT_NE(ran.summary.reason.find("RMI_REALM_ACTIVATE of 'analytics'"), std::string::npos) << ran.summary.reason;
  EXPECT_NE(ran.summary.reason.find("not one the policy allows for component 'analytics'"), std::string::npos)
      << ran.summary.reason;
  EXPECT_FALSE(fs::exists(request.output_file));
}

TEST(Examples, APolicyEditedAfterDeploymentIsNamedAndNoDataIsSent) {
  Scratch scratch;
  // The host deploys a policy in which one path differs: egress may also
  // emulate MMIO (a path to the host the owner never agreed to).
  std::ifstream original(policy_of("analytics"));
  std::stringstream text_stream;
  text_stream << original.rdbuf();
  std::string edited = text_stream.str();
  const std::string from = "    host_calls allow;                 # \"the outbox holds a message\"\n";
  ASSERT_NE(edited.find(from), std::string::npos);
  edited.replace(edited.find(from), from.size(), from + "    mmio allow;\n");
  const std::string edited_path = scratch.write("edited.mica", edited);
  RunRequest request = request_for("analytics", scratch);
  request.inputs[""] = scratch.write("records.csv", examples::analytics::generate(100, 1));
  request.deployed_policy_file = edited_path;
  const Ran ran = run(request);
  EXPECT_EQ(ran.summary.outcome, RunOutcome::kVerificationFailed) << ran.log;
  EXPECT_FALSE(ran.summary.data_sent);
  EXPECT_NE(ran.log.find("owner of 'ingest': REFUSED"), std::string::npos) << ran.log;
  EXPECT_NE(ran.log.find("policy_digest"), std::string::npos) << ran.log;
  EXPECT_NE(ran.log.find("mmio"), std::string::npos) << ran.log;  // the difference, named
  EXPECT_EQ(ran.log.find("bytes sealed"), std::string::npos) << ran.log;
}

TEST(Examples, AChannelPageMappedIntoTheWrongRealmIsRefusedAndNoDataIsSent) {
  Scratch scratch;
  RunRequest request = request_for("analytics", scratch);
  request.inputs[""] = scratch.write("records.csv", examples::analytics::generate(100, 1));
  // The host maps `records` (ingest -> analytics) into egress instead of analytics.
  request.misroute_channel = [](uint32_t channel, uint32_t endpoint) -> uint32_t {
    constexpr uint32_t kAnalytics = 0, kEgress = 1, kRecords = 0;  // name order in the policy
    return channel == kRecords && endpoint == kAnalytics ? kEgress : endpoint;
  };
  const Ran ran = run(request);
  EXPECT_EQ(ran.summary.outcome, RunOutcome::kDeployRefused) << ran.log;
  EXPECT_FALSE(ran.summary.data_sent);
  EXPECT_NE(ran.summary.reason.find("MICA_SHARE_MAP of channel 'records'"), std::string::npos) << ran.summary.reason;
  EXPECT_NE(ran.summary.reason.find("into 'egress'"), std::string::npos) << ran.summary.reason;
  EXPECT_NE(ran.summary.reason.find("the policy names 'analytics' as this endpoint"), std::string::npos)
      << ran.summary.reason;
}

// --- Nothing the host sees holds plaintext ------------------------------------------------------------------

// Every NS granule of the machine, as the host reads it.
std::string ns_memory(platform::Machine& machine) {
  std::string bytes;
  std::vector<char> page(monitor::kGranuleSize);
  for (uint64_t i = 0; i < machine.dram().granule_count(); ++i) {
    const monitor::PhysAddr pa(machine.dram().base() + i * monitor::kGranuleSize);
    if (machine.host_read(pa, page.data(), page.size()) == platform::AccessResult::kOk) {
      bytes.append(page.data(), page.size());
    }
  }
  return bytes;
}

TEST(Examples, NoNsGranuleAndNothingTheHostLoggedHoldsPlaintext) {
  Scratch scratch;
  const std::string marker = "PLAINTEXT-MARKER-5b1f";
  const std::string records = examples::analytics::generate(1500, 9, marker);
  ASSERT_NE(records.find(marker), std::string::npos);
  RunRequest request = request_for("analytics", scratch);
  request.inputs[""] = scratch.write("records.csv", records);
  std::string ns;
  uint64_t ns_granules = 0;
  request.before_teardown = [&](platform::Machine& machine, host::WorkflowDeployment&) {
    ns = ns_memory(machine);
    ns_granules = ns.size() / monitor::kGranuleSize;
  };
  const Ran ran = run(request);
  ASSERT_EQ(ran.summary.outcome, RunOutcome::kOk) << ran.log;
  ASSERT_GT(ns_granules, 1000u);
  // The markers were in every record; none is in what the host could read.
  EXPECT_EQ(ns.find(marker), std::string::npos);
  EXPECT_EQ(ran.log.find(marker), std::string::npos);
  // Nor is any record line, nor the result's plaintext.
  const std::string line = records.substr(records.find('\n') + 1, 40);
  EXPECT_EQ(ns.find(line), std::string::npos) << line;
  const std::string result = text(ran.summary.output);
  ASSERT_GT(result.size(), 100u);
  EXPECT_EQ(ns.find(result.substr(result.find('\n') + 1, 40)), std::string::npos);
  // The scan sees what the host holds: the sealed input is in the inbox.
  EXPECT_NE(ns.find("MICAINBX"), std::string::npos);
}

}  // namespace
}  // namespace mica::cli

namespace mica::cli {
namespace {

// --- A host that alters what it carries -------------------------------------------------------------------------

RunRequest small_analytics(const Scratch& scratch) {
  RunRequest request = request_for("analytics", scratch);
  request.inputs[""] = scratch.write("records.csv", examples::analytics::generate(200, 5));
  return request;
}

TEST(ExamplesLyingHost, ReplacingTheOwnersKeyInTheOfferIsCaughtByTheChallenge) {
  Scratch scratch;
  RunRequest request = small_analytics(scratch);
  request.tamper = [](const std::string& what, std::vector<uint8_t>& bytes) {
    // A key of the host's own (any other point would do: flip the last
    // coordinate byte, which keeps it a valid encoding but not the owner's).
    if (what == "offer ingest") bytes[32 + 64] ^= 0x01;
  };
  const Ran ran = run(request);
  // Either the realm refuses a point off the curve, or it attests the key it
  // saw and the owner's challenge differs: never is anything sealed to it.
  EXPECT_TRUE(ran.summary.outcome == RunOutcome::kVerificationFailed ||
              ran.summary.outcome == RunOutcome::kPipelineFailed)
      << ran.log;
  EXPECT_FALSE(ran.summary.data_sent) << ran.log;
}

TEST(ExamplesLyingHost, AlteredEvidenceIsRefusedAndNothingIsSent) {
  Scratch scratch;
  // Each alteration, in its own run: the peer table, the realm's key, the token.
  for (const size_t at : {size_t{100}, size_t{20}, size_t{400}}) {
    RunRequest request = small_analytics(scratch);
    request.tamper = [at](const std::string& what, std::vector<uint8_t>& bytes) {
      if (what == "evidence ingest" && at < bytes.size()) bytes[at] ^= 0x40;
    };
    const Ran ran = run(request);
    EXPECT_EQ(ran.summary.outcome, RunOutcome::kVerificationFailed) << "byte " << at << "\n" << ran.log;
    EXPECT_FALSE(ran.summary.data_sent) << "byte " << at;
    EXPECT_NE(ran.log.find("REFUSED"), std::string::npos) << ran.log;
  }
}

TEST(ExamplesLyingHost, AlteredSealedDataIsRefusedByTheIngressAndNoResultComes) {
  Scratch scratch;
  RunRequest request = small_analytics(scratch);
  request.tamper = [](const std::string& what, std::vector<uint8_t>& bytes) {
    if (what == "data ingest") bytes[bytes.size() / 2] ^= 0x01;
  };
  const Ran ran = run(request);
  EXPECT_EQ(ran.summary.outcome, RunOutcome::kPipelineFailed) << ran.log;
  EXPECT_NE(ran.summary.reason.find("does not authenticate"), std::string::npos) << ran.summary.reason;
  EXPECT_TRUE(ran.summary.output.empty());
}

TEST(ExamplesLyingHost, AlteredResultIsRefusedByTheOwner) {
  Scratch scratch;
  for (const bool in_token : {true, false}) {
    RunRequest request = small_analytics(scratch);
    request.tamper = [in_token](const std::string& what, std::vector<uint8_t>& bytes) {
      if (what == "result") bytes[in_token ? 200 : bytes.size() - 20] ^= 0x01;  // the token, or the sealed bytes
    };
    const Ran ran = run(request);
    EXPECT_EQ(ran.summary.outcome, RunOutcome::kResultRejected) << ran.log;
    EXPECT_TRUE(ran.summary.output.empty());
    EXPECT_FALSE(fs::exists(request.output_file));
  }
}

}  // namespace
}  // namespace mica::cli

namespace mica::cli {
namespace {

// --- Bad requests: refused before anything is deployed ----------------------------------------------------------

TEST(ExamplesUsage, EveryBadRequestIsRefusedWithItsReasonBeforeDeployment) {
  Scratch scratch;
  const std::string records = scratch.write("records.csv", examples::analytics::generate(50, 1));
  const std::string weights = scratch.write("weights.bin", "MICAMLP1");
  struct Case {
    std::string name;
    std::function<void(RunRequest&)> change;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"no input for an ingress",
       [](RunRequest& r) { r.inputs.clear(); },
       "'ingest' takes input: give --input ingest=FILE"},
      {"input for a component that is not an ingress",
       [&](RunRequest& r) { r.inputs = {{"analytics", records}}; },
       "'analytics' is not an ingress component"},
      {"an unreadable input", [&](RunRequest& r) { r.inputs = {{"", scratch.path("missing.csv")}}; }, "cannot open"},
      {"an input larger than the inbox",
       [&](RunRequest& r) { r.inputs = {{"", scratch.write("big.csv", std::string(3u << 20, 'x'))}}; },
       "does not fit 'ingest''s inbox window 'inbox'"},
      {"a recipient that is not an ingress",
       [](RunRequest& r) { r.recipient = "egress"; },
       "--recipient 'egress' is not an ingress component"},
      {"an image for a component the policy lacks",
       [&](RunRequest& r) { r.images = {{"nobody", weights}}; },
       "--image: the policy has no component 'nobody'"},
      {"a policy that does not compile",
       [&](RunRequest& r) { r.policy_file = scratch.write("bad.mica", "workflow broken;\nrealm x {\n"); },
       "the policy does not compile"},
  };
  for (const Case& c : cases) {
    RunRequest request = request_for("analytics", scratch);
    request.inputs[""] = records;
    c.change(request);
    const Ran ran = run(request);
    EXPECT_EQ(ran.summary.outcome, RunOutcome::kUsage) << c.name << "\n" << ran.log;
    EXPECT_NE(ran.summary.reason.find(c.reason), std::string::npos) << c.name << ": " << ran.summary.reason;
    EXPECT_FALSE(ran.summary.data_sent) << c.name;
    EXPECT_EQ(ran.log.find("the host deploys"), std::string::npos) << c.name << ": nothing is deployed";
  }
}

}  // namespace
}  // namespace mica::cli
