// Latency of one monitor command, measured in batches: each iteration
// prepares `batch` commands' objects (not timed), times the batch with the
// steady clock, then tears the objects down (not timed). The benchmark's
// reported time is per command (manual time: the batch's time / batch), and
// the counters give the median and the minimum over batches, which the load
// of a shared machine moves less than the mean.
//
// Register with ->UseManualTime()->Iterations(n): the number of batches is
// fixed, so a run takes a predictable time.
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace mica::bench {

class Latency {
 public:
  Latency(benchmark::State& state, unsigned batch) : state_(state), batch_(batch) {}
  ~Latency();
  Latency(const Latency&) = delete;
  Latency& operator=(const Latency&) = delete;

  // One iteration: prepare(), then run() timed (it issues `batch` commands
  // and returns the OR of their X0), then cleanup().
  template <class Prepare, class Run, class Cleanup>
  void iteration(Prepare&& prepare, Run&& run, Cleanup&& cleanup) {
    prepare();
    const auto start = std::chrono::steady_clock::now();
    const uint64_t status = run();
    const auto stop = std::chrono::steady_clock::now();
    cleanup();
    record(std::chrono::duration<double>(stop - start).count(), status);
  }
  // The same without objects to prepare or tear down.
  template <class Run>
  void iteration(Run&& run) {
    iteration([] {}, run, [] {});
  }
  // Marks the benchmark failed (a refused command is not a measurement).
  void fail(const std::string& why);
  // The caller records differences of two timings: their minimum says
  // nothing (one slow baseline makes it 0), so only the median is reported.
  void differences() { differences_ = true; }
  // A batch measured by the caller: `seconds` for `batch` commands, the OR
  // of their X0.
  void record(double seconds, uint64_t status);

 private:

  benchmark::State& state_;
  unsigned batch_;
  std::vector<double> per_command_ns_;
  uint64_t status_ = 0;
  std::string failure_;
  bool differences_ = false;
};

// The gate against the same call relayed through the host: per-call times
// (ns) gathered over batches, reported as their medians and the ratio.
void report_gate_vs_relay(benchmark::State& state, std::vector<double> gate_ns, std::vector<double> relay_ns);

// Runs `body(latency)` once per iteration of `state`.
template <class Body>
void measure(benchmark::State& state, unsigned batch, Body&& body) {
  Latency latency(state, batch);
  for (auto _ : state) body(latency);
}

}  // namespace mica::bench

// Registers a latency benchmark: `batches` iterations (chosen so that each
// runs in well under a second), each timed by `measure`.
#define MICA_LATENCY(function, name, batches) \
  BENCHMARK(function)->Name(name)->UseManualTime()->Iterations(batches)->Unit(benchmark::kNanosecond)
