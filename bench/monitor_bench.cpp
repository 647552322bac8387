// Latency of the monitor's RMI commands (RMM 1.0 and Mica's) on the success
// path, issued by the host through the emulated machine's EL3 exactly as
// the VMM issues them (src/platform: SMC routing, GPT transitions, the
// realm CPU). RTT_SET_RIPAS and PSCI_COMPLETE need a REC that made an RSI
// call first: they are measured in rsi_bench.cpp with the RSI calls.
//
// Each benchmark is named after the command. Time = wall-clock latency of
// one command (the mean over batches; median_ns and min_ns in the counters);
// the objects a command needs are made before the clock starts and taken
// apart after it stops (bench/support/latency.h).
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>

#include "bench_host.h"
#include "latency.h"
#include "policies.h"

namespace mica::bench {
namespace {

// The emulated machine with its own monitor, and the host on top.
struct Rig {
  Rig() : machine(bench_machine_config()), host([this](const SmcArgs& a) { return machine.smc(a); }, machine) {}
  platform::Machine machine;
  BenchHost host;
};

template <class Call>
uint64_t each(unsigned count, Call&& call) {
  uint64_t status = 0;
  for (unsigned i = 0; i < count; ++i) status |= call(i).x[0];
  return status;
}

constexpr uint64_t kL3Span = uint64_t{1} << 21;  // what one level-3 RTT maps
constexpr uint64_t page(unsigned i) { return uint64_t{i} * kGranuleSize; }

// --- Stateless ---------------------------------------------------------------------------------

void rmi_version(benchmark::State& state) {
  Rig rig;
  measure(state, 64, [&](Latency& l) {
    l.iteration([&] { return each(64, [&](unsigned) { return rig.host.rmi(RmiCommand::kVersion, abi::kRmiVersion_1_0); }); });
  });
}

void rmi_features(benchmark::State& state) {
  Rig rig;
  measure(state, 64, [&](Latency& l) {
    l.iteration([&] { return each(64, [&](unsigned) { return rig.host.rmi(RmiCommand::kFeatures, 0); }); });
  });
}

// --- Granules ------------------------------------------------------------------------------------

constexpr unsigned kGranuleBatch = 32;

void rmi_granule_delegate(benchmark::State& state) {
  Rig rig;
  std::vector<PhysAddr> pages(kGranuleBatch);
  measure(state, kGranuleBatch, [&](Latency& l) {
    l.iteration([&] { for (PhysAddr& p : pages) p = rig.host.ns_granule(); },
                [&] { return each(kGranuleBatch, [&](unsigned i) { return rig.host.rmi(RmiCommand::kGranuleDelegate, pages[i].value()); }); },
                [&] { for (PhysAddr p : pages) rig.host.undelegate(p); });
  });
}

void rmi_granule_undelegate(benchmark::State& state) {
  Rig rig;
  std::vector<PhysAddr> pages(kGranuleBatch);
  measure(state, kGranuleBatch, [&](Latency& l) {
    l.iteration([&] { for (PhysAddr& p : pages) p = rig.host.delegated(); },
                [&] { return each(kGranuleBatch, [&](unsigned i) { return rig.host.rmi(RmiCommand::kGranuleUndelegate, pages[i].value()); }); },
                [&] { for (PhysAddr p : pages) rig.host.release(p); });
  });
}

// --- Realms --------------------------------------------------------------------------------------

constexpr unsigned kRealmBatch = 8;

// RD, root RTTs and params of realms not created yet.
struct PendingRealm {
  RawRealm realm;
  PhysAddr params;
};

std::vector<PendingRealm> prepare_realms(BenchHost& host, unsigned count) {
  std::vector<PendingRealm> out(count);
  for (PendingRealm& p : out) {
    p.realm.rd = host.delegated();
    p.realm.roots = host.delegated_run(kRawRootRtts);
    p.realm.vmid = host.next_vmid();
    p.params = host.realm_params(p.realm.vmid, p.realm.roots);
  }
  return out;
}

void rmi_realm_create(benchmark::State& state) {
  Rig rig;
  std::vector<PendingRealm> realms;
  measure(state, kRealmBatch, [&](Latency& l) {
    l.iteration([&] { realms = prepare_realms(rig.host, kRealmBatch); },
                [&] {
                  return each(kRealmBatch, [&](unsigned i) {
                    return rig.host.rmi(RmiCommand::kRealmCreate, realms[i].realm.rd.value(), realms[i].params.value());
                  });
                },
                [&] {
                  for (PendingRealm& p : realms) {
                    rig.host.release(p.params);
                    rig.host.destroy_realm(p.realm);
                  }
                });
  });
}

void rmi_realm_destroy(benchmark::State& state) {
  Rig rig;
  std::vector<RawRealm> realms(kRealmBatch);
  measure(state, kRealmBatch, [&](Latency& l) {
    l.iteration([&] { for (RawRealm& r : realms) r = rig.host.create_realm(); },
                [&] { return each(kRealmBatch, [&](unsigned i) { return rig.host.rmi(RmiCommand::kRealmDestroy, realms[i].rd.value()); }); },
                [&] {
                  for (RawRealm& r : realms) {
                    rig.host.undelegate(r.rd);
                    for (uint32_t g = 0; g < kRawRootRtts; ++g) rig.host.undelegate(r.roots.plus(page(g)));
                  }
                });
  });
}

void rmi_realm_activate(benchmark::State& state) {
  Rig rig;
  std::vector<RawRealm> realms(kRealmBatch);
  measure(state, kRealmBatch, [&](Latency& l) {
    l.iteration([&] { for (RawRealm& r : realms) r = rig.host.create_realm(); },
                [&] { return each(kRealmBatch, [&](unsigned i) { return rig.host.rmi(RmiCommand::kRealmActivate, realms[i].rd.value()); }); },
                [&] { for (RawRealm& r : realms) rig.host.destroy_realm(r); });
  });
}

// --- RECs ----------------------------------------------------------------------------------------

struct PendingRec {
  PhysAddr rec;
  PhysAddr params;
  std::vector<PhysAddr> aux;
};

void release_rec(BenchHost& host, PendingRec& r) {
  host.undelegate(r.rec);
  for (PhysAddr a : r.aux) host.undelegate(a);
  host.release(r.params);
}

void rmi_rec_aux_count(benchmark::State& state) {
  Rig rig;
  RawRealm realm = rig.host.create_realm();
  measure(state, 64, [&](Latency& l) {
    l.iteration([&] { return each(64, [&](unsigned) { return rig.host.rmi(RmiCommand::kRecAuxCount, realm.rd.value()); }); });
  });
}

// REC_CREATE of a runnable REC in a NEW realm: the REC's parameters are
// measured into the RIM (a hash of one 4 KiB page).
void rmi_rec_create(benchmark::State& state) {
  Rig rig;
  RawRealm realm;
  std::vector<PendingRec> recs(kRealmBatch);
  measure(state, kRealmBatch, [&](Latency& l) {
    l.iteration(
        [&] {
          realm = rig.host.create_realm();
          for (unsigned i = 0; i < kRealmBatch; ++i) {
            recs[i].rec = rig.host.delegated();
            recs[i].params = rig.host.rec_params(i, 0x4000'0000, recs[i].aux);
          }
        },
        [&] {
          return each(kRealmBatch, [&](unsigned i) {
            return rig.host.rmi(RmiCommand::kRecCreate, realm.rd.value(), recs[i].rec.value(), recs[i].params.value());
          });
        },
        [&] {
          for (PendingRec& r : recs) {
            BenchHost::expect_success(rig.host.rmi(RmiCommand::kRecDestroy, r.rec.value()), "REC_DESTROY");
            release_rec(rig.host, r);
          }
          rig.host.destroy_realm(realm);
        });
  });
}

void rmi_rec_destroy(benchmark::State& state) {
  Rig rig;
  RawRealm realm;
  std::vector<PendingRec> recs(kRealmBatch);
  measure(state, kRealmBatch, [&](Latency& l) {
    l.iteration(
        [&] {
          realm = rig.host.create_realm();
          for (unsigned i = 0; i < kRealmBatch; ++i) {
            recs[i].rec = rig.host.delegated();
            recs[i].params = rig.host.rec_params(i, 0x4000'0000, recs[i].aux);
            BenchHost::expect_success(
                rig.host.rmi(RmiCommand::kRecCreate, realm.rd.value(), recs[i].rec.value(), recs[i].params.value()),
                "REC_CREATE");
          }
        },
        [&] { return each(kRealmBatch, [&](unsigned i) { return rig.host.rmi(RmiCommand::kRecDestroy, recs[i].rec.value()); }); },
        [&] {
          for (PendingRec& r : recs) release_rec(rig.host, r);
          rig.host.destroy_realm(realm);
        });
  });
}

// --- RTTs ----------------------------------------------------------------------------------------

constexpr unsigned kRttBatch = 16;

// A NEW realm with the level-2 RTT of IPA [0, 1 GiB): level-3 RTTs go
// under it at 2 MiB steps.
struct RttRig : Rig {
  RttRig() : realm(host.create_realm()) { host.create_rtts(realm, 0, 2); }
  // A 2 MiB region whose level-2 entry has never held a level-3 RTT: its
  // RIPAS is still EMPTY (RTT_DESTROY leaves RIPAS DESTROYED behind, and
  // RIPAS never goes back in a NEW realm). Its level-2 RTT exists.
  uint64_t fresh_region() {
    const uint64_t base = next_region_;
    next_region_ += kL3Span;
    host.create_rtts(realm, base, 2);
    return base;
  }
  // Level-3 RTTs for the first rtts.size() 2 MiB regions (untimed setup).
  void create_l3_batch(std::vector<PhysAddr>& rtts) {
    for (size_t i = 0; i < rtts.size(); ++i) {
      rtts[i] = host.delegated();
      BenchHost::expect_success(host.rmi(RmiCommand::kRttCreate, rd(), rtts[i].value(), i * kL3Span, 3), "RTT_CREATE");
    }
  }
  RawRealm realm;
  uint64_t rd() const { return realm.rd.value(); }

 private:
  uint64_t next_region_ = uint64_t{1} << 30;  // beyond the first GiB, which the benchmarks reuse
};

void rmi_rtt_create(benchmark::State& state) {
  RttRig rig;
  std::vector<PhysAddr> rtts(kRttBatch);
  measure(state, kRttBatch, [&](Latency& l) {
    l.iteration([&] { for (PhysAddr& r : rtts) r = rig.host.delegated(); },
                [&] {
                  return each(kRttBatch, [&](unsigned i) {
                    return rig.host.rmi(RmiCommand::kRttCreate, rig.rd(), rtts[i].value(), i * kL3Span, 3);
                  });
                },
                [&] {
                  for (unsigned i = 0; i < kRttBatch; ++i) {
                    BenchHost::expect_success(rig.host.rmi(RmiCommand::kRttDestroy, rig.rd(), i * kL3Span, 3), "RTT_DESTROY");
                    rig.host.undelegate(rtts[i]);
                  }
                });
  });
}

// RTT_DESTROY and RTT_FOLD both take level-3 RTTs away again (a fold turns
// 512 UNASSIGNED EMPTY entries into one level-2 entry); `command` is timed.
void remove_l3_rtts(benchmark::State& state, RmiCommand command) {
  RttRig rig;
  std::vector<PhysAddr> rtts(kRttBatch);
  measure(state, kRttBatch, [&](Latency& l) {
    l.iteration(
        [&] { rig.create_l3_batch(rtts); },
        [&] { return each(kRttBatch, [&](unsigned i) { return rig.host.rmi(command, rig.rd(), i * kL3Span, 3); }); },
        [&] { for (PhysAddr r : rtts) rig.host.undelegate(r); });
  });
}
void rmi_rtt_destroy(benchmark::State& state) { remove_l3_rtts(state, RmiCommand::kRttDestroy); }
void rmi_rtt_fold(benchmark::State& state) { remove_l3_rtts(state, RmiCommand::kRttFold); }

void rmi_rtt_read_entry(benchmark::State& state) {
  RttRig rig;
  rig.host.create_rtts(rig.realm, 0, 3);
  measure(state, 64, [&](Latency& l) {
    l.iteration([&] { return each(64, [&](unsigned i) { return rig.host.rmi(RmiCommand::kRttReadEntry, rig.rd(), page(i), 3); }); });
  });
}

// One page per call; the level-3 RTT is made afresh for every batch (RIPAS
// cannot go back to EMPTY in a NEW realm).
void rmi_rtt_init_ripas(benchmark::State& state) {
  RttRig rig;
  PhysAddr rtt;
  uint64_t base = 0;
  measure(state, kRttBatch, [&](Latency& l) {
    l.iteration(
        [&] {
          base = rig.fresh_region();
          rtt = rig.host.delegated();
          BenchHost::expect_success(rig.host.rmi(RmiCommand::kRttCreate, rig.rd(), rtt.value(), base, 3), "RTT_CREATE");
        },
        [&] {
          return each(kRttBatch, [&](unsigned i) {
            return rig.host.rmi(RmiCommand::kRttInitRipas, rig.rd(), base + page(i), base + page(i + 1));
          });
        },
        [&] {
          BenchHost::expect_success(rig.host.rmi(RmiCommand::kRttDestroy, rig.rd(), base, 3), "RTT_DESTROY");
          rig.host.undelegate(rtt);
        });
  });
}

// A whole level-3 RTT (2 MiB, 512 entries) in one call, as the VMM's load plan does.
void rmi_rtt_init_ripas_2mib(benchmark::State& state) {
  RttRig rig;
  std::vector<PhysAddr> rtts(kRttBatch);
  std::vector<uint64_t> bases(kRttBatch);
  measure(state, kRttBatch, [&](Latency& l) {
    l.iteration(
        [&] {
          for (unsigned i = 0; i < kRttBatch; ++i) {
            bases[i] = rig.fresh_region();
            rtts[i] = rig.host.delegated();
            BenchHost::expect_success(rig.host.rmi(RmiCommand::kRttCreate, rig.rd(), rtts[i].value(), bases[i], 3),
                                      "RTT_CREATE");
          }
        },
        [&] {
          return each(kRttBatch, [&](unsigned i) {
            return rig.host.rmi(RmiCommand::kRttInitRipas, rig.rd(), bases[i], bases[i] + kL3Span);
          });
        },
        [&] {
          for (unsigned i = 0; i < kRttBatch; ++i) {
            BenchHost::expect_success(rig.host.rmi(RmiCommand::kRttDestroy, rig.rd(), bases[i], 3), "RTT_DESTROY");
            rig.host.undelegate(rtts[i]);
          }
        });
  });
}

// Unprotected IPA space starts at 2^(s2sz - 1).
constexpr uint64_t kUnprotected = uint64_t{1} << (kRawS2sz - 1);
constexpr uint64_t ns_descriptor(PhysAddr pa) {
  return pa.value() | (uint64_t{0b110} << 2) | (uint64_t{0b11} << 6);  // Normal WB, read-write
}

void rmi_rtt_map_unprotected(benchmark::State& state) {
  RttRig rig;
  rig.host.create_rtts(rig.realm, kUnprotected, 3);
  std::vector<PhysAddr> pages(kRttBatch);
  measure(state, kRttBatch, [&](Latency& l) {
    l.iteration([&] { for (PhysAddr& p : pages) p = rig.host.ns_granule(); },
                [&] {
                  return each(kRttBatch, [&](unsigned i) {
                    return rig.host.rmi(RmiCommand::kRttMapUnprotected, rig.rd(), kUnprotected + page(i), 3,
                                        ns_descriptor(pages[i]));
                  });
                },
                [&] {
                  for (unsigned i = 0; i < kRttBatch; ++i) {
                    BenchHost::expect_success(
                        rig.host.rmi(RmiCommand::kRttUnmapUnprotected, rig.rd(), kUnprotected + page(i), 3),
                        "RTT_UNMAP_UNPROTECTED");
                    rig.host.release(pages[i]);
                  }
                });
  });
}

void rmi_rtt_unmap_unprotected(benchmark::State& state) {
  RttRig rig;
  rig.host.create_rtts(rig.realm, kUnprotected, 3);
  std::vector<PhysAddr> pages(kRttBatch);
  measure(state, kRttBatch, [&](Latency& l) {
    l.iteration(
        [&] {
          for (unsigned i = 0; i < kRttBatch; ++i) {
            pages[i] = rig.host.ns_granule();
            BenchHost::expect_success(rig.host.rmi(RmiCommand::kRttMapUnprotected, rig.rd(), kUnprotected + page(i), 3,
                                                   ns_descriptor(pages[i])),
                                      "RTT_MAP_UNPROTECTED");
          }
        },
        [&] {
          return each(kRttBatch, [&](unsigned i) {
            return rig.host.rmi(RmiCommand::kRttUnmapUnprotected, rig.rd(), kUnprotected + page(i), 3);
          });
        },
        [&] { for (PhysAddr p : pages) rig.host.release(p); });
  });
}

// --- DATA ----------------------------------------------------------------------------------------

// A NEW realm whose level-3 RTT at IPA 0 has RIPAS RAM over the batch's pages.
struct DataRig : RttRig {
  DataRig() {
    source = host.ns_granule();
    std::vector<uint8_t> content(kGranuleSize);
    for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<uint8_t>(i * 7);
    host.write(source, content.data(), content.size());
  }
  // The level-3 RTT (fresh: DATA_DESTROY leaves RIPAS DESTROYED) and `count` DATA granules.
  void prepare(unsigned count) {
    base = fresh_region();
    rtt = host.delegated();
    BenchHost::expect_success(host.rmi(RmiCommand::kRttCreate, rd(), rtt.value(), base, 3), "RTT_CREATE");
    BenchHost::expect_success(host.rmi(RmiCommand::kRttInitRipas, rd(), base, base + page(count)), "RTT_INIT_RIPAS");
    data.resize(count);
    for (PhysAddr& d : data) d = host.delegated();
  }
  uint64_t ipa(unsigned i) const { return base + page(i); }
  void create(unsigned i, bool measured) {
    BenchHost::expect_success(host.rmi(RmiCommand::kDataCreate, rd(), data[i].value(), ipa(i), source.value(), measured ? 1 : 0),
                              "DATA_CREATE");
  }
  // DATA_DESTROY (unless already done), then the RTT goes.
  void cleanup(bool destroyed) {
    for (unsigned i = 0; i < data.size(); ++i) {
      if (!destroyed) BenchHost::expect_success(host.rmi(RmiCommand::kDataDestroy, rd(), ipa(i)), "DATA_DESTROY");
      host.undelegate(data[i]);
    }
    BenchHost::expect_success(host.rmi(RmiCommand::kRttDestroy, rd(), base, 3), "RTT_DESTROY");
    host.undelegate(rtt);
  }
  PhysAddr source;
  PhysAddr rtt;
  uint64_t base = 0;
  std::vector<PhysAddr> data;
};

void data_create(benchmark::State& state, uint64_t flags) {
  DataRig rig;
  measure(state, kRttBatch, [&](Latency& l) {
    l.iteration([&] { rig.prepare(kRttBatch); },
                [&] {
                  return each(kRttBatch, [&](unsigned i) {
                    return rig.host.rmi(RmiCommand::kDataCreate, rig.rd(), rig.data[i].value(), rig.ipa(i), rig.source.value(), flags);
                  });
                },
                [&] { rig.cleanup(false); });
  });
}
void rmi_data_create_measured(benchmark::State& state) { data_create(state, 1); }
void rmi_data_create_unmeasured(benchmark::State& state) { data_create(state, 0); }

void rmi_data_create_unknown(benchmark::State& state) {
  DataRig rig;
  measure(state, kRttBatch, [&](Latency& l) {
    l.iteration([&] { rig.prepare(kRttBatch); },
                [&] {
                  return each(kRttBatch, [&](unsigned i) {
                    return rig.host.rmi(RmiCommand::kDataCreateUnknown, rig.rd(), rig.data[i].value(), rig.ipa(i));
                  });
                },
                [&] { rig.cleanup(false); });
  });
}

void rmi_data_destroy(benchmark::State& state) {
  DataRig rig;
  measure(state, kRttBatch, [&](Latency& l) {
    l.iteration(
        [&] {
          rig.prepare(kRttBatch);
          for (unsigned i = 0; i < kRttBatch; ++i) rig.create(i, true);
        },
        [&] { return each(kRttBatch, [&](unsigned i) { return rig.host.rmi(RmiCommand::kDataDestroy, rig.rd(), rig.ipa(i)); }); },
        [&] { rig.cleanup(true); });
  });
}

// --- REC_ENTER on the machine's realm CPU ----------------------------------------------------------

// A realm whose code is `wfi; b .-4` at the entry: with TRAP_WFI every
// REC_ENTER runs one instruction on the emulated CPU and exits (SYNC, EC WFx).
void rmi_rec_enter_wfi(benchmark::State& state) {
  Rig rig;
  RawRealm realm = rig.host.create_realm();
  rig.host.create_rtts(realm, 0, 3);
  const PhysAddr source = rig.host.ns_granule();
  std::vector<uint8_t> code(kGranuleSize, 0);
  const uint32_t program[] = {0xD503207F /* wfi */, 0x17FFFFFF /* b .-4 */};
  std::memcpy(code.data(), program, sizeof program);
  rig.host.write(source, code.data(), code.size());
  BenchHost::expect_success(rig.host.rmi(RmiCommand::kRttInitRipas, realm.rd.value(), 0, page(1)), "RTT_INIT_RIPAS");
  const PhysAddr data = rig.host.delegated();
  BenchHost::expect_success(rig.host.rmi(RmiCommand::kDataCreate, realm.rd.value(), data.value(), 0, source.value(), 1), "DATA_CREATE");
  PendingRec rec;
  rec.rec = rig.host.delegated();
  rec.params = rig.host.rec_params(0, 0, rec.aux);
  BenchHost::expect_success(rig.host.rmi(RmiCommand::kRecCreate, realm.rd.value(), rec.rec.value(), rec.params.value()), "REC_CREATE");
  BenchHost::expect_success(rig.host.rmi(RmiCommand::kRealmActivate, realm.rd.value()), "REALM_ACTIVATE");
  const PhysAddr run = rig.host.ns_granule();
  std::vector<uint8_t> enter(kGranuleSize, 0);
  const uint64_t flags = abi::rec_run::kFlagTrapWfi;
  std::memcpy(enter.data() + abi::rec_run::kEnterFlags, &flags, sizeof flags);
  rig.host.write(run, enter.data(), enter.size());
  measure(state, 32, [&](Latency& l) {
    l.iteration([&] { return each(32, [&](unsigned) { return rig.host.rmi(RmiCommand::kRecEnter, rec.rec.value(), run.value()); }); });
  });
  uint64_t reason = 0;
  rig.host.read(run.plus(abi::rec_run::kExitReason), &reason, sizeof reason);
  if (reason != static_cast<uint64_t>(abi::RmiRecExitReason::kSync)) state.SkipWithError("the realm did not exit with WFI");
}

// --- Mica ----------------------------------------------------------------------------------------

void mica_version(benchmark::State& state) {
  Rig rig;
  measure(state, 64, [&](Latency& l) {
    l.iteration([&] { return each(64, [&](unsigned) { return rig.host.mica(MicaRmiCommand::kVersion, abi::kMicaVersion_1_0); }); });
  });
}

void mica_workflow_aux_count(benchmark::State& state) {
  Rig rig;
  measure(state, 64, [&](Latency& l) {
    l.iteration([&] { return each(64, [&](unsigned) { return rig.host.mica(MicaRmiCommand::kWorkflowAuxCount); }); });
  });
}

constexpr unsigned kWorkflowBatch = 4;

void mica_workflow_create(benchmark::State& state) {
  Rig rig;
  const auto components = static_cast<unsigned>(state.range(0));
  const std::vector<uint8_t> policy = chain_policy(components).encode();
  std::vector<BenchHost::Workflow> workflows(kWorkflowBatch);
  measure(state, kWorkflowBatch, [&](Latency& l) {
    l.iteration([&] { for (auto& w : workflows) w = rig.host.prepare_workflow(policy); },
                [&] { return each(kWorkflowBatch, [&](unsigned i) { return rig.host.create_workflow(workflows[i]); }); },
                [&] { for (auto& w : workflows) rig.host.discard_workflow(w); });
  });
  state.counters["policy_bytes"] = static_cast<double>(policy.size());
}

void mica_workflow_destroy(benchmark::State& state) {
  Rig rig;
  const auto components = static_cast<unsigned>(state.range(0));
  const std::vector<uint8_t> policy = chain_policy(components).encode();
  std::vector<BenchHost::Workflow> workflows(kWorkflowBatch);
  measure(state, kWorkflowBatch, [&](Latency& l) {
    l.iteration([&] { for (auto& w : workflows) w = rig.host.make_workflow(policy); },
                [&] { return each(kWorkflowBatch, [&](unsigned i) { return rig.host.mica(MicaRmiCommand::kWorkflowDestroy, workflows[i].wf.value()); }); },
                [&] { for (auto& w : workflows) rig.host.discard_workflow(w, false); });
  });
}

void mica_realm_bind(benchmark::State& state) {
  Rig rig;
  BenchHost::Workflow workflow = rig.host.make_workflow(chain_policy(64).encode());
  std::vector<RawRealm> realms(kRealmBatch);
  measure(state, kRealmBatch, [&](Latency& l) {
    l.iteration([&] { for (RawRealm& r : realms) r = rig.host.create_realm(); },
                [&] {
                  return each(kRealmBatch, [&](unsigned i) {
                    return rig.host.mica(MicaRmiCommand::kRealmBind, realms[i].rd.value(), workflow.wf.value(), i);
                  });
                },
                [&] { for (RawRealm& r : realms) rig.host.destroy_realm(r); });
  });
}

constexpr unsigned kShareBatch = 16;

void mica_share_create(benchmark::State& state) {
  Rig rig;
  BenchHost::Workflow workflow = rig.host.make_workflow(chain_policy(2, kShareBatch).encode());
  std::vector<PhysAddr> pages(kShareBatch);
  measure(state, kShareBatch, [&](Latency& l) {
    l.iteration([&] { for (PhysAddr& p : pages) p = rig.host.delegated(); },
                [&] {
                  return each(kShareBatch, [&](unsigned i) {
                    return rig.host.mica(MicaRmiCommand::kShareCreate, workflow.wf.value(), pages[i].value(), 0);
                  });
                },
                [&] {
                  for (unsigned i = kShareBatch; i-- > 0;) {
                    BenchHost::expect_success(rig.host.mica(MicaRmiCommand::kShareDestroy, pages[i].value()), "MICA_SHARE_DESTROY");
                    rig.host.undelegate(pages[i]);
                  }
                });
  });
}

void mica_share_destroy(benchmark::State& state) {
  Rig rig;
  BenchHost::Workflow workflow = rig.host.make_workflow(chain_policy(2, kShareBatch).encode());
  std::vector<PhysAddr> pages(kShareBatch);
  measure(state, kShareBatch, [&](Latency& l) {
    l.iteration(
        [&] {
          for (PhysAddr& p : pages) {
            p = rig.host.delegated();
            BenchHost::expect_success(rig.host.mica(MicaRmiCommand::kShareCreate, workflow.wf.value(), p.value(), 0),
                                      "MICA_SHARE_CREATE");
          }
        },
        // Last page first: each destroy scrubs (zeroes) the page.
        [&] {
          return each(kShareBatch, [&](unsigned i) {
            return rig.host.mica(MicaRmiCommand::kShareDestroy, pages[kShareBatch - 1 - i].value());
          });
        },
        [&] { for (PhysAddr p : pages) rig.host.undelegate(p); });
  });
}

// A NEW realm bound as the writer of a 16-page channel whose pages exist,
// with the level-3 RTT of the channel's IPA range.
struct ShareRig : Rig {
  static constexpr uint64_t kChannelIpa = 0x1000'0000;
  ShareRig() : workflow(host.make_workflow(chain_policy(2, kShareBatch).encode())), realm(host.create_realm()) {
    BenchHost::expect_success(host.mica(MicaRmiCommand::kRealmBind, realm.rd.value(), workflow.wf.value(), 0), "MICA_REALM_BIND");
    host.create_rtts(realm, kChannelIpa, 3);
    for (unsigned i = 0; i < kShareBatch; ++i) {
      pages.push_back(host.delegated());
      BenchHost::expect_success(host.mica(MicaRmiCommand::kShareCreate, workflow.wf.value(), pages.back().value(), 0),
                                "MICA_SHARE_CREATE");
    }
  }
  SmcResult map(unsigned i) {
    return host.mica(MicaRmiCommand::kShareMap, realm.rd.value(), pages[i].value(), kChannelIpa + page(i), abi::kShareMapWrite);
  }
  SmcResult unmap(unsigned i) { return host.mica(MicaRmiCommand::kShareUnmap, realm.rd.value(), kChannelIpa + page(i)); }
  BenchHost::Workflow workflow;
  RawRealm realm;
  std::vector<PhysAddr> pages;
};

void mica_share_map(benchmark::State& state) {
  ShareRig rig;
  measure(state, kShareBatch, [&](Latency& l) {
    l.iteration([] {}, [&] { return each(kShareBatch, [&](unsigned i) { return rig.map(i); }); },
                [&] { for (unsigned i = 0; i < kShareBatch; ++i) BenchHost::expect_success(rig.unmap(i), "MICA_SHARE_UNMAP"); });
  });
}

void mica_share_unmap(benchmark::State& state) {
  ShareRig rig;
  measure(state, kShareBatch, [&](Latency& l) {
    l.iteration([&] { for (unsigned i = 0; i < kShareBatch; ++i) BenchHost::expect_success(rig.map(i), "MICA_SHARE_MAP"); },
                [&] { return each(kShareBatch, [&](unsigned i) { return rig.unmap(i); }); }, [] {});
  });
}

// Registration (MICA_LATENCY: latency.h).

MICA_LATENCY(rmi_version, "RMI_VERSION", 200);
MICA_LATENCY(rmi_features, "RMI_FEATURES", 200);
MICA_LATENCY(rmi_granule_delegate, "RMI_GRANULE_DELEGATE", 200);
MICA_LATENCY(rmi_granule_undelegate, "RMI_GRANULE_UNDELEGATE", 200);
MICA_LATENCY(rmi_realm_create, "RMI_REALM_CREATE", 100);
MICA_LATENCY(rmi_realm_activate, "RMI_REALM_ACTIVATE", 100);
MICA_LATENCY(rmi_realm_destroy, "RMI_REALM_DESTROY", 100);
MICA_LATENCY(rmi_rec_aux_count, "RMI_REC_AUX_COUNT", 200);
MICA_LATENCY(rmi_rec_create, "RMI_REC_CREATE", 50);
MICA_LATENCY(rmi_rec_destroy, "RMI_REC_DESTROY", 50);
MICA_LATENCY(rmi_rtt_create, "RMI_RTT_CREATE", 100);
MICA_LATENCY(rmi_rtt_destroy, "RMI_RTT_DESTROY", 100);
MICA_LATENCY(rmi_rtt_fold, "RMI_RTT_FOLD", 100);
MICA_LATENCY(rmi_rtt_read_entry, "RMI_RTT_READ_ENTRY", 200);
MICA_LATENCY(rmi_rtt_init_ripas, "RMI_RTT_INIT_RIPAS", 100);
MICA_LATENCY(rmi_rtt_init_ripas_2mib, "RMI_RTT_INIT_RIPAS/2MiB", 50);
MICA_LATENCY(rmi_rtt_map_unprotected, "RMI_RTT_MAP_UNPROTECTED", 100);
MICA_LATENCY(rmi_rtt_unmap_unprotected, "RMI_RTT_UNMAP_UNPROTECTED", 100);
MICA_LATENCY(rmi_data_create_measured, "RMI_DATA_CREATE/measured", 50);
MICA_LATENCY(rmi_data_create_unmeasured, "RMI_DATA_CREATE/unmeasured", 50);
MICA_LATENCY(rmi_data_create_unknown, "RMI_DATA_CREATE_UNKNOWN", 50);
MICA_LATENCY(rmi_data_destroy, "RMI_DATA_DESTROY", 50);
MICA_LATENCY(rmi_rec_enter_wfi, "RMI_REC_ENTER/realm_cpu_wfi_exit", 100);
MICA_LATENCY(mica_version, "MICA_VERSION", 200);
MICA_LATENCY(mica_workflow_aux_count, "MICA_WORKFLOW_AUX_COUNT", 200);
MICA_LATENCY(mica_workflow_create, "MICA_WORKFLOW_CREATE", 25)->ArgName("components")->Arg(2)->Arg(16)->Arg(64);
MICA_LATENCY(mica_workflow_destroy, "MICA_WORKFLOW_DESTROY", 25)->ArgName("components")->Arg(2)->Arg(64);
MICA_LATENCY(mica_realm_bind, "MICA_REALM_BIND", 50);
MICA_LATENCY(mica_share_create, "MICA_SHARE_CREATE", 100);
MICA_LATENCY(mica_share_destroy, "MICA_SHARE_DESTROY", 100);
MICA_LATENCY(mica_share_map, "MICA_SHARE_MAP", 100);
MICA_LATENCY(mica_share_unmap, "MICA_SHARE_UNMAP", 100);

}  // namespace
}  // namespace mica::bench

BENCHMARK_MAIN();
