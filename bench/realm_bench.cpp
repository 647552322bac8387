// Realm programs on the machine's emulated realm CPU (Unicorn), driven by
// the host through RMI_REC_ENTER: what a realm's calls cost end to end, and
// Mica's gate against what standard CCA realms must do instead.
//
// The realm is the SDK's bench_realm (realm-sdk/examples/bench_realm.c): it
// asks the host for a task with a host call, does it `count` times and asks
// again. A task is timed from the REC_ENTER that answers the question to the
// exit that asks the next one; the same task with count 0 is timed right
// before it, and the difference divided by `count` is the cost of one.
//
//   realm/RSI_VERSION            one RSI call from realm code (trap, monitor, return)
//   realm/gate_vs_host_relay     a call with six words to a peer realm and its answer:
//       gate  -- MICA_GATE_CALL, the callee runs inside the caller's REC_ENTER,
//                MICA_GATE_REPLY, the caller runs on (Mica)
//       relay -- a host call exit, the host enters the peer, whose host call
//                exit carries the answer, the host enters the caller again
//                (standard CCA: two REC_ENTERs and two host calls per round trip)
//     counters: gate_ns, relay_ns and relay/gate, all measured in the same run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "bench_host.h"
#include "latency.h"
#include "policies.h"

namespace mica::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Gprs = std::array<uint64_t, 31>;

constexpr uint64_t kRam = uint64_t{2} << 20;
// bench_realm's host calls and tasks.
constexpr uint32_t kBenchParams = 0x100, kBenchPing = 0x101, kBenchPong = 0x102;
constexpr uint64_t kTaskRsiVersion = 0, kTaskPing = 1, kTaskPong = 2, kTaskGateCall = 3, kTaskGateServe = 4;

double seconds(Clock::time_point from, Clock::time_point to) { return std::chrono::duration<double>(to - from).count(); }

struct Exit {
  uint64_t reason = 0;
  uint64_t esr = 0;
  uint32_t imm = 0;
  Gprs gprs{};
};

// One REC of a loaded realm, entered by the host as the VMM does.
class Rec {
 public:
  Rec(BenchHost& host, BenchHost::Loaded& realm) : host_(host), rec_(realm.realm.recs[0].pa), run_(realm.run) {}

  // Writes the entry registers (the answer to the last host call), enters, reads the exit.
  const Exit& enter(const Gprs& gprs = {}) {
    host_.write(run_.plus(abi::rec_run::kEnterGprs), gprs.data(), sizeof gprs);
    BenchHost::expect_success(host_.rmi(RmiCommand::kRecEnter, rec_.value(), run_.value()), "REC_ENTER");
    host_.read(run_.plus(abi::rec_run::kExitReason), &exit_.reason, sizeof exit_.reason);
    host_.read(run_.plus(abi::rec_run::kExitEsr), &exit_.esr, sizeof exit_.esr);
    host_.read(run_.plus(abi::rec_run::kExitGprs), exit_.gprs.data(), sizeof exit_.gprs);
    uint64_t imm = 0;
    host_.read(run_.plus(abi::rec_run::kExitImm), &imm, sizeof imm);
    exit_.imm = static_cast<uint32_t>(imm);
    return exit_;
  }
  bool host_call(uint32_t imm) const {
    return exit_.reason == static_cast<uint64_t>(abi::RmiRecExitReason::kHostCall) && exit_.imm == imm;
  }
  // Enters until the realm makes host call `imm` (other exits: the timer,
  // an idle PE, are entered again); `service` handles PING exits.
  template <class Service>
  void run_until(uint32_t imm, Gprs gprs, Service&& service) {
    for (unsigned n = 0; n < 1'000'000; ++n) {
      enter(gprs);
      if (host_call(imm)) return;
      gprs = {};
      if (host_call(kBenchPing)) {
        gprs = service(exit_.gprs);
        continue;
      }
      if (exit_.reason == static_cast<uint64_t>(abi::RmiRecExitReason::kHostCall)) {
        throw std::runtime_error("bench_realm made host call " + std::to_string(exit_.imm) + " (exit status " +
                                 std::to_string(exit_.gprs[0]) + ")");
      }
    }
    throw std::runtime_error("bench_realm never asked again");
  }
  void run_until(uint32_t imm, Gprs gprs = {}) { run_until(imm, gprs, no_service); }
  // The realm waits for its task: gives it and runs it to the next question.
  template <class Service>
  void task(uint64_t what, uint64_t count, Service&& service) {
    Gprs gprs{};
    gprs[0] = what;
    gprs[1] = count;
    run_until(kBenchParams, gprs, service);
  }
  void task(uint64_t what, uint64_t count) { task(what, count, no_service); }
  const Exit& last_exit() const { return exit_; }

 private:
  static Gprs no_service(const Gprs&) { throw std::runtime_error("bench_realm made an unexpected PING"); }
  BenchHost& host_;
  PhysAddr rec_;
  PhysAddr run_;
  Exit exit_;
};

struct Rig {
  Rig() : machine(bench_machine_config()), host([this](const SmcArgs& a) { return machine.smc(a); }, machine) {}
  platform::Machine machine;
  BenchHost host;
};

// --- An RSI call from realm code ---------------------------------------------------------------------

void realm_rsi_version(benchmark::State& state) {
  Rig rig;
  BenchHost::Loaded realm = rig.host.load("bench_realm", kRam);
  Rec rec(rig.host, realm);
  rec.run_until(kBenchParams);
  constexpr uint64_t kCalls = 1000;
  measure(state, kCalls, [&](Latency& l) {
    l.differences();
    const auto t0 = Clock::now();
    rec.task(kTaskRsiVersion, 0);
    const auto t1 = Clock::now();
    rec.task(kTaskRsiVersion, kCalls);
    const auto t2 = Clock::now();
    l.record(std::max(0.0, seconds(t1, t2) - seconds(t0, t1)), 0);
  });
}

// --- Gate against host relay -------------------------------------------------------------------------

void realm_gate_vs_host_relay(benchmark::State& state) {
  Rig rig;
  // Mica: caller and callee bound to one workflow with a gate between them.
  BenchHost::Workflow workflow = rig.host.make_workflow(pair_policy().encode());
  BenchHost::Loaded callee = rig.host.load("bench_realm", kRam, 1, false);
  BenchHost::Loaded caller = rig.host.load("bench_realm", kRam, 1, false);
  BenchHost::expect_success(rig.host.mica(MicaRmiCommand::kRealmBind, callee.realm.rd.value(), workflow.wf.value(), kCallee),
                            "MICA_REALM_BIND");
  BenchHost::expect_success(rig.host.mica(MicaRmiCommand::kRealmBind, caller.realm.rd.value(), workflow.wf.value(), kCaller),
                            "MICA_REALM_BIND");
  rig.host.activate(callee);
  rig.host.activate(caller);
  Rec gate_callee(rig.host, callee);
  Rec gate_caller(rig.host, caller);
  gate_callee.run_until(kBenchParams);
  // The callee parks on its gate: the host sees an idle PE (SYNC, EC WFx).
  {
    Gprs serve{};
    serve[0] = kTaskGateServe;
    const Exit& parked = gate_callee.enter(serve);
    if (parked.reason != static_cast<uint64_t>(abi::RmiRecExitReason::kSync) || (parked.esr >> 26) != 0x01) {
      throw std::runtime_error("the gate callee did not park");
    }
  }
  gate_caller.run_until(kBenchParams);

  // Standard CCA: two unbound realms, the host relays.
  BenchHost::Loaded ping_realm = rig.host.load("bench_realm", kRam);
  BenchHost::Loaded pong_realm = rig.host.load("bench_realm", kRam);
  Rec ping(rig.host, ping_realm);
  Rec pong(rig.host, pong_realm);
  ping.run_until(kBenchParams);
  pong.run_until(kBenchParams);
  {
    Gprs serve{};
    serve[0] = kTaskPong;
    pong.run_until(kBenchPong, serve);  // waits for its first request
  }
  // A PING exit: the request goes to the peer, whose PONG exit carries the answer.
  auto relay = [&](const Gprs& request) {
    Gprs to_pong{};
    std::copy(request.begin(), request.begin() + abi::kGateWords, to_pong.begin());
    pong.run_until(kBenchPong, to_pong);
    Gprs answer{};
    std::copy(pong.last_exit().gprs.begin(), pong.last_exit().gprs.begin() + abi::kGateWords, answer.begin());
    return answer;
  };

  constexpr uint64_t kCalls = 500;
  std::vector<double> gate_ns, relay_ns;
  measure(state, kCalls, [&](Latency& l) {
    l.differences();
    const auto t0 = Clock::now();
    gate_caller.task(kTaskGateCall, 0);
    const auto t1 = Clock::now();
    gate_caller.task(kTaskGateCall, kCalls);
    const auto t2 = Clock::now();
    ping.task(kTaskPing, 0, relay);
    const auto t3 = Clock::now();
    ping.task(kTaskPing, kCalls, relay);
    const auto t4 = Clock::now();
    const double gate = std::max(0.0, seconds(t1, t2) - seconds(t0, t1));
    const double host = std::max(0.0, seconds(t3, t4) - seconds(t2, t3));
    gate_ns.push_back(gate * 1e9 / kCalls);
    relay_ns.push_back(host * 1e9 / kCalls);
    l.record(gate, 0);
  });
  report_gate_vs_relay(state, std::move(gate_ns), std::move(relay_ns));
}

BENCHMARK(realm_rsi_version)->Name("realm/RSI_VERSION")->UseManualTime()->Iterations(20)->Unit(benchmark::kNanosecond);
BENCHMARK(realm_gate_vs_host_relay)
    ->Name("realm/gate_vs_host_relay")
    ->UseManualTime()
    ->Iterations(20)
    ->Unit(benchmark::kNanosecond);

}  // namespace
}  // namespace mica::bench

BENCHMARK_MAIN();
