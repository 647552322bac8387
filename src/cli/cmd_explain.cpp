// mica explain FILE: for each realm, what it runs, what it may touch in the
// untrusted world and every place its data can reach.
#include <memory>

#include "policy/explain.h"
#include "policy_cli.h"

namespace {

mica::cli::CommandRegistration registration{"explain", [](CLI::App& app, int& exit_code) {
  auto input = std::make_shared<mica::cli::PolicyInput>();
  CLI::App* command = app.add_subcommand("explain", "summarise where each realm's data can go");
  mica::cli::add_policy_input(command, *input);
  command->callback([&exit_code, input] {
    exit_code = 1;
    mica::policy::CompileOptions options;
    const auto compilation = mica::cli::compile_input(*input, options, std::cerr, STDERR_FILENO);
    if (!compilation || !compilation->checked) return;
    // A policy whose proofs fail still has a meaning worth explaining.
    mica::policy::PolicyDigest digest = compilation->digest;
    if (compilation->compiled.empty()) {
      digest = mica::policy::digest_compiled(mica::policy::encode_compiled(compilation->checked->policy));
    }
    std::cout << mica::policy::explain(compilation->checked->policy, *compilation->graph, compilation->outcomes,
                                       digest);
    exit_code = compilation->ok() ? 0 : 1;
  });
}};

}  // namespace
