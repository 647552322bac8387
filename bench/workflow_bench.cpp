// Whole workflows on the emulated machine, deployed by the host's deployer
// (host/workflow_deployer.h) as `mica run` deploys them:
//
//   dataplane/*   the data plane side by side in one run (issue 10): the same
//                 bytes moved from one realm program to another
//                   memcpy           inside one realm, private buffer to private
//                                    buffer: the emulated CPU's limit
//                   memcpy_bounce    inside one realm, through a bounce buffer of
//                                    the ring's size: the two copies any
//                                    shared-memory channel makes, alone
//                   channel          a Mica stream: a protected data channel and
//                                    a credit channel (mica/stream.h)
//                   aead_aes256gcm   standard CCA: AES-256-GCM sealing into an
//                                    unprotected window, the host copies it to
//                                    the reader's window, the reader copies and
//                                    opens it (mbedTLS, as production realm code)
//                   aead_chacha20poly1305  the same with ChaCha20-Poly1305
//                 then dataplane/ratios: channel against each, from the same run.
//   deploy/components:N  a workflow of N realm programs that exit at once:
//                 deploy, run to the end and teardown times, and the granules
//                 the monitor holds once it is deployed.
//
// The realm side of the data plane is realm-sdk/examples/crypto_bench_dataplane.c;
// the clock runs from the moment every realm of a path is ready (DP_START)
// to the last realm's DP_END, and guest instructions are counted per VMID
// by the realm CPU (vcpu::RealmCpus::instructions) over the same interval.
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_host.h"
#include "host/elf_image.h"
#include "host/load_plan.h"
#include "host/rim.h"
#include "host/workflow_deployer.h"
#include "monitor/monitor.h"
#include "policies.h"
#include "vcpu/realm_cpus.h"

namespace mica::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Gprs = std::array<uint64_t, 31>;
using monitor::GranuleState;
using monitor::testing::make_channel;
using monitor::testing::make_component;
using monitor::testing::make_window;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kKiB = uint64_t{1} << 10;

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// --- A workflow: the compiled policy and the host's view of it -----------------------------------

struct Component {
  std::string name;     // components are named so that name order is the order given
  std::string program;  // realm SDK program
  uint64_t ram = 0;
  std::vector<monitor::testing::WindowSpec> windows;
};

struct Channel {
  std::string name;
  uint32_t writer = 0;
  uint32_t reader = 0;
  uint64_t size = 0;
};

// The RIM of `program` loaded with `ram` bytes and one REC, as the deployer computes it.
std::vector<uint8_t> rim_of(const std::string& program, uint64_t ram) {
  static std::map<std::pair<std::string, uint64_t>, std::vector<uint8_t>> cache;
  const auto key = std::make_pair(program, ram);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  auto image = host::ElfImage::load(realm_program_path(program));
  if (!image) throw std::runtime_error(program + ": " + image.error());
  host::RealmConfig config;
  config.ram_size = ram;
  auto plan = host::build_load_plan(*image, config);
  if (!plan) throw std::runtime_error(program + ": " + plan.error());
  const host::Digest rim = host::compute_rim(*plan).rim;
  return cache[key] = std::vector<uint8_t>(rim.bytes().begin(), rim.bytes().end());
}

// Components measured by the RIM of their program (the monitor checks it at
// activation), allowed host calls; channels as given.
host::WorkflowSpec workflow_spec(const std::string& name, const std::vector<Component>& components,
                                 const std::vector<Channel>& channels) {
  PolicySpec policy;
  policy.workflow = name;
  host::WorkflowSpec spec;
  spec.name = name;
  for (const Component& c : components) {
    monitor::testing::ComponentSpec p = make_component(c.name, {rim_of(c.program, c.ram)});
    p.memory = c.ram;
    p.host_calls = true;
    p.windows = c.windows;
    policy.components.push_back(p);
    host::ComponentSpec h;
    h.name = c.name;
    h.image = realm_program_path(c.program);
    h.memory_bytes = c.ram;
    h.host_calls = true;
    for (const auto& w : c.windows) h.windows.push_back(host::WindowSpec{w.name, w.in, w.offset, w.size});
    spec.components.push_back(std::move(h));
  }
  for (const Channel& ch : channels) {
    policy.channels.push_back(
        make_channel(ch.name, components[ch.writer].name, {components[ch.reader].name}, ch.size));
    spec.channels.push_back(host::ChannelSpec{ch.name, ch.writer, {ch.reader}, ch.size, false});
  }
  for (uint32_t i = 0; i < components.size(); ++i) {
    if (policy.component(components[i].name) != i) throw std::runtime_error("components are not in name order");
  }
  for (uint32_t i = 0; i < channels.size(); ++i) {
    if (policy.channel(channels[i].name) != i) throw std::runtime_error("channels are not in name order");
  }
  spec.compiled_policy = policy.encode();
  return spec;
}

// DRAM for a workflow: every realm's memory, windows and channels, and room
// for the tables, RECs and run pages around them (as `mica run` sizes it).
uint64_t dram_for(const host::WorkflowSpec& spec) {
  uint64_t bytes = 16 * kMiB;
  for (const auto& c : spec.components) {
    bytes += c.memory_bytes + (c.recs * 24 + 64) * kGranuleSize;
    for (const auto& w : c.windows) bytes += w.size + 8 * kGranuleSize;
  }
  for (const auto& ch : spec.channels) bytes += ch.size + (ch.readers.size() + 1) * 4 * kGranuleSize;
  return (bytes + 2 * kMiB - 1) / (2 * kMiB) * (2 * kMiB);
}

struct Rig {
  explicit Rig(uint64_t dram_bytes)
      : machine(bench_machine_config(dram_bytes / kMiB)),
        host([this](const SmcArgs& a) { return machine.smc(a); }, machine) {}
  platform::Machine machine;
  BenchHost host;

  std::unique_ptr<host::WorkflowDeployment> deploy(const host::WorkflowSpec& spec) {
    host::DeployOptions options;
    options.vmm.test_device = false;
    auto deployed = host::WorkflowDeployment::deploy(host.client(), host.memory(), host.granules(), spec, options);
    if (!deployed) throw std::runtime_error("deploying '" + spec.name + "': " + deployed.error());
    return std::move(deployed).value();
  }
};

// --- The data plane ----------------------------------------------------------------------------

// crypto_bench_dataplane's host calls, roles and ciphers.
enum : uint32_t { kParams = 0x110, kStart = 0x111, kEnd = 0x112, kResult = 0x113, kSend = 0x114, kRecv = 0x115 };
enum : uint64_t { kMemcpy = 1, kChannelWriter = 2, kChannelReader = 3, kSealWriter = 4, kSealReader = 5, kMemcpyBounce = 6 };
enum : uint64_t { kAesGcm = 0, kChachaPoly = 1 };
constexpr uint64_t kTag = 16;

// What the realms move: 64 MiB through memcpy and the channel, in 64 KiB
// messages over a 1 MiB ring. Emulated AEAD costs each side about 120
// (AES-256-GCM) or 29 (ChaCha20-Poly1305) guest instructions per byte, so
// the AEAD paths move 1 MiB (64 MiB of AES-GCM would take over two minutes)
// and are compared per byte.
constexpr uint64_t kBulkBytes = 64 * kMiB;
constexpr uint64_t kAeadBytes = 1 * kMiB;
constexpr uint64_t kChunk = 64 * kKiB;
constexpr uint64_t kRingBytes = 1 * kMiB;
constexpr uint64_t kSlack = 2 * kMiB;  // image, stacks, heap beyond the buffers

// The checksum crypto_bench_dataplane computes over what it received.
uint64_t expected_checksum(uint64_t bytes) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (uint64_t i = 0; i < bytes / 8; ++i) h = (h ^ ((i + 1) * 0x9E3779B97F4A7C15ull)) * 0x100000001B3ull;
  return h;
}

struct PathResult {
  uint64_t bytes = 0;
  double wall_s = 0;
  double cpu_s = 0;
  std::vector<uint64_t> instructions;  // per component, START..END
  std::vector<double> busy_s;          // per component: wall time of its REC_ENTERs, START..END
  uint64_t rec_enters = 0;
  uint64_t waits = 0;
  uint64_t total_instructions() const {
    uint64_t sum = 0;
    for (uint64_t n : instructions) sum += n;
    return sum;
  }
  double instructions_per_byte() const { return static_cast<double>(total_instructions()) / static_cast<double>(bytes); }
  double bytes_per_second() const { return static_cast<double>(bytes) / wall_s; }
  // Were each realm on a PE of its own (as on hardware), the busier one
  // would set the pace: bytes over its busy time. Derived from the measured
  // busy times; contention between the PEs is not modelled.
  double own_pe_bytes_per_second() const {
    return static_cast<double>(bytes) / *std::max_element(busy_s.begin(), busy_s.end());
  }
};

// Runs one path: serves the realms' host calls, times START..END.
class DataplaneRun {
 public:
  struct Role {
    uint64_t role = 0;
    uint64_t cipher = 0;
  };

  DataplaneRun(std::vector<Component> components, std::vector<Channel> channels, std::vector<Role> roles,
               uint64_t bytes)
      : spec_(workflow_spec("bench_dataplane", components, channels)),
        roles_(std::move(roles)),
        bytes_(bytes),
        rig_(dram_for(spec_)) {}

  PathResult run() {
    auto deployment = rig_.deploy(spec_);
    deployment_ = deployment.get();
    const size_t n = spec_.components.size();
    state_.assign(n, Realm{});
    for (auto& realm : deployment->realms()) {
      const uint32_t index = realm.index;
      realm.vmm->set_host_call_handler(
          [this, index](uint32_t, uint32_t imm, Gprs& gprs) { return serve(index, imm, gprs); });
      realm.vmm->set_exit_observer([this, index](const host::VmmExit&) { on_exit(index); });
    }
    const auto schedule = deployment->run_until(
        [this] { return std::all_of(state_.begin(), state_.end(), [](const Realm& r) { return r.reported; }); },
        100'000'000);
    std::string problem;
    if (schedule.end != host::ScheduleEnd::kDone) {
      problem = "the realms stopped early: " + std::string(host::schedule_end_name(schedule.end)) + " " + schedule.detail;
      for (const auto& realm : deployment->realms()) problem += "\n" + realm.name + ": " + realm.vmm->report().summary();
    }
    PathResult result;
    result.bytes = bytes_;
    double end_time = 0, end_cpu = 0;
    for (size_t i = 0; i < n && problem.empty(); ++i) {
      const Realm& r = state_[i];
      if (r.status != 0) problem = spec_.components[i].name + " failed with status " + host::hex(r.status);
      if (roles_[i].role == kMemcpy || roles_[i].role == kMemcpyBounce || roles_[i].role == kChannelReader ||
          roles_[i].role == kSealReader) {
        if (r.checksum != expected_checksum(bytes_) || r.bytes != bytes_) {
          problem = spec_.components[i].name + " received other bytes than were sent";
        }
      }
      result.instructions.push_back(r.end_instructions - r.start_instructions);
      result.busy_s.push_back(r.busy_s);
      result.rec_enters += r.end_rec_enters - r.start_rec_enters;
      result.waits += r.waits;
      end_time = std::max(end_time, r.end_time);
      end_cpu = std::max(end_cpu, r.end_cpu);
    }
    if (!problem.empty()) throw std::runtime_error(problem);
    result.wall_s = end_time;
    result.cpu_s = end_cpu - start_cpu_;
    if (auto down = deployment->teardown(); !down) throw std::runtime_error(down.error());
    deployment_ = nullptr;
    return result;
  }

 private:
  struct Realm {
    bool ready = false;
    bool ended = false;
    bool reported = false;
    uint64_t start_instructions = 0, end_instructions = 0;
    uint64_t start_rec_enters = 0, end_rec_enters = 0;
    double end_time = 0;  // seconds after the start
    double end_cpu = 0;
    double busy_s = 0;  // wall time of its REC_ENTERs from the start to its END
    bool busy_closed = false;
    uint64_t status = 0, checksum = 0, bytes = 0, waits = 0;
  };

  // After every exit of realm `index` (the host entered one realm at a
  // time): the time since the previous exit of any realm was its.
  void on_exit(uint32_t index) {
    if (!started_) return;
    const auto now = Clock::now();
    Realm& r = state_[index];
    if (!r.busy_closed) r.busy_s += seconds_between(last_exit_, now);
    if (r.ended) r.busy_closed = true;
    last_exit_ = now;
  }

  uint64_t instructions(uint32_t index) {
    return rig_.machine.cpus().instructions(deployment_->realms()[index].realm.vmid);
  }
  uint64_t rec_enters(uint32_t index) const { return deployment_->realms()[index].vmm->report().rec_enters; }
  uint32_t peer(uint32_t index) const { return index == 0 ? 1 : 0; }

  bool serve(uint32_t index, uint32_t imm, Gprs& gprs) {
    Realm& self = state_[index];
    const Gprs in = gprs;
    gprs.fill(0);
    switch (imm) {
      case kParams: {
        gprs[0] = roles_[index].role;
        gprs[1] = bytes_;
        gprs[2] = kChunk;
        gprs[3] = 0;  // the data channel
        gprs[4] = 1;  // the credit channel
        const auto& windows = deployment_->realms()[index].windows;
        gprs[5] = windows.empty() ? 0 : windows.front().ipa;
        gprs[6] = roles_[index].cipher;
        gprs[7] = kRingBytes;  // the bounce buffer of MEMCPY_BOUNCE
        return true;
      }
      case kStart: {
        self.ready = true;
        if (!started_ && std::all_of(state_.begin(), state_.end(), [](const Realm& r) { return r.ready; })) {
          // Everyone is ready: the clock starts now.
          started_ = true;
          start_ = Clock::now();
          last_exit_ = start_;
          start_cpu_ = process_cpu_seconds();
          for (uint32_t i = 0; i < state_.size(); ++i) {
            state_[i].start_instructions = instructions(i);
            state_[i].start_rec_enters = rec_enters(i);
          }
        }
        gprs[0] = started_ ? 1 : 0;
        return true;
      }
      case kEnd:
        self.ended = true;
        self.end_time = seconds_between(start_, Clock::now());
        self.end_cpu = process_cpu_seconds();
        self.end_instructions = instructions(index);
        self.end_rec_enters = rec_enters(index);
        return true;
      case kResult:
        self.reported = true;
        self.status = in[0];
        self.checksum = in[1];
        self.bytes = in[2];
        self.waits = in[3];
        return true;
      case kSend: {
        // The writer sealed in[0] bytes into its out window: the host moves
        // them to the reader's in window once the reader is done with the last.
        if (slot_ != 0 || in[0] == 0 || in[0] > kChunk + kTag) return true;  // busy: 0
        auto sealed = deployment_->read_window(index, "out", 0, in[0]);
        if (!sealed) throw std::runtime_error(sealed.error());
        if (auto w = deployment_->write_window(peer(index), "in", 0, *sealed); !w) throw std::runtime_error(w.error());
        slot_ = in[0];
        gprs[0] = 1;
        return true;
      }
      case kRecv:
        if (delivered_) {  // asking again: the last one is consumed
          slot_ = 0;
          delivered_ = false;
        }
        if (slot_ != 0) {
          gprs[0] = slot_;
          delivered_ = true;
        }
        return true;
      default:
        return false;
    }
  }

  host::WorkflowSpec spec_;
  std::vector<Role> roles_;
  uint64_t bytes_;
  Rig rig_;
  host::WorkflowDeployment* deployment_ = nullptr;
  std::vector<Realm> state_;
  bool started_ = false;
  Clock::time_point start_;
  Clock::time_point last_exit_;
  double start_cpu_ = 0;
  uint64_t slot_ = 0;  // sealed bytes waiting in the reader's in window
  bool delivered_ = false;
};

const char* kProgram = "crypto_bench_dataplane";

PathResult run_memcpy() {
  DataplaneRun run({Component{"a_memcpy", kProgram, 2 * kBulkBytes + kSlack, {}}}, {}, {{kMemcpy, 0}}, kBulkBytes);
  return run.run();
}

PathResult run_memcpy_bounce() {
  DataplaneRun run({Component{"a_bounce", kProgram, 2 * kBulkBytes + kRingBytes + kSlack, {}}}, {},
                   {{kMemcpyBounce, 0}}, kBulkBytes);
  return run.run();
}

PathResult run_channel() {
  DataplaneRun run({Component{"a_writer", kProgram, kBulkBytes + kSlack, {}},
                    Component{"b_reader", kProgram, kBulkBytes + kSlack, {}}},
                   {Channel{"c_data", 0, 1, kRingBytes}, Channel{"d_credit", 1, 0, kGranuleSize}},
                   {{kChannelWriter, 0}, {kChannelReader, 0}}, kBulkBytes);
  return run.run();
}

PathResult run_aead(uint64_t cipher) {
  const uint64_t window = kChunk + kGranuleSize;
  DataplaneRun run({Component{"a_sealer", kProgram, kAeadBytes + kSlack, {make_window("out", false, 0, window)}},
                    Component{"b_opener", kProgram, kAeadBytes + kChunk + kSlack, {make_window("in", true, 0, window)}}},
                   {}, {{kSealWriter, cipher}, {kSealReader, cipher}}, kAeadBytes);
  return run.run();
}

// Every path, measured once at the first use: memcpy, memcpy_bounce and
// channel in alternating rounds (the machine is shared, so its load drifts;
// each gets the same), then the AEAD paths once (their per-byte cost is far from the
// others whatever the load).
constexpr int kRounds = 3;

struct Measurements {
  std::map<std::string, std::vector<PathResult>> rounds;
  std::string error;
};

const Measurements& measurements() {
  static const Measurements all = [] {
    Measurements m;
    try {
      for (int round = 0; round < kRounds; ++round) {
        m.rounds["memcpy"].push_back(run_memcpy());
        m.rounds["memcpy_bounce"].push_back(run_memcpy_bounce());
        m.rounds["channel"].push_back(run_channel());
      }
      m.rounds["aead_aes256gcm"].push_back(run_aead(kAesGcm));
      m.rounds["aead_chacha20poly1305"].push_back(run_aead(kChachaPoly));
    } catch (const std::exception& e) {
      m.error = e.what();
    }
    return m;
  }();
  return all;
}

// The round of median wall time, and the spread.
struct PathSummary {
  PathResult median;
  double wall_min = 0, wall_max = 0, cpu_median = 0;
};

std::optional<PathSummary> summary_of(const std::string& path) {
  const auto& rounds = measurements().rounds;
  const auto it = rounds.find(path);
  if (it == rounds.end() || it->second.empty()) return std::nullopt;
  std::vector<PathResult> sorted = it->second;
  std::sort(sorted.begin(), sorted.end(), [](const PathResult& a, const PathResult& b) { return a.wall_s < b.wall_s; });
  PathSummary summary;
  summary.median = sorted[sorted.size() / 2];
  summary.wall_min = sorted.front().wall_s;
  summary.wall_max = sorted.back().wall_s;
  std::vector<double> cpu;
  for (const PathResult& r : sorted) cpu.push_back(r.cpu_s);
  summary.cpu_median = median(cpu);
  return summary;
}

void dataplane(benchmark::State& state, const std::string& path) {
  for (auto _ : state) {
    if (!measurements().error.empty()) {
      state.SkipWithError(measurements().error.c_str());
      break;
    }
    const auto summary = summary_of(path);
    if (!summary) {
      state.SkipWithError("not measured");
      break;
    }
    const PathResult& r = summary->median;
    state.SetIterationTime(r.wall_s);
    state.counters["rounds"] = static_cast<double>(measurements().rounds.at(path).size());
    state.counters["MiB"] = static_cast<double>(r.bytes) / kMiB;
    state.counters["MiB/s"] = r.bytes_per_second() / kMiB;
    state.counters["insn/B"] = r.instructions_per_byte();
    state.counters["wall_s"] = r.wall_s;
    state.counters["wall_min_s"] = summary->wall_min;
    state.counters["wall_max_s"] = summary->wall_max;
    state.counters["cpu_s"] = summary->cpu_median;
    state.counters["Minsn/s"] = static_cast<double>(r.total_instructions()) / r.wall_s / 1e6;
    if (r.instructions.size() == 2) {
      state.counters["writer_insn/B"] = static_cast<double>(r.instructions[0]) / static_cast<double>(r.bytes);
      state.counters["reader_insn/B"] = static_cast<double>(r.instructions[1]) / static_cast<double>(r.bytes);
      state.counters["writer_busy_s"] = r.busy_s[0];
      state.counters["reader_busy_s"] = r.busy_s[1];
      state.counters["own_PE_MiB/s"] = r.own_pe_bytes_per_second() / kMiB;
    }
    state.counters["rec_enters"] = static_cast<double>(r.rec_enters);
    state.counters["waits"] = static_cast<double>(r.waits);
  }
}

void dataplane_memcpy(benchmark::State& state) { dataplane(state, "memcpy"); }
void dataplane_bounce(benchmark::State& state) { dataplane(state, "memcpy_bounce"); }
void dataplane_channel(benchmark::State& state) { dataplane(state, "channel"); }
void dataplane_aes_gcm(benchmark::State& state) { dataplane(state, "aead_aes256gcm"); }
void dataplane_chachapoly(benchmark::State& state) { dataplane(state, "aead_chacha20poly1305"); }

// Ratios of the paths measured above in this process (medians of the
// rounds): throughput (bytes per second of wall-clock time), host CPU time
// per byte, guest instructions per byte.
void dataplane_ratios(benchmark::State& state) {
  for (auto _ : state) {
    const auto channel = summary_of("channel");
    const auto copy = summary_of("memcpy");
    if (!channel || !copy) {
      state.SkipWithError("the channel and memcpy paths did not run");
      break;
    }
    const auto cpu_per_byte = [](const PathSummary& p) { return p.cpu_median / static_cast<double>(p.median.bytes); };
    state.SetIterationTime(1e-9);
    state.counters["channel/memcpy_time"] = copy->median.bytes_per_second() / channel->median.bytes_per_second();
    state.counters["channel/memcpy_cpu"] = cpu_per_byte(*channel) / cpu_per_byte(*copy);
    state.counters["channel/memcpy_insn"] =
        channel->median.instructions_per_byte() / copy->median.instructions_per_byte();
    state.counters["channel_own_PE/memcpy_time"] =
        copy->median.bytes_per_second() / channel->median.own_pe_bytes_per_second();
    if (const auto bounce = summary_of("memcpy_bounce")) {
      state.counters["bounce/memcpy_time"] = copy->median.bytes_per_second() / bounce->median.bytes_per_second();
      state.counters["channel/bounce_time"] = bounce->median.bytes_per_second() / channel->median.bytes_per_second();
    }
    for (const char* aead : {"aead_aes256gcm", "aead_chacha20poly1305"}) {
      const auto baseline = summary_of(aead);
      if (!baseline) continue;
      const std::string key = std::string(aead).substr(5);
      state.counters["speedup_vs_" + key] = channel->median.bytes_per_second() / baseline->median.bytes_per_second();
      state.counters["cpu_vs_" + key] = cpu_per_byte(*baseline) / cpu_per_byte(*channel);
      state.counters["insn_vs_" + key] =
          baseline->median.instructions_per_byte() / channel->median.instructions_per_byte();
    }
  }
}

BENCHMARK(dataplane_memcpy)->Name("dataplane/memcpy")->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(dataplane_bounce)
    ->Name("dataplane/memcpy_bounce")
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(dataplane_channel)->Name("dataplane/channel")->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(dataplane_aes_gcm)
    ->Name("dataplane/aead_aes256gcm")
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(dataplane_chachapoly)
    ->Name("dataplane/aead_chacha20poly1305")
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(dataplane_ratios)->Name("dataplane/ratios")->UseManualTime()->Iterations(1);

// --- Deploying a workflow of N components ------------------------------------------------------

constexpr uint64_t kTrivialRam = 512 * kKiB;

host::WorkflowSpec chain_of(unsigned n) {
  std::vector<Component> components;
  std::vector<Channel> channels;
  for (unsigned i = 0; i < n; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "c%03u", i);
    components.push_back(Component{name, "bench_exit", kTrivialRam, {}});
    if (i + 1 < n) {
      std::snprintf(name, sizeof name, "k%03u", i);
      channels.push_back(Channel{name, i, i + 1, kGranuleSize});
    }
  }
  return workflow_spec("bench_chain", components, channels);
}

// Granules of each state the monitor holds.
std::map<GranuleState, uint64_t> granule_census(const monitor::Monitor& m) {
  std::map<GranuleState, uint64_t> census;
  for (uint64_t i = 0; i < m.granule_count(); ++i) {
    const GranuleState s = m.granule_state(m.dram_base().plus(i * kGranuleSize));
    if (s != GranuleState::kUndelegated) ++census[s];
  }
  return census;
}

void deploy_components(benchmark::State& state) {
  const auto n = static_cast<unsigned>(state.range(0));
  const host::WorkflowSpec spec = chain_of(n);
  Rig rig(dram_for(spec));
  std::vector<double> deploy_s, run_s, teardown_s;
  std::map<GranuleState, uint64_t> census;
  for (auto _ : state) {
    try {
      const auto t0 = Clock::now();
      auto deployment = rig.deploy(spec);
      const auto t1 = Clock::now();
      state.SetIterationTime(seconds_between(t0, t1));
      deploy_s.push_back(seconds_between(t0, t1));
      if (census.empty()) census = granule_census(rig.machine.monitor());
      const auto t2 = Clock::now();
      const auto ran = deployment->run_until([] { return false; }, 1'000'000);
      const auto t3 = Clock::now();
      if (ran.end != host::ScheduleEnd::kAllFinished) {
        std::string why = "the realms did not all end: " + std::string(host::schedule_end_name(ran.end));
        for (const auto& realm : deployment->realms()) why += "\n" + realm.name + ": " + realm.vmm->report().summary();
        throw std::runtime_error(why);
      }
      run_s.push_back(seconds_between(t2, t3));
      const auto t4 = Clock::now();
      if (auto down = deployment->teardown(); !down) throw std::runtime_error(down.error());
      deployment.reset();
      teardown_s.push_back(seconds_between(t4, Clock::now()));
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      break;
    }
  }
  if (!granule_census(rig.machine.monitor()).empty()) state.SkipWithError("teardown left granules delegated");
  auto count = [&census](GranuleState s) { return static_cast<double>(census.count(s) ? census.at(s) : 0); };
  state.counters["deploy_ms"] = median(deploy_s) * 1e3;
  state.counters["run_ms"] = median(run_s) * 1e3;
  state.counters["teardown_ms"] = median(teardown_s) * 1e3;
  state.counters["RD"] = count(GranuleState::kRd);
  state.counters["REC"] = count(GranuleState::kRec);
  state.counters["REC_AUX"] = count(GranuleState::kRecAux);
  state.counters["RTT"] = count(GranuleState::kRtt);
  state.counters["WORKFLOW"] = count(GranuleState::kWorkflow) + count(GranuleState::kWorkflowAux);
  state.counters["SHARED"] = count(GranuleState::kShared);
  state.counters["DATA"] = count(GranuleState::kData);
  state.counters["DELEGATED"] = count(GranuleState::kDelegated);
  double held = 0;
  for (const auto& [s, c] : census) {
    if (s != GranuleState::kData) held += static_cast<double>(c);
  }
  state.counters["monitor_KiB"] = held * 4;
  state.counters["data_KiB"] = count(GranuleState::kData) * 4;
}

BENCHMARK(deploy_components)
    ->Name("deploy/components")
    ->Arg(1)
    ->Arg(4)
    ->Arg(16)
    ->Arg(64)
    ->UseManualTime()
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mica::bench

BENCHMARK_MAIN();
