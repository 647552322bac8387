// The RIM/REM algorithms against the worked check values of the facts sheet
// (§7.7), which were cross-checked against TF-RMM's own rim.c.
#include "host/measurement.h"

#include <gtest/gtest.h>

#include <numeric>

namespace mica::host {
namespace {

struct CheckValues {
  HashAlgo algo;
  const char* rim0;
  const char* after_ripas;
  const char* after_data_measured;
  const char* after_data_unmeasured;
  const char* after_rec;
  const char* rem_extend;
};

const CheckValues kSha256 = {
    HashAlgo::kSha256,
    "045cb3602843a6845cb710fbbfbb92f0c7d611afe0106ac2953e46950a70c42b",
    "5e99b1e6b2ebb03fe15c9e109929780b9becf1a9154e6f8b64cfd9b988cc1b5f",
    "8091232661b855a69dec4cdefc8f3930fc311c6f79ef4beac399e693cfc73b7b",
    "f8d07515d2daa856dec68ae2a7cf879660b1f83978369d2758862e2cb98ffab0",
    "40e6aac5369bfce1c94fe485b3f9377b815fc4ef51660a90610dc3607592f3ec",
    "dc7a48014fc1fac8b52af39bc7ea5cafafabf8bb81fb8f880fdf3b4a4566795c",
};

const CheckValues kSha512 = {
    HashAlgo::kSha512,
    "066e19aa2c3418dadc20ef31b5595907c612991952553e1e99731a677b5797c9"
    "898dffb6e3963a20b8e1af6d136cd2fe6fe25f048577dc3d7e5bf3a79a4b1e81",
    "bca30a6fd3e3f5fffb9421420b3b8f506558079f8129244555190bfae94d5a68"
    "02f98c111182f3652522ebe97682f24dac5ead632509aa9e1d0cf17b80d5817f",
    "89eed006f6185db6034f167e9ac7c1cc103eb44c115838be48ea228f60864079"
    "153455ac55b5dba5ac528d0b7473898ba654e6a4d291b8becd6d5d135a989e9b",
    "299f0f9cf1ce3bdd0f6f593aaaf89217233fa4d49449b175e1eaa8742fee1334"
    "59cbc00ad1db5b6f0b2c1c8fe5c41d8918524d5a94663556e28697cdbd081f9b",
    "8287adbcf50d601d2316d39aed04cb8e591485898ddab4207db0f019ed087911"
    "7a233638705b0ec11eb371da7dd6828bad1cdbf97b85454f341b4dd5008ecfb6",
    "3317cc3c3c68eadf60825ca04a9a4d238c73cd2ad755d2ac479352ee6e56127a"
    "5fc8c65dcc5073246ac82b1be0797c4bdcc1a6c06195558d1955739fa607db03",
};

class CheckValueTest : public ::testing::TestWithParam<CheckValues> {};

// REALM_CREATE(flags 0, s2sz 40, sve_vl 0, bps 1, wps 1, pmu 0) -> INIT_RIPAS
// [0, 0x1000) -> DATA_CREATE 0x0 zeros measured -> DATA_CREATE 0x1000 bytes
// i & 0xff unmeasured -> REC_CREATE runnable, pc 0, gprs 0.
TEST_P(CheckValueTest, ReproducesEveryStepOfTheWorkedSequence) {
  const CheckValues& v = GetParam();
  MeasuredRealmParams realm;
  realm.flags = 0;
  realm.s2sz = 40;
  realm.sve_vl = 0;
  realm.num_bps = 1;
  realm.num_wps = 1;
  realm.pmu_num_ctrs = 0;
  realm.hash_algo = v.algo;

  Digest rim = initial_rim(realm);
  EXPECT_EQ(rim.hex(), v.rim0);

  rim = extend_rim_ripas(rim, 0x0, 0x1000);
  EXPECT_EQ(rim.hex(), v.after_ripas);

  GranuleBytes zeros{};
  rim = extend_rim_data(rim, 0x0, kDataFlagMeasureContent, zeros);
  EXPECT_EQ(rim.hex(), v.after_data_measured);

  GranuleBytes pattern{};
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<uint8_t>(i & 0xFF);
  rim = extend_rim_data(rim, 0x1000, 0, pattern);
  EXPECT_EQ(rim.hex(), v.after_data_unmeasured);

  MeasuredRecParams rec;
  rec.flags = kRecFlagRunnable;
  rim = extend_rim_rec(rim, rec_params_hash(v.algo, rec));
  EXPECT_EQ(rim.hex(), v.after_rec);

  std::array<uint8_t, 64> data{};
  std::iota(data.begin(), data.end(), uint8_t{0});
  EXPECT_EQ(extend_rem(Digest(v.algo), data).hex(), v.rem_extend);
}

INSTANTIATE_TEST_SUITE_P(BothAlgorithms, CheckValueTest, ::testing::Values(kSha256, kSha512),
                         [](const auto& param_info) { return std::string(hash_algo_name(param_info.param.algo)); });

TEST(Measurement, UnmeasuredDataIgnoresContent) {
  const Digest rim0 = initial_rim(MeasuredRealmParams{});
  GranuleBytes a{};
  GranuleBytes b{};
  b[17] = 0x5A;
  EXPECT_EQ(extend_rim_data(rim0, 0x4000'0000, 0, a), extend_rim_data(rim0, 0x4000'0000, 0, b));
  EXPECT_NE(extend_rim_data(rim0, 0x4000'0000, 1, a), extend_rim_data(rim0, 0x4000'0000, 1, b));
}

TEST(Measurement, RealmParamsPageHoldsOnlyMeasuredFields) {
  MeasuredRealmParams p;
  p.flags = 0x0102030405060708;
  p.s2sz = 41;
  p.hash_algo = HashAlgo::kSha512;
  const GranuleBytes page = measured_realm_params_page(p);
  EXPECT_EQ(page[0x000], 0x08);
  EXPECT_EQ(page[0x007], 0x01);
  EXPECT_EQ(page[0x008], 41);
  EXPECT_EQ(page[0x018], 1);  // num_bps
  EXPECT_EQ(page[0x020], 1);  // num_wps
  EXPECT_EQ(page[0x030], 1);  // hash_algo
  size_t nonzero = 0;
  for (uint8_t b : page) nonzero += b != 0;
  EXPECT_EQ(nonzero, 8u + 1 + 1 + 1 + 1);
}

TEST(Measurement, RemExtendRejectsMoreThan64Bytes) {
  std::array<uint8_t, 65> data{};
  EXPECT_THROW(extend_rem(Digest(HashAlgo::kSha256), data), std::invalid_argument);
}

TEST(Measurement, RemExtendWithNoDataStillHashes) {
  const Digest zero(HashAlgo::kSha256);
  const Digest once = extend_rem(zero, {});
  EXPECT_EQ(once, hash_bytes(HashAlgo::kSha256, zero.bytes()));
  EXPECT_NE(once, zero);
}

}  // namespace
}  // namespace mica::host
