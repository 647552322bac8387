// The RIM: the worked check values of the facts sheet (§7.7), and load
// sequences whose expected RIM is computed independently (rim_reference.h,
// mbedTLS over descriptors built from the specification's layouts).
#include <random>

#include "measurement/measurement.h"
#include "monitor_fixture.h"
#include "recording_platform.h"
#include "rim_reference.h"

namespace mica::monitor::testing {
namespace {

using rim_reference::Algo;
using rim_reference::from_hex;

constexpr uint64_t k2M = 2ull << 20;

struct CheckValues {
  const char* rim0;
  const char* ripas;
  const char* data_measured;
  const char* data_unmeasured;
  const char* rec;
};

// §7.7 of the facts sheet.
constexpr CheckValues kSha256{
    "045cb3602843a6845cb710fbbfbb92f0c7d611afe0106ac2953e46950a70c42b",
    "5e99b1e6b2ebb03fe15c9e109929780b9becf1a9154e6f8b64cfd9b988cc1b5f",
    "8091232661b855a69dec4cdefc8f3930fc311c6f79ef4beac399e693cfc73b7b",
    "f8d07515d2daa856dec68ae2a7cf879660b1f83978369d2758862e2cb98ffab0",
    "40e6aac5369bfce1c94fe485b3f9377b815fc4ef51660a90610dc3607592f3ec",
};
constexpr CheckValues kSha512{
    "066e19aa2c3418dadc20ef31b5595907c612991952553e1e99731a677b5797c9898dffb6e3963a20b8e1af6d136cd2fe6fe25f048577"
    "dc3d7e5bf3a79a4b1e81",
    "bca30a6fd3e3f5fffb9421420b3b8f506558079f8129244555190bfae94d5a6802f98c111182f3652522ebe97682f24dac5ead6325"
    "09aa9e1d0cf17b80d5817f",
    "89eed006f6185db6034f167e9ac7c1cc103eb44c115838be48ea228f60864079153455ac55b5dba5ac528d0b7473898ba654e6a4d2"
    "91b8becd6d5d135a989e9b",
    "299f0f9cf1ce3bdd0f6f593aaaf89217233fa4d49449b175e1eaa8742fee133459cbc00ad1db5b6f0b2c1c8fe5c41d8918524d5a94"
    "663556e28697cdbd081f9b",
    "8287adbcf50d601d2316d39aed04cb8e591485898ddab4207db0f019ed0879117a233638705b0ec11eb371da7dd6828bad1cdbf97b"
    "85454f341b4dd5008ecfb6",
};

class RimTest : public MonitorTest {
 protected:
  PhysAddr ns_page(const std::vector<uint8_t>& bytes) {
    const PhysAddr pa = ns_granule();
    EXPECT_EQ(machine().host_write(pa, bytes.data(), bytes.size()), platform::AccessResult::kOk);
    return pa;
  }
  void data_create(const Realm& realm, uint64_t ipa, const std::vector<uint8_t>& bytes, uint64_t flags) {
    ASSERT_EQ(rmi(RmiCommand::kDataCreate, realm.rd.value(), delegated().value(), ipa, ns_page(bytes).value(), flags)
                  .x[0],
              kSuccess);
  }
};

class RimCheckValuesTest : public RimTest, public ::testing::WithParamInterface<int> {};

// The exact sequence of §7.7, step by step against the published values.
TEST_P(RimCheckValuesTest, WorkedCheckValues) {
  const bool sha512 = GetParam() == 1;
  const CheckValues& expected = sha512 ? kSha512 : kSha256;
  RealmParams params;
  params.hash_algo = sha512 ? 1 : 0;
  const Realm realm = create_realm(params);
  EXPECT_EQ(hex(rim(realm).data(), rim(realm).size()), expected.rim0);

  create_rtts_down_to(realm, 0, 3);
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), 0, 0x1000).x[0], kSuccess);
  EXPECT_EQ(hex(rim(realm).data(), rim(realm).size()), expected.ripas);

  data_create(realm, 0, std::vector<uint8_t>(kGranuleSize, 0), 1);
  EXPECT_EQ(hex(rim(realm).data(), rim(realm).size()), expected.data_measured);

  std::vector<uint8_t> pattern(kGranuleSize);
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<uint8_t>(i & 0xFF);
  data_create(realm, 0x1000, pattern, 0);
  EXPECT_EQ(hex(rim(realm).data(), rim(realm).size()), expected.data_unmeasured);

  create_rec(realm, 0);
  EXPECT_EQ(hex(rim(realm).data(), rim(realm).size()), expected.rec);
}

INSTANTIATE_TEST_SUITE_P(HashAlgorithms, RimCheckValuesTest, ::testing::Values(0, 1),
                         [](const ::testing::TestParamInfo<int>& param_info) { return param_info.param == 0 ? "Sha256" : "Sha512"; });

// The independent model reproduces the published values too, so the other
// sequences below check the monitor against something trustworthy.
TEST(RimReference, ReproducesTheWorkedCheckValues) {
  for (const Algo algo : {Algo::kSha256, Algo::kSha512}) {
    const CheckValues& expected = algo == Algo::kSha256 ? kSha256 : kSha512;
    rim_reference::RealmMeasuredParams params;
    params.hash_algo = static_cast<uint8_t>(algo);
    std::vector<uint8_t> rim = rim_reference::rim0(params);
    EXPECT_EQ(rim, from_hex(expected.rim0));
    rim = rim_reference::extend_ripas(algo, rim, 0, 0x1000);
    EXPECT_EQ(rim, from_hex(expected.ripas));
    rim = rim_reference::extend_data(algo, rim, 0, 1, std::vector<uint8_t>(4096, 0));
    EXPECT_EQ(rim, from_hex(expected.data_measured));
    rim = rim_reference::extend_data(algo, rim, 0x1000, 0, {});
    EXPECT_EQ(rim, from_hex(expected.data_unmeasured));
    rim = rim_reference::extend_rec(algo, rim, 1, 0, {});
    EXPECT_EQ(rim, from_hex(expected.rec));
  }
}

TEST_F(RimTest, SequenceA_Sha512ConcatenatedRootsBlocksAndRecs) {
  RealmParams params;
  params.hash_algo = 1;
  params.s2sz = 41;
  params.rtt_level_start = 1;
  params.rtt_num_start = 4;
  params.num_bps = 2;
  const Realm realm = create_realm(params);
  rim_reference::RealmMeasuredParams measured;
  measured.hash_algo = 1;
  measured.s2sz = 41;
  measured.num_bps = 2;
  std::vector<uint8_t> expected = rim_reference::rim0(measured);
  ASSERT_EQ(rim(realm), expected);

  // INIT_RIPAS of three 2 MiB blocks at level 2 (one descriptor each).
  const uint64_t base = 3ull << 30;
  create_rtts_down_to(realm, base, 2);
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), base, base + 3 * k2M).x[0], kSuccess);
  for (uint64_t a = base; a < base + 3 * k2M; a += k2M) expected = rim_reference::extend_ripas(Algo::kSha512, expected, a, a + k2M);
  ASSERT_EQ(rim(realm), expected);

  // Split the fourth block into pages, initialise and load them with random contents.
  const uint64_t pages = base + 3 * k2M;
  create_rtt(realm, pages, 3);
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), pages, pages + 0x5000).x[0], kSuccess);
  for (uint64_t a = pages; a < pages + 0x5000; a += 0x1000) {
    expected = rim_reference::extend_ripas(Algo::kSha512, expected, a, a + 0x1000);
  }
  std::mt19937_64 rng(2024);
  for (uint64_t i = 0; i < 5; ++i) {
    std::vector<uint8_t> bytes(kGranuleSize);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    const uint64_t flags = i % 2;
    data_create(realm, pages + i * 0x1000, bytes, flags);
    expected = rim_reference::extend_data(Algo::kSha512, expected, pages + i * 0x1000, flags, bytes);
  }
  // Unknown data and a non-runnable REC do not enter the RIM.
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, realm.rd.value(), delegated().value(), pages + 0x6000).x[0], kSuccess);
  RecParams parked;
  parked.flags = 0;
  parked.pc = 0xDEAD;
  create_rec(realm, 0, parked);
  RecParams boot;
  boot.pc = 0x4000'0000;
  for (unsigned i = 0; i < 8; ++i) boot.gprs[i] = rng();
  create_rec(realm, 1, boot);
  expected = rim_reference::extend_rec(Algo::kSha512, expected, 1, boot.pc, boot.gprs);
  EXPECT_EQ(rim(realm), expected);
}

TEST_F(RimTest, SequenceB_Sha256UncheckedFieldsTableEdgesAndRefusedCalls) {
  RealmParams params;
  params.sve_vl = 9;            // not checked without SVE, but measured
  params.pmu_num_ctrs = 0x31;   // not checked without PMU, but measured
  params.num_wps = 3;
  params.rpv.fill(0xAA);        // not measured
  const Realm realm = create_realm(params);
  rim_reference::RealmMeasuredParams measured;
  measured.sve_vl = 9;
  measured.pmu_num_ctrs = 0x31;
  measured.num_wps = 3;
  std::vector<uint8_t> expected = rim_reference::rim0(measured);
  ASSERT_EQ(rim(realm), expected);

  // INIT_RIPAS across the end of an L3 table takes two calls.
  const uint64_t end = k2M;
  create_rtts_down_to(realm, end - 0x1000, 3);
  create_rtt(realm, end, 3);
  SmcResult r = rmi(RmiCommand::kRttInitRipas, realm.rd.value(), end - 0x2000, end + 0x2000);
  ASSERT_EQ(r.x[0], kSuccess);
  ASSERT_EQ(r.x[1], end);
  r = rmi(RmiCommand::kRttInitRipas, realm.rd.value(), end, end + 0x2000);
  ASSERT_EQ(r.x[0], kSuccess);
  for (uint64_t a = end - 0x2000; a < end + 0x2000; a += 0x1000) {
    expected = rim_reference::extend_ripas(Algo::kSha256, expected, a, a + 0x1000);
  }
  ASSERT_EQ(rim(realm), expected);

  // Refused calls leave the RIM alone.
  const PhysAddr spare = delegated();
  const PhysAddr src = ns_page(std::vector<uint8_t>(kGranuleSize, 0x33));
  EXPECT_EQ(rmi(RmiCommand::kDataCreate, realm.rd.value(), spare.value(), end + 0x1800, src.value(), 1).x[0],
            kErrorInput);
  EXPECT_EQ(rmi(RmiCommand::kDataCreate, realm.rd.value(), spare.value(), end, src.value(), 2).x[0], kErrorInput);
  EXPECT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), end, end).x[0], kErrorInput);
  ASSERT_EQ(rim(realm), expected);

  data_create(realm, end - 0x1000, std::vector<uint8_t>(kGranuleSize, 0x33), 1);
  expected = rim_reference::extend_data(Algo::kSha256, expected, end - 0x1000, 1,
                                        std::vector<uint8_t>(kGranuleSize, 0x33));
  // A REC whose flags carry bits besides RUNNABLE: all 64 bits are measured.
  RecParams rec;
  rec.flags = 0x8000'0000'0000'0001;
  rec.pc = 0x1234'5678;
  rec.gprs = {1, 2, 3, 4, 5, 6, 7, 8};
  create_rec(realm, 0, rec);
  expected = rim_reference::extend_rec(Algo::kSha256, expected, rec.flags, rec.pc, rec.gprs);
  EXPECT_EQ(rim(realm), expected);
}

TEST_F(RimTest, SequenceC_Sha256GigabyteRipasAndFarPages) {
  RealmParams params;
  params.s2sz = 36;
  params.rtt_level_start = 1;
  params.rtt_num_start = 1;
  params.flags = 0;
  const Realm realm = create_realm(params);
  rim_reference::RealmMeasuredParams measured;
  measured.s2sz = 36;
  std::vector<uint8_t> expected = rim_reference::rim0(measured);
  ASSERT_EQ(rim(realm), expected);

  // A whole 1 GiB root entry in one descriptor, then the next one.
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), 0, 2ull << 30).x[0], kSuccess);
  expected = rim_reference::extend_ripas(Algo::kSha256, expected, 0, 1ull << 30);
  expected = rim_reference::extend_ripas(Algo::kSha256, expected, 1ull << 30, 2ull << 30);
  ASSERT_EQ(rim(realm), expected);

  // Pages at the top of the PAR (32 GiB PAR end): split down and load them.
  const uint64_t far = realm.par_end() - 0x2000;
  create_rtts_down_to(realm, far, 3);
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), far, realm.par_end()).x[0], kSuccess);
  for (uint64_t a = far; a < realm.par_end(); a += 0x1000) {
    expected = rim_reference::extend_ripas(Algo::kSha256, expected, a, a + 0x1000);
  }
  std::vector<uint8_t> bytes(kGranuleSize);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(255 - (i % 251));
  data_create(realm, far, bytes, 1);
  expected = rim_reference::extend_data(Algo::kSha256, expected, far, 1, bytes);
  data_create(realm, far + 0x1000, bytes, 0);
  expected = rim_reference::extend_data(Algo::kSha256, expected, far + 0x1000, 0, bytes);
  // Data into the pages under the RAM gigabyte needs page tables too.
  create_rtts_down_to(realm, 0x10'0000, 3);
  data_create(realm, 0x10'0000, bytes, 1);
  expected = rim_reference::extend_data(Algo::kSha256, expected, 0x10'0000, 1, bytes);
  EXPECT_EQ(rim(realm), expected);
  // Activation freezes nothing in the RIM itself.
  ASSERT_EQ(rmi(RmiCommand::kRealmActivate, realm.rd.value()).x[0], kSuccess);
  EXPECT_EQ(rim(realm), expected);
}

// REM extension (RSI_MEASUREMENT_EXTEND's algorithm), against §7.7's value.
TEST(RemExtend, MatchesTheWorkedCheckValue) {
  platform::MachineConfig config;
  config.dram_size = 1ull << 20;
  config.state_dir = ::testing::TempDir() + "mica-monitor-test-state";
  platform::Machine machine(config);
  RecordingPlatform platform(machine);
  std::vector<uint8_t> data(64);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);

  uint8_t slot[64] = {};
  measurement::extend_rem(platform, HashAlgo::kSha256, slot, data.data(), data.size());
  EXPECT_EQ(std::vector<uint8_t>(slot, slot + 32),
            from_hex("dc7a48014fc1fac8b52af39bc7ea5cafafabf8bb81fb8f880fdf3b4a4566795c"));
  for (size_t i = 32; i < 64; ++i) EXPECT_EQ(slot[i], 0);

  uint8_t slot512[64] = {};
  measurement::extend_rem(platform, HashAlgo::kSha512, slot512, data.data(), data.size());
  EXPECT_EQ(std::vector<uint8_t>(slot512, slot512 + 64),
            from_hex("3317cc3c3c68eadf60825ca04a9a4d238c73cd2ad755d2ac479352ee6e56127a5fc8c65dcc5073246ac82b1be0797c4bd"
                     "cc1a6c06195558d1955739fa607db03"));
  // Size 0 is allowed: H(REM).
  uint8_t again[64] = {};
  measurement::extend_rem(platform, HashAlgo::kSha256, again, nullptr, 0);
  EXPECT_EQ(std::vector<uint8_t>(again, again + 32), rim_reference::hash(Algo::kSha256, std::vector<uint8_t>(32, 0)));
}

}  // namespace
}  // namespace mica::monitor::testing
