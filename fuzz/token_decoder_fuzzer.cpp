// libFuzzer harness for the verifier's input side: the strict CBOR decoder,
// the CCA collection and COSE_Sign1 decoders, both claim parsers, the
// inspector and the whole verifier. Everything a hostile token reaches.
//
// Invariants checked besides "no crash, no sanitizer report":
//   * whatever decodes re-encodes to bytes that decode to an equal item,
//   * a token that decodes is never reported as malformed by the verifier,
//     and one that does not decode always is.
// Seed corpus: ../shared/testvectors/cca-tokens/*.cbor and tokens written by
// tests/verify/mica_make_sample_token.
#include <cstddef>
#include <cstdint>
#include <span>

#include "verify/cbor.h"
#include "verify/claims.h"
#include "verify/inspect.h"
#include "verify/token.h"
#include "verify/verifier.h"

namespace {

const mica::verify::VerifyOptions& options() {
  static const mica::verify::VerifyOptions opts = [] {
    mica::verify::VerifyOptions o;
    // A fixed, valid P-256 anchor (private scalar 1: the generator point).
    mica::verify::Bytes one(32, 0);
    one.back() = 1;
    auto key = mica::verify::EcKeyPair::from_private_scalar(mica::verify::Curve::kP256, one);
    if (key) o.platform_anchor = key->public_key();
    o.expected_challenge = mica::verify::Bytes(64, 0);
    return o;
  }();
  return opts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);

  auto item = mica::verify::cbor::decode(input);
  if (item) {
    mica::verify::Bytes again = mica::verify::cbor::encode(item.value());
    auto redecoded = mica::verify::cbor::decode(again);
    if (!redecoded || !(redecoded.value() == item.value())) __builtin_trap();
    (void)mica::verify::cbor::diagnostic(item.value());
    // The claim parsers also see raw maps (the payload of a COSE_Sign1).
    (void)mica::verify::parse_platform_claims(item.value());
    (void)mica::verify::parse_realm_claims(item.value());
  }

  auto token = mica::verify::decode_token(input);
  mica::verify::TokenReport report = mica::verify::verify_token("fuzz", input, options());
  bool malformed = report.failure() == mica::verify::FailureClass::kMalformed;
  if (token.ok() == malformed) __builtin_trap();

  (void)mica::verify::inspect_text(input, {});
  (void)mica::verify::inspect_json(input, {});
  return 0;
}
