// The RIM calculator: replaying plans, and what the RIM does and does not
// depend on.
#include "host/rim.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "elf_builder.h"

namespace mica::host {
namespace {

using testing::bytes_of;
using testing::ElfBuilder;

constexpr uint64_t kBase = 0x4000'0000;

// The §7.7 sequence written as a load plan, replayed by compute_rim.
LoadPlan check_value_plan(HashAlgo algo) {
  LoadPlan plan;
  step::RealmCreate create;
  create.params.s2sz = 40;
  create.params.num_bps = 1;
  create.params.num_wps = 1;
  create.params.hash_algo = algo;
  plan.steps.emplace_back(create);
  plan.steps.emplace_back(step::RttCreate{0, 2});
  plan.steps.emplace_back(step::RttCreate{0, 3});
  plan.steps.emplace_back(step::InitRipas{0x0, 0x1000, 3});
  GranuleBytes zeros{};
  GranuleBytes pattern{};
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<uint8_t>(i & 0xFF);
  plan.pages = {zeros, pattern};
  plan.steps.emplace_back(step::DataCreate{0x0, kDataFlagMeasureContent, 0});
  plan.steps.emplace_back(step::DataCreate{0x1000, 0, 1});
  step::RecCreate rec;
  rec.params.flags = kRecFlagRunnable;
  plan.steps.emplace_back(rec);
  plan.steps.emplace_back(step::RealmActivate{});
  return plan;
}

TEST(ComputeRim, ReplaysTheCheckValueSequenceSha256) {
  const RimComputation c = compute_rim(check_value_plan(HashAlgo::kSha256));
  EXPECT_EQ(c.rim.hex(), "40e6aac5369bfce1c94fe485b3f9377b815fc4ef51660a90610dc3607592f3ec");
  ASSERT_EQ(c.steps.size(), 5u);
  EXPECT_EQ(std::get<measured::RealmCreate>(c.steps[0]).rim_after.hex(),
            "045cb3602843a6845cb710fbbfbb92f0c7d611afe0106ac2953e46950a70c42b");
  EXPECT_EQ(std::get<measured::Ripas>(c.steps[1]).rim_after.hex(),
            "5e99b1e6b2ebb03fe15c9e109929780b9becf1a9154e6f8b64cfd9b988cc1b5f");
  EXPECT_EQ(std::get<measured::Data>(c.steps[2]).rim_after.hex(),
            "8091232661b855a69dec4cdefc8f3930fc311c6f79ef4beac399e693cfc73b7b");
  const auto& unmeasured = std::get<measured::Data>(c.steps[3]);
  EXPECT_EQ(unmeasured.rim_after.hex(), "f8d07515d2daa856dec68ae2a7cf879660b1f83978369d2758862e2cb98ffab0");
  EXPECT_EQ(unmeasured.content_hash, Digest(HashAlgo::kSha256));
  EXPECT_EQ(std::get<measured::Rec>(c.steps[4]).rim_after, c.rim);
}

TEST(ComputeRim, ReplaysTheCheckValueSequenceSha512) {
  const RimComputation c = compute_rim(check_value_plan(HashAlgo::kSha512));
  EXPECT_EQ(c.rim.hex(),
            "8287adbcf50d601d2316d39aed04cb8e591485898ddab4207db0f019ed087911"
            "7a233638705b0ec11eb371da7dd6828bad1cdbf97b85454f341b4dd5008ecfb6");
  EXPECT_EQ(std::get<measured::Ripas>(c.steps[1]).rim_after.hex(),
            "bca30a6fd3e3f5fffb9421420b3b8f506558079f8129244555190bfae94d5a68"
            "02f98c111182f3652522ebe97682f24dac5ead632509aa9e1d0cf17b80d5817f");
  EXPECT_EQ(std::get<measured::Data>(c.steps[2]).rim_after.hex(),
            "89eed006f6185db6034f167e9ac7c1cc103eb44c115838be48ea228f60864079"
            "153455ac55b5dba5ac528d0b7473898ba654e6a4d291b8becd6d5d135a989e9b");
  EXPECT_EQ(std::get<measured::Data>(c.steps[3]).rim_after.hex(),
            "299f0f9cf1ce3bdd0f6f593aaaf89217233fa4d49449b175e1eaa8742fee1334"
            "59cbc00ad1db5b6f0b2c1c8fe5c41d8918524d5a94663556e28697cdbd081f9b");
}

TEST(ComputeRim, NonRunnableRecsAndUnknownDataLeaveTheRimAlone) {
  LoadPlan plan = check_value_plan(HashAlgo::kSha256);
  const Digest before = compute_rim(plan).rim;
  step::RecCreate secondary;
  secondary.index = 1;
  secondary.params.pc = 0x1234;  // ignored: not runnable
  plan.steps.insert(plan.steps.end() - 1, secondary);
  plan.steps.insert(plan.steps.end() - 1, step::DataCreateUnknown{0x2000, 0x8000});
  EXPECT_EQ(compute_rim(plan).rim, before);
}

TEST(ComputeRim, RefusesAPlanWithoutRealmCreate) {
  LoadPlan plan;
  plan.steps.emplace_back(step::InitRipas{0, 0x1000, 3});
  EXPECT_THROW(compute_rim(plan), std::invalid_argument);
}

// A two-page RAM with a one-page image, recomputed by hand from the
// primitives: fixes the order RIPAS (all RAM), DATA, REC.
TEST(ComputeRim, SmallImageMatchesHandComputedSequence) {
  const auto code = bytes_of(0x20, 5);
  auto image = ElfImage::parse(ElfBuilder().entry(kBase + 4).segment({kBase, code, 0, PF_R | PF_X}).build());
  ASSERT_TRUE(image) << image.error();
  RealmConfig config;
  config.ram_size = 0x2000;
  config.hash_algo = HashAlgo::kSha512;
  auto plan = build_load_plan(*image, config);
  ASSERT_TRUE(plan) << plan.error();

  MeasuredRealmParams params;
  params.s2sz = 40;
  params.hash_algo = HashAlgo::kSha512;
  Digest expected = initial_rim(params);
  expected = extend_rim_ripas(expected, kBase, kBase + 0x1000);
  expected = extend_rim_ripas(expected, kBase + 0x1000, kBase + 0x2000);
  GranuleBytes page{};
  std::copy(code.begin(), code.end(), page.begin());
  expected = extend_rim_data(expected, kBase, 1, page);
  MeasuredRecParams rec;
  rec.flags = 1;
  rec.pc = kBase + 4;
  rec.gprs = {kBase, 0x2000, 1, 0, 0, 0, 0, 0};
  expected = extend_rim_rec(expected, rec_params_hash(HashAlgo::kSha512, rec));

  EXPECT_EQ(compute_rim(*plan).rim, expected);
}

class RimSensitivity : public ::testing::Test {
 protected:
  Digest rim_for(const std::vector<uint8_t>& code, const RealmConfig& config) {
    auto image = ElfImage::parse(ElfBuilder().entry(kBase).segment({kBase, code, 0x4000, PF_R | PF_X}).build());
    EXPECT_TRUE(image) << image.error();
    auto plan = build_load_plan(*image, config);
    EXPECT_TRUE(plan) << plan.error();
    return compute_rim(*plan).rim;
  }
  std::vector<uint8_t> code_ = bytes_of(0x1800, 11);
  RealmConfig config_;
};

TEST_F(RimSensitivity, EveryMeasuredInputChangesTheRim) {
  const Digest reference = rim_for(code_, config_);
  auto flipped = code_;
  flipped[0x17FF] ^= 1;
  EXPECT_NE(rim_for(flipped, config_), reference) << "last code byte";

  RealmConfig other = config_;
  other.ram_size += 0x1000;
  EXPECT_NE(rim_for(code_, other), reference) << "RAM size";
  other = config_;
  other.num_recs = 2;
  EXPECT_NE(rim_for(code_, other), reference) << "REC count (X2)";
  other = config_;
  other.ipa_width = 39;
  EXPECT_NE(rim_for(code_, other), reference) << "IPA width";
  other = config_;
  other.num_wps = 2;
  EXPECT_NE(rim_for(code_, other), reference) << "watchpoints";
  other = config_;
  other.hash_algo = HashAlgo::kSha512;
  EXPECT_NE(rim_for(code_, other), reference) << "algorithm";
}

TEST_F(RimSensitivity, UnmeasuredInputsDoNotChangeTheRim) {
  const Digest reference = rim_for(code_, config_);
  RealmConfig other = config_;
  other.rpv[0] = 0xAA;
  EXPECT_EQ(rim_for(code_, other), reference) << "RPV is reported in the token, not in the RIM";
}

}  // namespace
}  // namespace mica::host
