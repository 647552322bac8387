// Helpers shared by the policy tests.
#pragma once

#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "policy/compiler.h"

namespace mica::policy::testing {

// A stand-in for `mica measure` in tests: the "RIM" of an image is the hash
// of "mica-test-image:" followed by the file's bytes. It exercises the
// compiler's resolver plumbing (paths, algorithms, errors) without depending
// on the host's ELF measurer, and is never used outside tests.
inline ImageResolution test_image_resolver(const ImageRequest& request) {
  std::ifstream in(request.path, std::ios::binary);
  if (!in) return {{}, "no such file: " + request.path.filename().string()};
  std::ostringstream bytes;
  bytes << "mica-test-image:" << in.rdbuf();
  const std::string data = bytes.str();
  const auto* input = reinterpret_cast<const unsigned char*>(data.data());
  std::vector<uint8_t> rim(monitor::hash_size(request.algo));
  if (request.algo == HashAlgo::kSha256) {
    mbedtls_sha256_ret(input, data.size(), rim.data(), 0);
  } else {
    mbedtls_sha512_ret(input, data.size(), rim.data(), 0);
  }
  return {rim, {}};
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline Compilation compile_text(const std::string& text, CompileOptions options = {},
                                const std::filesystem::path& directory = {}) {
  if (!options.resolver) options.resolver = test_image_resolver;
  return compile(SourceFile("test.mica", text, directory), options);
}

// Diagnostics as the CLI prints them (no colours).
inline std::string rendered(const Compilation& compilation) {
  return render_to_string(compilation.source, compilation.diagnostics);
}

// The codes of the diagnostics reported, in order.
inline std::vector<std::string> codes(const Compilation& compilation) {
  std::vector<std::string> out;
  for (const Diagnostic& diagnostic : compilation.diagnostics.all()) out.push_back(diag_info(diagnostic.id).code);
  return out;
}

// sha256:<64 hex digits> of a short text, for writing policies in tests.
inline std::string digest_of(const std::string& text) {
  unsigned char digest[32];
  mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest, 0);
  return "sha256:" + hex_string(std::vector<uint8_t>(digest, digest + 32));
}

}  // namespace mica::policy::testing
