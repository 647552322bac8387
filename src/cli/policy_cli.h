// What the policy sub-commands (check, build, fmt, graph, explain) share:
// the FILE and --color options, loading and compiling a policy, and the
// image measurer of `mica measure` when the host layer is built in.
#pragma once

#include <unistd.h>

#include <iostream>
#include <filesystem>
#include <optional>
#include <vector>
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
  // Where `image "x.elf"` is looked for when it is not beside the policy.
  std::vector<std::string> image_dirs;
};

inline void add_policy_input(CLI::App* command, PolicyInput& input) {
  command->add_option("FILE", input.file, "policy file (.mica)")->required();
  command->add_option("--color", input.colour, "colour diagnostics: auto (on a terminal), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  command->add_option("--images", input.image_dirs,
                      "directory to look for `image \"...\"` files in when they are not found relative to the "
                      "policy (may be repeated)");
}

// Where an image named in a policy is: relative to the policy file, else
// in the first --images directory that has it (the request's own path when
// none does, so that the error names it).
inline std::filesystem::path find_image(const policy::ImageRequest& request,
                                        const std::vector<std::string>& image_dirs) {
  std::error_code ignored;
  if (std::filesystem::exists(request.path, ignored)) return request.path;
  const std::filesystem::path written(request.written);
  if (written.is_relative()) {
    for (const std::string& dir : image_dirs) {
      const std::filesystem::path candidate = std::filesystem::path(dir) / written;
      if (std::filesystem::exists(candidate, ignored)) return candidate;
    }
  }
  return request.path;
}

inline bool use_colour(const PolicyInput& input, int file_descriptor) {
  if (input.colour == "always") return true;
  if (input.colour == "never") return false;
  return policy::wants_colour(file_descriptor);
}

// `measurement image "file.elf"` resolves to the RIM that `mica measure`
// computes for the realm's declared memory and REC count.
inline policy::ImageResolver image_resolver(const std::vector<std::string>& image_dirs = {}) {
#ifdef MICA_CLI_HAS_MEASURER
  return [image_dirs](const policy::ImageRequest& request) -> policy::ImageResolution {
    host::MeasureOptions options;
    options.hash_algo = request.algo;
    if (request.memory_bytes != 0) options.ram_size = request.memory_bytes;
    if (request.recs != 0) options.num_recs = request.recs;
    auto measured = host::measure_image(find_image(request, image_dirs).string(), options);
    if (!measured.ok()) return {{}, measured.error()};
    const auto rim = measured->rim.bytes();
    return {{rim.begin(), rim.end()}, {}};
  };
#else
  (void)image_dirs;
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
  if (!options.resolver) options.resolver = image_resolver(input.image_dirs);
  policy::Compilation compilation = policy::compile(std::move(*source), options);
  policy::RenderOptions render;
  render.colour = use_colour(input, fd);
  policy::render(compilation.source, compilation.diagnostics, out, render);
  return compilation;
}

}  // namespace mica::cli
