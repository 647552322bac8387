// What the policy sub-commands (check, build, fmt, graph, explain) share:
// the FILE and --color options, loading and compiling a policy, and the
// image measurer of `mica measure` when the host layer is built in.
#pragma once

#include <unistd.h>

#include <iostream>
#include <optional>
#include <string>

#include "command.h"
#include "policy/compiler.h"

#if __has_include("host/measure.h")
#include "host/measure.h"
#define MICA_CLI_HAS_MEASURER 1
#endif

namespace mica::cli {

struct PolicyInput {
  std::string file;
  std::string colour = "auto";
};

inline void add_policy_input(CLI::App* command, PolicyInput& input) {
  command->add_option("FILE", input.file, "policy file (.mica)")->required();
  command->add_option("--color", input.colour, "colour diagnostics: auto (on a terminal), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
}

inline bool use_colour(const PolicyInput& input, int file_descriptor) {
  if (input.colour == "always") return true;
  if (input.colour == "never") return false;
  return policy::wants_colour(file_descriptor);
}

// `measurement image "file.elf"` resolves to the RIM that `mica measure`
// computes for the realm's declared memory and REC count.
inline policy::ImageResolver image_resolver() {
#ifdef MICA_CLI_HAS_MEASURER
  return [](const policy::ImageRequest& request) -> policy::ImageResolution {
    host::MeasureOptions options;
    options.hash_algo = request.algo;
    if (request.memory_bytes != 0) options.ram_size = request.memory_bytes;
    if (request.recs != 0) options.num_recs = request.recs;
    auto measured = host::measure_image(request.path.string(), options);
    if (!measured.ok()) return {{}, measured.error()};
    const auto rim = measured->rim.bytes();
    return {{rim.begin(), rim.end()}, {}};
  };
#else
  return {};  // the checker reports "measurement support not built"
#endif
}

// Loads and compiles the policy; diagnostics go to `out` (with colours if
// `fd` is a terminal). Nothing when the file cannot be read (reported).
inline std::optional<policy::Compilation> compile_input(const PolicyInput& input, policy::CompileOptions options,
                                                        std::ostream& out, int fd) {
  std::string error;
  std::optional<policy::SourceFile> source = policy::load_source(input.file, error);
  if (!source) {
    std::cerr << "mica: cannot read '" << input.file << "': " << error << "\n";
    return std::nullopt;
  }
  options.resolver = image_resolver();
  policy::Compilation compilation = policy::compile(std::move(*source), options);
  policy::RenderOptions render;
  render.colour = use_colour(input, fd);
  policy::render(compilation.source, compilation.diagnostics, out, render);
  return compilation;
}

}  // namespace mica::cli
