// mica graph FILE -o OUT.svg|.dot|.png|.pdf: the flow graph as a picture.
// A policy whose requirements fail is still drawn (the failing paths in
// red), and the command exits 1.
#include <filesystem>
#include <fstream>
#include <memory>

#include "policy/graph.h"
#include "policy_cli.h"

namespace {

mica::cli::CommandRegistration registration{"graph", [](CLI::App& app, int& exit_code) {
  auto input = std::make_shared<mica::cli::PolicyInput>();
  auto output = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand("graph", "draw a policy's flow graph (Graphviz)");
  mica::cli::add_policy_input(command, *input);
  command->add_option("-o,--output", *output, "picture to write: .svg, .png, .pdf, or .dot for the DOT text")
      ->required();
  command->callback([&exit_code, input, output] {
    exit_code = 1;
    const std::string extension = std::filesystem::path(*output).extension().string();
    if (extension != ".dot" && extension != ".svg" && extension != ".png" && extension != ".pdf") {
      std::cerr << "mica: '" << *output << "': the output must end in .svg, .png, .pdf or .dot\n";
      return;
    }
    mica::policy::CompileOptions options;
    options.encode = false;
    const auto compilation = mica::cli::compile_input(*input, options, std::cerr, STDERR_FILENO);
    if (!compilation || !compilation->checked) return;
    const std::string dot = mica::policy::to_dot(compilation->checked->policy, *compilation->graph,
                                                 compilation->outcomes);
    if (extension == ".dot") {
      std::ofstream out(*output, std::ios::trunc);
      out << dot;
      out.close();
      if (!out) {
        std::cerr << "mica: cannot write '" << *output << "'\n";
        return;
      }
    } else {
      const std::string error = mica::policy::run_graphviz(dot, extension.substr(1), *output);
      if (!error.empty()) {
        std::cerr << "mica: " << error << "\n";
        return;
      }
    }
    exit_code = compilation->ok() ? 0 : 1;
  });
}};

}  // namespace
