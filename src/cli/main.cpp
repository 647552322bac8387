// The `mica` command: policy compiler, measurement, deployment, verification.
#include <algorithm>
#include <iostream>

#include "command.h"

namespace mica::cli {

std::vector<std::pair<std::string, CommandInstaller>>& command_registry() {
  static std::vector<std::pair<std::string, CommandInstaller>> registry;
  return registry;
}

CommandRegistration::CommandRegistration(std::string name, CommandInstaller install) {
  command_registry().emplace_back(std::move(name), std::move(install));
}

}  // namespace mica::cli

int main(int argc, char** argv) {
  CLI::App app{"mica: attestable workflows of mutually distrustful Realms on Arm CCA"};
  app.require_subcommand(1);
  int exit_code = 0;
  auto& registry = mica::cli::command_registry();
  std::sort(registry.begin(), registry.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [name, install] : registry) install(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
