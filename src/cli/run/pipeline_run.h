// `mica run`: a pipeline deployed from a policy, executed, attested and
// verified, as a cloud and its tenants would do it -- two roles in one
// process that share nothing but bytes:
//
//   the HOST   compiles the policy it was given (or another one, to test a
//              host that deploys something else), builds every realm from its
//              image, the channels and windows, activates, runs the RECs and
//              services every exit; it carries offers, evidence, sealed data
//              and sealed results between the realms' windows and the owners.
//   the OWNERS one per ingress component: each makes an offer, verifies the
//              evidence against its own copy of the policy (platform key,
//              reference values, policy digest, RIMs, peer table, key
//              binding) and only then seals its input; the result recipient
//              verifies the egress token and opens the result.
//
// docs/secure-io.md describes the protocol, docs/run.md the command.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace mica::platform {
class Machine;
}
namespace mica::host {
class WorkflowDeployment;
}

namespace mica::cli {

struct RunRequest {
  std::string policy_file;            // the owners' policy
  std::string deployed_policy_file;   // what the host deploys (empty: policy_file)
  std::vector<std::string> image_dirs;
  std::map<std::string, std::string> images;  // component -> ELF the host loads instead
  std::map<std::string, std::string> inputs;  // ingress component -> input file ("" = the only ingress)
  std::string recipient;              // the ingress whose owner receives the result ("" = the only one)
  std::string output_file;            // where the opened result goes ("" = nowhere)
  std::string state_dir;              // the platform's key directory ("" = the default)
  std::string graph_file;             // the flow graph picture (.svg/.png/.pdf/.dot; "" = none)
  uint64_t max_rec_enters = 20'000'000;
  bool verbose = false;               // every deployment step
  // Tests: a host that maps a channel's page into another realm.
  std::function<uint32_t(uint32_t channel, uint32_t endpoint)> misroute_channel;
  // Tests: a host that alters what it carries. Called with what it is about
  // to pass on -- "offer <component>", "data <component>" (written into an
  // inbox), "evidence <component>", "result" (handed to an owner) -- and
  // the bytes, which it may change.
  std::function<void(const std::string& what, std::vector<uint8_t>& bytes)> tamper;
  // Tests: called after the run, before teardown, with the machine and the
  // deployment (to scan what the host could see).
  std::function<void(platform::Machine&, host::WorkflowDeployment&)> before_teardown;
};

// Exit codes of `mica run`.
enum class RunOutcome : int {
  kOk = 0,
  kUsage = 1,               // bad arguments, unreadable files, a policy that does not compile
  kDeployRefused = 2,       // the monitor refused the deployment (e.g. a RIM the policy does not allow)
  kVerificationFailed = 3,  // an owner refused the evidence: no data was sent
  kPipelineFailed = 4,      // a realm reported an error, or the pipeline did not finish
  kResultRejected = 5,      // the result did not verify or open
};

struct PhaseTime {
  std::string name;
  double seconds = 0;
};

struct ComponentWork {
  std::string name;
  uint64_t guest_instructions = 0;
  uint64_t rec_enters = 0;
  uint64_t exits = 0;
};

struct RunSummary {
  RunOutcome outcome = RunOutcome::kOk;
  std::string reason;  // for people: what went wrong
  std::vector<PhaseTime> phases;
  uint64_t input_bytes = 0, sealed_input_bytes = 0;
  uint64_t output_bytes = 0, sealed_output_bytes = 0;
  uint64_t evidence_bytes = 0;
  std::vector<ComponentWork> work;
  std::vector<uint8_t> output;  // the opened result
  bool data_sent = false;       // did any owner seal and send its input?
};

// Runs it all; progress and the report go to `out`.
RunSummary run_pipeline(const RunRequest& request, std::ostream& out);

}  // namespace mica::cli
