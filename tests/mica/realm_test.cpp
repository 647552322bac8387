// Mica end to end: realm SDK programs, loaded by the host's load plan over
// RMI, bound to workflows, run by the real monitor's REC_ENTER on the
// emulated machine's realm CPUs. Two realms exchange data through a channel
// and a gate; hostile realms find every closed path closed; a callee that
// never answers cannot wedge anything.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "mica/mica_abi.h"
#include "mica/rsi_abi.h"
#include "mica_host.h"
#include "policy_spec.h"

namespace mica::monitor::testing {
namespace {

using abi::RmiRecExitReason;

constexpr uint64_t kErrorRec = 3;
constexpr uint32_t kEcWfx = 0x01;
constexpr uint32_t kEcDataAbortLowerEl = 0x24;
constexpr uint32_t kEcDataAbortSameEl = 0x25;
constexpr uint64_t kFscSyncExternalAbort = 0x10;

uint32_t ec_of(uint64_t esr) { return static_cast<uint32_t>((esr >> 26) & 0x3F); }

uint64_t page_word(MicaHost& host, PhysAddr page, unsigned index) {
  uint64_t value;
  std::memcpy(&value, host.machine().dram().at(page) + 8 * index, sizeof value);
  return value;
}

MicaRecGateInfo gate_of(MicaHost& host, const Program& p) {
  MicaRecGateInfo info;
  EXPECT_TRUE(host.monitor().mica().rec_gate(p.realm.recs[0].pa, info));
  return info;
}

RecInfo rec_of(MicaHost& host, const Program& p) {
  RecInfo info;
  EXPECT_TRUE(host.monitor().rec_info(p.realm.recs[0].pa, info));
  return info;
}

std::vector<ExitRecord> exits_of(const MicaHost& host, const Program& p) {
  std::vector<ExitRecord> out;
  for (const ExitRecord& e : host.exits) {
    if (e.program == p.id) out.push_back(e);
  }
  return out;
}

// Only IRQ exits and the final PSCI SYSTEM_OFF reached the host.
void expect_nothing_but_system_off(const MicaHost& host, const Program& p) {
  const std::vector<ExitRecord> exits = exits_of(host, p);
  ASSERT_FALSE(exits.empty());
  for (size_t i = 0; i < exits.size(); ++i) {
    const ExitRecord& e = exits[i];
    if (e.reason == RmiRecExitReason::kIrq) continue;
    EXPECT_EQ(e.reason, RmiRecExitReason::kPsci) << "exit " << i << " reason " << static_cast<int>(e.reason)
                                                 << " esr 0x" << std::hex << e.esr;
    EXPECT_EQ(e.gprs[0], MICA_PSCI_SYSTEM_OFF) << "exit " << i;
  }
  EXPECT_EQ(exits.back().reason, RmiRecExitReason::kPsci);
}

bool any_exit_carries(const MicaHost& host, uint64_t value) {
  return std::any_of(host.exits.begin(), host.exits.end(), [value](const ExitRecord& e) {
    return std::find(std::begin(e.gprs), std::end(e.gprs), value) != std::end(e.gprs);
  });
}

// A component for a realm of the VMM's standard size.
ComponentSpec component(const std::string& name, std::vector<std::vector<uint8_t>> measurements = {}) {
  ComponentSpec c = make_component(name, std::move(measurements));
  c.memory = MicaHost::kRamSize;
  return c;
}

// --- Two realm programs, one channel, one gate -----------------------------------------------------------

struct Pipeline {
  MicaHost host;
  Program* consumer;
  Program* producer;
  PolicySpec spec;
  PhysAddr wf;
  std::vector<PhysAddr> pages;

  explicit Pipeline(const std::string& producer_program = "mica_producer") {
    consumer = &host.load("mica_consumer");
    producer = &host.load(producer_program);
    ComponentSpec c = component("consumer", {consumer->rim});
    ComponentSpec p = component("producer", {producer->rim});
    p.host_calls = true;  // its console
    spec.components = {c, p};
    spec.channels = {make_channel("data", "producer", {"consumer"}, 2 * kGranuleSize)};
    spec.gates = {GateSpec{"producer", "consumer"}};
    wf = host.create_workflow(spec.encode());
    host.bind(*consumer, wf, spec.component("consumer"));
    host.bind(*producer, wf, spec.component("producer"));
    pages = host.create_channel_pages(wf, spec.channel("data"), 2);
    host.map_channel(*producer, pages, 0, true);
    host.map_channel(*consumer, pages, 0, false);
    host.activate(*consumer);
    host.activate(*producer);
  }
};

TEST(MicaRealms, PipelineExchangesDataThroughAChannelAndAGate) {
  Pipeline p;
  ASSERT_EQ(p.spec.component("consumer"), 0u);
  // The consumer parks on its gate: the host sees an idle PE (WFI).
  ASSERT_EQ(p.host.enter(*p.consumer), 0u);
  EXPECT_EQ(p.host.exits.back().reason, RmiRecExitReason::kSync);
  EXPECT_EQ(ec_of(p.host.exits.back().esr), kEcWfx);
  EXPECT_EQ(gate_of(p.host, *p.consumer).role, 1u);  // waiting

  unsigned preempted = 0;
  unsigned refused = 0;
  for (int n = 0; n < 2000 && !p.producer->system_off; ++n) {
    ASSERT_EQ(p.host.enter(*p.producer), 0u);
    if (p.host.exits.back().reason == RmiRecExitReason::kIrq && gate_of(p.host, *p.producer).role == 2) {
      // The call was preempted while the consumer computed: it stays in the
      // call, and the consumer cannot be run except through its caller.
      ++preempted;
      EXPECT_EQ(gate_of(p.host, *p.consumer).role, 3u);  // serving
      EXPECT_EQ(p.host.enter(*p.consumer), kErrorRec);
      ++refused;
    }
  }
  ASSERT_TRUE(p.producer->system_off) << p.producer->console;
  EXPECT_EQ(p.producer->exit_status, 0) << p.producer->console;
  EXPECT_NE(p.producer->console.find("consumer read 24 records, checksum matches"), std::string::npos)
      << p.producer->console;
  EXPECT_NE(p.producer->console.find("long call answered after 3000000 iterations"), std::string::npos)
      << p.producer->console;
  EXPECT_NE(p.producer->console.find("consumer active (generation 1"), std::string::npos) << p.producer->console;
  EXPECT_GE(preempted, 2u);
  EXPECT_EQ(refused, preempted);
  // The consumer answered both calls without ever exiting to the host: its
  // only exit is the first park; it waits again for a third call.
  EXPECT_EQ(exits_of(p.host, *p.consumer).size(), 1u);
  EXPECT_EQ(gate_of(p.host, *p.consumer).role, 1u);
  EXPECT_EQ(gate_of(p.host, *p.producer).role, 0u);
  // The ring in the shared page holds what the producer wrote.
  EXPECT_EQ(page_word(p.host, p.pages[0], 0), 0x474E4952414349D4ull);  // MICA_RING_MAGIC

  // A host may enter a callee parked by its REPLY (a round-robin VMM does):
  // the REPLY is issued again and the REC parks again, with no error for the
  // program. (It used to fail with NOT_SERVING, and the callee gave up.)
  for (int n = 0; n < 3; ++n) {
    ASSERT_EQ(p.host.enter(*p.consumer), 0u);
    EXPECT_EQ(p.host.exits.back().reason, RmiRecExitReason::kSync);
    EXPECT_EQ(ec_of(p.host.exits.back().esr), kEcWfx);
    EXPECT_EQ(gate_of(p.host, *p.consumer).role, 1u);  // waiting
  }
  EXPECT_FALSE(p.consumer->system_off);
  EXPECT_FALSE(p.consumer->exit_status.has_value());
}

// --- A callee that never answers --------------------------------------------------------------------------

TEST(MicaRealms, CalleeThatNeverRepliesIsPreemptedAndTheHostCanDestroyIt) {
  Pipeline p("mica_gate_abort");
  ASSERT_EQ(p.host.enter(*p.consumer), 0u);
  // Each REC_ENTER of the caller comes back: the callee's loop is preempted.
  int entries = 0;
  while (entries < 6 || gate_of(p.host, *p.producer).role != 2) {
    ASSERT_LT(entries, 500);
    ASSERT_EQ(p.host.enter(*p.producer), 0u);
    ++entries;
  }
  EXPECT_EQ(p.host.exits.back().reason, RmiRecExitReason::kIrq);
  EXPECT_EQ(p.host.enter(*p.consumer), kErrorRec);
  // The host gives up on the callee.
  ASSERT_EQ(p.host.smc(abi::rmi_fid(abi::RmiCommand::kRecDestroy), p.consumer->realm.recs[0].pa.value()).x[0], 0u);
  for (int n = 0; n < 200 && !p.producer->system_off; ++n) ASSERT_EQ(p.host.enter(*p.producer), 0u);
  ASSERT_TRUE(p.producer->system_off);
  EXPECT_NE(p.producer->console.find("caller: call returned 2, reason 4"), std::string::npos) << p.producer->console;
  EXPECT_EQ(p.producer->exit_status, 0);
}

TEST(MicaRealms, DestroyingTheCallerReleasesTheCallee) {
  Pipeline p("mica_gate_abort");
  ASSERT_EQ(p.host.enter(*p.consumer), 0u);
  for (int n = 0; n < 500 && gate_of(p.host, *p.producer).role != 2; ++n) ASSERT_EQ(p.host.enter(*p.producer), 0u);
  ASSERT_EQ(gate_of(p.host, *p.producer).role, 2u);
  EXPECT_EQ(p.host.enter(*p.consumer), kErrorRec);
  ASSERT_EQ(p.host.smc(abi::rmi_fid(abi::RmiCommand::kRecDestroy), p.producer->realm.recs[0].pa.value()).x[0], 0u);
  // The call is over for the callee: the host may run it on its own again.
  EXPECT_EQ(p.host.enter(*p.consumer), 0u);
  EXPECT_EQ(gate_of(p.host, *p.consumer).role, 0u);
  EXPECT_EQ(p.host.exits.back().reason, RmiRecExitReason::kIrq);
}

// --- A hostile realm whose policy closes every path ---------------------------------------------------------

PolicySpec hostile_policy() {
  PolicySpec spec;
  spec.components = {component("hostile"), component("observer"), component("other")};
  spec.channels = {make_channel("report", "hostile", {"observer"})};
  spec.gates = {GateSpec{"observer", "hostile"}};
  return spec;
}

enum ReportWord {
  kMagicWord,
  kHostCall,
  kRipasChange,
  kPsciCpuOn,
  kPsciFeaturesCpuOn,
  kPsciCpuOff,
  kGateCall,
  kGateCallWhy,
  kPeerInfoOutOfRange,
  kPeerInfoObserver,
  kObserverState,
  kObserverGeneration,
  kChannelInfoOutOfRange,
  kGateReplyNotServing,
};

TEST(MicaRealms, HostileRealmFindsEveryClosedPathClosed) {
  MicaHost host;
  Program& hostile = host.load("mica_hostile_paths");
  Program& elsewhere = host.load("mica_consumer");
  const PolicySpec spec = hostile_policy();
  const PhysAddr wf = host.create_workflow(spec.encode());
  // Another instance of the same policy, whose observer has a realm.
  const PhysAddr other_instance = host.create_workflow(spec.encode());
  host.bind(hostile, wf, spec.component("hostile"));
  host.bind(elsewhere, other_instance, spec.component("observer"));
  const std::vector<PhysAddr> report = host.create_channel_pages(wf, 0, 1);
  host.map_channel(hostile, report, 0, true);
  host.activate(hostile);
  ASSERT_TRUE(host.run({&hostile}, [&] { return hostile.system_off; }, 200));

  ASSERT_EQ(page_word(host, report[0], kMagicWord), 0x54524F5045524D48ull);
  EXPECT_EQ(page_word(host, report[0], kHostCall), MICA_RSI_ERROR_STATE);
  EXPECT_EQ(page_word(host, report[0], kRipasChange), MICA_RSI_ERROR_STATE);
  EXPECT_EQ(static_cast<int64_t>(page_word(host, report[0], kPsciCpuOn)), MICA_PSCI_DENIED);
  EXPECT_EQ(static_cast<int64_t>(page_word(host, report[0], kPsciFeaturesCpuOn)), MICA_PSCI_NOT_SUPPORTED);
  EXPECT_EQ(static_cast<int64_t>(page_word(host, report[0], kPsciCpuOff)), MICA_PSCI_DENIED);
  // A gate call to a component no gate names.
  EXPECT_EQ(page_word(host, report[0], kGateCall), MICA_RSI_ERROR_INPUT);
  // Peer info reaches only its own workflow instance: the observer there has no realm.
  EXPECT_EQ(page_word(host, report[0], kPeerInfoOutOfRange), MICA_RSI_ERROR_INPUT);
  EXPECT_EQ(page_word(host, report[0], kPeerInfoObserver), MICA_RSI_SUCCESS);
  EXPECT_EQ(page_word(host, report[0], kObserverState), MICA_PEER_UNBOUND);
  EXPECT_EQ(page_word(host, report[0], kObserverGeneration), 0u);
  EXPECT_EQ(page_word(host, report[0], kChannelInfoOutOfRange), MICA_RSI_ERROR_INPUT);
  EXPECT_EQ(page_word(host, report[0], kGateReplyNotServing), MICA_RSI_ERROR_STATE | (MICA_GATE_ERR_NOT_SERVING << 8));
  // Nothing but the end reached the host, and not the secret it tried to send.
  expect_nothing_but_system_off(host, hostile);
  EXPECT_FALSE(any_exit_carries(host, 0x7465726365732021ull));
  EXPECT_TRUE(rec_of(host, hostile).runnable);  // CPU_OFF was refused too
}

TEST(MicaRealms, MmioEmulationClosedInjectsAnAbortAndNothingLeaves) {
  MicaHost host;
  Program& hostile = host.load("mica_hostile_mmio");
  const PolicySpec spec = hostile_policy();
  const PhysAddr wf = host.create_workflow(spec.encode());
  host.bind(hostile, wf, 0);
  const std::vector<PhysAddr> report = host.create_channel_pages(wf, 0, 1);
  host.map_channel(hostile, report, 0, true);
  host.activate(hostile);
  ASSERT_TRUE(host.run({&hostile}, [&] { return hostile.system_off; }, 200));
  EXPECT_EQ(page_word(host, report[0], 0), 0x4F494D4D59525431ull);  // it got as far as the store
  EXPECT_EQ(page_word(host, report[0], 1), 0u);                     // and no further
  expect_nothing_but_system_off(host, hostile);
  EXPECT_FALSE(any_exit_carries(host, 0x5EC2E75EC2E75EC2ull));
  // The realm took a synchronous external abort for the store.
  const uint64_t esr_el1 = rec_of(host, hostile).cpu.esr_el1;
  EXPECT_EQ(ec_of(esr_el1), kEcDataAbortSameEl);
  EXPECT_EQ(esr_el1 & 0x3F, kFscSyncExternalAbort);
}

TEST(MicaRealms, MmioEmulationOpenReachesTheHost) {
  // The control: the same program with MMIO open shows the host the value.
  MicaHost host;
  Program& hostile = host.load("mica_hostile_mmio");
  PolicySpec spec = hostile_policy();
  spec.components[0].mmio = true;
  const PhysAddr wf = host.create_workflow(spec.encode());
  host.bind(hostile, wf, 0);
  const std::vector<PhysAddr> report = host.create_channel_pages(wf, 0, 1);
  host.map_channel(hostile, report, 0, true);
  host.activate(hostile);
  ASSERT_TRUE(host.run(
      {&hostile}, [&] { return !host.exits.empty() && host.exits.back().reason == RmiRecExitReason::kSync; }, 200));
  EXPECT_EQ(ec_of(host.exits.back().esr), kEcDataAbortLowerEl);
  EXPECT_EQ(host.exits.back().gprs[0], 0x5EC2E75EC2E75EC2ull);
}

TEST(MicaRealms, ReaderWritingItsReadOnlyChannelPageGetsAnAbort) {
  MicaHost host;
  Program& reader = host.load("mica_hostile_ro_write");
  PolicySpec spec;
  spec.components = {component("reader"), component("writer")};
  spec.channels = {make_channel("pipe", "writer", {"reader"})};
  const PhysAddr wf = host.create_workflow(spec.encode());
  host.bind(reader, wf, spec.component("reader"));
  const std::vector<PhysAddr> pages = host.create_channel_pages(wf, 0, 1);
  host.map_channel(reader, pages, 0, false);
  // What the writer put there.
  std::memset(host.machine().dram().at(pages[0]), 0x3C, kGranuleSize);
  host.activate(reader);
  ASSERT_TRUE(host.run({&reader}, [&] { return reader.system_off; }, 200));
  EXPECT_EQ(page_word(host, pages[0], 0), 0x3C3C3C3C3C3C3C3Cull);
  expect_nothing_but_system_off(host, reader);
  const uint64_t esr_el1 = rec_of(host, reader).cpu.esr_el1;
  EXPECT_EQ(ec_of(esr_el1), kEcDataAbortSameEl);
  EXPECT_EQ(esr_el1 & 0x3F, kFscSyncExternalAbort);
}

// What realm-sdk/examples/mica_attest_peers.c writes into its channel.
struct AttestReport {
  uint64_t magic;
  struct {
    uint8_t policy_digest[32];
    uint8_t instance_id[32];
    uint32_t component;
    uint32_t component_count;
    uint64_t bind_generation;
  } self;
  struct {
    uint32_t state;
    uint32_t hash_algo;
    uint64_t bind_generation;
    uint8_t rim[64];
  } peer;
  struct {
    uint64_t base;
    uint64_t size;
    uint32_t permission;
    uint32_t mapped_pages;
    uint32_t writer;
    bool bidirectional;
  } channel;
};

TEST(MicaRealms, ChannelPagesAreNeverExecutable) {
  MicaHost host;
  Program& writer = host.load("mica_hostile_exec");
  PolicySpec spec;
  spec.components = {component("reader"), component("writer")};
  spec.channels = {make_channel("pipe", "writer", {"reader"})};
  const PhysAddr wf = host.create_workflow(spec.encode());
  host.bind(writer, wf, spec.component("writer"));
  const std::vector<PhysAddr> pages = host.create_channel_pages(wf, 0, 1);
  host.map_channel(writer, pages, 0, true);
  host.activate(writer);
  ASSERT_TRUE(host.run({&writer}, [&] { return writer.system_off; }, 200));
  EXPECT_EQ(page_word(host, pages[0], 0), 0xD65F03C0u);  // it wrote its code (writable)
  expect_nothing_but_system_off(host, writer);
  // The fetch took a synchronous external abort (instruction abort, EC 0x21).
  const uint64_t esr_el1 = rec_of(host, writer).cpu.esr_el1;
  EXPECT_EQ(ec_of(esr_el1), 0x21u);
  EXPECT_EQ(esr_el1 & 0x3F, kFscSyncExternalAbort);
}

TEST(MicaRealms, LocalAttestationWaitsForThePeerThenReportsWhatTheMonitorKnows) {
  MicaHost host;
  Program& attester = host.load("mica_attest_peers");
  Program& peer = host.load("mica_consumer");
  PolicySpec spec;
  spec.components = {component("attester", {attester.rim}), component("peer", {peer.rim})};
  spec.channels = {make_channel("shared", "attester", {"peer"}, 2 * kGranuleSize)};
  const PhysAddr wf = host.create_workflow(spec.encode());
  host.bind(attester, wf, 0);
  host.bind(peer, wf, 1);
  const std::vector<PhysAddr> pages = host.create_channel_pages(wf, 0, 2);
  host.map_channel(attester, pages, 0x6000, true);
  host.activate(attester);

  // The peer is still NEW: the attester only yields, and writes nothing.
  for (int n = 0; n < 20; ++n) ASSERT_EQ(host.enter(attester), 0u);
  EXPECT_FALSE(attester.system_off);
  EXPECT_EQ(page_word(host, pages[0], 0), 0u);
  for (const ExitRecord& e : exits_of(host, attester)) EXPECT_EQ(e.reason, RmiRecExitReason::kIrq);

  host.activate(peer);
  ASSERT_TRUE(host.run({&attester}, [&] { return attester.system_off; }, 100));
  AttestReport report;
  std::memcpy(&report, host.machine().dram().at(pages[0]), sizeof report);
  ASSERT_EQ(report.magic, 0x5352454550544141ull);
  MicaWorkflowInfo info;
  ASSERT_TRUE(host.monitor().mica().workflow_info(wf, info));
  EXPECT_EQ(std::memcmp(report.self.policy_digest, info.policy_digest, 32), 0);
  EXPECT_EQ(std::memcmp(report.self.instance_id, info.instance_id, 32), 0);
  const std::vector<uint8_t> policy = spec.encode();
  EXPECT_EQ(std::vector<uint8_t>(report.self.policy_digest, report.self.policy_digest + 32),
            sha256(policy.data(), policy.size()));
  EXPECT_EQ(report.self.component, 0u);
  EXPECT_EQ(report.self.component_count, 2u);
  EXPECT_EQ(report.self.bind_generation, 1u);
  EXPECT_EQ(report.peer.state, MICA_PEER_ACTIVE);
  EXPECT_EQ(report.peer.bind_generation, 2u);
  EXPECT_EQ(report.peer.hash_algo, 0u);
  EXPECT_EQ(std::vector<uint8_t>(report.peer.rim, report.peer.rim + 32), peer.rim);
  EXPECT_EQ(std::vector<uint8_t>(report.peer.rim + 32, report.peer.rim + 64), std::vector<uint8_t>(32, 0));
  EXPECT_EQ(report.channel.base, MicaHost::kChannelIpa + 0x6000);
  EXPECT_EQ(report.channel.size, 2 * kGranuleSize);
  EXPECT_EQ(report.channel.permission, MICA_CHANNEL_READ | MICA_CHANNEL_WRITE);
  EXPECT_EQ(report.channel.mapped_pages, 2u);
  EXPECT_EQ(report.channel.writer, 0u);
  EXPECT_FALSE(report.channel.bidirectional);
}

TEST(MicaRealms, UnboundRealmSeesNoMicaCalls) {
  // Standard RMM behaviour: the Mica RSI range is unknown to an unbound realm
  // (the program's first CHANNEL_INFO fails and it stops).
  MicaHost host;
  Program& plain = host.load("mica_hostile_mmio");
  host.activate(plain);
  ASSERT_TRUE(host.run({&plain}, [&] { return plain.system_off; }, 50));
  expect_nothing_but_system_off(host, plain);
}

}  // namespace
}  // namespace mica::monitor::testing
