// Realm programs that attest, end to end: the realm SDK's `attest` program
// loaded by the host's load plan over RMI (tests/mica's MicaHost), bound to a
// workflow compiled by the tenant's policy compiler, run by REC_ENTER on the
// emulated machine. The host answers the SDK's ATTEST_CHALLENGE host call
// with the verifier's challenge and reassembles the ATTEST_TOKEN chunks
// (docs/realm-sdk.md), as a VMM relaying between realm and verifier would.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mica_host.h"
#include "verify/reference_values.h"
#include "verify/verifier.h"

namespace mica::monitor::testing {

using Challenge = std::array<uint8_t, 64>;
Challenge make_challenge(uint8_t seed);

// What one run of a realm program handed to the host.
struct AttestRun {
  std::vector<std::vector<uint8_t>> tokens;  // complete tokens, in order
  unsigned challenge_requests = 0;
  std::string console;
  std::optional<int64_t> exit_status;
  bool system_off = false;
  std::vector<std::string> problems;  // chunks that broke the convention
  double wall_ms = 0;                 // the whole run, realm CPU included
};

// Enters the program's REC 0 until it turns itself off (or max_entries).
AttestRun run_attesting(MicaHost& host, Program& program, const Challenge& challenge, int max_entries = 20000);

// The tenant's policy for two attesting realms, `collector` and `reporter`
// (components 0 and 1), both allowed the RIM `rim` and host calls, one
// channel between them. With `outbox` the reporter also gets an `out`
// window: the same policy but for one path to the untrusted world.
std::string attest_policy_text(const std::vector<uint8_t>& rim, bool outbox = false);
// `mica build` of that text (fails the test on a diagnostic).
std::vector<uint8_t> compile_policy(const std::string& text);

// The platform software the tenant expects: this build's monitor.
verify::ReferenceValues monitor_reference_values();
std::string monitor_reference_values_json();

// A workflow of two attesting realms, bound and active.
struct AttestedWorkflow {
  MicaHost host;
  Program* collector = nullptr;
  Program* reporter = nullptr;
  std::string policy_text;
  std::vector<uint8_t> policy;  // compiled
  PhysAddr wf;

  AttestedWorkflow();
  // One more realm running `attest`, bound to `component` of a second
  // instance of the same policy (a different workflow instance id).
  Program& realm_in_another_instance(uint32_t component);
  // An `attest` realm bound to nothing.
  Program& unbound_realm();
  MicaWorkflowInfo workflow_info(PhysAddr workflow);
};

std::string failed_checks(const verify::TokenReport& report);
std::string failed_checks(const verify::VerificationReport& report);
std::string to_hex(const std::vector<uint8_t>& bytes);

}  // namespace mica::monitor::testing
