// Rendering of a VerificationReport: a human report (default of `mica
// verify`) and a JSON attestation result for programs (`--json`).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "verify/verifier.h"

namespace mica::verify {

std::string report_text(const VerificationReport& report);
nlohmann::json report_json(const VerificationReport& report);

}  // namespace mica::verify
