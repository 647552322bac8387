// Confidential analytics: generator and native reference (analytics_data.h).
#include "analytics_data.h"

#include <array>
#include <cstdio>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace mica::examples::analytics {

namespace {

const std::array<const char*, 5> kRegions = {"north", "south", "east", "west", "central"};
const std::array<const char*, 4> kDiagnoses = {"healthy", "hypertension", "diabetes", "asthma"};
const std::array<const char*, 8> kGiven = {"Ada", "Bjorn", "Chiara", "Dmitri", "Eun-ji", "Farid", "Greta", "Hugo"};
const std::array<const char*, 8> kFamily = {"Lindqvist", "Moreau", "Okafor", "Petrov", "Quispe", "Rossi", "Sato",
                                            "Tanaka"};

// Uniform in [lo, hi] from the raw 64-bit stream (no library distribution,
// so the data is the same with every C++ library).
uint64_t pick(std::mt19937_64& rng, uint64_t lo, uint64_t hi) { return lo + rng() % (hi - lo + 1); }

}  // namespace

std::string generate(uint64_t records, uint64_t seed, const std::string& marker) {
  std::mt19937_64 rng(seed);
  std::ostringstream csv;
  csv << "patient_id,name,age,sex,region,diagnosis,systolic_bp,glucose_mg_dl\n";
  for (uint64_t i = 0; i < records; ++i) {
    // Region sizes differ (central is small, so some of its groups fall
    // under the minimum size); diagnoses depend on age a little.
    const uint64_t r = pick(rng, 0, 99);
    const size_t region = r < 30 ? 0 : r < 55 ? 1 : r < 75 ? 2 : r < 97 ? 3 : 4;
    const uint64_t age = pick(rng, 0, 95);
    const uint64_t d = pick(rng, 0, 99) + (age > 50 ? 15 : 0);
    const size_t diagnosis = d < 45 ? 0 : d < 75 ? 1 : d < 100 ? 2 : 3;
    const uint64_t systolic = pick(rng, 95, 135) + (diagnosis == 1 ? pick(rng, 10, 45) : 0) + age / 8;
    const uint64_t glucose = pick(rng, 70, 110) + (diagnosis == 2 ? pick(rng, 40, 160) : 0);
    const char sex = pick(rng, 0, 1) == 0 ? 'F' : 'M';
    std::string name;
    if (marker.empty()) {
      name = std::string(kGiven[pick(rng, 0, kGiven.size() - 1)]) + " " + kFamily[pick(rng, 0, kFamily.size() - 1)];
    } else {
      name = marker + "-" + std::to_string(i);
    }
    csv << 100000 + i << "," << name << "," << age << "," << sex << "," << kRegions[region] << ","
        << kDiagnoses[diagnosis] << "," << systolic << "," << glucose << "\n";
  }
  return csv.str();
}

std::string reference(const std::string& csv) {
  struct Group {
    uint64_t count = 0, age = 0, systolic = 0, glucose = 0;
    std::array<uint64_t, 10> bins{};
  };
  // Ordered by region, then diagnosis: std::map's order is the byte order.
  std::map<std::pair<std::string, std::string>, Group> groups;
  std::istringstream in(csv);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (first && line.rfind("patient_id", 0) == 0) {
      first = false;
      continue;
    }
    first = false;
    std::vector<std::string> fields;
    std::stringstream split(line);
    std::string field;
    while (std::getline(split, field, ',')) fields.push_back(field);
    if (fields.size() != 8) throw std::invalid_argument("bad line: " + line);
    Group& g = groups[{fields[4], fields[5]}];
    const uint64_t age = std::stoull(fields[2]);
    ++g.count;
    g.age += age;
    g.systolic += std::stoull(fields[6]);
    g.glucose += std::stoull(fields[7]);
    ++g.bins[std::min<uint64_t>(age / 10, 9)];
  }
  auto mean = [](uint64_t sum, uint64_t count) {
    // Rounded half up to hundredths.
    const uint64_t hundredths = (200 * sum + count) / (2 * count);
    char text[32];
    std::snprintf(text, sizeof text, "%llu.%02llu", static_cast<unsigned long long>(hundredths / 100),
                  static_cast<unsigned long long>(hundredths % 100));
    return std::string(text);
  };
  std::ostringstream out;
  out << "region,diagnosis,patients,mean_age,mean_systolic_bp,mean_glucose_mg_dl,age_histogram\n";
  for (const auto& [key, g] : groups) {
    out << key.first << "," << key.second << ",";
    if (g.count < 20) {
      out << "<20,suppressed,suppressed,suppressed,suppressed\n";
      continue;
    }
    out << g.count << "," << mean(g.age, g.count) << "," << mean(g.systolic, g.count) << ","
        << mean(g.glucose, g.count) << ",";
    for (size_t b = 0; b < g.bins.size(); ++b) out << g.bins[b] << (b + 1 < g.bins.size() ? "|" : "\n");
  }
  return out.str();
}

}  // namespace mica::examples::analytics
