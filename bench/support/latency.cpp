#include "latency.h"

#include <algorithm>
#include <cstdio>

namespace mica::bench {

void Latency::record(double seconds, uint64_t status) {
  state_.SetIterationTime(seconds / batch_);
  per_command_ns_.push_back(seconds * 1e9 / batch_);
  status_ |= status;
}

void Latency::fail(const std::string& why) {
  if (failure_.empty()) failure_ = why;
}

Latency::~Latency() {
  if (failure_.empty() && status_ != 0) {
    char text[64];
    std::snprintf(text, sizeof text, "a timed command failed (X0 bits 0x%llx)",
                  static_cast<unsigned long long>(status_));
    failure_ = text;
  }
  if (!failure_.empty()) {
    state_.SkipWithError(failure_.c_str());
    return;
  }
  if (per_command_ns_.empty()) return;
  std::vector<double> sorted = per_command_ns_;
  std::sort(sorted.begin(), sorted.end());
  state_.counters["median_ns"] = sorted[sorted.size() / 2];
  if (!differences_) state_.counters["min_ns"] = sorted.front();
  state_.counters["commands"] = static_cast<double>(per_command_ns_.size() * batch_);
}

void report_gate_vs_relay(benchmark::State& state, std::vector<double> gate_ns, std::vector<double> relay_ns) {
  auto median = [](std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
  };
  const double gate = median(gate_ns);
  const double relay = median(relay_ns);
  state.counters["gate_ns"] = gate;
  state.counters["relay_ns"] = relay;
  state.counters["relay/gate"] = gate > 0 ? relay / gate : 0.0;
}

}  // namespace mica::bench
