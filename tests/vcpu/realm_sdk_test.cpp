// Realm SDK programs (realm-sdk/examples), cross-compiled by the build, boot
// on the realm CPU and do what they say. The stage 2 is built by hand here
// and the test plays a minimal monitor: it answers the RSI and PSCI calls the
// programs make (console host calls, measurements, CPU_ON, SYSTEM_OFF) and
// schedules the RECs. The real monitor runs the same images end to end in
// its own tests.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cpu_fixture.h"
#include "mica/rsi_abi.h"

namespace mica::vcpu::test {
namespace {

using Kind = monitor::RealmTrap::Kind;

constexpr uint64_t kRamBase = 0x4000'0000;
constexpr uint8_t kIpaWidth = 40;
constexpr uint64_t kUnprotectedBase = uint64_t{1} << (kIpaWidth - 1);

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing realm program " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

template <class T>
T field(const std::vector<uint8_t>& bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

struct Rec {
  monitor::RealmCpuContext ctx{};
  bool on = false;
};

// Loads an SDK image into fresh Realm granules covering all of RAM, the way
// the VMM's load plan does (every RAM page created), and runs it.
class SdkRealm {
 public:
  SdkRealm(const std::string& name, uint64_t ram_size, unsigned num_recs)
      : s2_(m_, kIpaWidth), cpus_(m_.physical_memory()), ram_size_(ram_size), recs_(num_recs) {
    for (uint64_t off = 0; off < ram_size; off += kGranule) {
      const uint64_t pa = m_.alloc(Pas::kRealm);
      s2_.map_page(kRamBase + off, pa, kRwx);
      ram_pa_[kRamBase + off] = pa;
    }
    const std::vector<uint8_t> elf = read_file(std::string(MICA_REALM_PROGRAMS) + "/" + name + ".elf");
    if (elf.size() < 64 || std::memcmp(elf.data(), "\177ELF", 4) != 0) throw std::runtime_error("not ELF");
    const uint64_t phoff = field<uint64_t>(elf, 0x20);
    const uint16_t phnum = field<uint16_t>(elf, 0x38);
    for (uint16_t i = 0; i < phnum; ++i) {
      const size_t ph = phoff + i * 56u;
      if (field<uint32_t>(elf, ph) != 1) continue;  // PT_LOAD
      const uint64_t offset = field<uint64_t>(elf, ph + 0x08);
      const uint64_t vaddr = field<uint64_t>(elf, ph + 0x10);
      const uint64_t filesz = field<uint64_t>(elf, ph + 0x20);
      const uint64_t memsz = field<uint64_t>(elf, ph + 0x28);
      for (uint64_t b = 0; b < filesz; ++b) *byte(vaddr + b) = elf[offset + b];
      image_end_ = std::max(image_end_, (vaddr + memsz + kGranule - 1) & ~(kGranule - 1));
    }
    recs_[0].ctx = context_at(field<uint64_t>(elf, 0x18));
    recs_[0].ctx.x[0] = kRamBase;
    recs_[0].ctx.x[1] = ram_size;
    recs_[0].ctx.x[2] = num_recs;
    recs_[0].on = true;
    for (unsigned i = 0; i < num_recs; ++i) recs_[i].ctx.mpidr_el1 = mpidr_of(i);
  }

  static uint64_t mpidr_of(unsigned index) { return 0x80000000u | (index & 0xF) | ((index >> 4) & 0xFF) << 8; }
  uint8_t* byte(uint64_t ipa) { return m_.at(ram_pa_.at(ipa & ~(kGranule - 1)) + (ipa & (kGranule - 1))); }

  // Runs the RECs round robin until SYSTEM_OFF, a trap the minimal monitor
  // does not handle (returned), or `max_slices` budget slices.
  std::optional<monitor::RealmTrap> run(int max_slices = 100'000, uint64_t slice = 200'000) {
    for (int n = 0; n < max_slices && !system_off_; ++n) {
      const unsigned index = next_;
      next_ = (next_ + 1) % recs_.size();
      Rec& rec = recs_[index];
      if (!rec.on) continue;
      current_ = index;
      const monitor::RealmTrap t = cpus_.run(rec_pa(index), rec.ctx, s2_.config(), slice);
      if (t.kind == Kind::kIrq) {
        ++irq_exits_;
        continue;
      }
      if (t.kind != Kind::kSync || esr::ec_of(t.esr_el2) != esr::Ec::kSmc64) return t;
      handle_smc(rec);
    }
    return std::nullopt;
  }

  static monitor::PhysAddr rec_pa(unsigned index) { return monitor::PhysAddr(0x2'0000'0000 + index * kGranule); }

  TestMachine m_;
  Stage2Builder s2_;
  RealmCpus cpus_;
  uint64_t ram_size_;
  uint64_t image_end_ = 0;  // end of the last PT_LOAD segment, page aligned
  std::vector<Rec> recs_;
  std::map<uint64_t, uint64_t> ram_pa_;
  unsigned next_ = 0;
  unsigned current_ = 0;
  std::string console_;
  std::optional<int64_t> exit_status_;
  bool system_off_ = false;
  uint64_t irq_exits_ = 0;
  std::vector<std::vector<uint8_t>> extensions_;
  uint8_t rim_[64] = {};

 private:
  void handle_smc(Rec& rec) {
    monitor::RealmCpuContext& c = rec.ctx;
    const uint32_t fid = static_cast<uint32_t>(c.x[0]);
    c.pc += 4;  // the SMC completes
    switch (fid) {
      case MICA_RSI_HOST_CALL: {
        const uint64_t call = c.x[1];
        uint32_t imm;
        std::memcpy(&imm, byte(call), sizeof imm);
        uint64_t gprs[31];
        std::memcpy(gprs, byte(call + MICA_HOST_CALL_GPRS), sizeof gprs);
        if (imm == MICA_HOST_CALL_CONSOLE_WRITE && gprs[0] <= MICA_HOST_CALL_CONSOLE_MAX) {
          console_.append(reinterpret_cast<const char*>(&gprs[1]), gprs[0]);
        } else if (imm == MICA_HOST_CALL_EXIT) {
          exit_status_ = static_cast<int64_t>(gprs[0]);
        }
        c.x[0] = MICA_RSI_SUCCESS;
        return;
      }
      case MICA_RSI_REALM_CONFIG: {
        const uint64_t width = kIpaWidth;
        std::memcpy(byte(c.x[1] + MICA_REALM_CONFIG_IPA_WIDTH), &width, sizeof width);
        *byte(c.x[1] + MICA_REALM_CONFIG_HASH_ALGO) = 0;
        c.x[0] = MICA_RSI_SUCCESS;
        return;
      }
      case MICA_RSI_MEASUREMENT_READ:
        if (c.x[1] > 4) {
          c.x[0] = MICA_RSI_ERROR_INPUT;
          return;
        }
        std::memcpy(&c.x[1], rim_, 64);
        c.x[0] = MICA_RSI_SUCCESS;
        return;
      case MICA_RSI_MEASUREMENT_EXTEND: {
        if (c.x[1] == 0 || c.x[1] > 4 || c.x[2] > 64) {
          c.x[0] = MICA_RSI_ERROR_INPUT;
          return;
        }
        std::vector<uint8_t> data(c.x[2]);
        std::memcpy(data.data(), &c.x[3], data.size());
        extensions_.push_back(data);
        c.x[0] = MICA_RSI_SUCCESS;
        return;
      }
      case MICA_RSI_IPA_STATE_GET: {
        const uint64_t table_end = (c.x[1] | ((2u << 20) - 1)) + 1;
        const bool ram = c.x[1] >= kRamBase && c.x[1] < kRamBase + ram_size_;
        c.x[0] = MICA_RSI_SUCCESS;
        c.x[1] = std::min({c.x[2], table_end, ram ? kRamBase + ram_size_ : table_end});
        c.x[2] = ram ? MICA_RIPAS_RAM : MICA_RIPAS_EMPTY;
        return;
      }
      case MICA_PSCI_CPU_ON: {
        const unsigned target = static_cast<unsigned>(c.x[1] & 0xF);
        if (target >= recs_.size() || (c.x[1] & ~uint64_t{0xF}) != 0) {
          c.x[0] = static_cast<uint64_t>(MICA_PSCI_INVALID_PARAMETERS);
          return;
        }
        if (recs_[target].on) {
          c.x[0] = static_cast<uint64_t>(MICA_PSCI_ALREADY_ON);
          return;
        }
        Rec& t = recs_[target];
        const uint64_t mpidr = t.ctx.mpidr_el1;
        t.ctx = context_at(c.x[2]);
        t.ctx.mpidr_el1 = mpidr;
        t.ctx.x[0] = c.x[3];
        t.on = true;
        c.x[0] = MICA_PSCI_SUCCESS;
        return;
      }
      case MICA_PSCI_CPU_OFF:
        rec.on = false;
        c.x[0] = MICA_PSCI_SUCCESS;
        return;
      case MICA_PSCI_AFFINITY_INFO: {
        const unsigned target = static_cast<unsigned>(c.x[1] & 0xF);
        c.x[0] = target < recs_.size() && recs_[target].on ? MICA_PSCI_AFFINITY_ON : MICA_PSCI_AFFINITY_OFF;
        return;
      }
      case MICA_PSCI_SYSTEM_OFF:
        system_off_ = true;
        return;
      default:
        c.x[0] = MICA_SMC_UNKNOWN;
        return;
    }
  }
};

TEST(RealmSdk, HelloPrintsThroughTheConsoleAndExits) {
  SdkRealm realm("hello", 4 << 20, 1);
  EXPECT_FALSE(realm.run().has_value());
  EXPECT_TRUE(realm.system_off_);
  EXPECT_EQ(realm.console_, "Hello from a realm! REC 0 of 1, 4096 KiB of RAM at 0x40000000\n");
  EXPECT_EQ(realm.exit_status_, 0);
}

TEST(RealmSdk, CxxProgramRunsConstructorsAndVirtualCalls) {
  SdkRealm realm("hello_cpp", 1 << 20, 1);
  EXPECT_FALSE(realm.run().has_value());
  EXPECT_EQ(realm.console_, "Hello from C++ in a realm (global constructor ran: 42)\n");
  EXPECT_EQ(realm.exit_status_, 0);
}

TEST(RealmSdk, MemtestCoversAllFreeRam) {
  SdkRealm realm("memtest", 2 << 20, 1);
  EXPECT_FALSE(realm.run().has_value());
  char expected[80];
  std::snprintf(expected, sizeof expected, "memtest: testing [0x%llx, 0x40200000)",
                static_cast<unsigned long long>(realm.image_end_));
  EXPECT_NE(realm.console_.find(expected), std::string::npos) << realm.console_;
  EXPECT_NE(realm.console_.find(", 2 passes, 0 errors\n"), std::string::npos) << realm.console_;
  EXPECT_EQ(realm.exit_status_, 0);
  // The realm's last pattern is in the RAM granules.
  const uint64_t probe = 0x40100000;
  uint64_t word;
  std::memcpy(&word, realm.byte(probe), sizeof word);
  EXPECT_EQ(word, ~(probe * 0x9E3779B97F4A7C15ull));
}

TEST(RealmSdk, MultiRecProgramStartsRecsWithPsciCpuOn) {
  SdkRealm realm("multi_rec", 1 << 20, 4);
  EXPECT_FALSE(realm.run().has_value());
  for (const char* line : {"REC 1 online (argument 100)\n", "REC 2 online (argument 200)\n",
                           "REC 3 online (argument 300)\n", "all 4 RECs ran; sum of indices 6\n"}) {
    EXPECT_NE(realm.console_.find(line), std::string::npos) << line << "\n" << realm.console_;
  }
  EXPECT_EQ(realm.exit_status_, 0);
  EXPECT_FALSE(realm.recs_[1].on);
  EXPECT_EQ(realm.cpus_.cpu_count(), 4u);
}

TEST(RealmSdk, RimProgramPrintsWhatMeasurementReadReturns) {
  SdkRealm realm("rim", 1 << 20, 1);
  for (int i = 0; i < 64; ++i) realm.rim_[i] = static_cast<uint8_t>(0xA0 + i);
  EXPECT_FALSE(realm.run().has_value());
  EXPECT_EQ(realm.console_,
            "RIM (sha256): a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n");
  EXPECT_EQ(realm.exit_status_, 0);
}

TEST(RealmSdk, RemExtendPassesTheBytesInRegisters) {
  SdkRealm realm("rem_extend", 1 << 20, 1);
  EXPECT_FALSE(realm.run().has_value());
  ASSERT_EQ(realm.extensions_.size(), 2u);
  EXPECT_EQ(std::string(realm.extensions_[0].begin(), realm.extensions_[0].end()), "mica: first extension");
  ASSERT_EQ(realm.extensions_[1].size(), 64u);
  for (unsigned i = 0; i < 64; ++i) EXPECT_EQ(realm.extensions_[1][i], i);
  EXPECT_NE(realm.console_.find("extend RIM: 1, extend 65 bytes: 1\n"), std::string::npos) << realm.console_;
  EXPECT_EQ(realm.exit_status_, 0);
}

TEST(RealmSdk, UndefinedRsiGetsSmcUnknown) {
  SdkRealm realm("hostile_undef_rsi", 1 << 20, 1);
  EXPECT_FALSE(realm.run().has_value());
  EXPECT_EQ(realm.console_, "undefined RSI: 0xffffffffffffffff, RMI from a realm: 0xffffffffffffffff\n");
  EXPECT_EQ(realm.exit_status_, 0);
}

TEST(RealmSdk, SpinningProgramIsPreemptedByTheBudget) {
  SdkRealm realm("hostile_spin", 1 << 20, 1);
  EXPECT_FALSE(realm.run(50, 100'000).has_value());
  EXPECT_EQ(realm.console_, "spinning forever\n");
  EXPECT_FALSE(realm.exit_status_.has_value());
  EXPECT_GE(realm.irq_exits_, 49u);
}

TEST(RealmSdk, UnmappedProtectedIpaAbortsAndTheInjectedAbortReachesTheVectors) {
  SdkRealm realm("hostile_unmapped", 1 << 20, 1);
  const auto trap = realm.run();
  ASSERT_TRUE(trap.has_value());
  const uint64_t target = kRamBase + (1 << 20) + 0x10000;
  ASSERT_EQ(esr::ec_of(trap->esr_el2), esr::Ec::kDataAbortLowerEl);
  EXPECT_EQ(trap->far_el2, target);
  EXPECT_EQ(trap->hpfar_el2, target >> 8);
  EXPECT_EQ(trap->esr_el2 & (esr::dabt::kIsv | esr::dabt::kWnR | 0x3F),
            esr::dabt::kIsv | esr::translation_fault(3));
  // As the monitor does for RIPAS EMPTY: inject a synchronous external abort.
  monitor::RealmCpuContext& c = realm.recs_[0].ctx;
  c.esr_el1 = (uint64_t{0x25} << 26) | esr::kIl | esr::kSyncExternalAbort;
  c.far_el1 = trap->far_el2;
  c.elr_el1 = c.pc;
  c.spsr_el1 = c.pstate;
  c.pc = c.vbar_el1 + 0x200;
  c.pstate = kPstateEl1h;
  EXPECT_FALSE(realm.run().has_value());
  EXPECT_NE(realm.console_.find("reading unmapped IPA 0x40110000\n"), std::string::npos) << realm.console_;
  EXPECT_NE(realm.console_.find("realm: synchronous exception EC=0x25 (data abort) ESR=0x96000010"),
            std::string::npos)
      << realm.console_;
  EXPECT_EQ(realm.console_.find("unreachable"), std::string::npos);
  EXPECT_EQ(realm.exit_status_, MICA_EXIT_EXCEPTION_BASE + 0x25);
}

TEST(RealmSdk, WriteToReadOnlySharedPageIsAPermissionFault) {
  SdkRealm realm("hostile_readonly", 1 << 20, 1);
  const uint64_t ns_page = realm.m_.alloc(Pas::kNonSecure);
  realm.m_.write<uint64_t>(ns_page, 0x5A5A);
  realm.s2_.map_page(kUnprotectedBase, ns_page, kRo, /*ns=*/true);
  const auto trap = realm.run();
  ASSERT_TRUE(trap.has_value());
  ASSERT_EQ(esr::ec_of(trap->esr_el2), esr::Ec::kDataAbortLowerEl);
  EXPECT_EQ(trap->esr_el2 & (esr::dabt::kIsv | esr::dabt::kWnR | (3u << esr::dabt::kSasShift) |
                             esr::dabt::kSf | 0x3F),
            esr::dabt::kIsv | esr::dabt::kWnR | (3u << esr::dabt::kSasShift) | esr::dabt::kSf |
                esr::permission_fault(3));
  EXPECT_EQ(trap->far_el2, kUnprotectedBase);
  EXPECT_EQ(trap->hpfar_el2, kUnprotectedBase >> 8);
  // The value being written is in the transfer register the syndrome names.
  const unsigned srt = (trap->esr_el2 >> esr::dabt::kSrtShift) & 0x1F;
  EXPECT_EQ(realm.recs_[0].ctx.x[srt], 0xBADu);
  EXPECT_EQ(realm.m_.read<uint64_t>(ns_page), 0x5A5Au);
  EXPECT_NE(realm.console_.find("shared page at 0x8000000000 reads 0x5a5a; writing it\n"),
            std::string::npos)
      << realm.console_;
}

}  // namespace
}  // namespace mica::vcpu::test
