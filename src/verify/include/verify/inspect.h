// `mica inspect`: any CCA token (ours or anyone's) in readable form.
//
// Accepts a CCA token in either wrapper, a bare COSE_Sign1 (one platform or
// realm token), or failing both any well-formed CBOR (shown in diagnostic
// notation). Known claims are named, unknown claims shown as they are.
// Signatures are only checked when a platform key is given; the binding of
// the realm attestation key to the platform challenge is always computed.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>

#include "verify/crypto.h"
#include "verify/result.h"

namespace mica::verify {

struct InspectOptions {
  std::optional<EcPublicKey> platform_key;
};

// Fails only if the input is not CBOR at all (or too large).
Result<std::string> inspect_text(std::span<const uint8_t> input, const InspectOptions& options);
Result<nlohmann::json> inspect_json(std::span<const uint8_t> input, const InspectOptions& options);

// A CBOR item as JSON: byte strings become lowercase hex strings, maps with
// integer or text keys become objects (keys as decimal strings), tags become
// {"tag": n, "value": ...}.
nlohmann::json cbor_to_json(const cbor::Item& item);

}  // namespace mica::verify
