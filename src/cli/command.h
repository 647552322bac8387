// Sub-commands of `mica` register themselves here, one file each (cmd_*.cpp),
// so that the layers (policy, host, verify) add commands without touching
// one shared file.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace mica::cli {

// Adds a sub-command to `app`; the callback set on it returns the exit code
// through `exit_code`.
using CommandInstaller = std::function<void(CLI::App& app, int& exit_code)>;

struct CommandRegistration {
  CommandRegistration(std::string name, CommandInstaller install);
};

std::vector<std::pair<std::string, CommandInstaller>>& command_registry();

}  // namespace mica::cli
