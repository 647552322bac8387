// RMI from several host threads at once, on the same objects: the granules
// of one shared pool, the same realms, the same RTTs at the same IPAs, one
// workflow's channels. Each thread draws calls from a fixed pseudo-random
// sequence of its own; every round all threads stop at a barrier, and the
// invariant checker runs at that quiescent point. At the end one thread
// takes everything apart again, and every granule must come back NS: no
// race leaked one. docs/locking.md gives the lock order these tests lean on;
// `make check-sanitizers` also runs them under ThreadSanitizer.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "invariants.h"
#include "monitor/abi/mica.h"
#include "monitor/abi/rmi.h"
#include "monitor/monitor.h"
#include "platform/machine.h"
#include "policy_spec.h"

namespace mica::monitor::testing {
namespace {

using C = abi::MicaRmiCommand;
using R = abi::RmiCommand;

constexpr uint64_t kDramBase = 0x8000'0000;
constexpr uint64_t kDramSize = 8ull << 20;
constexpr uint64_t kPage = kGranuleSize;
constexpr unsigned kThreads = 4;
constexpr unsigned kPool = 96;  // granules every thread may name
constexpr uint64_t kSuccess = 0;

// IPAs the threads fight over: two 2 MiB regions (RTTs at levels 1..3) and
// the channel place, in a 40-bit IPA space with start level 0.
constexpr uint64_t kRegionA = 0x1000'0000;
constexpr uint64_t kRegionB = 0x1020'0000;
constexpr uint64_t kChannelIpa = 0x2000'0000;
constexpr uint64_t kUnprotected = uint64_t{1} << 39;

// A barrier built on a mutex (ThreadSanitizer sees its ordering directly).
class Barrier {
 public:
  Barrier(unsigned parties, std::function<void()> at_quiescence)
      : parties_(parties), at_quiescence_(std::move(at_quiescence)) {}
  void arrive_and_wait() {
    std::unique_lock lock(mutex_);
    const uint64_t generation = generation_;
    if (++arrived_ == parties_) {
      at_quiescence_();
      arrived_ = 0;
      ++generation_;
      cv_.notify_all();
      return;
    }
    cv_.wait(lock, [&] { return generation_ != generation; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  unsigned parties_;
  unsigned arrived_ = 0;
  uint64_t generation_ = 0;
  std::function<void()> at_quiescence_;
};

struct Rng {
  uint64_t state;
  uint64_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  uint64_t below(uint64_t n) { return next() % n; }
};

class Concurrency : public ::testing::Test {
 protected:
  Concurrency() : machine_(config()), checker_(machine_.monitor(), machine_.gpt()) {}

  static platform::MachineConfig config() {
    platform::MachineConfig c;
    c.dram_base = kDramBase;
    c.dram_size = kDramSize;
    c.state_dir = ::testing::TempDir() + "mica-concurrency-test-state";
    return c;
  }

  SmcResult smc(uint64_t fid, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0, uint64_t x5 = 0) {
    SmcArgs args;
    args.x[0] = fid;
    args.x[1] = x1;
    args.x[2] = x2;
    args.x[3] = x3;
    args.x[4] = x4;
    args.x[5] = x5;
    return machine_.smc(args);
  }
  uint64_t rmi(R command, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0, uint64_t x5 = 0) {
    return smc(abi::rmi_fid(command), x1, x2, x3, x4, x5).x[0];
  }
  uint64_t mica(C command, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0) {
    return smc(abi::mica_rmi_fid(command), x1, x2, x3, x4).x[0];
  }

  // RTTs down to level 3 at ipa (the realm has a 40-bit IPA space, start level 0).
  void rtts(PhysAddr rd, uint64_t ipa) {
    for (int level = 1; level <= 3; ++level) {
      ASSERT_EQ(rmi(R::kRttCreate, rd.value(), delegated().value(), ipa & ~(abi::rtt_map_size(level - 1) - 1),
                    static_cast<uint64_t>(level)),
                kSuccess);
    }
  }

  // Granules are handed out from the bottom of DRAM, once each.
  PhysAddr ns() {
    const PhysAddr pa(next_);
    next_ += kPage;
    EXPECT_LE(next_, kDramBase + kDramSize);
    return pa;
  }
  PhysAddr delegated() {
    const PhysAddr pa = ns();
    EXPECT_EQ(rmi(R::kGranuleDelegate, pa.value()), kSuccess);
    return pa;
  }
  void write(PhysAddr pa, const std::vector<uint8_t>& bytes) {
    ASSERT_EQ(machine_.host_write(pa, bytes.data(), bytes.size()), platform::AccessResult::kOk);
  }
  template <class T>
  static void put(std::vector<uint8_t>& page, uint64_t offset, T value) {
    std::memcpy(page.data() + offset, &value, sizeof value);
  }

  // RmiRealmParams: 40-bit IPA space, start level 0, one root.
  void realm_params(PhysAddr page, uint16_t vmid, PhysAddr root) {
    namespace rp = abi::realm_params;
    std::vector<uint8_t> p(kPage, 0);
    put<uint32_t>(p, rp::kS2sz, 40);
    put<uint32_t>(p, rp::kNumBps, 1);
    put<uint32_t>(p, rp::kNumWps, 1);
    put<uint16_t>(p, rp::kVmid, vmid);
    put<uint64_t>(p, rp::kRttBase, root.value());
    put<int64_t>(p, rp::kRttLevelStart, 0);
    put<uint32_t>(p, rp::kRttNumStart, 1);
    write(page, p);
  }
  PhysAddr create_realm(uint16_t vmid) {
    const PhysAddr rd = delegated();
    const PhysAddr root = delegated();
    const PhysAddr params = ns();
    realm_params(params, vmid, root);
    EXPECT_EQ(rmi(R::kRealmCreate, rd.value(), params.value()), kSuccess);
    return rd;
  }
  PhysAddr create_workflow(const std::vector<uint8_t>& policy) {
    namespace wp = abi::workflow_params;
    std::vector<uint8_t> params(kPage, 0);
    put<uint64_t>(params, wp::kPolicySize, policy.size());
    uint64_t sources = 0;
    for (size_t offset = 0; offset < policy.size(); offset += kPage, ++sources) {
      const PhysAddr src = ns();
      std::vector<uint8_t> chunk(policy.begin() + static_cast<ptrdiff_t>(offset),
                                 policy.begin() + static_cast<ptrdiff_t>(std::min(policy.size(), offset + kPage)));
      write(src, chunk);
      put<uint64_t>(params, wp::kSources + 8 * sources, src.value());
    }
    put<uint64_t>(params, wp::kNumSources, sources);
    put<uint64_t>(params, wp::kNumAux, abi::kWorkflowAuxCount);
    for (uint64_t i = 0; i < abi::kWorkflowAuxCount; ++i) put<uint64_t>(params, wp::kAux + 8 * i, delegated().value());
    const PhysAddr params_pa = ns();
    write(params_pa, params);
    const PhysAddr wf = delegated();
    EXPECT_EQ(mica(C::kWorkflowCreate, wf.value(), params_pa.value()), kSuccess);
    return wf;
  }

  // The invariant checker at a quiescent point.
  void check(const char* when) {
    const std::vector<std::string> violations = checker_.check();
    if (!violations.empty()) {
      std::lock_guard lock(failures_mutex_);
      ADD_FAILURE() << when << ":\n" << describe(violations);
    }
  }

  // Runs `rounds` rounds of `ops` calls on each of kThreads threads, the
  // checker between rounds. `op(thread, rng, scratch)` makes one call.
  void race(unsigned rounds, unsigned ops,
            const std::function<void(unsigned, Rng&, const std::vector<PhysAddr>&)>& op) {
    std::vector<std::vector<PhysAddr>> scratch(kThreads);
    for (unsigned t = 0; t < kThreads; ++t) {
      for (unsigned i = 0; i < 2; ++i) scratch[t].push_back(ns());  // per-thread NS parameter pages
    }
    Barrier barrier(kThreads, [this] { check("at a quiescent point"); });
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        Rng rng{0x9E3779B97F4A7C15ull * (t + 1)};
        for (unsigned round = 0; round < rounds; ++round) {
          for (unsigned i = 0; i < ops; ++i) op(t, rng, scratch[t]);
          barrier.arrive_and_wait();
        }
      });
    }
    for (std::thread& t : threads) t.join();
  }

  GranuleState state(PhysAddr pa) { return machine_.monitor().granule_state(pa); }

  // Takes every object apart (in as many passes as the dependencies need)
  // and gives every granule back to NS.
  void reclaim() {
    for (unsigned pass = 0; pass < 8; ++pass) {
      for (uint64_t pa = kDramBase; pa < next_; pa += kPage) {
        if (state(PhysAddr(pa)) == GranuleState::kRec) rmi(R::kRecDestroy, pa);
      }
      for (uint64_t pa = kDramBase; pa < next_; pa += kPage) {
        if (state(PhysAddr(pa)) != GranuleState::kRd) continue;
        for (uint64_t page = 0; page < 8; ++page) {
          mica(C::kShareUnmap, pa, kChannelIpa + page * kPage);
          rmi(R::kDataDestroy, pa, kRegionA + page * kPage);
          rmi(R::kDataDestroy, pa, kRegionB + page * kPage);
          rmi(R::kRttUnmapUnprotected, pa, kUnprotected + page * kPage, 3);
        }
        for (int level = 3; level >= 1; --level) {
          for (uint64_t ipa : {kRegionA, kRegionB, kChannelIpa, kUnprotected}) {
            rmi(R::kRttDestroy, pa, ipa & ~(abi::rtt_map_size(level - 1) - 1), static_cast<uint64_t>(level));
          }
        }
        rmi(R::kRealmDestroy, pa);
      }
      for (uint64_t pa = next_; pa > kDramBase; pa -= kPage) {  // channel pages go in reverse order
        if (state(PhysAddr(pa - kPage)) == GranuleState::kShared) mica(C::kShareDestroy, pa - kPage);
      }
      for (uint64_t pa = kDramBase; pa < next_; pa += kPage) {
        if (state(PhysAddr(pa)) == GranuleState::kWorkflow) mica(C::kWorkflowDestroy, pa);
        if (state(PhysAddr(pa)) == GranuleState::kDelegated) rmi(R::kGranuleUndelegate, pa);
      }
    }
    check("after everything was taken apart");
    for (uint64_t pa = kDramBase; pa < kDramBase + kDramSize; pa += kPage) {
      ASSERT_EQ(state(PhysAddr(pa)), GranuleState::kUndelegated)
          << "granule 0x" << std::hex << pa << " was not given back";
    }
  }

  platform::Machine machine_;
  InvariantChecker checker_;
  std::mutex failures_mutex_;
  uint64_t next_ = kDramBase;
};

// Counts of successful calls per kind, shared by the threads.
struct Tally {
  std::array<std::atomic<uint64_t>, 32> success{};
  std::array<std::atomic<uint64_t>, 32> refused{};
  void note(unsigned kind, uint64_t x0) { (x0 == kSuccess ? success : refused)[kind].fetch_add(1); }
};

// The RMM core's objects: granule delegation, realms created and destroyed
// on pool granules, RTTs, DATA and RECs of two long-lived realms at the same
// IPAs, REC_ENTERs of RECs other threads destroy.
TEST_F(Concurrency, CoreObjectsFromFourThreads) {
  std::vector<PhysAddr> pool;
  for (unsigned i = 0; i < kPool; ++i) pool.push_back(ns());
  const PhysAddr realms[2] = {create_realm(1), create_realm(2)};
  for (const PhysAddr rd : realms) {
    rtts(rd, kUnprotected);
    rtts(rd, kRegionA);
    // An anchor page the threads never destroy keeps region A's tables
    // (and so the level-2 table region B's hangs off) alive, so DATA calls
    // there keep finding a table; region B's tables come and go.
    ASSERT_EQ(rmi(R::kDataCreateUnknown, rd.value(), delegated().value(), kRegionA + 7 * kPage), kSuccess);
  }
  // Each thread's REC aux granules (a REC needs sixteen DELEGATED ones at once).
  std::vector<std::vector<uint64_t>> aux(kThreads);
  for (unsigned t = 0; t < kThreads; ++t) {
    for (unsigned a = 0; a < abi::kRecAuxCount; ++a) aux[t].push_back(delegated().value());
  }
  Tally tally;
  enum Kind { kDelegate, kUndelegate, kRttCreate, kRttDestroy, kDataCreate, kDataDestroy, kRecCreate, kRecDestroy,
              kRecEnter, kRealmCreate, kRealmDestroy, kRttFold, kReadEntry, kInitRipas, kMapNs, kUnmapNs, kKinds };
  race(200, 24, [&](unsigned t, Rng& rng, const std::vector<PhysAddr>& scratch) {
    const uint64_t g = pool[rng.below(kPool)].value();
    const uint64_t g2 = pool[rng.below(kPool)].value();
    const uint64_t rd = rng.below(4) == 0 ? g : realms[rng.below(2)].value();
    const uint64_t region = rng.below(2) == 0 ? kRegionA : kRegionB;
    const uint64_t roll = rng.below(10);  // mostly the level-3 tables, whose DATA the threads also race on
    const int level = roll < 7 ? 3 : roll < 9 ? 2 : 1;
    const uint64_t aligned = region & ~(abi::rtt_map_size(level - 1) - 1);
    const uint64_t page = region + rng.below(4) * kPage;
    const unsigned kind = static_cast<unsigned>(rng.below(kKinds));
    uint64_t x0 = 0;
    switch (kind) {
      case kDelegate: x0 = rmi(R::kGranuleDelegate, g); break;
      case kUndelegate: x0 = rmi(R::kGranuleUndelegate, g); break;
      case kRttCreate: x0 = rmi(R::kRttCreate, rd, g, aligned, static_cast<uint64_t>(level)); break;
      case kRttDestroy: x0 = rmi(R::kRttDestroy, rd, aligned, static_cast<uint64_t>(level)); break;
      case kRttFold: x0 = rmi(R::kRttFold, rd, aligned, static_cast<uint64_t>(level)); break;
      case kDataCreate: x0 = rmi(R::kDataCreateUnknown, rd, g, page); break;
      case kDataDestroy: x0 = rmi(R::kDataDestroy, rd, page); break;
      case kReadEntry: x0 = rmi(R::kRttReadEntry, rd, page, 3); break;
      case kInitRipas: x0 = rmi(R::kRttInitRipas, rd, page, page + kPage); break;
      case kMapNs: x0 = rmi(R::kRttMapUnprotected, rd, kUnprotected + rng.below(4) * kPage, 3,
                            scratch[1].value() | (0b11u << 6)); break;
      case kUnmapNs: x0 = rmi(R::kRttUnmapUnprotected, rd, kUnprotected + rng.below(4) * kPage, 3); break;
      case kRecCreate: {
        namespace rcp = abi::rec_params;
        RealmInfo info;
        const uint64_t next_index = machine_.monitor().realm_info(PhysAddr(rd), info) ? info.rec_count : 0;
        std::vector<uint8_t> p(kPage, 0);
        put<uint64_t>(p, rcp::kFlags, rcp::kFlagRunnable);
        put<uint64_t>(p, rcp::kMpidr, next_index);
        put<uint64_t>(p, rcp::kNumAux, abi::kRecAuxCount);
        for (unsigned a = 0; a < abi::kRecAuxCount; ++a) put<uint64_t>(p, rcp::kAux + 8 * a, aux[t][a]);
        write(scratch[0], p);
        x0 = rmi(R::kRecCreate, rd, g, scratch[0].value());
        break;
      }
      case kRecDestroy: x0 = rmi(R::kRecDestroy, g); break;
      case kRecEnter: x0 = rmi(R::kRecEnter, g, scratch[1].value()); break;  // the realms stay NEW: refused
      case kRealmCreate:
        realm_params(scratch[0], static_cast<uint16_t>(10 + t), PhysAddr(g2));
        x0 = rmi(R::kRealmCreate, g, scratch[0].value());
        break;
      case kRealmDestroy: x0 = rmi(R::kRealmDestroy, g); break;
    }
    tally.note(kind, x0);
  });
  // The races were real: each kind of call both succeeded and was refused.
  for (unsigned kind : {kDelegate, kUndelegate, kRttCreate, kRttDestroy, kDataCreate, kDataDestroy, kRecCreate,
                        kRecDestroy, kRealmCreate, kRealmDestroy}) {
    EXPECT_GT(tally.success[kind].load(), 0u) << "kind " << kind << " never succeeded";
    EXPECT_GT(tally.refused[kind].load(), 0u) << "kind " << kind << " was never refused";
  }
  EXPECT_EQ(tally.success[kRecEnter].load(), 0u);  // no realm was ever active
  reclaim();
}

// The Mica objects: channel pages created, mapped, unmapped and destroyed
// from four threads on one workflow's channels and two bound realms, with
// binds of churned realms and workflows created and destroyed on the same
// pool.
TEST_F(Concurrency, MicaObjectsFromFourThreads) {
  std::vector<PhysAddr> pool;
  for (unsigned i = 0; i < kPool; ++i) pool.push_back(ns());
  PolicySpec spec;
  ComponentSpec writer = make_component("writer");
  writer.windows = {make_window("out", false, 0, 4 * kPage)};
  spec.components = {make_component("reader"), writer, make_component("spare")};
  spec.channels = {make_channel("pipe", "writer", {"reader"}, 4 * kPage),
                   make_channel("ring", "writer", {"reader", "spare"}, 2 * kPage)};
  const std::vector<uint8_t> policy = spec.encode();
  const PhysAddr wf = create_workflow(policy);
  const PhysAddr realms[2] = {create_realm(1), create_realm(2)};
  ASSERT_EQ(mica(C::kRealmBind, realms[0].value(), wf.value(), spec.component("reader")), kSuccess);
  ASSERT_EQ(mica(C::kRealmBind, realms[1].value(), wf.value(), spec.component("writer")), kSuccess);
  for (const PhysAddr rd : realms) rtts(rd, kChannelIpa);
  rtts(realms[1], kUnprotected);  // the writer's `out` window
  // A second workflow's parameters, for threads that create and destroy it.
  const PhysAddr wf_params = ns();
  {
    namespace wp = abi::workflow_params;
    const PhysAddr src = ns();
    write(src, policy);
    std::vector<uint8_t> params(kPage, 0);
    put<uint64_t>(params, wp::kPolicySize, policy.size());
    put<uint64_t>(params, wp::kNumSources, 1);
    put<uint64_t>(params, wp::kSources, src.value());
    put<uint64_t>(params, wp::kNumAux, abi::kWorkflowAuxCount);
    for (uint64_t i = 0; i < abi::kWorkflowAuxCount; ++i) put<uint64_t>(params, wp::kAux + 8 * i, pool[i].value());
    write(wf_params, params);
  }
  Tally tally;
  enum Kind { kDelegate, kShareCreate, kShareDestroy, kShareMap, kShareUnmap, kBind, kRealmCreate, kRealmDestroy,
              kWorkflowCreate, kWorkflowDestroy, kMapNs, kUndelegate, kKinds };
  race(200, 24, [&](unsigned t, Rng& rng, const std::vector<PhysAddr>& scratch) {
    const uint64_t g = pool[rng.below(kPool)].value();
    const unsigned which = static_cast<unsigned>(rng.below(2));
    const uint64_t rd = realms[which].value();
    const uint64_t channel = rng.below(2);
    const uint64_t page = rng.below(4);
    const unsigned kind = static_cast<unsigned>(rng.below(kKinds));
    uint64_t x0 = 0;
    switch (kind) {
      case kDelegate: x0 = rmi(R::kGranuleDelegate, g); break;
      case kUndelegate: x0 = rmi(R::kGranuleUndelegate, g); break;
      case kShareCreate: x0 = mica(C::kShareCreate, wf.value(), g, channel); break;
      case kShareDestroy: x0 = mica(C::kShareDestroy, g); break;
      case kShareMap:
        // Pipe pages at the channel place; the ring after the pipe's four pages.
        x0 = mica(C::kShareMap, rd, g, kChannelIpa + (channel == 0 ? 0 : 4 * kPage) + page * kPage,
                  which == 1 ? abi::kShareMapWrite : 0);
        break;
      case kShareUnmap: x0 = mica(C::kShareUnmap, rd, kChannelIpa + rng.below(6) * kPage); break;
      case kBind: x0 = mica(C::kRealmBind, g, wf.value(), spec.component("spare")); break;
      case kRealmCreate:
        realm_params(scratch[0], static_cast<uint16_t>(10 + t), PhysAddr(pool[rng.below(kPool)].value()));
        x0 = rmi(R::kRealmCreate, g, scratch[0].value());
        break;
      case kRealmDestroy: x0 = rmi(R::kRealmDestroy, g); break;
      case kWorkflowCreate: x0 = mica(C::kWorkflowCreate, g, wf_params.value()); break;
      case kWorkflowDestroy: x0 = mica(C::kWorkflowDestroy, g); break;
      case kMapNs: x0 = rmi(R::kRttMapUnprotected, rd, kUnprotected + page * kPage, 3, scratch[1].value() | (0b11u << 6));
        break;
    }
    tally.note(kind, x0);
  });
  for (unsigned kind : {kDelegate, kShareCreate, kShareDestroy, kShareMap, kShareUnmap, kRealmCreate, kRealmDestroy}) {
    EXPECT_GT(tally.success[kind].load(), 0u) << "kind " << kind << " never succeeded";
    EXPECT_GT(tally.refused[kind].load(), 0u) << "kind " << kind << " was never refused";
  }
  reclaim();
}

}  // namespace
}  // namespace mica::monitor::testing
