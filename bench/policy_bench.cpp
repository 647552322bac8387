// Compile-and-prove time and peak heap of generated policies of 10, 100,
// 1,000 and 10,000 realms with five channels each (bench target: under one
// second at 10,000 and near-linear growth), plus the monitor's decoder.
//
// The generated workflow is a layered pipeline, ten realms wide: every realm
// writes five channels into the next layer, the first layer reads from the
// host through `in` windows, the last layer feeds one egress realm whose
// `out` window is the only way out. Requirements: every first-layer realm
// `!-> untrusted except via egress` (one search for all of them), and ten
// late realms `!-> ` a first-layer realm `except via egress` (one search each).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>

#include "mica/policy.h"
#include "policy/compiler.h"

// --- Heap accounting: current and peak bytes allocated through operator new.
namespace {
std::atomic<size_t> g_heap_now{0};
std::atomic<size_t> g_heap_peak{0};

void* allocate(size_t size) {
  void* pointer = std::malloc(size == 0 ? 1 : size);
  if (pointer == nullptr) throw std::bad_alloc();
  const size_t now = g_heap_now.fetch_add(malloc_usable_size(pointer)) + malloc_usable_size(pointer);
  size_t peak = g_heap_peak.load();
  while (now > peak && !g_heap_peak.compare_exchange_weak(peak, now)) {
  }
  return pointer;
}

void release(void* pointer) {
  if (pointer == nullptr) return;
  g_heap_now.fetch_sub(malloc_usable_size(pointer));
  std::free(pointer);
}
}  // namespace

void* operator new(size_t size) { return allocate(size); }
void* operator new[](size_t size) { return allocate(size); }
void operator delete(void* pointer) noexcept { release(pointer); }
void operator delete[](void* pointer) noexcept { release(pointer); }
void operator delete(void* pointer, size_t) noexcept { release(pointer); }
void operator delete[](void* pointer, size_t) noexcept { release(pointer); }

namespace {

using namespace mica::policy;

std::string name(size_t i) {
  char text[32];
  std::snprintf(text, sizeof text, "r%05zu", i);
  return text;
}

std::string generate(size_t realms) {
  constexpr size_t kWidth = 10;
  std::string text = "workflow generated;\n\n";
  auto digest = [](size_t i) {
    char hex[80];
    std::snprintf(hex, sizeof hex, "%064zx", i + 1);
    return std::string("sha256:") + hex;
  };
  for (size_t i = 0; i < realms; ++i) {
    text += "realm " + name(i) + " {\n  measurement " + digest(i) + ";\n  memory 16 MiB;\n  recs 1;\n";
    if (i < kWidth) text += "  untrusted { window inbox in 64 KiB; }\n";
    text += "}\n";
  }
  text += "realm egress {\n  measurement " + digest(realms) +
          ";\n  memory 16 MiB;\n  recs 1;\n  untrusted { window outbox out 1 MiB; }\n}\n\n";
  for (size_t i = 0; i < realms; ++i) {
    const size_t next_layer = (i / kWidth + 1) * kWidth;
    for (size_t k = 0; k < 5; ++k) {
      const size_t target = next_layer + (i % kWidth + k) % kWidth;
      const std::string reader = target < realms ? name(target) : "egress";
      text += "channel k" + name(i).substr(1) + "_" + std::to_string(k) + " : " + name(i) + " -> " + reader +
              " size 64 KiB;\n";
    }
  }
  // Every first-layer realm leaves only through egress (one search for all),
  // and so do ten late realms towards the first layer (one search each:
  // their way back runs through egress and the host's `in` windows).
  for (size_t i = 0; i < kWidth && i < realms; ++i) text += "require " + name(i) + " !-> untrusted except via egress;\n";
  for (size_t k = 0; k < 10 && kWidth + k < realms; ++k) {
    text += "require " + name(realms - 1 - k) + " !-> " + name(k) + " except via egress;\n";
  }
  return text;
}

CompileOptions unlimited() {
  CompileOptions options;
  options.enforce_monitor_limits = false;  // the monitor takes 64 realms; the compiler scales further
  return options;
}

void BM_CompileAndProve(benchmark::State& state) {
  const auto realms = static_cast<size_t>(state.range(0));
  const std::string text = generate(realms);
  size_t peak = 0;
  size_t compiled_bytes = 0;
  for (auto _ : state) {
    g_heap_peak.store(g_heap_now.load());
    const size_t base = g_heap_now.load();
    Compilation compilation = compile(SourceFile("generated.mica", text), unlimited());
    if (!compilation.ok()) {
      state.SkipWithError(render_to_string(compilation.source, compilation.diagnostics).substr(0, 400).c_str());
      break;
    }
    compiled_bytes = compilation.compiled.size();
    benchmark::DoNotOptimize(compilation.digest);
    peak = std::max(peak, g_heap_peak.load() - base);
  }
  state.counters["realms"] = static_cast<double>(realms);
  state.counters["channels"] = static_cast<double>(5 * realms);
  state.counters["source_KiB"] = static_cast<double>(text.size()) / 1024.0;
  state.counters["cbor_KiB"] = static_cast<double>(compiled_bytes) / 1024.0;
  state.counters["peak_heap_MiB"] = static_cast<double>(peak) / (1024.0 * 1024.0);
  state.SetComplexityN(static_cast<int64_t>(realms));
}
BENCHMARK(BM_CompileAndProve)->RangeMultiplier(10)->Range(10, 10000)->Unit(benchmark::kMillisecond)
    ->Complexity(benchmark::oN);

// The prover alone, on the checked policy of the same size.
void BM_Prove(benchmark::State& state) {
  const auto realms = static_cast<size_t>(state.range(0));
  CompileOptions options = unlimited();
  options.prove = false;
  options.encode = false;
  const Compilation compilation = compile(SourceFile("generated.mica", generate(realms)), options);
  if (!compilation.checked) {
    state.SkipWithError("generated policy does not check");
    return;
  }
  size_t violated = 0;
  for (auto _ : state) {
    const FlowGraph graph(compilation.checked->policy);
    const auto outcomes = prove(compilation.checked->policy, graph);
    violated = static_cast<size_t>(std::count_if(outcomes.begin(), outcomes.end(),
                                                 [](const RequirementOutcome& o) { return !o.holds; }));
    benchmark::DoNotOptimize(outcomes.data());
  }
  state.counters["violated"] = static_cast<double>(violated);
  state.SetComplexityN(static_cast<int64_t>(realms));
}
BENCHMARK(BM_Prove)->RangeMultiplier(10)->Range(10, 10000)->Unit(benchmark::kMillisecond)->Complexity(benchmark::oN);

// The monitor's decoder on a generated policy within its capacities
// (26 realms, 125 channels, 20 requirements).
void BM_MonitorDecode(benchmark::State& state) {
  const Compilation compilation = compile(SourceFile("generated.mica", generate(25)));
  if (!compilation.ok()) {
    state.SkipWithError("generated policy does not compile");
    return;
  }
  auto decoded = std::make_unique<mica::monitor::policy::Policy>();
  for (auto _ : state) {
    const auto result =
        mica::monitor::policy::decode_policy(compilation.compiled.data(), compilation.compiled.size(), *decoded);
    benchmark::DoNotOptimize(result);
  }
  state.counters["policy_bytes"] = static_cast<double>(compilation.compiled.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * compilation.compiled.size()));
}
BENCHMARK(BM_MonitorDecode)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
