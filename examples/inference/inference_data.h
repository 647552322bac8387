// Private inference: the generators of the vendor's weights and the clinic's
// patients, and the native reference of the scores (the formula of
// realm/lib/mlp.h, written again in C++).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mica::examples::inference {

// A MICAMLP1 weights file (8-16-1) from `seed`.
std::vector<uint8_t> generate_weights(uint64_t seed);
// `patients` records "patient_id,age,bmi_x10,systolic_bp,glucose_mg_dl,
// cholesterol_mg_dl,smoker,exercise_h_week,family_history" with a header;
// patient ids count up from 700000000.
std::string generate_patients(uint64_t patients, uint64_t seed);

// "patient_id,risk_score,risk_class" lines for every patient.
std::string reference(const std::vector<uint8_t>& weights, const std::string& patients);

}  // namespace mica::examples::inference
