// Realm SDK programs end to end: built by the cross toolchain, loaded by the
// VMM's load plan over RMI, run by the real monitor with RMI_REC_ENTER on the
// emulated machine, whose PEs are this library's realm CPUs. The test is a
// minimal host: it services the exits (console host calls, PSCI) the way
// docs/realm-sdk.md says a VMM must.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "host/load_plan.h"
#include "host/measure.h"
#include "host/realm_loader.h"
#include "host/rmi_client.h"
#include "mica/rsi_abi.h"
#include "monitor/abi/rmi.h"
#include "platform/machine.h"

namespace mica::host {
namespace {

namespace rr = monitor::abi::rec_run;
using monitor::abi::RmiRecExitReason;
using platform::AccessResult;
using platform::Machine;

class MachineMemory final : public PhysicalMemory {
 public:
  explicit MachineMemory(Machine& machine) : machine_(machine) {}
  bool write(PhysAddr pa, std::span<const uint8_t> bytes) override {
    return machine_.host_write(pa, bytes.data(), bytes.size()) == AccessResult::kOk;
  }
  bool read(PhysAddr pa, std::span<uint8_t> bytes) override {
    return machine_.host_read(pa, bytes.data(), bytes.size()) == AccessResult::kOk;
  }

 private:
  Machine& machine_;
};

std::string program_path(const std::string& name) {
  return std::string(MICA_REALM_PROGRAMS) + "/" + name + ".elf";
}

class SdkOnMonitor {
 public:
  SdkOnMonitor(const std::string& name, uint32_t num_recs)
      : machine_(make_config()),
        memory_(machine_),
        granules_(PhysAddr(machine_.dram().base()), machine_.dram().size()),
        rmi_([this](const SmcArgs& args) { return machine_.smc(args); }) {
    rmi_.set_logging(false);
    config_.num_recs = num_recs;
    config_.ram_size = 2 << 20;
    auto image = ElfImage::load(program_path(name));
    EXPECT_TRUE(image) << image.error();
    plan_ = build_load_plan(*image, config_).value();
    auto realm = load_realm(rmi_, memory_, granules_, plan_);
    EXPECT_TRUE(realm) << realm.error();
    realm_ = std::move(realm).value();
    run_ = granules_.allocate().value();
    on_.assign(num_recs, false);
    on_[0] = true;
    enter_gprs_.assign(num_recs, std::vector<uint64_t>(31, 0));
  }

  static platform::MachineConfig make_config() {
    platform::MachineConfig config;
    config.state_dir = ::testing::TempDir() + "/mica-vcpu-sdk-state";
    std::filesystem::create_directories(config.state_dir);
    return config;
  }

  uint64_t exit_u64(uint64_t offset) {
    uint64_t value = 0;
    memory_.read(run_.plus(offset), std::span(reinterpret_cast<uint8_t*>(&value), sizeof value));
    return value;
  }

  // Enters the RECs round robin until SYSTEM_OFF, a SYNC exit (returned with
  // its ESR) or `max_entries`.
  std::optional<uint64_t> run(int max_entries = 20'000) {
    for (int n = 0; n < max_entries && !system_off_; ++n) {
      const unsigned index = next_;
      next_ = (next_ + 1) % on_.size();
      if (!on_[index]) continue;
      std::vector<uint8_t> enter(0x800, 0);
      std::memcpy(enter.data() + rr::kEnterGprs, enter_gprs_[index].data(), 31 * 8);
      EXPECT_TRUE(memory_.write(run_, enter));
      const auto status = rmi_.rec_enter(realm_.recs[index].pa, run_);
      EXPECT_TRUE(status.ok()) << status.status.to_string();
      if (!status.ok()) return std::nullopt;
      std::vector<uint64_t> gprs(31);
      for (unsigned i = 0; i < 31; ++i) gprs[i] = exit_u64(rr::kExitGprs + 8 * i);
      enter_gprs_[index].assign(31, 0);
      switch (static_cast<RmiRecExitReason>(exit_u64(rr::kExitReason))) {
        case RmiRecExitReason::kIrq:
          ++irq_exits_;
          break;
        case RmiRecExitReason::kHostCall: {
          const uint32_t imm = static_cast<uint32_t>(exit_u64(rr::kExitImm));
          if (imm == MICA_HOST_CALL_CONSOLE_WRITE && gprs[0] <= MICA_HOST_CALL_CONSOLE_MAX) {
            console_.append(reinterpret_cast<const char*>(&gprs[1]), gprs[0]);
          } else if (imm == MICA_HOST_CALL_EXIT) {
            exit_status_ = static_cast<int64_t>(gprs[0]);
          }
          enter_gprs_[index] = gprs;  // results: the registers unchanged
          break;
        }
        case RmiRecExitReason::kPsci:
          psci(index, gprs);
          break;
        case RmiRecExitReason::kSync:
          return exit_u64(rr::kExitEsr);
        default:
          ADD_FAILURE() << "unexpected exit reason " << exit_u64(rr::kExitReason);
          return std::nullopt;
      }
    }
    return std::nullopt;
  }

  void psci(unsigned caller, const std::vector<uint64_t>& gprs) {
    const uint32_t fid = static_cast<uint32_t>(gprs[0]);
    if (fid == MICA_PSCI_SYSTEM_OFF || fid == MICA_PSCI_SYSTEM_RESET) {
      system_off_ = true;
    } else if (fid == MICA_PSCI_CPU_OFF) {
      on_[caller] = false;
    } else if (fid == MICA_PSCI_CPU_ON || fid == MICA_PSCI_AFFINITY_INFO) {
      const unsigned target = static_cast<unsigned>(gprs[1] & 0xF);
      ASSERT_LT(target, on_.size());
      const auto done = rmi_.psci_complete(realm_.recs[caller].pa, realm_.recs[target].pa,
                                           monitor::abi::RmiPsciStatus::kSuccess);
      EXPECT_TRUE(done.ok()) << done.status.to_string();
      if (fid == MICA_PSCI_CPU_ON) on_[target] = true;
    }
  }

  Machine machine_;
  MachineMemory memory_;
  RangeGranuleAllocator granules_;
  RmiClient rmi_;
  RealmConfig config_;
  LoadPlan plan_;
  LoadedRealm realm_;
  PhysAddr run_;
  std::vector<bool> on_;
  std::vector<std::vector<uint64_t>> enter_gprs_;
  unsigned next_ = 0;
  std::string console_;
  std::optional<int64_t> exit_status_;
  bool system_off_ = false;
  uint64_t irq_exits_ = 0;
};

TEST(SdkOnMonitor, HelloBootsAndPrints) {
  SdkOnMonitor realm("hello", 1);
  EXPECT_FALSE(realm.run().has_value());
  EXPECT_TRUE(realm.system_off_);
  EXPECT_EQ(realm.console_, "Hello from a realm! REC 0 of 1, 2048 KiB of RAM at 0x40000000\n");
  EXPECT_EQ(realm.exit_status_, 0);
}

TEST(SdkOnMonitor, RimProgramPrintsWhatMicaMeasureComputes) {
  SdkOnMonitor realm("rim", 1);
  EXPECT_FALSE(realm.run().has_value());
  auto measured = measure_image(program_path("rim"), realm.config_);
  ASSERT_TRUE(measured) << measured.error();
  EXPECT_EQ(realm.console_, "RIM (sha256): " + measured->rim.hex() + "\n");
  EXPECT_EQ(realm.exit_status_, 0);
}

TEST(SdkOnMonitor, MultiRecProgramRunsOnFourRecs) {
  SdkOnMonitor realm("multi_rec", 4);
  EXPECT_FALSE(realm.run().has_value());
  EXPECT_NE(realm.console_.find("all 4 RECs ran; sum of indices 6\n"), std::string::npos) << realm.console_;
  EXPECT_EQ(realm.exit_status_, 0);
}

TEST(SdkOnMonitor, MemtestAndRemExtendAndUndefinedRsi) {
  for (const char* name : {"memtest", "rem_extend", "hostile_undef_rsi", "hello_cpp"}) {
    SCOPED_TRACE(name);
    SdkOnMonitor realm(name, 1);
    EXPECT_FALSE(realm.run().has_value());
    EXPECT_EQ(realm.exit_status_, 0) << realm.console_;
  }
}

TEST(SdkOnMonitor, UnmappedProtectedIpaIsReportedByTheRealmsVectors) {
  SdkOnMonitor realm("hostile_unmapped", 1);
  EXPECT_FALSE(realm.run().has_value());
  EXPECT_NE(realm.console_.find("realm: synchronous exception EC=0x25 (data abort)"), std::string::npos)
      << realm.console_;
  EXPECT_EQ(realm.exit_status_, MICA_EXIT_EXCEPTION_BASE + 0x25);
}

TEST(SdkOnMonitor, SpinningRealmGivesTheHostIrqExits) {
  SdkOnMonitor realm("hostile_spin", 1);
  EXPECT_FALSE(realm.run(30).has_value());
  EXPECT_EQ(realm.console_, "spinning forever\n");
  EXPECT_GE(realm.irq_exits_, 25u);
  EXPECT_FALSE(realm.exit_status_.has_value());
}

}  // namespace
}  // namespace mica::host
