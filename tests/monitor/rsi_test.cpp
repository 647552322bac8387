// RSI 1.0, SMCCC_VERSION and the Mica extension hook (RMM 1.0 §6): results,
// the register convention (X1..X3 zero unless produced, X4 preserved,
// X5..X30 untouched, PC + 4), realm memory written through the RTTs,
// emulated stage-2 aborts, measurements with the §7.7 check values, RIPAS
// change and host-call round trips.
#include <cstring>
#include <string>

#include "realm_run_fixture.h"

namespace mica::monitor::testing {
namespace {

namespace run = abi::rec_run;

constexpr uint64_t kSmcPc = 0x1400;
constexpr uint64_t kExitSync = 0, kExitIrq = 1, kExitRipasChange = 4, kExitHostCall = 5;

uint64_t fid(abi::RsiCommand command) { return abi::rsi_fid(command); }

// Every register holds a recognisable value before a call.
uint64_t pattern(unsigned i) { return 0xC0DE'0000'0000'0000 | (uint64_t{i} << 8); }

std::string hex(const uint8_t* bytes, size_t len) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < len; ++i) {
    s += digits[bytes[i] >> 4];
    s += digits[bytes[i] & 0xF];
  }
  return s;
}

class RsiTest : public RealmRunTest {
 protected:
  void SetUp() override { build_realm(options()); }
  virtual RealmOptions options() { return {}; }

  // The realm on REC `index` fills X0..X30 with pattern(), then sets
  // X0..Xn = `regs` and executes SMC #0 at kSmcPc.
  static CpuStep call_step(std::vector<uint64_t> regs) {
    return [regs = std::move(regs)](RealmCpuContext& ctx) {
      for (unsigned i = 0; i < 31; ++i) ctx.x[i] = pattern(i);
      for (size_t i = 0; i < regs.size(); ++i) ctx.x[i] = regs[i];
      ctx.pc = kSmcPc;
      return trap::smc();
    };
  }

  // A call the monitor answers itself: returns the context the realm resumes with.
  RealmCpuContext call(std::vector<uint64_t> regs, unsigned rec_index = 0) {
    RealmCpuContext resumed{};
    script(rec(rec_index), call_step(std::move(regs)));
    script(rec(rec_index), step([&](RealmCpuContext& ctx) { resumed = ctx; }, trap::irq()));
    EXPECT_EQ(enter(rec(rec_index)), kRmiSuccess);
    EXPECT_EQ(exit_view().reason, kExitIrq) << "the call went to the host";
    EXPECT_EQ(platform_.pending(rec(rec_index)), 0u);
    return resumed;
  }

  // A call that exits to the host: returns the exit.
  ExitView call_exiting(std::vector<uint64_t> regs, unsigned rec_index = 0, const EnterArgs& args = {}) {
    script(rec(rec_index), call_step(std::move(regs)));
    EXPECT_EQ(enter(rec(rec_index), args), kRmiSuccess);
    EXPECT_EQ(platform_.pending(rec(rec_index)), 0u);
    return exit_view();
  }

  // The context the realm resumes with on the next entry.
  RealmCpuContext resume(unsigned rec_index = 0, const EnterArgs& args = {}) {
    RealmCpuContext resumed{};
    script(rec(rec_index), step([&](RealmCpuContext& ctx) { resumed = ctx; }, trap::irq()));
    EXPECT_EQ(enter(rec(rec_index), args), kRmiSuccess);
    return resumed;
  }

  // X1..X3 as the convention says for a call producing `produced` of them;
  // X4 preserved unless produced; X5..X30 untouched; PC past the SMC.
  static void expect_convention(const RealmCpuContext& c, unsigned produced, unsigned first_untouched = 5) {
    for (unsigned i = produced + 1; i <= 3; ++i) EXPECT_EQ(c.x[i], 0u) << "X" << i;
    if (produced < 4) {
      EXPECT_EQ(c.x[4], pattern(4)) << "X4";
    }
    for (unsigned i = first_untouched; i < 31; ++i) EXPECT_EQ(c.x[i], pattern(i)) << "X" << i;
    EXPECT_EQ(c.pc, kSmcPc + 4);
  }

  std::array<uint8_t, 64> measurement(unsigned slot) {
    std::array<uint8_t, 64> m{};
    const RealmInfo info = realm_info();
    std::memcpy(m.data(), info.measurements[slot], 64);
    return m;
  }

  std::vector<uint8_t> host_call_page(uint64_t ipa) { return std::vector<uint8_t>(page(ipa), page(ipa) + kGranuleSize); }
};

class RsiSha512Test : public RsiTest {
  RealmOptions options() override { return RealmOptions{.hash_algo = 1}; }
};

// --- VERSION, FEATURES, SMCCC_VERSION, unknown calls ---------------------------------------------

TEST_F(RsiTest, VersionAnswersOneZeroWithTheRegisterConvention) {
  const RealmCpuContext c = call({fid(abi::RsiCommand::kVersion), 0x10000});
  EXPECT_EQ(c.x[0], kRsiSuccess);
  EXPECT_EQ(c.x[1], 0x10000u);
  EXPECT_EQ(c.x[2], 0x10000u);
  expect_convention(c, 2);
}

TEST_F(RsiTest, VersionMismatchIsErrorInputWithTheImplementedRange) {
  const RealmCpuContext c = call({fid(abi::RsiCommand::kVersion), 0x20000});
  EXPECT_EQ(c.x[0], kRsiErrorInput);
  EXPECT_EQ(c.x[1], 0x10000u);
  EXPECT_EQ(c.x[2], 0x10000u);
  expect_convention(c, 2);
}

TEST_F(RsiTest, FeaturesAreAllZero) {
  for (uint64_t index : {0ull, 1ull, 0xFFFF'FFFFull}) {
    const RealmCpuContext c = call({fid(abi::RsiCommand::kFeatures), index});
    EXPECT_EQ(c.x[0], kRsiSuccess);
    EXPECT_EQ(c.x[1], 0u);
    expect_convention(c, 1);
  }
}

TEST_F(RsiTest, SmcccVersionIsOneTwo) {
  const RealmCpuContext c = call({0x8000'0000});
  EXPECT_EQ(c.x[0], 0x10002u);
  expect_convention(c, 0);
}

TEST_F(RsiTest, SveHintDoesNotChangeTheFunction) {
  const RealmCpuContext c = call({fid(abi::RsiCommand::kVersion) | (1u << 16), 0x10000});
  EXPECT_EQ(c.x[0], kRsiSuccess);
  EXPECT_EQ(c.x[1], 0x10000u);
}

TEST_F(RsiTest, UnknownFunctionsAnswerSmcUnknownWithoutExit) {
  for (uint64_t unknown : {0xC400'019Aull, 0xC400'01AFull, 0xC400'0150ull /*RMI*/, 0x8400'0190ull /*SMC32*/,
                           0x8000'0001ull, 0xC200'0F40ull, 0xC200'0F5Full, 0xC300'0000ull, 0xC400'01B0ull,
                           0x1'C400'0190ull /*upper bits set: W0 is VERSION*/}) {
    const RealmCpuContext c = call({unknown, 0x10000, 2, 3});
    if (unknown == 0x1'C400'0190ull) {
      EXPECT_EQ(c.x[0], kRsiSuccess);  // only W0 names the function
      continue;
    }
    EXPECT_EQ(c.x[0], kSmcUnknownFid) << std::hex << unknown;
    expect_convention(c, 0);
  }
}

// --- The Mica extension hook ---------------------------------------------------------------------------

struct RecordingExtension {
  unsigned calls = 0;
  RsiExtensionCall seen{0, PhysAddr(), PhysAddr(), nullptr, {}};
  uint64_t x7 = 0;
  static void handle(void* self, RsiExtensionCall& call) {
    auto* ext = static_cast<RecordingExtension*>(self);
    ++ext->calls;
    ext->seen = call;
    ext->x7 = call.x[7];
    call.result[0] = 0x55;
    call.result[1] = call.x[1] + 1;
  }
};

TEST_F(RsiTest, MicaFunctionsGoToTheAttachedExtension) {
  RecordingExtension ext;
  monitor_->set_rsi_extension(RsiExtension{&ext, &RecordingExtension::handle});
  const RealmCpuContext c = call({0xC200'0F41 | (1u << 16), 41, 2, 3});
  EXPECT_EQ(ext.calls, 1u);
  EXPECT_EQ(ext.seen.fid, 0xC200'0F41u);
  EXPECT_EQ(ext.seen.rd, realm_.rd);
  EXPECT_EQ(ext.seen.rec, rec(0));
  EXPECT_EQ(ext.x7, pattern(7));
  // What the extension saw as initial results: the convention's defaults.
  EXPECT_EQ(ext.seen.result[1], 0u);
  EXPECT_EQ(ext.seen.result[4], pattern(4));
  EXPECT_EQ(c.x[0], 0x55u);
  EXPECT_EQ(c.x[1], 42u);
  expect_convention(c, 1);
  // Outside its range the extension is never asked.
  EXPECT_EQ(call({0xC200'0F60}).x[0], kSmcUnknownFid);
  EXPECT_EQ(ext.calls, 1u);
}

// --- MEASUREMENT_READ / EXTEND ----------------------------------------------------------------------------

TEST_F(RsiTest, MeasurementReadReturnsTheRimInX1ToX8) {
  const std::array<uint8_t, 64> rim = measurement(0);
  const RealmCpuContext c = call({fid(abi::RsiCommand::kMeasurementRead), 0});
  EXPECT_EQ(c.x[0], kRsiSuccess);
  for (unsigned i = 0; i < 4; ++i) {
    uint64_t word;
    std::memcpy(&word, rim.data() + 8 * i, 8);
    EXPECT_EQ(c.x[1 + i], word) << i;
  }
  for (unsigned i = 5; i <= 8; ++i) EXPECT_EQ(c.x[i], 0u) << "SHA-256 leaves X" << i << " zero";
  expect_convention(c, 4, 9);
}

TEST_F(RsiTest, MeasurementReadOfABadIndexIsErrorInputAndWritesNoMeasurementRegister) {
  const RealmCpuContext c = call({fid(abi::RsiCommand::kMeasurementRead), 5});
  EXPECT_EQ(c.x[0], kRsiErrorInput);
  expect_convention(c, 0);
}

// §7.7: REM extend of a zero REM with the 64 bytes 00..3f.
std::vector<uint64_t> extend_bytes_00_to_3f(uint64_t slot, uint64_t size) {
  std::vector<uint64_t> regs{fid(abi::RsiCommand::kMeasurementExtend), slot, size};
  for (unsigned w = 0; w < 8; ++w) {
    uint64_t word = 0;
    for (unsigned b = 0; b < 8; ++b) word |= uint64_t(8 * w + b) << (8 * b);
    regs.push_back(word);
  }
  return regs;
}

TEST_F(RsiTest, MeasurementExtendMatchesTheSha256CheckValue) {
  const std::vector<uint64_t> regs = extend_bytes_00_to_3f(1, 64);
  const RealmCpuContext c = call(regs);
  EXPECT_EQ(c.x[0], kRsiSuccess);
  // X1..X3 zero (X3 held data), X4 preserved (data), X5..X10 untouched (data).
  EXPECT_EQ(c.x[1], 0u);
  EXPECT_EQ(c.x[2], 0u);
  EXPECT_EQ(c.x[3], 0u);
  for (unsigned i = 4; i <= 10; ++i) EXPECT_EQ(c.x[i], regs[i]) << "X" << i;
  for (unsigned i = 11; i < 31; ++i) EXPECT_EQ(c.x[i], pattern(i)) << "X" << i;
  const std::array<uint8_t, 64> rem = measurement(1);
  EXPECT_EQ(hex(rem.data(), 32), "dc7a48014fc1fac8b52af39bc7ea5cafafabf8bb81fb8f880fdf3b4a4566795c");
  for (unsigned i = 32; i < 64; ++i) EXPECT_EQ(rem[i], 0u);
  // Reading it back gives the same bytes.
  const RealmCpuContext r = call({fid(abi::RsiCommand::kMeasurementRead), 1});
  uint64_t first;
  std::memcpy(&first, rem.data(), 8);
  EXPECT_EQ(r.x[1], first);
  // The other REMs and the RIM did not move.
  EXPECT_EQ(measurement(2), (std::array<uint8_t, 64>{}));
}

TEST_F(RsiSha512Test, MeasurementExtendMatchesTheSha512CheckValueAndReadFillsX1ToX8) {
  EXPECT_EQ(call(extend_bytes_00_to_3f(4, 64)).x[0], kRsiSuccess);
  const std::array<uint8_t, 64> rem = measurement(4);
  EXPECT_EQ(hex(rem.data(), 64),
            "3317cc3c3c68eadf60825ca04a9a4d238c73cd2ad755d2ac479352ee6e56127a5fc8c65dcc5073246ac82b1be0797c4bdcc1a6c06195558d1955739fa607db03");
  const RealmCpuContext r = call({fid(abi::RsiCommand::kMeasurementRead), 4});
  for (unsigned i = 0; i < 8; ++i) {
    uint64_t word;
    std::memcpy(&word, rem.data() + 8 * i, 8);
    EXPECT_EQ(r.x[1 + i], word) << i;
  }
}

TEST_F(RsiTest, MeasurementExtendUsesOnlySizeBytesOfTheData) {
  EXPECT_EQ(call(extend_bytes_00_to_3f(2, 3)).x[0], kRsiSuccess);
  EXPECT_EQ(call({fid(abi::RsiCommand::kMeasurementExtend), 3, 0}).x[0], kRsiSuccess);
  // H(32 zero bytes || 00 01 02) and H(32 zero bytes), computed independently.
  auto sha256 = [this](const std::vector<uint8_t>& data) {
    PlatformInterface::HashContext h;
    platform_.hash_init(h, HashAlgo::kSha256);
    platform_.hash_update(h, data.data(), data.size());
    std::array<uint8_t, 64> out{};
    platform_.hash_finish(h, out.data());
    return out;
  };
  std::vector<uint8_t> with_three(32, 0);
  with_three.insert(with_three.end(), {0, 1, 2});
  EXPECT_EQ(measurement(2), sha256(with_three));
  EXPECT_EQ(measurement(3), sha256(std::vector<uint8_t>(32, 0)));
}

TEST_F(RsiTest, MeasurementExtendRefusesTheRimBadIndexesAndOversizedData) {
  const RealmInfo before = realm_info();
  for (const auto& [slot, size] : {std::pair<uint64_t, uint64_t>{0, 8}, {5, 8}, {~0ull, 8}, {1, 65}, {1, ~0ull}}) {
    const RealmCpuContext c = call({fid(abi::RsiCommand::kMeasurementExtend), slot, size});
    EXPECT_EQ(c.x[0], kRsiErrorInput) << slot << " " << size;
    expect_convention(c, 0);
  }
  const RealmInfo after = realm_info();
  EXPECT_EQ(0, std::memcmp(before.measurements, after.measurements, sizeof before.measurements));
}

// --- REALM_CONFIG -------------------------------------------------------------------------------------------------

TEST_F(RsiTest, RealmConfigWritesIpaWidthHashAlgorithmAndRpvOnly) {
  const std::vector<uint8_t> before(page(0x1000), page(0x1000) + kGranuleSize);
  const RealmCpuContext c = call({fid(abi::RsiCommand::kRealmConfig), 0x1000});
  EXPECT_EQ(c.x[0], kRsiSuccess);
  expect_convention(c, 0);
  std::vector<uint8_t> expected = before;
  const uint64_t width = layout::kS2sz;
  std::memcpy(expected.data() + 0x000, &width, 8);
  expected[0x008] = 0;  // SHA-256
  std::memcpy(expected.data() + 0x200, realm_.rpv.data(), 64);
  EXPECT_EQ(std::vector<uint8_t>(page(0x1000), page(0x1000) + kGranuleSize), expected);
}

TEST_F(RsiSha512Test, RealmConfigReportsSha512) {
  EXPECT_EQ(call({fid(abi::RsiCommand::kRealmConfig), 0x3000}).x[0], kRsiSuccess);
  EXPECT_EQ(page(0x3000)[8], 1u);
}

TEST_F(RsiTest, RealmConfigRefusesUnalignedUnprotectedAndEmptyAddresses) {
  for (uint64_t ipa : {uint64_t{0x1008}, layout::kUnprotected, layout::kParSize, layout::kUnassignedEmpty,
                       layout::kAssignedEmpty}) {
    const RealmCpuContext c = call({fid(abi::RsiCommand::kRealmConfig), ipa});
    EXPECT_EQ(c.x[0], kRsiErrorInput) << std::hex << ipa;
    EXPECT_EQ(c.x[1], 0u);
  }
  for (unsigned i = 0; i < layout::kMappedPages; ++i) {
    const uint64_t ipa = i * kGranuleSize;
    EXPECT_EQ(std::vector<uint8_t>(page(ipa), page(ipa) + kGranuleSize),
              std::vector<uint8_t>(kGranuleSize, static_cast<uint8_t>(i + 1)));
  }
}

TEST_F(RsiTest, RealmConfigOnAnUnmappedRamPageIsAnEmulatedAbortAndIsRetried) {
  const ExitView exit = call_exiting({fid(abi::RsiCommand::kRealmConfig), layout::kUnmappedRam});
  EXPECT_EQ(exit.reason, kExitSync);
  EXPECT_EQ(exit.esr, trap::ec(0x24) | 0x07);  // translation fault, level 3
  EXPECT_EQ(exit.far, 0u);
  EXPECT_EQ(exit.hpfar, layout::kUnmappedRam >> 8);
  const RealmCpuContext stopped = rec_info(rec(0)).cpu;
  EXPECT_EQ(stopped.pc, kSmcPc);  // the SMC runs again
  EXPECT_EQ(stopped.x[0], fid(abi::RsiCommand::kRealmConfig));
  for (unsigned i = 1; i < 31; ++i) EXPECT_EQ(stopped.x[i], i == 1 ? layout::kUnmappedRam : pattern(i));
  // The abort cannot be completed as MMIO nor answered with an SEA.
  EnterArgs flags;
  flags.flags = run::kFlagEmulMmio;
  expect_refused(kRmiErrorRec, rec(0), flags);
  flags.flags = run::kFlagInjectSea;
  expect_refused(kRmiErrorRec, rec(0), flags);

  // The host maps the page; the realm executes the same SMC again.
  const PhysAddr data = delegated();
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, realm_.rd.value(), data.value(), layout::kUnmappedRam).x[0],
            kRmiSuccess);
  realm_.data[layout::kUnmappedRam] = data;
  RealmCpuContext retried{};
  script(rec(0), [](RealmCpuContext&) { return trap::smc(); });
  script(rec(0), step([&](RealmCpuContext& ctx) { retried = ctx; }, trap::irq()));
  ASSERT_EQ(enter(rec(0)), kRmiSuccess);
  EXPECT_EQ(retried.x[0], kRsiSuccess);
  EXPECT_EQ(retried.pc, kSmcPc + 4);
  EXPECT_EQ(page(layout::kUnmappedRam)[0], layout::kS2sz);
}

TEST_F(RsiTest, EmulatedAbortNamesTheLevelWhereTheWalkStopped) {
  const ExitView block = call_exiting({fid(abi::RsiCommand::kRealmConfig), layout::kL2RamBlock});
  EXPECT_EQ(block.esr, trap::ec(0x24) | 0x06);  // level 2
  EXPECT_EQ(block.hpfar, layout::kL2RamBlock >> 8);
  const ExitView destroyed = call_exiting({fid(abi::RsiCommand::kRealmConfig), layout::kDestroyed});
  EXPECT_EQ(destroyed.esr, trap::ec(0x24) | 0x07);
}

// --- IPA_STATE_GET -----------------------------------------------------------------------------------------------------

struct StateGet {
  uint64_t start, end;
  uint64_t top;
  Ripas ripas;
};

TEST_F(RsiTest, IpaStateGetReportsTheUniformRegionFromStart) {
  const StateGet cases[] = {
      {0x0, 0x10000, layout::kRamEnd, Ripas::kRam},                        // mapped and unmapped RAM alike
      {0x4000, 0x5000, 0x5000, Ripas::kRam},                               // clipped at end
      {layout::kUnassignedEmpty, 0x10000, layout::kDestroyed, Ripas::kEmpty},  // assigned and unassigned EMPTY
      {layout::kDestroyed, 0x10000, layout::kDestroyed + 0x1000, Ripas::kDestroyed},
      {0xB000, 0x40'0000, 0x20'0000, Ripas::kEmpty},                        // ends with the level-3 table
      {layout::kL2RamBlock, 0x60'0000, 0x40'0000, Ripas::kRam},             // a level-2 entry at a time
      {layout::kL2RamBlock + 0x1000, layout::kL2RamBlock + 0x3000, layout::kL2RamBlock + 0x3000, Ripas::kRam},
  };
  for (const StateGet& s : cases) {
    const RealmCpuContext c = call({fid(abi::RsiCommand::kIpaStateGet), s.start, s.end});
    EXPECT_EQ(c.x[0], kRsiSuccess) << std::hex << s.start;
    EXPECT_EQ(c.x[1], s.top) << std::hex << s.start;
    EXPECT_EQ(c.x[2], static_cast<uint64_t>(s.ripas)) << std::hex << s.start;
    expect_convention(c, 2);
  }
}

TEST_F(RsiTest, IpaStateGetRefusesBadRanges) {
  const std::pair<uint64_t, uint64_t> bad[] = {
      {0x10, 0x2000}, {0x1000, 0x2010}, {0x2000, 0x2000}, {0x3000, 0x2000},
      {0x1000, layout::kParSize + 0x1000}, {layout::kParSize, layout::kParSize + 0x1000}};
  for (const auto& [start, end] : bad) {
    const RealmCpuContext c = call({fid(abi::RsiCommand::kIpaStateGet), start, end});
    EXPECT_EQ(c.x[0], kRsiErrorInput) << std::hex << start << " " << end;
    expect_convention(c, 0);
  }
}

// --- IPA_STATE_SET and RMI_RTT_SET_RIPAS ---------------------------------------------------------------------------

TEST_F(RsiTest, IpaStateSetExitsWithTheRequestAndRecordsIt) {
  const ExitView exit =
      call_exiting({fid(abi::RsiCommand::kIpaStateSet), layout::kUnassignedEmpty, 0xB000, 1, 0});
  EXPECT_EQ(exit.reason, kExitRipasChange);
  EXPECT_EQ(exit.ripas_base, layout::kUnassignedEmpty);
  EXPECT_EQ(exit.ripas_top, 0xB000u);
  EXPECT_EQ(exit.ripas_value, 1u);
  EXPECT_EQ(exit.esr, 0u);
  for (uint64_t g : exit.gprs) EXPECT_EQ(g, 0u);
  const RecInfo info = rec_info(rec(0));
  EXPECT_EQ(info.cpu.x[0], kRsiSuccess);
  EXPECT_EQ(info.cpu.x[1], 0xB000u);
  EXPECT_EQ(info.cpu.x[2], 0u);
  EXPECT_EQ(info.cpu.x[3], 0u);
  EXPECT_EQ(info.cpu.x[4], 0u);  // X4 was the flags argument, preserved
  EXPECT_EQ(info.cpu.pc, kSmcPc + 4);
  EXPECT_EQ(info.ripas.base, Ipa(layout::kUnassignedEmpty));
  EXPECT_EQ(info.ripas.top, Ipa(0xB000));
  EXPECT_EQ(info.ripas.progress, Ipa(layout::kUnassignedEmpty));
  EXPECT_EQ(info.ripas.value, Ripas::kRam);
  EXPECT_FALSE(info.ripas.change_destroyed);
}

TEST_F(RsiTest, RipasChangeRoundTripAcceptedPartially) {
  call_exiting({fid(abi::RsiCommand::kIpaStateSet), layout::kUnassignedEmpty, 0xB000, 1, 0});
  // Without CHANGE_DESTROYED the host gets as far as the DESTROYED page.
  const SmcResult set = rmi(RmiCommand::kRttSetRipas, realm_.rd.value(), rec(0).value(), layout::kUnassignedEmpty, 0xB000);
  ASSERT_EQ(set.x[0], kRmiSuccess);
  EXPECT_EQ(set.x[1], layout::kDestroyed);
  EXPECT_EQ(entry(layout::kUnassignedEmpty), std::make_pair(abi::RmiRttEntryState::kUnassigned, Ripas::kRam));
  EXPECT_EQ(entry(layout::kAssignedEmpty), std::make_pair(abi::RmiRttEntryState::kAssigned, Ripas::kRam));
  EXPECT_EQ(entry(layout::kDestroyed), std::make_pair(abi::RmiRttEntryState::kUnassigned, Ripas::kDestroyed));
  const RealmCpuContext c = resume();
  EXPECT_EQ(c.x[0], kRsiSuccess);
  EXPECT_EQ(c.x[1], layout::kDestroyed);  // where the change stopped
  EXPECT_EQ(c.x[2], 0u);                  // ACCEPT
  EXPECT_EQ(c.pc, kSmcPc + 4);
  // The request is over: the host cannot go on with it.
  EXPECT_EQ(rec_info(rec(0)).ripas.base, rec_info(rec(0)).ripas.top);
  EXPECT_EQ(rmi(RmiCommand::kRttSetRipas, realm_.rd.value(), rec(0).value(), layout::kDestroyed, 0xB000).x[0],
            kRmiErrorInput);
}

TEST_F(RsiTest, RipasChangeOfRamRejectedByTheHost) {
  call_exiting({fid(abi::RsiCommand::kIpaStateSet), layout::kUnassignedEmpty, 0xB000, 1, 0});
  EnterArgs args;
  args.flags = run::kFlagRipasResponse;
  const RealmCpuContext c = resume(0, args);
  EXPECT_EQ(c.x[1], layout::kUnassignedEmpty);  // nothing changed
  EXPECT_EQ(c.x[2], 1u);                         // REJECT
  EXPECT_EQ(entry(layout::kUnassignedEmpty).second, Ripas::kEmpty);
}

TEST_F(RsiTest, RipasChangeWithChangeDestroyedCompletesAndIgnoresAReject) {
  call_exiting({fid(abi::RsiCommand::kIpaStateSet), layout::kUnassignedEmpty, 0xB000, 1, 1});
  EXPECT_TRUE(rec_info(rec(0)).ripas.change_destroyed);
  ASSERT_EQ(rmi(RmiCommand::kRttSetRipas, realm_.rd.value(), rec(0).value(), layout::kUnassignedEmpty, 0xB000).x[1],
            0xB000u);
  EXPECT_EQ(entry(layout::kDestroyed).second, Ripas::kRam);
  EnterArgs args;
  args.flags = run::kFlagRipasResponse;  // too late: the change is complete
  const RealmCpuContext c = resume(0, args);
  EXPECT_EQ(c.x[1], 0xB000u);
  EXPECT_EQ(c.x[2], 0u);
}

TEST_F(RsiTest, ChangeDestroyedIsOnlyTheValueOne) {
  call_exiting({fid(abi::RsiCommand::kIpaStateSet), layout::kUnassignedEmpty, 0xB000, 1, 3});
  EXPECT_FALSE(rec_info(rec(0)).ripas.change_destroyed);
}

TEST_F(RsiTest, RipasChangeToEmptyIsNeverRejected) {
  call_exiting({fid(abi::RsiCommand::kIpaStateSet), layout::kUnmappedRam, 0x6000, 0, 0});
  ASSERT_EQ(rmi(RmiCommand::kRttSetRipas, realm_.rd.value(), rec(0).value(), layout::kUnmappedRam, 0x5000).x[0],
            kRmiSuccess);
  EnterArgs args;
  args.flags = run::kFlagRipasResponse;
  const RealmCpuContext c = resume(0, args);
  EXPECT_EQ(c.x[1], 0x5000u);
  EXPECT_EQ(c.x[2], 0u);
  EXPECT_EQ(entry(layout::kUnmappedRam).second, Ripas::kEmpty);
  EXPECT_EQ(entry(0x5000).second, Ripas::kRam);
}

TEST_F(RsiTest, IpaStateSetRefusesBadRequestsWithoutExit) {
  struct Bad {
    uint64_t base, top, ripas;
  };
  const Bad bad[] = {{0x8000, 0x9000, 2},   {0x8000, 0x9000, ~0ull}, {0x8010, 0x9000, 1},
                     {0x8000, 0x9010, 1},   {0x9000, 0x9000, 1},     {0x9000, 0x8000, 1},
                     {0x8000, layout::kParSize + 0x1000, 1}, {layout::kParSize, layout::kParSize + 0x1000, 0}};
  for (const Bad& b : bad) {
    const RealmCpuContext c = call({fid(abi::RsiCommand::kIpaStateSet), b.base, b.top, b.ripas, 0});
    EXPECT_EQ(c.x[0], kRsiErrorInput) << std::hex << b.base << " " << b.top << " " << b.ripas;
    EXPECT_EQ(c.x[1], 0u);
    EXPECT_EQ(rec_info(rec(0)).ripas.base, rec_info(rec(0)).ripas.top);
  }
}

// --- HOST_CALL ------------------------------------------------------------------------------------------------------------

constexpr uint64_t kHostCallIpa = 0x2100;

class HostCallTest : public RsiTest {
 protected:
  void SetUp() override {
    RsiTest::SetUp();
    uint8_t* call = page(0x2000) + 0x100;
    const uint64_t imm = 0xFFFF'FFFF'ABCD'1234;  // only the low 32 bits are the immediate
    std::memcpy(call, &imm, 8);
    for (unsigned i = 0; i < 31; ++i) {
      const uint64_t v = 0x1000 + i;
      std::memcpy(call + 8 + 8 * i, &v, 8);
    }
  }
  uint64_t host_call_gpr(unsigned i) {
    uint64_t v;
    std::memcpy(&v, page(0x2000) + 0x108 + 8 * i, 8);
    return v;
  }
};

TEST_F(HostCallTest, HostCallExitsWithImmediateAndRegistersAndLeavesTheRecAlone) {
  const ExitView exit = call_exiting({fid(abi::RsiCommand::kHostCall), kHostCallIpa});
  EXPECT_EQ(exit.reason, kExitHostCall);
  EXPECT_EQ(exit.imm, 0xABCD'1234u);
  EXPECT_EQ(exit.raw[0x604], 0u);  // the field is 32 bits wide
  for (unsigned i = 0; i < 31; ++i) EXPECT_EQ(exit.gprs[i], 0x1000u + i);
  const RecInfo info = rec_info(rec(0));
  EXPECT_TRUE(info.host_call_pending);
  EXPECT_EQ(info.cpu.x[0], fid(abi::RsiCommand::kHostCall));
  EXPECT_EQ(info.cpu.x[1], kHostCallIpa);
  for (unsigned i = 2; i < 31; ++i) EXPECT_EQ(info.cpu.x[i], pattern(i));
  EXPECT_EQ(info.cpu.pc, kSmcPc + 4);
}

TEST_F(HostCallTest, HostResultsAreWrittenBackOnTheNextEntry) {
  call_exiting({fid(abi::RsiCommand::kHostCall), kHostCallIpa});
  EnterArgs args;
  for (unsigned i = 0; i < 31; ++i) args.gprs[i] = 0x9000 + i;
  const RealmCpuContext c = resume(0, args);
  EXPECT_EQ(c.x[0], kRsiSuccess);
  EXPECT_EQ(c.x[1], kHostCallIpa);
  for (unsigned i = 2; i < 31; ++i) EXPECT_EQ(c.x[i], pattern(i));
  EXPECT_EQ(c.pc, kSmcPc + 4);
  for (unsigned i = 0; i < 31; ++i) EXPECT_EQ(host_call_gpr(i), 0x9000u + i);
  uint32_t imm;
  std::memcpy(&imm, page(0x2000) + 0x100, 4);
  EXPECT_EQ(imm, 0xABCD'1234u);
  EXPECT_FALSE(rec_info(rec(0)).host_call_pending);
  // A second entry does not write anything again.
  args.gprs[0] = 0x7777;
  resume(0, args);
  EXPECT_EQ(host_call_gpr(0), 0x9000u);
}

TEST_F(HostCallTest, HostCallRefusesUnalignedUnprotectedAndEmptyAddresses) {
  for (uint64_t ipa : {uint64_t{0x2108}, uint64_t{0x2080}, layout::kUnprotected, layout::kUnassignedEmpty + 0x100,
                       layout::kAssignedEmpty}) {
    const RealmCpuContext c = call({fid(abi::RsiCommand::kHostCall), ipa});
    EXPECT_EQ(c.x[0], kRsiErrorInput) << std::hex << ipa;
    expect_convention(c, 0);
    EXPECT_FALSE(rec_info(rec(0)).host_call_pending);
  }
}

TEST_F(HostCallTest, HostCallOnAnUnmappedPageIsAnEmulatedAbortWithTheAddressInHpfar) {
  const ExitView exit = call_exiting({fid(abi::RsiCommand::kHostCall), layout::kUnmappedRam + 0x100});
  EXPECT_EQ(exit.reason, kExitSync);
  EXPECT_EQ(exit.esr, trap::ec(0x24) | 0x07);
  EXPECT_EQ(exit.hpfar, (layout::kUnmappedRam + 0x100) >> 8);
  EXPECT_FALSE(rec_info(rec(0)).host_call_pending);
  EXPECT_EQ(rec_info(rec(0)).cpu.pc, kSmcPc);
}

TEST_F(HostCallTest, CompletionOnAPageTheHostTookAwayIsAnAbortAndTheRecDoesNotRun) {
  call_exiting({fid(abi::RsiCommand::kHostCall), kHostCallIpa});
  ASSERT_EQ(rmi(RmiCommand::kDataDestroy, realm_.rd.value(), 0x2000).x[0], kRmiSuccess);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const size_t runs = platform_.run_count();
    EnterArgs args;
    args.gprs[0] = 0x42;
    ASSERT_EQ(enter(rec(0), args), kRmiSuccess);
    EXPECT_EQ(platform_.run_count(), runs);
    const ExitView exit = exit_view();
    EXPECT_EQ(exit.reason, kExitSync);
    EXPECT_EQ(exit.esr, trap::ec(0x24) | 0x07);
    EXPECT_EQ(exit.hpfar, kHostCallIpa >> 8);
    const RecInfo info = rec_info(rec(0));
    EXPECT_TRUE(info.host_call_pending);
    EXPECT_EQ(info.cpu.x[0], fid(abi::RsiCommand::kHostCall));
  }
}

TEST_F(HostCallTest, ResultsForAPageTheRealmGaveUpAreDropped) {
  call_exiting({fid(abi::RsiCommand::kHostCall), kHostCallIpa});
  ASSERT_EQ(rmi(RmiCommand::kDataDestroy, realm_.rd.value(), 0x2000).x[0], kRmiSuccess);
  // The page becomes EMPTY (as the realm's own RIPAS change would make it).
  ASSERT_TRUE(monitor_->test_set_ripas_request(rec(0), Ipa(0x2000), Ipa(0x3000), Ripas::kEmpty, true));
  ASSERT_EQ(rmi(RmiCommand::kRttSetRipas, realm_.rd.value(), rec(0).value(), 0x2000, 0x3000).x[0], kRmiSuccess);
  ASSERT_EQ(entry(0x2000).second, Ripas::kEmpty);
  EnterArgs args;
  args.gprs[0] = 0x42;
  const RealmCpuContext c = resume(0, args);
  EXPECT_FALSE(rec_info(rec(0)).host_call_pending);
  EXPECT_EQ(exit_view().reason, kExitIrq);
  EXPECT_EQ(c.x[1], 0x3000u);  // the RIPAS answer, not a host-call result
}

// --- ATTEST_TOKEN_* ---------------------------------------------------------------------------------------------------------

// The token itself, chunking and every error: tests/attest.
TEST_F(RsiTest, AttestationTokenInitReturnsTheTokenSizeBoundAndKeepsTheRegisterConvention) {
  std::vector<uint64_t> regs{fid(abi::RsiCommand::kAttestTokenInit)};
  for (unsigned i = 1; i <= 8; ++i) regs.push_back(0x1111 * i);
  const RealmCpuContext c = call(regs);
  EXPECT_EQ(c.x[0], kRsiSuccess);
  EXPECT_EQ(c.x[1], kGranuleSize);  // upper bound of the token size (one page)
  EXPECT_EQ(c.x[2], 0u);
  EXPECT_EQ(c.x[3], 0u);
  for (unsigned i = 4; i <= 8; ++i) EXPECT_EQ(c.x[i], regs[i]) << "X" << i;
  for (unsigned i = 9; i < 31; ++i) EXPECT_EQ(c.x[i], pattern(i)) << "X" << i;
}

TEST_F(RsiTest, AttestationTokenContinueChecksItsArgumentsThenHasNoTokenInProgress) {
  const std::vector<uint8_t> before(page(0x3000), page(0x3000) + kGranuleSize);
  struct Args {
    uint64_t ipa, offset, size, expected;
  };
  const Args cases[] = {{0x3008, 0, 64, kRsiErrorInput},        {0x3000, 4096, 0, kRsiErrorInput},
                        {0x3000, 4000, 97, kRsiErrorInput},     {0x3000, 8, ~0ull, kRsiErrorInput},
                        {layout::kUnprotected, 0, 8, kRsiErrorInput}, {0x3000, 0, 4096, kRsiErrorState},
                        {0x3000, 4095, 1, kRsiErrorState}};
  for (const Args& a : cases) {
    const RealmCpuContext c = call({fid(abi::RsiCommand::kAttestTokenContinue), a.ipa, a.offset, a.size});
    EXPECT_EQ(c.x[0], a.expected) << std::hex << a.ipa << " " << a.offset << " " << a.size;
    expect_convention(c, 0);
  }
  EXPECT_EQ(std::vector<uint8_t>(page(0x3000), page(0x3000) + kGranuleSize), before);
}

}  // namespace
}  // namespace mica::monitor::testing
