// mica fmt FILE [-i | --check]: the canonical text layout of a policy.
#include <fstream>
#include <memory>

#include "policy/format.h"
#include "policy/parser.h"
#include "policy_cli.h"

namespace {

mica::cli::CommandRegistration registration{"fmt", [](CLI::App& app, int& exit_code) {
  auto input = std::make_shared<mica::cli::PolicyInput>();
  auto in_place = std::make_shared<bool>(false);
  auto check_only = std::make_shared<bool>(false);
  CLI::App* command = app.add_subcommand("fmt", "print a policy in canonical layout");
  mica::cli::add_policy_input(command, *input);
  auto* in_place_flag = command->add_flag("-i,--in-place", *in_place, "rewrite FILE instead of printing");
  command->add_flag("--check", *check_only, "only tell whether FILE is formatted (exit 1 if not)")
      ->excludes(in_place_flag);
  command->callback([&exit_code, input, in_place, check_only] {
    exit_code = 1;
    std::string error;
    std::optional<mica::policy::SourceFile> source = mica::policy::load_source(input->file, error);
    if (!source) {
      std::cerr << "mica: cannot read '" << input->file << "': " << error << "\n";
      return;
    }
    mica::policy::DiagnosticEngine diagnostics;
    const mica::policy::ast::File syntax = mica::policy::parse(*source, diagnostics);
    if (diagnostics.has_errors()) {
      mica::policy::RenderOptions render;
      render.colour = mica::cli::use_colour(*input, STDERR_FILENO);
      mica::policy::render(*source, diagnostics, std::cerr, render);
      std::cerr << "mica: not formatting a policy with syntax errors\n";
      return;
    }
    const std::string formatted = mica::policy::format_policy(*source, syntax);
    if (*check_only) {
      if (formatted != source->text()) {
        std::cerr << input->file << ": not in canonical layout (run 'mica fmt -i " << input->file << "')\n";
        return;
      }
    } else if (*in_place) {
      if (formatted != source->text()) {
        std::ofstream out(input->file, std::ios::binary | std::ios::trunc);
        out << formatted;
        out.close();
        if (!out) {
          std::cerr << "mica: cannot write '" << input->file << "'\n";
          return;
        }
      }
    } else {
      std::cout << formatted;
    }
    exit_code = 0;
  });
}};

}  // namespace
