// `mica measure IMAGE.elf`: the RIM the VMM's deterministic load plan
// produces for an image (the reference value a tenant puts in a policy).
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli_util.h"
#include "command.h"
#include "host/measure.h"

namespace {

struct MeasureArgs {
  std::string image;
  std::string hash = "sha256";
  std::string ram = "16MiB";
  std::string ram_base = "0x40000000";
  uint32_t recs = 1;
  uint32_t ipa_width = 40;
  bool json = false;
};

int run_measure(const MeasureArgs& args) {
  mica::host::MeasureOptions options;
  const auto algo = mica::host::parse_hash_algo(args.hash);
  if (!algo) {
    std::cerr << "mica measure: --hash must be sha256 or sha512, not '" << args.hash << "'\n";
    return 2;
  }
  options.hash_algo = *algo;
  const auto ram = mica::cli::parse_size(args.ram);
  if (!ram) {
    std::cerr << "mica measure: --ram '" << args.ram << "' is not a size (e.g. 16MiB, 0x1000000)\n";
    return 2;
  }
  options.ram_size = *ram;
  const auto ram_base = mica::cli::parse_size(args.ram_base);
  if (!ram_base) {
    std::cerr << "mica measure: --ram-base '" << args.ram_base << "' is not an address\n";
    return 2;
  }
  options.ram_base = *ram_base;
  options.num_recs = args.recs;
  options.ipa_width = args.ipa_width;

  auto result = mica::host::measure_image(args.image, options);
  if (!result) {
    std::cerr << "mica measure: " << result.error() << "\n";
    return 1;
  }
  if (args.json) {
    std::cout << mica::host::measurement_to_json(*result).dump(2) << "\n";
  } else {
    std::cout << result->rim.hex() << "\n";
  }
  return 0;
}

mica::cli::CommandRegistration reg{"measure", [](CLI::App& app, int& exit_code) {
  auto args = std::make_shared<MeasureArgs>();
  auto* sub = app.add_subcommand(
      "measure", "Print the RIM that the VMM's deterministic load plan gives IMAGE (docs/load-plan.md)");
  sub->add_option("image", args->image, "AArch64 ELF realm image")->required();
  sub->add_option("--hash", args->hash, "RIM hash algorithm: sha256 or sha512")->capture_default_str();
  sub->add_option("--ram", args->ram, "realm RAM size (e.g. 16MiB, 0x1000000)")->capture_default_str();
  sub->add_option("--ram-base", args->ram_base, "IPA of realm RAM")->capture_default_str();
  sub->add_option("--recs", args->recs, "number of RECs (REC 0 runnable, others started by PSCI CPU_ON)")
      ->capture_default_str();
  sub->add_option("--ipa-width", args->ipa_width, "IPA width s2sz (32..48)")->capture_default_str();
  sub->add_flag("--json", args->json, "print the RIM and every measured step needed to recompute it");
  sub->callback([args, &exit_code] { exit_code = run_measure(*args); });
}};

}  // namespace
