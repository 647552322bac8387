// Latency of the monitor's RSI commands (RMM 1.0 and Mica's), attestation
// token generation and verification, and the RMI commands that complete a
// realm's request (RTT_SET_RIPAS, PSCI_COMPLETE).
//
// The realm CPU is bench/support/rsi_cpu.h: each REC_ENTER runs a fixed
// program of SMCs, then the host timer fires. A command that the monitor
// answers itself is timed as (REC_ENTER with K calls - REC_ENTER with none)
// / K, both measured back to back in each iteration: what remains is the
// monitor's RSI path (trap decode, handler, return to the realm) and one
// return from a trivial realm-CPU function. A command that exits to the
// host is timed as the whole REC_ENTER (the call completed on the next
// entry), next to the bare REC_ENTER it should be compared with.
//
// The realm is the realm SDK's bench_realm program loaded by the host's
// load plan (2 MiB of RAM); its code never runs here.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>

#include "bench_host.h"
#include "latency.h"
#include "monitor/abi/rsi.h"
#include "monitor/monitor.h"
#include "platform/attestation.h"
#include "policies.h"
#include "rsi_cpu.h"
#include "verify/verifier.h"

namespace mica::bench {
namespace {

using abi::MicaRsiCommand;
using abi::RsiCommand;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kRam = uint64_t{2} << 20;
constexpr uint64_t kRsiVersion = abi::kRsiVersion_1_0;

uint64_t rsi(RsiCommand command) { return abi::rsi_fid(command); }
uint64_t mica_rsi(MicaRsiCommand command) { return abi::mica_rsi_fid(command); }

RsiCall call(std::initializer_list<uint64_t> registers, uint64_t accept_also = 0) {
  RsiCall c;
  size_t i = 0;
  for (uint64_t r : registers) c.x[i++] = r;
  c.accept_also = accept_also;
  return c;
}

double seconds(Clock::time_point from, Clock::time_point to) { return std::chrono::duration<double>(to - from).count(); }

// A monitor of its own on the RSI-measuring realm CPU, over the memory of
// an emulated machine; the host calls the monitor's RMI entry directly.
struct RsiRig {
  RsiRig()
      : machine(bench_machine_config()),
        cpu(machine),
        monitor(std::make_unique<monitor::Monitor>(cpu)),
        host([this](const SmcArgs& a) { return monitor->handle_rmi(a); }, machine) {}

  // One REC_ENTER of `rec` with no entry flags; X0.
  uint64_t enter(PhysAddr rec, PhysAddr run) { return host.rmi(RmiCommand::kRecEnter, rec.value(), run.value()).x[0]; }
  uint64_t exit_reason(PhysAddr run) {
    uint64_t reason = 0;
    host.read(run.plus(abi::rec_run::kExitReason), &reason, sizeof reason);
    return reason;
  }
  // The monitor's bytes of the realm's page at `ipa` (benchmark's view of DRAM).
  uint8_t* realm_page(const BenchHost::Loaded& realm, uint64_t ipa) {
    for (const auto& d : realm.realm.data) {
      if (d.ipa == ipa) return machine.dram().at(d.pa);
    }
    throw std::runtime_error("no DATA page at that IPA");
  }

  platform::Machine machine;
  RsiCpu cpu;
  std::unique_ptr<monitor::Monitor> monitor;
  BenchHost host;
};

// An ACTIVE realm with one REC: bench_realm, 2 MiB of RAM.
struct RealmRig : RsiRig {
  RealmRig() : realm(host.load("bench_realm", kRam)) {}
  PhysAddr rec() const { return realm.realm.recs[0].pa; }
  // A RAM page of the realm: the buffer of calls that take one.
  uint64_t buffer_ipa() const { return realm.realm.data.back().ipa; }
  BenchHost::Loaded realm;
};

// Calls the monitor answers without the host: (T(K calls) - T(0)) / K.
// The time is per call, or per round of the program when `per_round`.
void answered_calls(benchmark::State& state, RsiRig& rig, PhysAddr rec, PhysAddr run, std::vector<RsiCall> calls,
                    uint64_t rounds, bool per_round = false) {
  const unsigned per_entry = static_cast<unsigned>(per_round ? rounds : rounds * calls.size());
  rig.cpu.program(rec, std::move(calls), 0);
  measure(state, per_entry, [&](Latency& l) {
    l.differences();
    rig.cpu.rearm(rec, 0);
    const auto t0 = Clock::now();
    uint64_t status = rig.enter(rec, run);
    const auto t1 = Clock::now();
    rig.cpu.rearm(rec, rounds);
    const auto t2 = Clock::now();
    status |= rig.enter(rec, run);
    const auto t3 = Clock::now();
    if (rig.exit_reason(run) != static_cast<uint64_t>(abi::RmiRecExitReason::kIrq)) l.fail("the calls exited to the host");
    l.record(std::max(0.0, seconds(t2, t3) - seconds(t0, t1)), status);
  });
  if (rig.cpu.refused() != 0) state.SkipWithError("the monitor refused a call");
}

void realm_calls(benchmark::State& state, std::vector<RsiCall> calls, uint64_t rounds = 32) {
  RealmRig rig;
  answered_calls(state, rig, rig.rec(), rig.realm.run, std::move(calls), rounds);
}

// --- REC_ENTER itself --------------------------------------------------------------------------

void rec_enter_scripted(benchmark::State& state) {
  RealmRig rig;
  rig.cpu.program(rig.rec(), {}, 0);
  measure(state, 32, [&](Latency& l) {
    l.iteration([&] {
      uint64_t status = 0;
      for (unsigned i = 0; i < 32; ++i) status |= rig.enter(rig.rec(), rig.realm.run);
      return status;
    });
  });
}

// --- RSI commands the monitor answers --------------------------------------------------------------

void rsi_version(benchmark::State& state) { realm_calls(state, {call({rsi(RsiCommand::kVersion), kRsiVersion})}); }
void rsi_features(benchmark::State& state) { realm_calls(state, {call({rsi(RsiCommand::kFeatures), 0})}); }
void rsi_measurement_read(benchmark::State& state) { realm_calls(state, {call({rsi(RsiCommand::kMeasurementRead), 0})}); }
void rsi_measurement_extend(benchmark::State& state) {
  // REM 1 extended with 64 bytes (X3..X10).
  realm_calls(state, {call({rsi(RsiCommand::kMeasurementExtend), 1, 64, 1, 2, 3, 4, 5, 6, 7, 8})});
}

void rsi_realm_config(benchmark::State& state) {
  RealmRig rig;
  answered_calls(state, rig, rig.rec(), rig.realm.run, {call({rsi(RsiCommand::kRealmConfig), rig.buffer_ipa()})}, 32);
}

void rsi_ipa_state_get(benchmark::State& state) {
  RealmRig rig;
  const uint64_t ipa = rig.buffer_ipa();
  answered_calls(state, rig, rig.rec(), rig.realm.run,
                 {call({rsi(RsiCommand::kIpaStateGet), ipa, ipa + kGranuleSize})}, 32);
}

void psci_version(benchmark::State& state) {
  RsiCall c = call({abi::psci::kVersion});
  c.accept = abi::psci::kPsciVersion_1_1;  // PSCI_VERSION answers with the version itself
  realm_calls(state, {c});
}
void psci_features(benchmark::State& state) {
  realm_calls(state, {call({abi::psci::kFeatures, abi::psci::kCpuOn64})});
}

// --- Attestation -------------------------------------------------------------------------------------

std::array<uint64_t, 8> challenge_words() {
  std::array<uint64_t, 8> words{};
  for (unsigned i = 0; i < words.size(); ++i) words[i] = 0x0101'0101'0101'0101ull * (i + 1);
  return words;
}

RsiCall token_init() {
  const auto w = challenge_words();
  return call({rsi(RsiCommand::kAttestTokenInit), w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]});
}

void rsi_attest_token_init(benchmark::State& state) {
  RealmRig rig;
  (void)rig.machine.attestation();  // the platform key and this boot's RAK exist before the clock starts
  answered_calls(state, rig, rig.rec(), rig.realm.run, {token_init()}, 16);
}

// A whole token: INIT, then one CONTINUE into a 4 KiB buffer (the first
// CONTINUE signs the realm token with the RAK -- ES384 through the platform
// -- and assembles the CCA token; one call hands out all of it).
constexpr uint64_t kIncomplete = static_cast<uint64_t>(abi::RsiStatus::kIncomplete);

void rsi_attest_token(benchmark::State& state) {
  RealmRig rig;
  (void)rig.machine.attestation();
  const uint64_t buffer = rig.buffer_ipa();
  answered_calls(state, rig, rig.rec(), rig.realm.run,
                 {token_init(), call({rsi(RsiCommand::kAttestTokenContinue), buffer, 0, kGranuleSize}, kIncomplete)}, 1,
                 true);
  state.counters["token_bytes"] = static_cast<double>(rig.cpu.last_answer(rig.rec()).x[1]);
}

// The tenant's verifier (src/verify) on a token the monitor produced:
// strict decoding, both ES384 signatures, the RAK binding, the claims.
void verify_token(benchmark::State& state) {
  RealmRig rig;
  const uint64_t buffer = rig.buffer_ipa();
  rig.cpu.program(rig.rec(), {token_init(), call({rsi(RsiCommand::kAttestTokenContinue), buffer, 0, kGranuleSize})}, 1);
  BenchHost::expect_success(rig.enter(rig.rec(), rig.realm.run), "REC_ENTER");
  const uint64_t size = rig.cpu.last_answer(rig.rec()).x[1];
  const uint8_t* bytes = rig.realm_page(rig.realm, buffer);
  const std::vector<uint8_t> token(bytes, bytes + size);
  verify::VerifyOptions options;
  options.platform_anchor = rig.machine.attestation().platform_public_key();
  const auto words = challenge_words();
  verify::Bytes challenge(64);
  std::memcpy(challenge.data(), words.data(), challenge.size());
  options.expected_challenge = challenge;
  measure(state, 1, [&](Latency& l) {
    bool passed = true;
    l.iteration([&] {
      const verify::TokenReport report = verify::verify_token("bench", token, options);
      passed = !report.failure().has_value();
      return uint64_t{0};
    });
    if (!passed) l.fail("the verifier rejected the monitor's token");
  });
  state.counters["token_bytes"] = static_cast<double>(size);
}

// --- RSI commands that exit to the host, and the RMI commands that answer them -------------------------

// REC_ENTER in which the realm makes `call` and the monitor exits to the
// host with it (completing the previous one first); `between` services
// the exit, untimed.
template <class Between>
void exiting_call(benchmark::State& state, RealmRig& rig, RsiCall c, Between&& between) {
  rig.cpu.program(rig.rec(), {c}, UINT64_MAX);
  measure(state, 1, [&](Latency& l) {
    l.iteration([&] { between(); }, [&] { return rig.enter(rig.rec(), rig.realm.run); }, [] {});
  });
}

void rsi_host_call(benchmark::State& state) {
  RealmRig rig;
  exiting_call(state, rig, call({rsi(RsiCommand::kHostCall), rig.buffer_ipa()}), [] {});
}

void rsi_ipa_state_set(benchmark::State& state) {
  RealmRig rig;
  const uint64_t base = rig.buffer_ipa();
  // EMPTY and back to RAM in turn; the host accepts and applies each change.
  rig.cpu.program(rig.rec(),
                  {call({rsi(RsiCommand::kIpaStateSet), base, base + kGranuleSize, static_cast<uint64_t>(abi::Ripas::kEmpty), 0}),
                   call({rsi(RsiCommand::kIpaStateSet), base, base + kGranuleSize, static_cast<uint64_t>(abi::Ripas::kRam), 0})},
                  UINT64_MAX);
  bool pending = false;
  measure(state, 1, [&](Latency& l) {
    l.iteration(
        [&] {
          if (pending) {
            BenchHost::expect_success(rig.host.rmi(RmiCommand::kRttSetRipas, rig.realm.realm.rd.value(), rig.rec().value(),
                                                   base, base + kGranuleSize),
                                      "RTT_SET_RIPAS");
          }
        },
        [&] { return rig.enter(rig.rec(), rig.realm.run); }, [&] { pending = true; });
  });
}

// A realm with eight RECs, all started (REC 0 starts the others with PSCI
// CPU_ON, as the SDK's multi-REC programs do).
struct EightRecs : RsiRig {
  static constexpr unsigned kRecs = 8;
  EightRecs() : realm(host.load("bench_realm", kRam, kRecs)) {
    for (unsigned i = 1; i < kRecs; ++i) {
      cpu.program(rec(0), {call({abi::psci::kCpuOn64, i, host::RealmConfig{}.ram_base, 0})}, 1);
      BenchHost::expect_success(enter(rec(0), realm.run), "REC_ENTER (CPU_ON)");
      BenchHost::expect_success(host.rmi(RmiCommand::kPsciComplete, rec(0).value(), rec(i).value(), 0), "PSCI_COMPLETE");
    }
    cpu.program(rec(0), {}, 0);
    BenchHost::expect_success(enter(rec(0), realm.run), "REC_ENTER");
  }
  PhysAddr rec(unsigned i) const { return realm.realm.recs.at(i).pa; }
  uint64_t page_ipa(unsigned i) const { return realm.realm.data.at(realm.realm.data.size() - 1 - i).ipa; }
  BenchHost::Loaded realm;
};

void rmi_rtt_set_ripas(benchmark::State& state) {
  EightRecs rig;
  for (unsigned i = 0; i < EightRecs::kRecs; ++i) {
    const uint64_t base = rig.page_ipa(i);
    rig.cpu.program(rig.rec(i),
                    {call({rsi(RsiCommand::kIpaStateSet), base, base + kGranuleSize, static_cast<uint64_t>(abi::Ripas::kEmpty), 0}),
                     call({rsi(RsiCommand::kIpaStateSet), base, base + kGranuleSize, static_cast<uint64_t>(abi::Ripas::kRam), 0})},
                    UINT64_MAX);
  }
  measure(state, EightRecs::kRecs, [&](Latency& l) {
    l.iteration(
        [&] {
          for (unsigned i = 0; i < EightRecs::kRecs; ++i) {
            BenchHost::expect_success(rig.enter(rig.rec(i), rig.realm.run), "REC_ENTER (IPA_STATE_SET)");
          }
        },
        [&] {
          uint64_t status = 0;
          for (unsigned i = 0; i < EightRecs::kRecs; ++i) {
            status |= rig.host.rmi(RmiCommand::kRttSetRipas, rig.realm.realm.rd.value(), rig.rec(i).value(), rig.page_ipa(i),
                                   rig.page_ipa(i) + kGranuleSize).x[0];
          }
          return status;
        },
        [] {});
  });
}

void rmi_psci_complete(benchmark::State& state) {
  EightRecs rig;
  constexpr unsigned n = EightRecs::kRecs;
  for (unsigned i = 0; i < n; ++i) {
    rig.cpu.program(rig.rec(i), {call({abi::psci::kAffinityInfo64, (i + 1) % n, 0})}, UINT64_MAX);
  }
  measure(state, n, [&](Latency& l) {
    l.iteration(
        [&] {
          for (unsigned i = 0; i < n; ++i) {
            BenchHost::expect_success(rig.enter(rig.rec(i), rig.realm.run), "REC_ENTER (AFFINITY_INFO)");
          }
        },
        [&] {
          uint64_t status = 0;
          for (unsigned i = 0; i < n; ++i) {
            status |= rig.host.rmi(RmiCommand::kPsciComplete, rig.rec(i).value(), rig.rec((i + 1) % n).value(), 0).x[0];
          }
          return status;
        },
        [] {});
  });
}

void psci_affinity_info(benchmark::State& state) {
  EightRecs rig;
  rig.cpu.program(rig.rec(0), {call({abi::psci::kAffinityInfo64, 1, 0})}, UINT64_MAX);
  bool pending = false;
  measure(state, 1, [&](Latency& l) {
    l.iteration(
        [&] {
          if (pending) {
            BenchHost::expect_success(rig.host.rmi(RmiCommand::kPsciComplete, rig.rec(0).value(), rig.rec(1).value(), 0),
                                      "PSCI_COMPLETE");
          }
        },
        [&] { return rig.enter(rig.rec(0), rig.realm.run); }, [&] { pending = true; });
  });
}

// --- Mica RSI: two realms bound to one workflow --------------------------------------------------------

// "caller" and "callee" (pair_policy), each bench_realm with one REC, one
// channel page mapped writable in the caller and read-only in the callee.
struct PairRig : RsiRig {
  static constexpr uint64_t kChannelIpa = 0x8000'0000;
  PairRig()
      : workflow(host.make_workflow(pair_policy().encode())),
        callee(host.load("bench_realm", kRam, 1, false)),
        caller(host.load("bench_realm", kRam, 1, false)) {
    BenchHost::expect_success(host.mica(MicaRmiCommand::kRealmBind, callee.realm.rd.value(), workflow.wf.value(), kCallee),
                              "MICA_REALM_BIND");
    BenchHost::expect_success(host.mica(MicaRmiCommand::kRealmBind, caller.realm.rd.value(), workflow.wf.value(), kCaller),
                              "MICA_REALM_BIND");
    const PhysAddr share = host.delegated();
    BenchHost::expect_success(host.mica(MicaRmiCommand::kShareCreate, workflow.wf.value(), share.value(), 0),
                              "MICA_SHARE_CREATE");
    for (auto* loaded : {&caller, &callee}) {
      host.create_rtts(loaded->realm, kChannelIpa, 3);
      BenchHost::expect_success(host.mica(MicaRmiCommand::kShareMap, loaded->realm.rd.value(), share.value(), kChannelIpa,
                                          loaded == &caller ? abi::kShareMapWrite : 0),
                                "MICA_SHARE_MAP");
      host.activate(*loaded);
    }
  }
  PhysAddr caller_rec() const { return caller.realm.recs[0].pa; }
  PhysAddr callee_rec() const { return callee.realm.recs[0].pa; }
  BenchHost::Workflow workflow;
  BenchHost::Loaded callee;
  BenchHost::Loaded caller;
};

void mica_calls(benchmark::State& state, std::vector<RsiCall> calls) {
  PairRig rig;
  answered_calls(state, rig, rig.caller_rec(), rig.caller.run, std::move(calls), 32);
}

void mica_rsi_version(benchmark::State& state) {
  mica_calls(state, {call({mica_rsi(MicaRsiCommand::kVersion), abi::kMicaVersion_1_0})});
}
void mica_workflow_info(benchmark::State& state) { mica_calls(state, {call({mica_rsi(MicaRsiCommand::kWorkflowInfo)})}); }
void mica_peer_info(benchmark::State& state) { mica_calls(state, {call({mica_rsi(MicaRsiCommand::kPeerInfo), kCallee})}); }
void mica_channel_info(benchmark::State& state) { mica_calls(state, {call({mica_rsi(MicaRsiCommand::kChannelInfo), 0})}); }

// MICA_GATE_CALL -> the callee runs (its WAIT or REPLY completes) ->
// MICA_GATE_REPLY -> the caller runs on: one round trip, no host.
void mica_gate_round_trip(benchmark::State& state) {
  PairRig rig;
  rig.cpu.program(rig.callee_rec(), {call({mica_rsi(MicaRsiCommand::kGateWait)})}, 1);
  BenchHost::expect_success(rig.enter(rig.callee_rec(), rig.callee.run), "REC_ENTER (GATE_WAIT)");
  rig.cpu.program(rig.callee_rec(), {call({mica_rsi(MicaRsiCommand::kGateReply), 11, 12, 13, 14, 15, 16})}, UINT64_MAX);
  answered_calls(state, rig, rig.caller_rec(), rig.caller.run,
                 {call({mica_rsi(MicaRsiCommand::kGateCall), kCallee, 1, 2, 3, 4, 5, 6})}, 32);
  if (rig.cpu.last_answer(rig.caller_rec()).x[1] != 11) state.SkipWithError("the callee's reply did not arrive");
}

// The same call and answer the way standard CCA realms must make it: the
// caller's host call exits to the host, which copies the six words into the
// callee's REC_ENTER; the callee's host call exits with the answer, which
// the host copies into the caller's next REC_ENTER. Measured in the same run
// as the gate round trip above; the monitor's work only (this realm CPU
// costs nothing, and no world switch is paid).
void gate_vs_host_relay(benchmark::State& state) {
  PairRig rig;
  rig.cpu.program(rig.callee_rec(), {call({mica_rsi(MicaRsiCommand::kGateWait)})}, 1);
  BenchHost::expect_success(rig.enter(rig.callee_rec(), rig.callee.run), "REC_ENTER (GATE_WAIT)");
  rig.cpu.program(rig.callee_rec(), {call({mica_rsi(MicaRsiCommand::kGateReply), 11, 12, 13, 14, 15, 16})}, UINT64_MAX);
  constexpr uint64_t kCalls = 32;
  rig.cpu.program(rig.caller_rec(), {call({mica_rsi(MicaRsiCommand::kGateCall), kCallee, 1, 2, 3, 4, 5, 6})}, 0);

  // Two realms that are not bound to anything, each making host calls.
  BenchHost::Loaded ping = rig.host.load("bench_realm", kRam);
  BenchHost::Loaded pong = rig.host.load("bench_realm", kRam);
  const PhysAddr ping_rec = ping.realm.recs[0].pa, pong_rec = pong.realm.recs[0].pa;
  rig.cpu.program(ping_rec, {call({rsi(RsiCommand::kHostCall), ping.realm.data.back().ipa})}, UINT64_MAX);
  rig.cpu.program(pong_rec, {call({rsi(RsiCommand::kHostCall), pong.realm.data.back().ipa})}, UINT64_MAX);
  BenchHost::expect_success(rig.enter(pong_rec, pong.run), "REC_ENTER (first host call)");
  std::array<uint64_t, abi::kGateWords> words{};
  auto relay = [&](const BenchHost::Loaded& from, PhysAddr to_rec, const BenchHost::Loaded& to) {
    rig.host.read(from.run.plus(abi::rec_run::kExitGprs), words.data(), sizeof words);
    rig.host.write(to.run.plus(abi::rec_run::kEnterGprs), words.data(), sizeof words);
    return rig.enter(to_rec, to.run);
  };
  BenchHost::expect_success(rig.enter(ping_rec, ping.run), "REC_ENTER (first host call)");

  std::vector<double> gate_ns, relay_ns;
  measure(state, kCalls, [&](Latency& l) {
    l.differences();
    rig.cpu.rearm(rig.caller_rec(), 0);
    const auto t0 = Clock::now();
    uint64_t status = rig.enter(rig.caller_rec(), rig.caller.run);
    const auto t1 = Clock::now();
    rig.cpu.rearm(rig.caller_rec(), kCalls);
    const auto t2 = Clock::now();
    status |= rig.enter(rig.caller_rec(), rig.caller.run);
    const auto t3 = Clock::now();
    for (uint64_t i = 0; i < kCalls; ++i) {
      status |= relay(ping, pong_rec, pong);  // the request to the callee
      status |= relay(pong, ping_rec, ping);  // its answer back
    }
    const auto t4 = Clock::now();
    const double gate = std::max(0.0, seconds(t2, t3) - seconds(t0, t1));
    gate_ns.push_back(gate * 1e9 / kCalls);
    relay_ns.push_back(seconds(t3, t4) * 1e9 / kCalls);
    l.record(gate, status);
  });
  report_gate_vs_relay(state, std::move(gate_ns), std::move(relay_ns));
  if (rig.cpu.refused() != 0) state.SkipWithError("the monitor refused a call");
}


MICA_LATENCY(rec_enter_scripted, "RMI_REC_ENTER/scripted_cpu_irq_exit", 200);
MICA_LATENCY(rsi_version, "RSI_VERSION", 200);
MICA_LATENCY(rsi_features, "RSI_FEATURES", 200);
MICA_LATENCY(rsi_measurement_read, "RSI_MEASUREMENT_READ", 200);
MICA_LATENCY(rsi_measurement_extend, "RSI_MEASUREMENT_EXTEND", 200);
MICA_LATENCY(rsi_realm_config, "RSI_REALM_CONFIG", 200);
MICA_LATENCY(rsi_ipa_state_get, "RSI_IPA_STATE_GET", 200);
MICA_LATENCY(psci_version, "PSCI_VERSION", 200);
MICA_LATENCY(psci_features, "PSCI_FEATURES", 200);
MICA_LATENCY(rsi_attest_token_init, "RSI_ATTEST_TOKEN_INIT", 100);
MICA_LATENCY(rsi_attest_token, "RSI_ATTEST_TOKEN_INIT+CONTINUE", 100)->Unit(benchmark::kMicrosecond);
MICA_LATENCY(verify_token, "verify_token", 50)->Unit(benchmark::kMicrosecond);
MICA_LATENCY(rsi_host_call, "RSI_HOST_CALL/rec_enter", 1000);
MICA_LATENCY(rsi_ipa_state_set, "RSI_IPA_STATE_SET/rec_enter", 1000);
MICA_LATENCY(psci_affinity_info, "PSCI_AFFINITY_INFO/rec_enter", 1000);
MICA_LATENCY(rmi_rtt_set_ripas, "RMI_RTT_SET_RIPAS", 200);
MICA_LATENCY(rmi_psci_complete, "RMI_PSCI_COMPLETE", 200);
MICA_LATENCY(mica_rsi_version, "MICA_RSI_VERSION", 200);
MICA_LATENCY(mica_workflow_info, "MICA_WORKFLOW_INFO", 200);
MICA_LATENCY(mica_peer_info, "MICA_PEER_INFO", 200);
MICA_LATENCY(mica_channel_info, "MICA_CHANNEL_INFO", 200);
MICA_LATENCY(mica_gate_round_trip, "MICA_GATE_CALL+REPLY", 200);
MICA_LATENCY(gate_vs_host_relay, "MICA_GATE_vs_HOST_RELAY", 200);

}  // namespace
}  // namespace mica::bench
