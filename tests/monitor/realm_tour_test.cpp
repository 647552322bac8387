// End to end on the emulated machine: real AArch64 code (programs/
// monitor_tour.S) runs on the realm CPU under the machine's own monitor, and
// the test, as the host, drives it through RMI_REC_ENTER and checks every
// exit and every value the realm reports -- RSI results and register
// convention, realm memory written by RSI_REALM_CONFIG, measurements, MMIO
// emulation, an SEA and an UNDEF taken at the realm's own vectors, a RIPAS
// change, trapped and untrapped WFI, PSCI CPU_ON of a second REC, the
// instruction budget and SYSTEM_OFF.
#include <gtest/gtest.h>
#include <mbedtls/sha256.h>

#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "monitor/abi/rmi.h"
#include "monitor/abi/rsi.h"
#include "monitor/monitor.h"
#include "monitor/realm_run.h"
#include "platform/machine.h"

namespace mica::monitor::testing {
namespace {

namespace abi = monitor::abi;
namespace run = abi::rec_run;
using abi::RmiCommand;

constexpr uint64_t kDramBase = 0x8000'0000;
constexpr uint64_t kHostCallIpa = 0x2000;
constexpr uint64_t kConfigIpa = 0x3000;
constexpr uint64_t kEmptyIpa = 0x8000;
constexpr uint64_t kMmio = 0x8000'1000;
constexpr uint64_t kSuccess = 0;

enum Exit : uint64_t { kSync = 0, kIrq = 1, kPsci = 3, kRipasChange = 4, kHostCall = 5 };

std::vector<uint8_t> program(const std::string& name) {
  std::ifstream in(std::string(MICA_MONITOR_TEST_PROGRAMS) + "/" + name + ".bin", std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

class RealmTourTest : public ::testing::Test {
 protected:
  RealmTourTest() : machine_(config()) {}

  static platform::MachineConfig config() {
    platform::MachineConfig c;
    c.dram_base = kDramBase;
    c.dram_size = 16ull << 20;
    c.state_dir = ::testing::TempDir() + "mica-monitor-tour-state";
    return c;
  }

  SmcResult rmi(RmiCommand command, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0,
                uint64_t x5 = 0) {
    SmcArgs args;
    args.x[0] = abi::rmi_fid(command);
    args.x[1] = x1;
    args.x[2] = x2;
    args.x[3] = x3;
    args.x[4] = x4;
    args.x[5] = x5;
    return machine_.smc(args);
  }
  PhysAddr ns_granule() {
    const PhysAddr pa(next_);
    next_ += kGranuleSize;
    return pa;
  }
  PhysAddr delegated() {
    const PhysAddr pa = ns_granule();
    EXPECT_EQ(rmi(RmiCommand::kGranuleDelegate, pa.value()).x[0], kSuccess);
    return pa;
  }
  template <class T>
  static void put(std::vector<uint8_t>& page, uint64_t offset, T value) {
    std::memcpy(page.data() + offset, &value, sizeof value);
  }
  PhysAddr ns_page(const std::vector<uint8_t>& bytes) {
    const PhysAddr pa = ns_granule();
    EXPECT_EQ(machine_.host_write(pa, bytes.data(), bytes.size()), platform::AccessResult::kOk);
    return pa;
  }

  // s2sz 32, start level 1: the program at IPA 0, RAM pages up to 0x8000,
  // REC 0 runnable at 0, REC 1 created off.
  void build() {
    namespace rp = abi::realm_params;
    rd_ = delegated();
    const PhysAddr root = delegated();
    std::vector<uint8_t> params(kGranuleSize, 0);
    put<uint32_t>(params, rp::kS2sz, 32);
    put<uint32_t>(params, rp::kNumBps, 1);
    put<uint32_t>(params, rp::kNumWps, 1);
    for (unsigned i = 0; i < 64; ++i) params[rp::kRpv + i] = static_cast<uint8_t>(0x30 + i);
    put<uint16_t>(params, rp::kVmid, 3);
    put<uint64_t>(params, rp::kRttBase, root.value());
    put<int64_t>(params, rp::kRttLevelStart, 1);
    put<uint32_t>(params, rp::kRttNumStart, 1);
    ASSERT_EQ(rmi(RmiCommand::kRealmCreate, rd_.value(), ns_page(params).value()).x[0], kSuccess);
    ASSERT_EQ(rmi(RmiCommand::kRttCreate, rd_.value(), delegated().value(), 0, 2).x[0], kSuccess);
    ASSERT_EQ(rmi(RmiCommand::kRttCreate, rd_.value(), delegated().value(), 0, 3).x[0], kSuccess);
    ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, rd_.value(), 0, kEmptyIpa).x[0], kSuccess);
    std::vector<uint8_t> image = program("monitor_tour");
    ASSERT_FALSE(image.empty()) << "programs/monitor_tour.bin was not built";
    image.resize(kHostCallIpa, 0);  // the program's pages, then zeroed RAM pages
    for (uint64_t ipa = 0; ipa < kEmptyIpa; ipa += kGranuleSize) {
      std::vector<uint8_t> content(kGranuleSize, 0);
      if (ipa < image.size()) std::memcpy(content.data(), image.data() + ipa, kGranuleSize);
      ASSERT_EQ(rmi(RmiCommand::kDataCreate, rd_.value(), delegated().value(), ipa, ns_page(content).value(), 1).x[0],
                kSuccess);
    }
    for (unsigned index = 0; index < 2; ++index) {
      namespace rcp = abi::rec_params;
      std::vector<uint8_t> rec_params(kGranuleSize, 0);
      put<uint64_t>(rec_params, rcp::kFlags, index == 0 ? rcp::kFlagRunnable : 0);
      put<uint64_t>(rec_params, rcp::kMpidr, index);
      put<uint64_t>(rec_params, rcp::kNumAux, abi::kRecAuxCount);
      for (unsigned a = 0; a < abi::kRecAuxCount; ++a) put<uint64_t>(rec_params, rcp::kAux + 8 * a, delegated().value());
      const PhysAddr params_pa = ns_page(rec_params);
      recs_[index] = delegated();
      ASSERT_EQ(rmi(RmiCommand::kRecCreate, rd_.value(), recs_[index].value(), params_pa.value()).x[0], kSuccess);
    }
    ASSERT_EQ(rmi(RmiCommand::kRealmActivate, rd_.value()).x[0], kSuccess);
    run_ = ns_granule();
  }

  struct Exited {
    uint64_t reason, esr, far, hpfar;
    std::array<uint64_t, 31> gprs;
    uint32_t imm;
    uint64_t ripas_base, ripas_top;
    uint8_t ripas_value;
  };
  Exited enter(unsigned rec, uint64_t flags = 0, uint64_t gpr0 = 0) {
    std::vector<uint8_t> enter_part(run::kExit, 0);
    put<uint64_t>(enter_part, run::kEnterFlags, flags);
    put<uint64_t>(enter_part, run::kEnterGprs, gpr0);
    EXPECT_EQ(machine_.host_write(run_, enter_part.data(), enter_part.size()), platform::AccessResult::kOk);
    EXPECT_EQ(rmi(RmiCommand::kRecEnter, recs_[rec].value(), run_.value()).x[0], kSuccess);
    std::vector<uint8_t> page(kGranuleSize);
    EXPECT_EQ(machine_.host_read(run_, page.data(), page.size()), platform::AccessResult::kOk);
    Exited e{};
    std::memcpy(&e.reason, &page[run::kExitReason], 8);
    std::memcpy(&e.esr, &page[run::kExitEsr], 8);
    std::memcpy(&e.far, &page[run::kExitFar], 8);
    std::memcpy(&e.hpfar, &page[run::kExitHpfar], 8);
    std::memcpy(e.gprs.data(), &page[run::kExitGprs], 31 * 8);
    std::memcpy(&e.imm, &page[run::kExitImm], 4);
    std::memcpy(&e.ripas_base, &page[run::kExitRipasBase], 8);
    std::memcpy(&e.ripas_top, &page[run::kExitRipasTop], 8);
    std::memcpy(&e.ripas_value, &page[run::kExitRipasValue], 1);
    return e;
  }
  // Enters until the realm reports step `imm` (counting IRQ exits on the way).
  Exited expect_report(unsigned rec, uint32_t imm, uint64_t flags = 0, unsigned* irqs = nullptr, uint64_t gpr0 = 0) {
    for (unsigned attempt = 0; attempt < 64; ++attempt) {
      const Exited e = enter(rec, flags, gpr0);
      flags = 0;
      if (e.reason == kIrq && irqs != nullptr) {
        ++*irqs;
        continue;
      }
      EXPECT_EQ(e.reason, kHostCall) << "waiting for report " << imm << ", esr 0x" << std::hex << e.esr;
      EXPECT_EQ(e.imm, imm);
      return e;
    }
    ADD_FAILURE() << "report " << imm << " never came";
    return {};
  }

  platform::Machine machine_;
  uint64_t next_ = kDramBase;
  PhysAddr rd_;
  std::array<PhysAddr, 2> recs_;
  PhysAddr run_;
};

TEST_F(RealmTourTest, RealCodeThroughEveryKindOfExit) {
  build();

  // 1, 2: RSI_VERSION results; X4 preserved, X5 untouched.
  Exited e = expect_report(0, 1);
  EXPECT_EQ(e.gprs[0], kSuccess);
  EXPECT_EQ(e.gprs[1], 0x10000u);
  EXPECT_EQ(e.gprs[2], 0x10000u);
  EXPECT_EQ(e.gprs[3], 0u);
  e = expect_report(0, 2);
  EXPECT_EQ(e.gprs[0], 0x4444u);
  EXPECT_EQ(e.gprs[1], 0x5555u);

  // 3: RSI_REALM_CONFIG as the realm reads it from its page.
  e = expect_report(0, 3);
  EXPECT_EQ(e.gprs[0], kSuccess);
  EXPECT_EQ(e.gprs[1], 32u);
  EXPECT_EQ(e.gprs[2], 0u);
  EXPECT_EQ(e.gprs[3], 0x3736'3534'3332'3130u);  // RPV bytes 0x30..0x37

  // 4: REM1 = SHA-256(32 zero bytes || the 8 bytes), read back in X1, X2; X5 = 0.
  e = expect_report(0, 4);
  EXPECT_EQ(e.gprs[0], kSuccess);
  uint8_t input[40] = {};
  const uint64_t data = 0x0123'4567'89ab'cdef;
  std::memcpy(input + 32, &data, 8);
  uint8_t digest[32];
  mbedtls_sha256_ret(input, sizeof input, digest, 0);
  uint64_t w0, w1;
  std::memcpy(&w0, digest, 8);
  std::memcpy(&w1, digest + 8, 8);
  EXPECT_EQ(e.gprs[1], w0);
  EXPECT_EQ(e.gprs[2], w1);
  EXPECT_EQ(e.gprs[3], 0u);
  RealmInfo info;
  ASSERT_TRUE(machine_.monitor().realm_info(rd_, info));
  EXPECT_EQ(0, std::memcmp(info.measurements[1], digest, 32));

  // 5: MMIO. The store shows the value, the loads take the host's.
  e = enter(0);
  EXPECT_EQ(e.reason, kSync);
  EXPECT_EQ(e.esr >> 26, 0x24u);
  EXPECT_EQ(e.esr & (uint64_t{1} << 24), uint64_t{1} << 24);  // ISV
  EXPECT_EQ((e.esr >> 22) & 3, 2u);                            // 32 bits
  EXPECT_EQ(e.esr & (uint64_t{1} << 6), uint64_t{1} << 6);     // write
  EXPECT_EQ((e.esr >> 16) & 0x1F, 0u);                         // SRT hidden
  EXPECT_EQ(e.far, 0x10u);
  EXPECT_EQ(e.hpfar, (kMmio >> 8) & ~uint64_t{0xF});
  EXPECT_EQ(e.gprs[0], 0x5566'7788u);
  e = enter(0, run::kFlagEmulMmio);
  EXPECT_EQ(e.reason, kSync);
  EXPECT_EQ(e.far, 0x20u);
  EXPECT_EQ((e.esr >> 22) & 3, 1u);  // halfword load
  EXPECT_EQ(e.esr & (uint64_t{1} << 6), 0u);
  EXPECT_EQ(e.gprs[0], 0u);
  e = enter(0, run::kFlagEmulMmio, 0x8001);
  EXPECT_EQ(e.far, 0x24u);
  EXPECT_EQ((e.esr >> 22) & 3, 2u);  // word load
  e = expect_report(0, 5, run::kFlagEmulMmio, nullptr, 0xAABB'CCDD'1122'3344);
  EXPECT_EQ(e.gprs[2], 0xFFFF'FFFF'FFFF'8001u);  // LDRSH sign-extended to 64 bits
  EXPECT_EQ(e.gprs[3], 0x1122'3344u);            // LDR W: the low 32 bits, zero-extended

  // 6: a load from an EMPTY page: the realm takes an SEA at VBAR + 0x200.
  e = expect_report(0, 0xE);
  EXPECT_EQ(e.gprs[0] >> 26, 0x25u);  // data abort, current EL
  EXPECT_EQ(e.gprs[0] & 0x3F, 0x10u);  // synchronous external abort
  EXPECT_EQ(e.gprs[0] & (uint64_t{1} << 9), uint64_t{1} << 9);  // EA
  EXPECT_EQ(e.gprs[2], kEmptyIpa + 0x18);                        // FAR
  EXPECT_EQ(e.gprs[3], 0x200u);
  const uint64_t load_pc = e.gprs[1];
  e = expect_report(0, 6);

  // 7: HVC: an Undefined Instruction at the same vector, ELR past the HVC.
  e = expect_report(0, 0xE);
  EXPECT_EQ(e.gprs[0], uint64_t{1} << 25);  // EC 0, IL
  EXPECT_GT(e.gprs[1], load_pc);
  EXPECT_EQ(e.gprs[3], 0x200u);
  e = expect_report(0, 7);

  // 8: RIPAS change to RAM, completed by the host; then the page is mapped on demand.
  e = enter(0);
  EXPECT_EQ(e.reason, kRipasChange);
  EXPECT_EQ(e.ripas_base, kEmptyIpa);
  EXPECT_EQ(e.ripas_top, kEmptyIpa + kGranuleSize);
  EXPECT_EQ(e.ripas_value, 1u);
  SmcResult set = rmi(RmiCommand::kRttSetRipas, rd_.value(), recs_[0].value(), kEmptyIpa, kEmptyIpa + kGranuleSize);
  ASSERT_EQ(set.x[0], kSuccess);
  EXPECT_EQ(set.x[1], kEmptyIpa + kGranuleSize);
  e = enter(0);
  EXPECT_EQ(e.reason, kSync);
  EXPECT_EQ(e.esr, (uint64_t{0x24} << 26) | 0x07);  // protected page, not mapped: no details
  EXPECT_EQ(e.far, 0u);
  EXPECT_EQ(e.hpfar, kEmptyIpa >> 8);
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, rd_.value(), delegated().value(), kEmptyIpa).x[0], kSuccess);
  e = expect_report(0, 8);
  EXPECT_EQ(e.gprs[0], kSuccess);
  EXPECT_EQ(e.gprs[1], kEmptyIpa + kGranuleSize);
  EXPECT_EQ(e.gprs[2], 0u);  // ACCEPT
  EXPECT_EQ(e.gprs[3], 0u);  // the new page reads as zeros

  // 9: WFI trapped (the host asked), then not trapped (an IRQ exit).
  e = enter(0, run::kFlagTrapWfi);
  EXPECT_EQ(e.reason, kSync);
  EXPECT_EQ(e.esr, uint64_t{0x01} << 26);
  e = enter(0);
  EXPECT_EQ(e.reason, kIrq);
  e = expect_report(0, 9);

  // 10: PSCI CPU_ON of REC 1, completed by the host; REC 1 runs its entry.
  e = enter(0);
  EXPECT_EQ(e.reason, kPsci);
  EXPECT_EQ(e.gprs[0], 0xC400'0003u);
  EXPECT_EQ(e.gprs[1], 1u);
  ASSERT_EQ(rmi(RmiCommand::kPsciComplete, recs_[0].value(), recs_[1].value(), 0).x[0], kSuccess);
  e = expect_report(0, 10);
  EXPECT_EQ(e.gprs[0], kSuccess);
  e = expect_report(1, 0x51);
  EXPECT_EQ(e.gprs[0], 0x77u);
  EXPECT_EQ(e.gprs[1], 0x8000'0001u);  // MPIDR_EL1 of REC 1
  e = enter(1);
  EXPECT_EQ(e.reason, kPsci);
  EXPECT_EQ(e.gprs[0], 0x8400'0002u);  // CPU_OFF
  RecInfo rec1;
  ASSERT_TRUE(machine_.monitor().rec_info(recs_[1], rec1));
  EXPECT_FALSE(rec1.runnable);

  // 11: three million instructions: the budget hands control back to the host.
  unsigned irqs = 0;
  e = expect_report(0, 11, 0, &irqs);
  EXPECT_EQ(e.gprs[0], 1'000'000u);
  EXPECT_GE(irqs, 2u);

  // The end: SYSTEM_OFF, and no REC runs again.
  e = enter(0);
  EXPECT_EQ(e.reason, kPsci);
  EXPECT_EQ(e.gprs[0], 0x8400'0008u);
  ASSERT_TRUE(machine_.monitor().realm_info(rd_, info));
  EXPECT_EQ(info.state, RealmState::kSystemOff);
  EXPECT_EQ(rmi(RmiCommand::kRecEnter, recs_[0].value(), run_.value()).x[0], 0x102u);
}

}  // namespace
}  // namespace mica::monitor::testing
