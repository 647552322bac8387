// Test fixture for the monitor: the lead's emulated machine (real DRAM, GPT,
// EL3 routing) with the monitor on top, plus helpers that speak raw RMI
// registers so that every test sees exactly what a host would.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "monitor/abi/rmi.h"
#include "monitor/abi/rsi.h"
#include "monitor/monitor.h"
#include "platform/machine.h"

namespace mica::monitor::testing {

namespace abi = monitor::abi;
using abi::Ripas;
using abi::RmiCommand;
using abi::RmiStatus;

inline constexpr uint64_t kDramBase = 0x8000'0000;
inline constexpr uint64_t kDramSize = 8ull << 20;  // 2048 granules: snapshots stay cheap

constexpr uint64_t status_word(RmiStatus status, uint8_t index = 0) {
  return abi::rmi_status_word(status, index);
}
inline constexpr uint64_t kSuccess = 0;
inline constexpr uint64_t kErrorInput = status_word(RmiStatus::kErrorInput);
inline constexpr uint64_t kErrorRealm = status_word(RmiStatus::kErrorRealm);
inline constexpr uint64_t kErrorRec = status_word(RmiStatus::kErrorRec);
constexpr uint64_t error_rtt(int level) { return status_word(RmiStatus::kErrorRtt, static_cast<uint8_t>(level)); }

// RmiRealmParams as a test writes them into an NS granule.
struct RealmParams {
  uint64_t flags = 0;
  uint32_t s2sz = 40;
  uint32_t sve_vl = 0;
  uint32_t num_bps = 1;
  uint32_t num_wps = 1;
  uint32_t pmu_num_ctrs = 0;
  uint8_t hash_algo = 0;
  std::array<uint8_t, 64> rpv{};
  int32_t vmid = -1;       // -1: create_realm picks an unused VMID
  uint64_t rtt_base = 0;   // 0: create_realm allocates the root RTTs
  int64_t rtt_level_start = 0;
  uint32_t rtt_num_start = 1;
  // Raw bytes to place at arbitrary offsets after the fields (reserved-byte tests).
  std::vector<std::pair<uint64_t, uint8_t>> extra_bytes;
};

// RmiRecParams.
struct RecParams {
  uint64_t flags = abi::rec_params::kFlagRunnable;
  uint64_t mpidr = 0;
  uint64_t pc = 0;
  std::array<uint64_t, 8> gprs{};
  uint64_t num_aux = abi::kRecAuxCount;
  std::array<uint64_t, 16> aux{};  // filled with delegated granules by create_rec when num_aux > 0 and aux[0] == 0
};

struct Realm {
  PhysAddr rd;
  PhysAddr rtt_base;
  uint32_t num_roots = 1;
  int start_level = 0;
  uint32_t s2sz = 40;
  uint16_t vmid = 0;
  uint64_t ipa_size() const { return uint64_t{1} << s2sz; }
  uint64_t par_end() const { return ipa_size() / 2; }
};

struct Rec {
  PhysAddr pa;
  std::array<uint64_t, 16> aux{};
};

struct EntryRead {
  uint64_t x0 = 0;
  int level = 0;
  abi::RmiRttEntryState state = abi::RmiRttEntryState::kUnassigned;
  uint64_t desc = 0;
  Ripas ripas = Ripas::kEmpty;
};

// Everything a refused command must leave untouched: the state and reference
// count of every granule, every granule's PAS, and every byte of DRAM (which
// holds every RD, REC, RTT entry and RIM).
struct MachineSnapshot {
  std::vector<GranuleInfo> granules;
  std::vector<uint8_t> pas;
  std::vector<uint8_t> dram;
};

class MonitorTest : public ::testing::Test {
 protected:
  explicit MonitorTest(uint64_t dram_size = kDramSize);

  platform::Machine& machine() { return machine_; }
  Monitor& monitor() { return machine_.monitor(); }

  // --- raw RMI --------------------------------------------------------------------
  SmcResult smc(uint64_t fid, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0,
                uint64_t x5 = 0, uint64_t x6 = 0);
  SmcResult rmi(RmiCommand command, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0,
                uint64_t x5 = 0, uint64_t x6 = 0) {
    return smc(abi::rmi_fid(command), x1, x2, x3, x4, x5, x6);
  }

  // --- granules ---------------------------------------------------------------------
  // A fresh NS granule (never handed out before).
  PhysAddr ns_granule();
  // `count` consecutive fresh NS granules.
  PhysAddr ns_granules(unsigned count);
  // A fresh granule, delegated (asserts success).
  PhysAddr delegated();
  PhysAddr delegated_run(unsigned count);
  // `count` consecutive delegated granules, the first aligned to `alignment`.
  PhysAddr delegated_aligned_run(unsigned count, uint64_t alignment);
  GranuleState state(PhysAddr pa) { return monitor().granule_state(pa); }
  uint16_t refcount(PhysAddr pa);
  // Reads a whole granule as the monitor sees it (raw DRAM, tests only).
  std::vector<uint8_t> raw_granule(PhysAddr pa);
  uint64_t raw_u64(PhysAddr pa, uint64_t offset);

  // --- realms -----------------------------------------------------------------------
  PhysAddr write_realm_params(const RealmParams& params);
  // Creates a realm (asserts success); params.rtt_base 0 means "allocate roots".
  Realm create_realm(RealmParams params = {});
  uint64_t try_create_realm(PhysAddr rd, const RealmParams& params);
  RealmInfo realm_info(const Realm& realm);
  std::vector<uint8_t> rim(const Realm& realm);

  PhysAddr write_rec_params(const RecParams& params);
  // Creates REC number `index` of the realm (asserts success).
  Rec create_rec(const Realm& realm, uint64_t mpidr, RecParams params = {});

  // --- RTTs -------------------------------------------------------------------------
  PhysAddr create_rtt(const Realm& realm, uint64_t ipa, int level);
  // RTTs from start_level+1 down to `level` covering ipa (creates what is missing).
  void create_rtts_down_to(const Realm& realm, uint64_t ipa, int level);
  EntryRead read_entry(const Realm& realm, uint64_t ipa, int level);
  // PA of the RTT at `level` that covers ipa (asserts that it exists).
  PhysAddr rtt_at(const Realm& realm, uint64_t ipa, int level);
  // ipa's L3 table, INIT_RIPAS of one page, DATA_CREATE of a page with `fill`.
  PhysAddr populate_page(const Realm& realm, uint64_t ipa, uint8_t fill, bool measure = true);

  // --- refusals ---------------------------------------------------------------------
  MachineSnapshot snapshot();
  // Issues the call and checks that it returned `expected_x0` and changed nothing.
  SmcResult expect_refused(uint64_t expected_x0, RmiCommand command, uint64_t x1 = 0, uint64_t x2 = 0,
                           uint64_t x3 = 0, uint64_t x4 = 0, uint64_t x5 = 0);

  static std::string hex(const uint8_t* bytes, size_t len);

  // Called after every SMC the fixture issues, with its arguments and result
  // (the adversarial suites run the invariant checker here).
  std::function<void(const SmcArgs&, const SmcResult&)> after_smc_;

  uint64_t dram_size_;
  platform::Machine machine_;
  uint64_t next_free_ = kDramBase;
  uint16_t next_vmid_ = 1;
};

void expect_same(const MachineSnapshot& before, const MachineSnapshot& after);

}  // namespace mica::monitor::testing
