// `mica boot IMAGE.elf`: plays the untrusted host on a fresh emulated
// machine for one realm. It delegates granules, creates the realm, loads the
// image as measured DATA, creates RECs, activates the realm, compares the
// monitor's RIM with the reference value `mica measure` computes, and tears
// everything down again, checking that every granule went back to the host.
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "cli_util.h"
#include "command.h"
#include "host/elf_image.h"
#include "host/load_plan.h"
#include "host/machine_host.h"
#include "host/rim.h"
#include "monitor/monitor.h"
#include "platform/machine.h"

namespace {

struct BootArgs {
  std::string image;
  std::string hash = "sha256";
  std::string ram = "64KiB";
  std::string dram = "64MiB";
  uint32_t recs = 1;
  uint32_t ipa_width = 40;
  bool quiet = false;
};

std::string hex_bytes(const uint8_t* bytes, size_t n) {
  std::ostringstream out;
  for (size_t i = 0; i < n; ++i) out << std::hex << std::setw(2) << std::setfill('0') << unsigned{bytes[i]};
  return out.str();
}

uint64_t realm_pas_granules(mica::platform::Machine& machine) {
  uint64_t count = 0;
  for (uint64_t i = 0; i < machine.dram().granule_count(); ++i) {
    const mica::monitor::PhysAddr pa(machine.dram().base() + i * mica::monitor::kGranuleSize);
    if (machine.gpt().pas(pa) != mica::platform::Pas::kNonSecure) ++count;
  }
  return count;
}

int run_boot(const BootArgs& args) {
  using namespace mica;
  host::RealmConfig config;
  const auto algo = host::parse_hash_algo(args.hash);
  const auto ram = cli::parse_size(args.ram);
  const auto dram = cli::parse_size(args.dram);
  if (!algo || !ram || !dram) {
    std::cerr << "mica boot: --hash must be sha256|sha512 and --ram/--dram sizes (e.g. 64KiB, 16MiB)\n";
    return 2;
  }
  config.hash_algo = *algo;
  config.ram_size = *ram;
  config.num_recs = args.recs;
  config.ipa_width = args.ipa_width;

  auto image = host::ElfImage::load(args.image);
  if (!image) {
    std::cerr << "mica boot: " << image.error() << "\n";
    return 1;
  }
  auto plan = host::build_load_plan(*image, config);
  if (!plan) {
    std::cerr << "mica boot: " << plan.error() << "\n";
    return 1;
  }
  const host::RimComputation expected = host::compute_rim(*plan);

  platform::MachineConfig machine_config;
  machine_config.dram_size = *dram;
  platform::Machine machine(machine_config);
  host::MachineHost host(machine);
  std::cout << "machine: " << (machine.dram().size() >> 20) << " MiB DRAM at 0x" << std::hex
            << machine.dram().base() << std::dec << ", every granule in the NS PAS\n";
  std::cout << "image:   " << args.image << " (entry 0x" << std::hex << plan->entry << std::dec << ", "
            << plan->pages.size() << " measured pages, " << config.ram_size / 1024 << " KiB realm RAM, "
            << config.num_recs << " REC" << (config.num_recs == 1 ? "" : "s") << ")\n";
  std::cout << "reference RIM (mica measure): " << expected.rim.hex() << "\n\n";

  std::map<std::string, std::pair<uint64_t, uint64_t>> per_command;  // name -> (calls, failures)
  host.rmi.set_logging(false);
  host.rmi.set_observer([&](const host::RmiCallRecord& call) {
    auto& [calls, failures] = per_command[std::string(host::rmi_command_name(call.command))];
    ++calls;
    const host::RmiStatusWord status(call.result.x[0]);
    if (!status.ok()) ++failures;
    if (!args.quiet) std::cout << "  " << call.to_string() << "\n";
  });

  const auto version = host.rmi.version();
  if (!version.ok()) {
    std::cerr << "mica boot: the monitor does not speak RMI 1.0 (" << version.status.to_string() << ")\n";
    return 1;
  }

  std::cout << "== create, populate and activate the realm\n";
  auto realm = host::load_realm(host.rmi, host.memory, host.granules, *plan);
  if (!realm) {
    std::cerr << "mica boot: " << realm.error() << "\n";
    return 1;
  }

  monitor::RealmInfo info;
  if (!machine.monitor().realm_info(realm->rd, info)) {
    std::cerr << "mica boot: the monitor has no realm at the RD the host created\n";
    return 1;
  }
  const std::string monitor_rim = hex_bytes(info.rim(), info.measurement_size());
  const bool rim_matches = monitor_rim == expected.rim.hex();
  const uint64_t delegated_while_live = realm_pas_granules(machine);

  // A host that tries to read the realm's memory gets a fault, never data.
  uint8_t probe[16] = {};
  const auto probe_result = machine.host_read(realm->data.front().pa, probe, sizeof(probe));

  std::cout << "\n== tear the realm down\n";
  auto destroyed = host::destroy_realm(host.rmi, host.granules, *realm);
  if (!destroyed) {
    std::cerr << "mica boot: " << destroyed.error() << "\n";
    return 1;
  }
  const uint64_t delegated_after = realm_pas_granules(machine);

  std::cout << "\n== summary\n";
  std::cout << "  " << std::left << std::setw(28) << "RMI command" << std::right << std::setw(7) << "calls"
            << std::setw(10) << "refused" << "\n";
  for (const auto& [name, counts] : per_command) {
    std::cout << "  " << std::left << std::setw(28) << name << std::right << std::setw(7) << counts.first
              << std::setw(10) << counts.second << "\n";
  }
  std::cout << "  realm state while live:  " << (info.state == monitor::RealmState::kActive ? "ACTIVE" : "not active")
            << ", VMID " << info.vmid << ", " << delegated_while_live << " granules in the Realm PAS\n";
  std::cout << "  host read of a DATA granule: " << platform::access_result_name(probe_result) << "\n";
  std::cout << "  RIM recorded by the monitor: " << monitor_rim << "\n";
  std::cout << "  reference RIM (mica measure): " << expected.rim.hex() << "  "
            << (rim_matches ? "MATCH" : "MISMATCH") << "\n";
  std::cout << "  granules left in the Realm PAS after teardown: " << delegated_after << "\n";

  const bool ok = rim_matches && info.state == monitor::RealmState::kActive &&
                  probe_result == platform::AccessResult::kGranuleProtectionFault && delegated_after == 0;
  std::cout << (ok ? "boot: OK\n" : "boot: FAILED\n");
  return ok ? 0 : 1;
}

mica::cli::CommandRegistration reg{"boot", [](CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BootArgs>();
  auto* sub = app.add_subcommand(
      "boot", "Deploy one realm image on a fresh emulated machine, printing every RMI call, then tear it down");
  sub->add_option("image", args->image, "AArch64 ELF realm image")->required();
  sub->add_option("--hash", args->hash, "RIM hash algorithm: sha256 or sha512")->capture_default_str();
  sub->add_option("--ram", args->ram, "realm RAM size")->capture_default_str();
  sub->add_option("--dram", args->dram, "machine DRAM size")->capture_default_str();
  sub->add_option("--recs", args->recs, "number of RECs")->capture_default_str();
  sub->add_option("--ipa-width", args->ipa_width, "IPA width s2sz (32..48)")->capture_default_str();
  sub->add_flag("--quiet,-q", args->quiet, "print the summary only, not every RMI call");
  sub->callback([args, &exit_code] { exit_code = run_boot(*args); });
}};

}  // namespace
