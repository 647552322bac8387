// `mica boot IMAGE.elf`: plays the untrusted host on a fresh emulated
// machine for one realm. It delegates granules, creates the realm, loads the
// image as measured DATA, creates RECs, activates the realm and compares the
// monitor's RIM with the reference value `mica measure` computes; then the
// VMM runs the realm (its console printed as it comes) until it turns
// itself off, nothing is runnable or the host's budget is spent, and a run
// report follows. Finally everything is torn down, checking that every
// granule went back to the host.
#include <array>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "cli_util.h"
#include "command.h"
#include "host/elf_image.h"
#include "host/load_plan.h"
#include "host/machine_host.h"
#include "host/rim.h"
#include "host/vmm.h"
#include "monitor/monitor.h"
#include "platform/machine.h"

namespace {

struct BootArgs {
  std::string image;
  std::string hash = "sha256";
  std::string ram = "16MiB";
  std::string ram_base = "0x40000000";
  std::string dram = "64MiB";
  uint32_t recs = 1;
  uint32_t ipa_width = 40;
  bool no_run = false;
  bool calls = false;
  uint64_t timer_budget = mica::host::VmmOptions{}.max_timer_exits;
  uint64_t entry_budget = mica::host::VmmOptions{}.max_rec_entries;
  std::string challenge;    // 128 hex digits: what ATTEST_CHALLENGE answers
  std::string save_tokens;  // prefix of the files the realm's attestation tokens go to
};

std::optional<std::array<uint8_t, mica::host::kAttestChallengeSize>> parse_challenge(const std::string& text) {
  std::array<uint8_t, mica::host::kAttestChallengeSize> bytes{};
  if (text.size() != 2 * bytes.size()) return std::nullopt;
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned value = 0;
    for (char c : text.substr(2 * i, 2)) {
      const int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                        : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                        : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                                    : -1;
      if (digit < 0) return std::nullopt;
      value = value * 16 + static_cast<unsigned>(digit);
    }
    bytes[i] = static_cast<uint8_t>(value);
  }
  return bytes;
}

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

// Runs the realm with the VMM; true if it ended the way a good program
// does: SYSTEM_OFF after reporting exit status 0.
bool run_realm(const BootArgs& args, mica::host::MachineHost& host, mica::host::LoadedRealm& realm,
               const mica::host::RealmConfig& config) {
  using namespace mica;
  host::VmmOptions options;
  options.max_timer_exits = args.timer_budget;
  options.max_rec_entries = args.entry_budget;
  if (!args.challenge.empty()) options.attestation_challenge = parse_challenge(args.challenge);
  auto vmm = host::Vmm::create(host.rmi, host.memory, host.granules, realm, config, options);
  if (!vmm) {
    std::cerr << "mica boot: " << vmm.error() << "\n";
    return false;
  }
  bool at_line_start = true;
  (*vmm)->set_console_sink([&at_line_start](uint32_t, std::string_view bytes) {
    std::cout << bytes << std::flush;
    if (!bytes.empty()) at_line_start = bytes.back() == '\n';
  });
  std::cout << "\n== run the realm (console output follows)\n";
  const host::RunReport& report = (*vmm)->run();
  if (!at_line_start) std::cout << "\n";
  std::cout << "\n== run report\n" << report.summary();
  if (const host::MicaTestDevice* device = (*vmm)->test_device(); device != nullptr && device->tx_count() != 0) {
    std::cout << "test device output (" << device->tx_count() << " bytes): " << device->output() << "\n";
  }
  for (size_t i = 0; i < report.attestation_tokens.size() && !args.save_tokens.empty(); ++i) {
    const std::string path = args.save_tokens + "-" + std::to_string(i + 1) + ".cbor";
    std::ofstream out(path, std::ios::binary);
    const auto& token = report.attestation_tokens[i];
    out.write(reinterpret_cast<const char*>(token.data()), static_cast<std::streamsize>(token.size()));
    if (!out) {
      std::cerr << "mica boot: cannot write " << path << "\n";
      return false;
    }
    std::cout << "attestation token " << i + 1 << " written to " << path << "\n";
  }
  if (auto detached = (*vmm)->detach(); !detached) {
    std::cerr << "mica boot: " << detached.error() << "\n";
    return false;
  }
  return report.end == host::RunEnd::kSystemOff && report.exit_status == 0;
}

int run_boot(const BootArgs& args) {
  using namespace mica;
  host::RealmConfig config;
  const auto algo = host::parse_hash_algo(args.hash);
  const auto ram = cli::parse_size(args.ram);
  const auto ram_base = cli::parse_size(args.ram_base);
  const auto dram = cli::parse_size(args.dram);
  if (!algo || !ram || !ram_base || !dram) {
    std::cerr << "mica boot: --hash must be sha256|sha512, --ram/--dram sizes (e.g. 64KiB, 16MiB) and --ram-base "
                 "an address\n";
    return 2;
  }
  if (!args.challenge.empty() && !parse_challenge(args.challenge)) {
    std::cerr << "mica boot: --challenge must be 64 bytes in hex (128 digits)\n";
    return 2;
  }
  if (args.timer_budget == 0 || args.entry_budget == 0) {
    std::cerr << "mica boot: --timer-budget and --entry-budget must be at least 1\n";
    return 2;
  }
  config.hash_algo = *algo;
  config.ram_size = *ram;
  config.ram_base = *ram_base;
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
  std::cout << "reference RIM (mica measure): " << expected.rim.hex() << "\n";

  std::map<std::string, std::pair<uint64_t, uint64_t>> per_command;  // name -> (calls, failures)
  host.rmi.set_logging(false);
  host.rmi.set_observer([&](const host::RmiCallRecord& call) {
    auto& [calls, failures] = per_command[std::string(host::rmi_command_name(call.command))];
    ++calls;
    const host::RmiStatusWord status(call.result.x[0]);
    if (!status.ok()) ++failures;
    if (args.calls) std::cout << "  " << call.to_string() << "\n";
  });

  const auto version = host.rmi.version();
  if (!version.ok()) {
    std::cerr << "mica boot: the monitor does not speak RMI 1.0 (" << version.status.to_string() << ")\n";
    return 1;
  }

  std::cout << "\n== create, populate and activate the realm\n";
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
  std::cout << "realm " << monitor::realm_state_name(info.state) << ", VMID " << info.vmid << ", " << delegated_while_live
            << " granules in the Realm PAS; host read of a DATA granule: "
            << platform::access_result_name(probe_result) << "\n";
  std::cout << "RIM recorded by the monitor:  " << monitor_rim << "  " << (rim_matches ? "MATCH" : "MISMATCH")
            << " with the reference\n";

  bool run_ok = true;
  if (!args.no_run) run_ok = run_realm(args, host, *realm, config);
  monitor::RealmInfo after;
  const bool realm_known = machine.monitor().realm_info(realm->rd, after);

  std::cout << "\n== tear the realm down\n";
  auto destroyed = host::destroy_realm(host.rmi, host.granules, *realm);
  if (!destroyed) {
    std::cerr << "mica boot: " << destroyed.error() << "\n";
    return 1;
  }
  const uint64_t delegated_after = realm_pas_granules(machine);

  std::cout << "\n== summary\n";
  std::cout << "  " << std::left << std::setw(28) << "RMI command" << std::right << std::setw(9) << "calls"
            << std::setw(10) << "refused" << "\n";
  for (const auto& [name, counts] : per_command) {
    std::cout << "  " << std::left << std::setw(28) << name << std::right << std::setw(9) << counts.first
              << std::setw(10) << counts.second << "\n";
  }
  if (realm_known) std::cout << "  realm state after the run:    " << monitor::realm_state_name(after.state) << "\n";
  std::cout << "  reference RIM (mica measure): " << expected.rim.hex() << "\n";
  std::cout << "  RIM recorded by the monitor:  " << monitor_rim << "  " << (rim_matches ? "MATCH" : "MISMATCH") << "\n";
  std::cout << "  granules left in the Realm PAS after teardown: " << delegated_after << "\n";

  const bool ok = rim_matches && info.state == monitor::RealmState::kActive &&
                  probe_result == platform::AccessResult::kGranuleProtectionFault && delegated_after == 0 && run_ok;
  std::cout << (ok ? "boot: OK\n" : "boot: FAILED\n");
  return ok ? 0 : 1;
}

mica::cli::CommandRegistration reg{"boot", [](CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BootArgs>();
  auto* sub = app.add_subcommand(
      "boot",
      "Deploy one realm image on a fresh emulated machine, check its RIM, run it with the VMM (console and run "
      "report), then tear it down. Exit code 0 when the RIM matches, the realm turned itself off with status 0 "
      "(unless --no-run) and every granule came back");
  sub->add_option("image", args->image, "AArch64 ELF realm image")->required();
  sub->add_option("--hash", args->hash, "RIM hash algorithm: sha256 or sha512")->capture_default_str();
  sub->add_option("--ram", args->ram, "realm RAM size (as for mica measure)")->capture_default_str();
  sub->add_option("--ram-base", args->ram_base, "IPA of realm RAM")->capture_default_str();
  sub->add_option("--dram", args->dram, "machine DRAM size")->capture_default_str();
  sub->add_option("--recs", args->recs, "number of RECs")->capture_default_str();
  sub->add_option("--ipa-width", args->ipa_width, "IPA width s2sz (32..48)")->capture_default_str();
  sub->add_flag("--no-run", args->no_run, "deploy, check the RIM and tear down without running the realm");
  sub->add_flag("--calls", args->calls, "print every RMI call (running a realm makes many)");
  sub->add_option("--timer-budget", args->timer_budget,
                  "host timer exits after which the host stops the realm (about a million instructions each)")
      ->capture_default_str();
  sub->add_option("--entry-budget", args->entry_budget, "REC_ENTER calls after which the host stops the realm")
      ->capture_default_str();
  sub->add_option("--challenge", args->challenge,
                  "64-byte attestation challenge in hex, given to the realm's ATTEST_CHALLENGE host call");
  sub->add_option("--save-tokens", args->save_tokens,
                  "write each attestation token the realm hands out to PREFIX-<n>.cbor");
  sub->callback([args, &exit_code] { exit_code = run_boot(*args); });
}};

}  // namespace
