// `mica inspect TOKEN [--json] [--platform-key KEY]`: any CCA token (ours or
// anyone's) in readable form. Exit 0 when the input is CBOR, 2 when it is
// not, 1 when a file cannot be read.
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "command.h"
#include "verify/inspect.h"
#include "verify/token.h"
#include "verify/verifier.h"

namespace {

struct InspectArgs {
  std::string token;
  std::string platform_key;
  bool json = false;
};

int run_inspect(const InspectArgs& args) {
  std::ifstream in(args.token, std::ios::binary);
  if (!in) {
    std::cerr << "mica inspect: cannot open '" << args.token << "'\n";
    return mica::verify::kExitUsage;
  }
  // Read one byte more than a token may be, so an oversized file is refused
  // by the decoder with its size rather than read whole.
  std::vector<uint8_t> bytes(mica::verify::kMaxTokenSize + 1);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));

  mica::verify::InspectOptions options;
  if (!args.platform_key.empty()) {
    auto key = mica::verify::load_public_key_file(args.platform_key);
    if (!key) {
      std::cerr << "mica inspect: " << key.error().message << "\n";
      return mica::verify::kExitUsage;
    }
    options.platform_key = key.value();
  }
  if (args.json) {
    auto json = mica::verify::inspect_json(bytes, options);
    if (!json) {
      std::cerr << "mica inspect: " << args.token << ": " << json.error().message << "\n";
      return mica::verify::kExitMalformed;
    }
    std::cout << json->dump(2) << "\n";
  } else {
    auto text = mica::verify::inspect_text(bytes, options);
    if (!text) {
      std::cerr << "mica inspect: " << args.token << ": " << text.error().message << "\n";
      return mica::verify::kExitMalformed;
    }
    std::cout << text.value();
  }
  return 0;
}

mica::cli::CommandRegistration registration{"inspect", [](CLI::App& app, int& exit_code) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* command = app.add_subcommand("inspect", "decode a CCA attestation token (either wrapper) for reading");
  command->add_option("TOKEN", args->token, "token file (CBOR)")->required();
  command->add_flag("--json", args->json, "print JSON instead of text");
  command->add_option("--platform-key", args->platform_key,
                      "platform public key (JWK or PEM): check the signatures with it");
  command->callback([&exit_code, args] { exit_code = run_inspect(*args); });
}};

}  // namespace
