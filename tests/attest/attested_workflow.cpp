#include "attested_workflow.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

#include "mica/rsi_abi.h"
#include "platform/attestation.h"
#include "platform/monitor_measurement.h"
#include "policy/compiler.h"

namespace mica::monitor::testing {

Challenge make_challenge(uint8_t seed) {
  Challenge c{};
  for (size_t i = 0; i < c.size(); ++i) c[i] = static_cast<uint8_t>(seed ^ (7 * i));
  return c;
}

std::string to_hex(const std::vector<uint8_t>& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 0xF];
  }
  return s;
}

namespace {

// Reassembles the ATTEST_TOKEN chunks of one run.
class TokenCollector {
 public:
  explicit TokenCollector(AttestRun& run) : run_(run) {}

  void chunk(const uint64_t (&gprs)[31]) {
    const uint64_t total = gprs[0], offset = gprs[1], n = gprs[2];
    if (n == 0 || n > MICA_HOST_CALL_ATTEST_CHUNK_MAX || total > 64 * 1024) {
      return problem("chunk of " + std::to_string(n) + " bytes of a " + std::to_string(total) + "-byte token");
    }
    if (offset == 0) current_.clear();
    if (offset != current_.size() || offset + n > total) {
      return problem("chunk at " + std::to_string(offset) + " after " + std::to_string(current_.size()) + " bytes");
    }
    const auto* bytes = reinterpret_cast<const uint8_t*>(&gprs[3]);
    current_.insert(current_.end(), bytes, bytes + n);
    if (current_.size() == total) {
      run_.tokens.push_back(current_);
      current_.clear();
    }
  }

 private:
  void problem(std::string what) { run_.problems.push_back(std::move(what)); }
  AttestRun& run_;
  std::vector<uint8_t> current_;
};

std::string rim_text(const std::vector<uint8_t>& rim) {
  return (rim.size() == 32 ? "sha256:" : "sha512:") + to_hex(rim);
}

}  // namespace

AttestRun run_attesting(MicaHost& host, Program& program, const Challenge& challenge, int max_entries) {
  AttestRun run;
  TokenCollector collector(run);
  const auto start = std::chrono::steady_clock::now();
  for (int n = 0; n < max_entries && !program.system_off; ++n) {
    const size_t exits_before = host.exits.size();
    if (host.enter(program) != 0) {
      ADD_FAILURE() << program.name << ": REC_ENTER refused";
      break;
    }
    if (host.exits.size() == exits_before) continue;
    const ExitRecord& exit = host.exits.back();
    if (exit.reason != abi::RmiRecExitReason::kHostCall) continue;
    if (exit.imm == MICA_HOST_CALL_ATTEST_CHALLENGE) {
      // The answer goes back in the host call's registers at the next entry.
      ++run.challenge_requests;
      std::vector<uint64_t>& gprs = program.enter_gprs[0];
      std::memcpy(gprs.data(), challenge.data(), challenge.size());
      gprs[8] = MICA_ATTEST_CHALLENGE_SIZE;
    } else if (exit.imm == MICA_HOST_CALL_ATTEST_TOKEN) {
      collector.chunk(exit.gprs);
    }
  }
  run.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  run.console = program.console;
  run.exit_status = program.exit_status;
  run.system_off = program.system_off;
  return run;
}

std::string attest_policy_text(const std::vector<uint8_t>& rim, bool outbox) {
  const std::string measurement = rim_text(rim);
  return "# Two realms that attest (tests/attest).\n"
         "workflow attested;\n\n"
         "realm collector {\n"
         "  measurement " + measurement + ";\n"
         "  memory 2 MiB;\n"
         "  recs 1;\n"
         "  untrusted { host_calls allow; }\n"
         "}\n\n"
         "realm reporter {\n"
         "  measurement " + measurement + ";\n"
         "  memory 2 MiB;\n"
         "  recs 1;\n" +
         (outbox ? "  untrusted { host_calls allow; window outbox out 4 KiB; }\n"
                 : "  untrusted { host_calls allow; }\n") +
         "}\n\n"
         "channel results : collector -> reporter size 4 KiB;\n";
}

std::vector<uint8_t> compile_policy(const std::string& text) {
  mica::policy::Compilation compiled = mica::policy::compile(mica::policy::SourceFile("attest.mica", text));
  EXPECT_TRUE(compiled.ok()) << "the test policy does not compile:\n" << text;
  EXPECT_FALSE(compiled.compiled.empty());
  return compiled.compiled;
}

verify::ReferenceValues monitor_reference_values() {
  verify::ReferenceValues values;
  values.implementation_id = platform::emulated_implementation_id();
  verify::ReferenceComponent monitor;
  monitor.type = "RMM";
  monitor.measurements.push_back(
      verify::Bytes(platform::kMonitorBuildMeasurement.begin(), platform::kMonitorBuildMeasurement.end()));
  monitor.signer_id = platform::unsigned_signer_id();
  monitor.version = platform::kMonitorBuildVersion;
  values.components.push_back(monitor);
  return values;
}

std::string monitor_reference_values_json() {
  const verify::ReferenceValues values = monitor_reference_values();
  const verify::ReferenceComponent& monitor = values.components.front();
  return "{\n  \"implementation_id\": \"" + to_hex(*values.implementation_id) +
         "\",\n  \"software_components\": [\n    {\n      \"measurement_type\": \"RMM\",\n"
         "      \"measurement_value\": \"" + to_hex(monitor.measurements.front()) +
         "\",\n      \"signer_id\": \"" + to_hex(*monitor.signer_id) + "\",\n      \"version\": \"" +
         *monitor.version + "\"\n    }\n  ]\n}\n";
}

AttestedWorkflow::AttestedWorkflow() {
  collector = &host.load("attest");
  reporter = &host.load("attest");
  policy_text = attest_policy_text(collector->rim);
  policy = compile_policy(policy_text);
  wf = host.create_workflow(policy);
  host.bind(*collector, wf, 0);
  host.bind(*reporter, wf, 1);
  host.activate(*collector);
  host.activate(*reporter);
}

Program& AttestedWorkflow::realm_in_another_instance(uint32_t component) {
  Program& program = host.load("attest");
  const PhysAddr other = host.create_workflow(policy);
  host.bind(program, other, component);
  host.activate(program);
  return program;
}

Program& AttestedWorkflow::unbound_realm() {
  Program& program = host.load("attest");
  host.activate(program);
  return program;
}

MicaWorkflowInfo AttestedWorkflow::workflow_info(PhysAddr workflow) {
  MicaWorkflowInfo info;
  EXPECT_TRUE(host.monitor().mica().workflow_info(workflow, info));
  return info;
}

std::string failed_checks(const verify::TokenReport& report) {
  std::string out;
  for (const verify::Check& check : report.checks) {
    if (check.outcome == verify::Check::Outcome::kFailed) out += "  " + check.id + ": " + check.detail + "\n";
  }
  return out;
}

std::string failed_checks(const verify::VerificationReport& report) {
  std::string out;
  for (const verify::TokenReport& token : report.tokens) out += failed_checks(token);
  for (const verify::Check& check : report.workflow_checks) {
    if (check.outcome == verify::Check::Outcome::kFailed) out += "  " + check.id + ": " + check.detail + "\n";
  }
  return out;
}

}  // namespace mica::monitor::testing
