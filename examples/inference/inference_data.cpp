// Private inference: generators and native reference (inference_data.h).
#include "inference_data.h"

#include <array>
#include <cstring>
#include <random>
#include <sstream>
#include <stdexcept>

namespace mica::examples::inference {

namespace {

constexpr int kInputs = 8;
constexpr int kHidden = 16;

uint64_t pick(std::mt19937_64& rng, uint64_t lo, uint64_t hi) { return lo + rng() % (hi - lo + 1); }
int64_t pick_signed(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
}

void put32(std::vector<uint8_t>& out, int32_t v) {
  const uint32_t u = static_cast<uint32_t>(v);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(u >> (8 * i)));
}
int32_t get32(const std::vector<uint8_t>& in, size_t at) {
  uint32_t u = 0;
  for (int i = 0; i < 4; ++i) u |= uint32_t{in.at(at + static_cast<size_t>(i))} << (8 * i);
  return static_cast<int32_t>(u);
}

}  // namespace

std::vector<uint8_t> generate_weights(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> out = {'M', 'I', 'C', 'A', 'M', 'L', 'P', '1'};
  put32(out, kInputs);
  put32(out, kHidden);
  // Features differ in scale (age ~50, glucose ~120, cholesterol ~200): the
  // first layer's weights are scaled so each contributes comparably.
  const std::array<int64_t, kInputs> scale = {40, 6, 16, 14, 10, 900, 120, 700};
  for (int j = 0; j < kHidden; ++j) {
    for (int i = 0; i < kInputs; ++i) put32(out, static_cast<int32_t>(pick_signed(rng, -scale[i], scale[i])));
  }
  for (int j = 0; j < kHidden; ++j) put32(out, static_cast<int32_t>(pick_signed(rng, -4000, 4000)));
  for (int j = 0; j < kHidden; ++j) put32(out, static_cast<int32_t>(pick_signed(rng, -300, 300)));
  put32(out, static_cast<int32_t>(pick_signed(rng, -2000, 2000)));  // b2
  put32(out, 40);                                                    // threshold
  return out;
}

std::string generate_patients(uint64_t patients, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::ostringstream csv;
  csv << "patient_id,age,bmi_x10,systolic_bp,glucose_mg_dl,cholesterol_mg_dl,smoker,exercise_h_week,family_history\n";
  for (uint64_t i = 0; i < patients; ++i) {
    const uint64_t age = pick(rng, 18, 90);
    csv << 700000000 + i << "," << age << "," << pick(rng, 170, 420) << "," << pick(rng, 95, 185) + age / 5 << ","
        << pick(rng, 70, 260) << "," << pick(rng, 120, 320) << "," << (pick(rng, 0, 3) == 0 ? 1 : 0) << ","
        << pick(rng, 0, 14) << "," << (pick(rng, 0, 4) == 0 ? 1 : 0) << "\n";
  }
  return csv.str();
}

std::string reference(const std::vector<uint8_t>& weights, const std::string& patients) {
  constexpr size_t kSize = 16 + 4 * (kHidden * kInputs + kHidden + kHidden + 2);
  if (weights.size() != kSize || std::memcmp(weights.data(), "MICAMLP1", 8) != 0) {
    throw std::invalid_argument("not a MICAMLP1 weights file");
  }
  size_t at = 16;
  std::array<std::array<int64_t, kInputs>, kHidden> w1{};
  std::array<int64_t, kHidden> b1{}, w2{};
  for (auto& row : w1) {
    for (auto& w : row) w = get32(weights, (at += 4) - 4);
  }
  for (auto& b : b1) b = get32(weights, (at += 4) - 4);
  for (auto& w : w2) w = get32(weights, (at += 4) - 4);
  const int64_t b2 = get32(weights, at);
  const int64_t threshold = get32(weights, at + 4);

  std::ostringstream out;
  out << "patient_id,risk_score,risk_class\n";
  std::istringstream in(patients);
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (header && line.rfind("patient_id", 0) == 0) {
      header = false;
      continue;
    }
    header = false;
    std::istringstream fields(line);
    std::string field;
    std::getline(fields, field, ',');
    const uint64_t id = std::stoull(field);
    std::array<int64_t, kInputs> x{};
    for (auto& v : x) {
      std::getline(fields, field, ',');
      v = std::stoll(field);
    }
    // The specification's arithmetic: ReLU then integer division by 256;
    // the output floor-divided by 256.
    int64_t sum = b2;
    for (int j = 0; j < kHidden; ++j) {
      int64_t s = b1[static_cast<size_t>(j)];
      for (int i = 0; i < kInputs; ++i) s += w1[static_cast<size_t>(j)][static_cast<size_t>(i)] * x[static_cast<size_t>(i)];
      sum += w2[static_cast<size_t>(j)] * (s > 0 ? s / 256 : 0);
    }
    const int64_t score = sum >= 0 ? sum / 256 : -((-sum + 255) / 256);
    out << id << "," << score << "," << (score >= threshold ? "high" : "low") << "\n";
  }
  return out.str();
}

}  // namespace mica::examples::inference
