// mica check FILE: every diagnostic of the policy, exit status 0 when it is
// valid and every requirement holds, 1 otherwise.
#include <memory>

#include "policy_cli.h"

namespace {

mica::cli::CommandRegistration registration{"check", [](CLI::App& app, int& exit_code) {
  auto input = std::make_shared<mica::cli::PolicyInput>();
  auto quiet = std::make_shared<bool>(false);
  CLI::App* command = app.add_subcommand("check", "check a policy and prove its requirements");
  mica::cli::add_policy_input(command, *input);
  command->add_flag("-q,--quiet", *quiet, "print nothing when the policy is valid");
  command->callback([&exit_code, input, quiet] {
    const auto compilation = mica::cli::compile_input(*input, {}, std::cout, STDOUT_FILENO);
    if (!compilation) {
      exit_code = 1;
      return;
    }
    if (compilation->ok() && !*quiet) std::cout << mica::policy::summary_line(*compilation) << "\n";
    exit_code = compilation->ok() ? 0 : 1;
  });
}};

}  // namespace
