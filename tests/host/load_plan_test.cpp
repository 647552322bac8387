// The VMM's load plan: exact step sequence for known images and configs.
#include "host/load_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "elf_builder.h"

namespace mica::host {
namespace {

using ::testing::HasSubstr;
using testing::bytes_of;
using testing::ElfBuilder;

constexpr uint64_t kBase = 0x4000'0000;
constexpr uint64_t kMiB = uint64_t{1} << 20;

ElfImage parse(std::vector<uint8_t> file) {
  auto image = ElfImage::parse(std::move(file));
  EXPECT_TRUE(image) << image.error();
  return std::move(image).value();
}

// Code 0x1770 bytes at the base (two pages), data 0x100 bytes at +0x2800
// with BSS up to +0x5800: pages 0..2 carry file bytes, 3..5 are BSS only.
ElfImage sample_image() {
  return parse(ElfBuilder()
                   .entry(kBase + 0x40)
                   .segment({kBase, bytes_of(0x1770, 3), 0, PF_R | PF_X})
                   .segment({kBase + 0x2800, bytes_of(0x100, 9), 0x3000, PF_R | PF_W})
                   .build());
}

template <class Step>
std::vector<Step> steps_of(const LoadPlan& plan) {
  std::vector<Step> out;
  for (const auto& s : plan.steps) {
    if (const auto* typed = std::get_if<Step>(&s)) out.push_back(*typed);
  }
  return out;
}

TEST(RttGeometry, StartLevelAndRootCountPerIpaWidth) {
  struct Case {
    uint32_t width;
    int level;
    uint32_t roots;
  };
  for (const Case& c : {Case{32, 1, 1}, Case{39, 1, 1}, Case{40, 1, 2}, Case{41, 1, 4}, Case{43, 1, 16},
                        Case{44, 0, 1}, Case{48, 0, 1}}) {
    auto g = rtt_geometry(c.width);
    ASSERT_TRUE(g) << c.width;
    EXPECT_EQ(g->start_level, c.level) << c.width;
    EXPECT_EQ(g->num_root_rtts, c.roots) << c.width;
  }
  EXPECT_FALSE(rtt_geometry(31));
  EXPECT_FALSE(rtt_geometry(49));
}

TEST(RecMpidr, LinearIndexToAffinityFields) {
  EXPECT_EQ(rec_mpidr(0), 0u);
  EXPECT_EQ(rec_mpidr(15), 0xFu);
  EXPECT_EQ(rec_mpidr(16), 0x100u);
  EXPECT_EQ(rec_mpidr(17), 0x101u);
  EXPECT_EQ(rec_mpidr(1023), 0x3F0Fu);
}

TEST(LoadPlan, FullSequenceForTheDefaultConfiguration) {
  RealmConfig config;  // s2sz 40, 16 MiB at 1 GiB, one REC, SHA-256
  auto plan = build_load_plan(sample_image(), config);
  ASSERT_TRUE(plan) << plan.error();

  // Order of commands: create, tables, RIPAS, data, RECs, activate.
  std::vector<std::string_view> order;
  for (const auto& s : plan->steps) {
    if (order.empty() || order.back() != rmi_command_name(s)) order.push_back(rmi_command_name(s));
  }
  EXPECT_THAT(order, ::testing::ElementsAre("RMI_REALM_CREATE", "RMI_RTT_CREATE", "RMI_RTT_INIT_RIPAS",
                                            "RMI_DATA_CREATE", "RMI_DATA_CREATE_UNKNOWN", "RMI_REC_CREATE",
                                            "RMI_REALM_ACTIVATE"));

  const auto create = std::get<step::RealmCreate>(plan->steps.front());
  EXPECT_EQ(create.params.flags, 0u);
  EXPECT_EQ(create.params.s2sz, 40u);
  EXPECT_EQ(create.params.num_bps, 1u);
  EXPECT_EQ(create.params.num_wps, 1u);
  EXPECT_EQ(create.params.hash_algo, HashAlgo::kSha256);
  EXPECT_EQ(create.rtt_level_start, 1);
  EXPECT_EQ(create.rtt_num_start, 2u);

  // One level-2 table for the GiB at 1 GiB, eight level-3 tables for 16 MiB.
  const auto rtts = steps_of<step::RttCreate>(*plan);
  ASSERT_EQ(rtts.size(), 9u);
  EXPECT_EQ(rtts[0].ipa, kBase);
  EXPECT_EQ(rtts[0].level, 2);
  for (size_t i = 1; i < rtts.size(); ++i) {
    EXPECT_EQ(rtts[i].ipa, kBase + (i - 1) * 2 * kMiB);
    EXPECT_EQ(rtts[i].level, 3);
  }

  const auto ripas = steps_of<step::InitRipas>(*plan);
  ASSERT_EQ(ripas.size(), 8u);
  for (size_t i = 0; i < ripas.size(); ++i) {
    EXPECT_EQ(ripas[i].base, kBase + i * 2 * kMiB);
    EXPECT_EQ(ripas[i].top, kBase + (i + 1) * 2 * kMiB);
    EXPECT_EQ(ripas[i].level, 3);
  }

  const auto data = steps_of<step::DataCreate>(*plan);
  ASSERT_EQ(data.size(), 3u);
  ASSERT_EQ(plan->pages.size(), 3u);
  for (size_t i = 0; i < data.size(); ++i) {
    EXPECT_EQ(data[i].ipa, kBase + i * 0x1000);
    EXPECT_EQ(data[i].flags, kDataFlagMeasureContent);
    EXPECT_EQ(data[i].page, i);
  }
  // Page contents: the file bytes where segments have them, zero elsewhere.
  const auto code = bytes_of(0x1770, 3);
  const auto initialised = bytes_of(0x100, 9);
  EXPECT_TRUE(std::equal(code.begin(), code.begin() + 0x1000, plan->pages[0].begin()));
  EXPECT_TRUE(std::equal(code.begin() + 0x1000, code.end(), plan->pages[1].begin()));
  EXPECT_TRUE(std::all_of(plan->pages[1].begin() + 0x770, plan->pages[1].end(), [](uint8_t b) { return b == 0; }));
  EXPECT_TRUE(std::all_of(plan->pages[2].begin(), plan->pages[2].begin() + 0x800, [](uint8_t b) { return b == 0; }));
  EXPECT_TRUE(std::equal(initialised.begin(), initialised.end(), plan->pages[2].begin() + 0x800));
  EXPECT_TRUE(std::all_of(plan->pages[2].begin() + 0x900, plan->pages[2].end(), [](uint8_t b) { return b == 0; }));

  // The rest of RAM, BSS included, in one unmeasured run.
  const auto unknown = steps_of<step::DataCreateUnknown>(*plan);
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].base, kBase + 0x3000);
  EXPECT_EQ(unknown[0].top, kBase + 16 * kMiB);

  const auto recs = steps_of<step::RecCreate>(*plan);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].params.flags, kRecFlagRunnable);
  EXPECT_EQ(recs[0].params.pc, kBase + 0x40);
  EXPECT_THAT(recs[0].params.gprs, ::testing::ElementsAre(kBase, 16 * kMiB, 1, 0, 0, 0, 0, 0));
  EXPECT_TRUE(std::holds_alternative<step::RealmActivate>(plan->steps.back()));

  // RD + 2 roots + 9 tables + 4096 pages + REC with 16 aux granules.
  EXPECT_EQ(plan->granules_to_delegate(16), 1u + 2 + 9 + 4096 + 17);
}

TEST(LoadPlan, SecondaryRecsAreNotRunnable) {
  RealmConfig config;
  config.num_recs = 20;
  auto plan = build_load_plan(sample_image(), config);
  ASSERT_TRUE(plan) << plan.error();
  const auto recs = steps_of<step::RecCreate>(*plan);
  ASSERT_EQ(recs.size(), 20u);
  EXPECT_EQ(recs[0].params.gprs[kBootRegNumRecs], 20u);
  for (uint32_t i = 1; i < 20; ++i) {
    EXPECT_EQ(recs[i].index, i);
    EXPECT_EQ(recs[i].mpidr, rec_mpidr(i));
    EXPECT_EQ(recs[i].params.flags, 0u);
    EXPECT_EQ(recs[i].params.pc, 0u);
    EXPECT_THAT(recs[i].params.gprs, ::testing::Each(0u));
  }
}

TEST(LoadPlan, SegmentsSharingAPageAreMergedIntoOneMeasuredPage) {
  auto image = parse(ElfBuilder()
                         .entry(kBase)
                         .segment({kBase, bytes_of(0x100, 1), 0, PF_R | PF_X})
                         .segment({kBase + 0x200, bytes_of(0x100, 2), 0, PF_R | PF_W})
                         .build());
  auto plan = build_load_plan(image, RealmConfig{});
  ASSERT_TRUE(plan) << plan.error();
  ASSERT_EQ(plan->pages.size(), 1u);
  const auto a = bytes_of(0x100, 1);
  const auto b = bytes_of(0x100, 2);
  EXPECT_TRUE(std::equal(a.begin(), a.end(), plan->pages[0].begin()));
  EXPECT_TRUE(std::all_of(plan->pages[0].begin() + 0x100, plan->pages[0].begin() + 0x200,
                          [](uint8_t v) { return v == 0; }));
  EXPECT_TRUE(std::equal(b.begin(), b.end(), plan->pages[0].begin() + 0x200));
}

TEST(LoadPlan, UnmeasuredRunsFillTheGapsBetweenImagePages) {
  auto image = parse(ElfBuilder()
                         .entry(kBase + 0x3000)
                         .segment({kBase + 0x3000, bytes_of(0x10), 0, PF_R | PF_X})
                         .segment({kBase + 0x8000, bytes_of(0x10), 0, PF_R})
                         .build());
  RealmConfig config;
  config.ram_size = 0x10000;
  auto plan = build_load_plan(image, config);
  ASSERT_TRUE(plan) << plan.error();
  std::vector<std::pair<uint64_t, uint64_t>> layout;  // (ipa, 0 = unknown run top / 1 = measured)
  for (const auto& s : plan->steps) {
    if (const auto* d = std::get_if<step::DataCreate>(&s)) layout.emplace_back(d->ipa, 1);
    if (const auto* u = std::get_if<step::DataCreateUnknown>(&s)) layout.emplace_back(u->base, u->top);
  }
  EXPECT_THAT(layout, ::testing::ElementsAre(std::pair{kBase, kBase + 0x3000}, std::pair{kBase + 0x3000, 1},
                                             std::pair{kBase + 0x4000, kBase + 0x8000},
                                             std::pair{kBase + 0x8000, 1},
                                             std::pair{kBase + 0x9000, kBase + 0x10000}));
}

TEST(LoadPlan, RamNotAlignedToTablesSplitsRipasAtTableBoundaries) {
  auto image = parse(ElfBuilder().entry(kBase + 0x1F'F000).segment({kBase + 0x1F'F000, bytes_of(0x10), 0, PF_R | PF_X}).build());
  RealmConfig config;
  config.ram_base = kBase + 0x1F'F000;  // last page of the first 2 MiB
  config.ram_size = 2 * kMiB + 0x2000;
  auto plan = build_load_plan(image, config);
  ASSERT_TRUE(plan) << plan.error();
  const auto ripas = steps_of<step::InitRipas>(*plan);
  ASSERT_EQ(ripas.size(), 3u);
  EXPECT_EQ(ripas[0].base, kBase + 0x1F'F000);
  EXPECT_EQ(ripas[0].top, kBase + 2 * kMiB);
  EXPECT_EQ(ripas[1].base, kBase + 2 * kMiB);
  EXPECT_EQ(ripas[1].top, kBase + 4 * kMiB);
  EXPECT_EQ(ripas[2].base, kBase + 4 * kMiB);
  EXPECT_EQ(ripas[2].top, kBase + 4 * kMiB + 0x1000);
  const auto rtts = steps_of<step::RttCreate>(*plan);
  ASSERT_EQ(rtts.size(), 4u);  // one L2, three L3
  EXPECT_EQ(rtts[1].ipa, kBase);
  EXPECT_EQ(rtts[3].ipa, kBase + 4 * kMiB);
}

TEST(LoadPlan, StartLevelZeroCreatesLevelOneTablesFirst) {
  RealmConfig config;
  config.ipa_width = 44;
  auto plan = build_load_plan(sample_image(), config);
  ASSERT_TRUE(plan) << plan.error();
  const auto rtts = steps_of<step::RttCreate>(*plan);
  ASSERT_EQ(rtts.size(), 10u);
  EXPECT_EQ(rtts[0].ipa, 0u);  // the 512 GiB region holding RAM
  EXPECT_EQ(rtts[0].level, 1);
  EXPECT_EQ(rtts[1].ipa, kBase);
  EXPECT_EQ(rtts[1].level, 2);
  EXPECT_EQ(std::get<step::RealmCreate>(plan->steps.front()).rtt_level_start, 0);
}

TEST(LoadPlan, RamMayCrossAGigabyteBoundary) {
  RealmConfig config;
  config.ram_base = kBase + (1024 - 2) * kMiB;
  config.ram_size = 4 * kMiB;
  auto image = parse(ElfBuilder().entry(config.ram_base).segment({config.ram_base, bytes_of(0x10), 0, PF_R | PF_X}).build());
  auto plan = build_load_plan(image, config);
  ASSERT_TRUE(plan) << plan.error();
  const auto rtts = steps_of<step::RttCreate>(*plan);
  ASSERT_EQ(rtts.size(), 4u);
  EXPECT_EQ(rtts[0].ipa, kBase);
  EXPECT_EQ(rtts[1].ipa, 2 * kBase);
  EXPECT_EQ(rtts[1].level, 2);
  EXPECT_EQ(rtts[2].ipa, config.ram_base);
  EXPECT_EQ(rtts[3].ipa, 2 * kBase);
}

// --- refused configurations ---------------------------------------------------

std::string plan_error(const ElfImage& image, const RealmConfig& config) {
  auto plan = build_load_plan(image, config);
  return plan ? "planned successfully" : plan.error();
}

TEST(LoadPlanErrors, IpaWidth) {
  RealmConfig config;
  config.ipa_width = 31;
  EXPECT_THAT(plan_error(sample_image(), config), HasSubstr("IPA width 31 is outside 32..48"));
  config.ipa_width = 49;
  EXPECT_THAT(plan_error(sample_image(), config), HasSubstr("IPA width 49"));
}

TEST(LoadPlanErrors, RecCount) {
  RealmConfig config;
  config.num_recs = 0;
  EXPECT_THAT(plan_error(sample_image(), config), HasSubstr("number of RECs 0 is outside 1..1023"));
  config.num_recs = 1024;
  EXPECT_THAT(plan_error(sample_image(), config), HasSubstr("number of RECs 1024"));
}

TEST(LoadPlanErrors, RamGeometry) {
  RealmConfig config;
  config.ram_size = 0x1800;
  EXPECT_THAT(plan_error(sample_image(), config), HasSubstr("RAM size 0x1800 is not a non-zero multiple of 4 KiB"));
  config.ram_size = 0;
  EXPECT_THAT(plan_error(sample_image(), config), HasSubstr("RAM size 0x0"));
  config.ram_size = 8 * kMiB;
  config.ram_base = kBase + 0x10;
  EXPECT_THAT(plan_error(sample_image(), config), HasSubstr("RAM base 0x40000010 is not 4 KiB aligned"));
  config.ram_base = kBase;
  config.ram_size = kMaxRealmRam + 0x1000;
  EXPECT_THAT(plan_error(sample_image(), config), HasSubstr("exceeds the limit"));
}

TEST(LoadPlanErrors, RamOutsideProtectedRange) {
  RealmConfig config;
  config.ipa_width = 32;  // PAR = [0, 2 GiB)
  config.ram_size = kBase + 0x1000;
  EXPECT_THAT(plan_error(sample_image(), config),
              HasSubstr("realm RAM [0x40000000, 0x80001000) does not fit in the protected IPA range [0, 0x80000000)"));
  config.ram_size = kBase;  // exactly up to the end of the PAR: fine
  EXPECT_EQ(plan_error(sample_image(), config), "planned successfully");
}

TEST(LoadPlanErrors, ImageOutsideRam) {
  RealmConfig config;
  config.ram_size = 0x5000;  // BSS of the sample image reaches +0x5800
  EXPECT_THAT(plan_error(sample_image(), config),
              HasSubstr("program header 1 loads at [0x40002800, 0x40005800), outside realm RAM [0x40000000, 0x40005000)"));
  config.ram_size = 16 * kMiB;
  config.ram_base = kBase + 0x1000;
  EXPECT_THAT(plan_error(sample_image(), config), HasSubstr("program header 0 loads at [0x40000000"));
}

TEST(LoadPlanErrors, Breakpoints) {
  RealmConfig config;
  config.num_bps = 0;
  EXPECT_THAT(plan_error(sample_image(), config), HasSubstr("num_bps and num_wps must be at least 1"));
}

}  // namespace
}  // namespace mica::host
