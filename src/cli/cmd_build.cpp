// mica build FILE -o OUT.cbor: the compiled policy (canonical CBOR); prints
// its SHA-256 digest, the value the monitor attests.
#include <fstream>
#include <memory>

#include "policy_cli.h"

namespace {

mica::cli::CommandRegistration registration{"build", [](CLI::App& app, int& exit_code) {
  auto input = std::make_shared<mica::cli::PolicyInput>();
  auto output = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand("build", "compile a policy to canonical CBOR and print its digest");
  mica::cli::add_policy_input(command, *input);
  command->add_option("-o,--output", *output, "compiled policy to write (.cbor)")->required();
  command->callback([&exit_code, input, output] {
    exit_code = 1;
    const auto compilation = mica::cli::compile_input(*input, {}, std::cerr, STDERR_FILENO);
    if (!compilation || !compilation->ok()) return;
    std::ofstream out(*output, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(compilation->compiled.data()),
              static_cast<std::streamsize>(compilation->compiled.size()));
    out.close();
    if (!out) {
      std::cerr << "mica: cannot write '" << *output << "'\n";
      return;
    }
    std::cout << "sha256:" << mica::policy::digest_hex(compilation->digest) << "\n";
    exit_code = 0;
  });
}};

}  // namespace
