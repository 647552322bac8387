// measure_image() on a real cross-compiled realm, and its JSON: the steps it
// lists must be enough to recompute the RIM without the image.
#include "host/measure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace mica::host {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::ordered_json;

constexpr uint64_t kBase = 0x4000'0000;

uint64_t parse_number(const json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  return std::strtoull(value.get<std::string>().c_str(), nullptr, 0);
}

Digest parse_digest(HashAlgo algo, const std::string& text) {
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i + 1 < text.size(); i += 2) {
    bytes.push_back(static_cast<uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
  }
  return Digest(algo, bytes);
}

// What a tenant with other tools does: recompute the RIM from the JSON alone.
Digest recompute_from_json(const json& doc) {
  const HashAlgo algo = *parse_hash_algo(doc.at("hash_algo").get<std::string>());
  std::optional<Digest> rim;
  for (const json& s : doc.at("measured_steps")) {
    const std::string command = s.at("command");
    if (command == "RMI_REALM_CREATE") {
      const json& p = s.at("measured_params");
      MeasuredRealmParams params;
      params.flags = parse_number(p.at("flags"));
      params.s2sz = static_cast<uint32_t>(parse_number(p.at("s2sz")));
      params.sve_vl = static_cast<uint32_t>(parse_number(p.at("sve_vl")));
      params.num_bps = static_cast<uint32_t>(parse_number(p.at("num_bps")));
      params.num_wps = static_cast<uint32_t>(parse_number(p.at("num_wps")));
      params.pmu_num_ctrs = static_cast<uint32_t>(parse_number(p.at("pmu_num_ctrs")));
      params.hash_algo = static_cast<HashAlgo>(parse_number(p.at("hash_algo")));
      rim = initial_rim(params);
    } else if (command == "RMI_RTT_INIT_RIPAS") {
      const uint64_t size = parse_number(s.at("entry_size"));
      for (uint64_t a = parse_number(s.at("base")); a < parse_number(s.at("top")); a += size) {
        rim = extend_rim_ripas(*rim, a, a + size);
      }
    } else if (command == "RMI_DATA_CREATE") {
      rim = extend_rim_data(*rim, parse_number(s.at("ipa")), parse_number(s.at("flags")),
                            parse_digest(algo, s.at("content_hash")));
    } else if (command == "RMI_REC_CREATE") {
      rim = extend_rim_rec(*rim, parse_digest(algo, s.at("params_hash")));
    } else {
      ADD_FAILURE() << "unexpected measured command " << command;
    }
    EXPECT_EQ(rim->hex(), s.at("rim_after").get<std::string>()) << command;
  }
  return *rim;
}

TEST(MeasureImage, TinyRealmDefaultOptions) {
  auto result = measure_image(MICA_TEST_REALM);
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->rim.algo(), HashAlgo::kSha256);
  EXPECT_EQ(result->rim, result->computation.rim);
  // 16 MiB of RIPAS in 8 calls, 3 image pages, 1 REC.
  EXPECT_EQ(result->computation.steps.size(), 1u + 8 + 3 + 1);
  EXPECT_EQ(result->plan.pages.size(), 3u);

  const json doc = measurement_to_json(*result);
  EXPECT_EQ(doc.at("rim"), result->rim.hex());
  EXPECT_EQ(doc.at("layout").at("ram_base"), "0x40000000");
  EXPECT_EQ(doc.at("layout").at("measured_pages"), 3);
  EXPECT_EQ(doc.at("layout").at("unmeasured_pages"), 4096 - 3);
  EXPECT_EQ(doc.at("layout").at("root_rtts"), 2);
  const json& rec = doc.at("measured_steps").back();
  EXPECT_EQ(rec.at("command"), "RMI_REC_CREATE");
  EXPECT_EQ(rec.at("measured_params").at("pc"), "0x40000000");
  EXPECT_EQ(rec.at("measured_params").at("gprs")[1], "0x1000000");
  EXPECT_EQ(recompute_from_json(doc), result->rim);
}

TEST(MeasureImage, JsonRecomputesForSha512AndSeveralRecs) {
  MeasureOptions options;
  options.hash_algo = HashAlgo::kSha512;
  options.num_recs = 4;
  options.ram_size = 4 << 20;
  auto result = measure_image(MICA_TEST_REALM, options);
  ASSERT_TRUE(result) << result.error();
  const json doc = measurement_to_json(*result);
  EXPECT_EQ(doc.at("rim").get<std::string>().size(), 128u);
  EXPECT_EQ(doc.at("recs").size(), 4u);
  EXPECT_EQ(doc.at("recs")[3].at("measured"), false);
  EXPECT_EQ(doc.at("recs")[3].at("mpidr"), "0x3");
  EXPECT_EQ(recompute_from_json(doc), result->rim);
}

TEST(MeasureImage, DeterministicAcrossRuns) {
  auto first = measure_image(MICA_TEST_REALM);
  auto second = measure_image(MICA_TEST_REALM);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->rim, second->rim);
}

TEST(MeasureImage, ImageLinkedOutsideRamIsRefused) {
  auto result = measure_image(MICA_TEST_REALM_DEFAULT_LINK);
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error(), HasSubstr(MICA_TEST_REALM_DEFAULT_LINK));
  EXPECT_THAT(result.error(), HasSubstr("outside realm RAM [0x40000000, 0x41000000)"));
  // With RAM where the toolchain put it, the same image measures.
  MeasureOptions options;
  options.ram_base = 0x40'0000;
  EXPECT_TRUE(measure_image(MICA_TEST_REALM_DEFAULT_LINK, options));
}

TEST(MeasureImage, HostileFileIsReportedWithItsPath) {
  const std::string path = ::testing::TempDir() + "/not_an_elf.bin";
  std::ofstream(path) << "#!/bin/sh\necho this is not a realm image, but it is long enough to have a header\n";
  auto result = measure_image(path);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), path + ": not an ELF file: bad magic in e_ident[0..3]");
}

}  // namespace
}  // namespace mica::host
