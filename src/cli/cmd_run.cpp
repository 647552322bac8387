// mica run POLICY.mica --input [COMPONENT=]FILE --output FILE: deploy a
// pipeline from its policy, run it, attest and verify it, and move the
// owners' data in and the result out sealed (run/pipeline_run.h,
// docs/run.md). Exit codes: 0 ok, 1 usage, 2 deployment refused by the
// monitor, 3 an owner refused the evidence (no data sent), 4 the pipeline
// failed, 5 the result did not verify.
#include <iostream>
#include <memory>

#include "command.h"
#include "run/pipeline_run.h"

namespace {

// "name=value" or "value" (name empty).
std::pair<std::string, std::string> split_assignment(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) return {"", text};
  return {text.substr(0, eq), text.substr(eq + 1)};
}

mica::cli::CommandRegistration registration{"run", [](CLI::App& app, int& exit_code) {
  auto request = std::make_shared<mica::cli::RunRequest>();
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto images = std::make_shared<std::vector<std::string>>();
  CLI::App* command = app.add_subcommand(
      "run", "deploy a pipeline from its policy, attest and verify it, send the input sealed, open the result");
  command->add_option("POLICY", request->policy_file, "the owners' policy (.mica)")->required();
  command->add_option("--input", *inputs,
                      "an owner's input: [COMPONENT=]FILE, COMPONENT an ingress component (may be repeated)")
      ->required();
  command->add_option("--output", request->output_file, "where the opened result goes");
  command->add_option("--recipient", request->recipient,
                      "the ingress component whose owner receives the result (needed with several)");
  command->add_option("--images", request->image_dirs, "directory with the realm images the policy names");
  command->add_option("--image", *images, "COMPONENT=FILE: the host loads this image instead (may be repeated)");
  command->add_option("--deployed-policy", request->deployed_policy_file,
                      "the host deploys this policy instead of POLICY (to see the owners notice)");
  command->add_option("--graph", request->graph_file, "draw the policy's flow graph (.svg, .png, .pdf or .dot)");
  command->add_option("--state,--state-dir", request->state_dir, "the platform's key directory");
  command->add_option("--max-rec-enters", request->max_rec_enters, "the host's REC_ENTER budget");
  command->callback([&exit_code, request, inputs, images] {
    for (const std::string& input : *inputs) {
      const auto [name, file] = split_assignment(input);
      if (request->inputs.count(name) != 0) {
        std::cerr << "mica run: two inputs for '" << (name.empty() ? "the ingress" : name) << "'\n";
        exit_code = 1;
        return;
      }
      request->inputs[name] = file;
    }
    for (const std::string& image : *images) {
      const auto [name, file] = split_assignment(image);
      if (name.empty()) {
        std::cerr << "mica run: --image takes COMPONENT=FILE\n";
        exit_code = 1;
        return;
      }
      request->images[name] = file;
    }
    const mica::cli::RunSummary summary = mica::cli::run_pipeline(*request, std::cout);
    exit_code = static_cast<int>(summary.outcome);
  });
}};

}  // namespace
