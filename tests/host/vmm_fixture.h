// A realm program on a fresh emulated machine: loaded with the VMM's load
// plan, activated, and handed to a Vmm. The fixture keeps every exit the VMM
// reports, and can tear the realm down and count what went back.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host/elf_image.h"
#include "host/load_plan.h"
#include "host/machine_host.h"
#include "host/realm_loader.h"
#include "host/vmm.h"
#include "monitor/monitor.h"
#include "platform/machine.h"

namespace mica::host::testing {

namespace rr = monitor::abi::rec_run;
using monitor::abi::RmiRecExitReason;

inline std::string sdk_program(const std::string& name) {
  return std::string(MICA_REALM_PROGRAMS) + "/" + name + ".elf";
}
inline std::string vmm_realm(const std::string& name) { return std::string(MICA_VMM_REALMS) + "/" + name + ".elf"; }

inline RealmConfig small_realm(uint64_t ram_size = uint64_t{2} << 20, uint32_t recs = 1) {
  RealmConfig config;
  config.ram_size = ram_size;
  config.num_recs = recs;
  return config;
}

inline platform::MachineConfig machine_config() {
  platform::MachineConfig config;
  config.state_dir = ::testing::TempDir() + "/mica-host-vmm-state";
  std::filesystem::create_directories(config.state_dir);
  return config;
}

class RealmUnderTest {
 public:
  // Sets `error` (and leaves vmm null) if anything before the first run fails.
  RealmUnderTest(const std::string& image, const RealmConfig& realm_config, const VmmOptions& options = {})
      : machine(machine_config()), host(machine), config(realm_config) {
    host.rmi.set_logging(false);
    auto elf = ElfImage::load(image);
    if (!elf) {
      error = elf.error();
      return;
    }
    auto built = build_load_plan(*elf, config);
    if (!built) {
      error = built.error();
      return;
    }
    plan = std::move(built).value();
    auto loaded = load_realm(host.rmi, host.memory, host.granules, plan);
    if (!loaded) {
      error = loaded.error();
      return;
    }
    realm = std::move(loaded).value();
    auto created = Vmm::create(host.rmi, host.memory, host.granules, realm, config, options);
    if (!created) {
      error = created.error();
      return;
    }
    vmm = std::move(created).value();
    vmm->set_exit_observer([this](const VmmExit& exit) { exits.push_back(exit); });
    vmm->set_console_sink([this](uint32_t rec, std::string_view bytes) {
      sink.append(bytes);
      sink_recs.push_back(rec);
    });
  }

  ~RealmUnderTest() {
    if (!torn_down && realm.active) (void)teardown();
  }

  // Detaches the VMM and destroys the realm; then no granule may be left
  // outside the NS PAS.
  Result<bool> teardown() {
    torn_down = true;
    if (vmm) {
      if (auto detached = vmm->detach(); !detached) return detached;
    }
    return destroy_realm(host.rmi, host.granules, realm);
  }

  uint64_t granules_outside_ns() {
    uint64_t count = 0;
    for (uint64_t i = 0; i < machine.dram().granule_count(); ++i) {
      const PhysAddr pa(machine.dram().base() + i * monitor::kGranuleSize);
      if (machine.gpt().pas(pa) != platform::Pas::kNonSecure) ++count;
    }
    return count;
  }

  monitor::RealmInfo realm_info() {
    monitor::RealmInfo info;
    EXPECT_TRUE(machine.monitor().realm_info(realm.rd, info));
    return info;
  }
  monitor::RecInfo rec_info(uint32_t index) {
    monitor::RecInfo info;
    EXPECT_TRUE(machine.monitor().rec_info(realm.recs.at(index).pa, info));
    return info;
  }

  std::vector<VmmExit> exits_where(const std::function<bool(const VmmExit&)>& match) const {
    std::vector<VmmExit> found;
    for (const VmmExit& e : exits) {
      if (match(e)) found.push_back(e);
    }
    return found;
  }
  std::vector<VmmExit> exits_with(ExitAction action) const {
    return exits_where([action](const VmmExit& e) { return e.action == action; });
  }
  uint64_t exits_of(RmiRecExitReason reason) const {
    return exits_where([reason](const VmmExit& e) { return e.reason == reason; }).size();
  }

  platform::Machine machine;
  MachineHost host;
  RealmConfig config;
  LoadPlan plan;
  LoadedRealm realm;
  std::unique_ptr<Vmm> vmm;
  std::string error;
  std::vector<VmmExit> exits;
  std::string sink;
  std::vector<uint32_t> sink_recs;
  bool torn_down = false;
};

// ESR fields the tests check (ESR_EL2 as RmiRecExit shows it).
inline uint64_t esr_ec(uint64_t esr) { return (esr >> 26) & 0x3F; }
inline bool esr_isv(uint64_t esr) { return ((esr >> 24) & 1) != 0; }
inline unsigned esr_sas(uint64_t esr) { return (esr >> 22) & 3; }
inline bool esr_sse(uint64_t esr) { return ((esr >> 21) & 1) != 0; }
inline unsigned esr_srt(uint64_t esr) { return (esr >> 16) & 0x1F; }
inline bool esr_sf(uint64_t esr) { return ((esr >> 15) & 1) != 0; }
inline bool esr_wnr(uint64_t esr) { return ((esr >> 6) & 1) != 0; }
inline unsigned esr_fsc(uint64_t esr) { return esr & 0x3F; }
inline constexpr unsigned kFscTranslationLevel1 = 0x05;
inline constexpr unsigned kFscPermissionLevel3 = 0x0F;
inline constexpr uint64_t kEcDataAbortLowerEl = 0x24;

}  // namespace mica::host::testing
