// Fixture for REC_ENTER, realm exits and RSI: a monitor on a ScriptedPlatform
// (emulated Machine memory, scripted realm CPU), one ACTIVE realm with a
// known stage-2 layout, and helpers that speak raw RMI registers and read the
// RmiRecRun granule at its ABI offsets, as a host would.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "monitor/abi/rmi.h"
#include "monitor/abi/rsi.h"
#include "monitor/monitor.h"
#include "monitor/realm_run.h"
#include "platform/machine.h"
#include "scripted_cpu.h"

namespace mica::monitor::testing {

namespace abi = monitor::abi;
using abi::Ripas;
using abi::RmiCommand;

inline constexpr uint64_t kRunDramBase = 0x8000'0000;
inline constexpr uint64_t kRunDramSize = 8ull << 20;

inline constexpr uint64_t kRmiSuccess = 0;
inline constexpr uint64_t kRmiErrorInput = abi::rmi_status_word(abi::RmiStatus::kErrorInput);
inline constexpr uint64_t kRmiErrorRealm = abi::rmi_status_word(abi::RmiStatus::kErrorRealm);
inline constexpr uint64_t kRmiErrorRec = abi::rmi_status_word(abi::RmiStatus::kErrorRec);
inline constexpr uint64_t kRsiSuccess = 0;
inline constexpr uint64_t kRsiErrorInput = 1;
inline constexpr uint64_t kRsiErrorState = 2;
inline constexpr uint64_t kRsiErrorUnknown = 4;
inline constexpr uint64_t kSmcUnknownFid = ~uint64_t{0};

// The realm's stage 2 (s2sz 32, start level 1: PAR = [0, 2 GiB)):
//   [0x0000, 0x4000)    ASSIGNED/RAM   DATA pages (content: byte = page number + 1)
//   [0x4000, 0x8000)    UNASSIGNED/RAM
//   0x8000              UNASSIGNED/EMPTY
//   0x9000              ASSIGNED/EMPTY
//   0xA000              UNASSIGNED/DESTROYED
//   [0xB000, 0x200000)  UNASSIGNED/EMPTY
//   [0x200000,0x400000) UNASSIGNED/RAM, one level-2 entry (no level-3 table)
//   [2 GiB, 4 GiB)      unprotected, UNASSIGNED_NS
namespace layout {
inline constexpr uint32_t kS2sz = 32;
inline constexpr uint64_t kIpaSize = uint64_t{1} << kS2sz;
inline constexpr uint64_t kParSize = kIpaSize / 2;
inline constexpr uint64_t kMappedFirst = 0x0000;
inline constexpr unsigned kMappedPages = 4;
inline constexpr uint64_t kUnmappedRam = 0x4000;
inline constexpr uint64_t kRamEnd = 0x8000;
inline constexpr uint64_t kUnassignedEmpty = 0x8000;
inline constexpr uint64_t kAssignedEmpty = 0x9000;
inline constexpr uint64_t kDestroyed = 0xA000;
inline constexpr uint64_t kL2RamBlock = 0x20'0000;
inline constexpr uint64_t kUnprotected = kParSize + 0x1000;
inline constexpr uint64_t kEntryPc = 0x1000;
}  // namespace layout

struct RealmOptions {
  uint8_t hash_algo = 0;   // RmiHashAlgorithm
  unsigned recs = 3;       // REC i has MPIDR i; REC 1 is created not runnable
  bool activate = true;
};

struct BuiltRealm {
  PhysAddr rd;
  PhysAddr root;
  std::vector<PhysAddr> recs;
  std::map<uint64_t, PhysAddr> data;  // IPA -> DATA granule
  std::array<uint8_t, 64> rpv{};
};

// RmiRecEnter as a host fills it in.
struct EnterArgs {
  uint64_t flags = 0;
  std::array<uint64_t, 31> gprs{};
  uint64_t gicv3_hcr = 0;
  std::array<uint64_t, 16> gicv3_lrs{};
};

// RmiRecExit as the host reads it.
struct ExitView {
  uint64_t reason = 0;
  uint64_t esr = 0, far = 0, hpfar = 0;
  std::array<uint64_t, 31> gprs{};
  uint64_t gicv3_hcr = 0;
  std::array<uint64_t, 16> gicv3_lrs{};
  uint64_t gicv3_misr = 0, gicv3_vmcr = 0;
  uint64_t cntp_ctl = 0, cntp_cval = 0, cntv_ctl = 0, cntv_cval = 0;
  uint64_t ripas_base = 0, ripas_top = 0;
  uint8_t ripas_value = 0;
  uint32_t imm = 0;
  uint64_t pmu_ovf_status = 0;
  std::vector<uint8_t> raw;  // the whole 0x800 bytes
};

struct Snapshot {
  std::vector<GranuleInfo> granules;
  std::vector<uint8_t> dram;
  size_t runs = 0;
};

class RealmRunTest : public ::testing::Test {
 protected:
  RealmRunTest();

  // --- raw RMI ---------------------------------------------------------------------------
  SmcResult rmi(RmiCommand command, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0,
                uint64_t x5 = 0);
  PhysAddr ns_granule();
  PhysAddr delegated();
  void host_write(PhysAddr pa, const void* bytes, size_t len);

  // --- the realm ---------------------------------------------------------------------------
  void build_realm(const RealmOptions& options = {});
  PhysAddr rec(unsigned index) const { return realm_.recs.at(index); }
  RecInfo rec_info(PhysAddr rec);
  RealmInfo realm_info();
  // RMI_RTT_READ_ENTRY: {state, ripas} of the entry for ipa at level 3 (or higher).
  std::pair<abi::RmiRttEntryState, Ripas> entry(uint64_t ipa, int level = 3);
  // The monitor's bytes of the DATA page mapped at ipa (page aligned).
  uint8_t* page(uint64_t ipa);

  // --- REC_ENTER -------------------------------------------------------------------------------
  void write_enter(const EnterArgs& args);
  uint64_t enter(PhysAddr rec, const EnterArgs& args = {});
  ExitView exit_view();
  // Writes `args`, then checks that REC_ENTER returns `expected` and that
  // nothing changed: no granule, no DRAM byte (RecRun exit half included),
  // no run of the realm CPU.
  void expect_refused(uint64_t expected, PhysAddr rec, const EnterArgs& args = {});
  Snapshot snapshot();
  void expect_unchanged(const Snapshot& before);

  // Queues a step of the scripted realm CPU for `rec_pa`.
  void script(PhysAddr rec_pa, CpuStep s) { platform_.script(rec_pa, std::move(s)); }

  // Called after every outermost RMI call (not after calls a test issues
  // from inside a REC_ENTER, e.g. from platform_.on_run), with its arguments
  // and result: the adversarial suites run the invariant checker here.
  std::function<void(const SmcArgs&, const SmcResult&)> after_smc_;
  unsigned rmi_depth_ = 0;

  platform::Machine machine_;
  ScriptedPlatform platform_;
  std::unique_ptr<Monitor> monitor_;
  BuiltRealm realm_;
  PhysAddr run_page_;
  uint64_t next_free_ = kRunDramBase;
  uint16_t next_vmid_ = 1;
};

}  // namespace mica::monitor::testing
