// Fuzzes what realms can do to the monitor: RSI, PSCI, SMCCC and Mica's RSI
// calls with registers from the input, and aborts at IPAs from the input,
// issued by the RECs of two ACTIVE realms bound to one workflow (a channel
// each way, gates each way, one realm with every path open and one with
// every path closed). The host enters RECs as the input says and answers
// their exits (PSCI_COMPLETE, RTT_SET_RIPAS, host call results). The oracle
// is the invariant checker after every RMI call: a violation aborts.
//
// Input: records of (REC to enter, entry flags, 1..4 steps of the realm CPU,
// each a trap kind, a function ID choice and twelve register choices).
#include <array>

#include "monitor_fuzz.h"
#include "policy_spec.h"

namespace {

using namespace mica::fuzz;
namespace abi = mica::monitor::abi;
using R = abi::RmiCommand;
using C = abi::MicaRmiCommand;

constexpr uint64_t kDramSize = 2ull << 20;
constexpr uint64_t kChannelIpa = 0x10000;
constexpr uint64_t kUnprotected = uint64_t{1} << 31;  // s2sz 32

// Register values realms like to pass: their own pages, the channel, the
// unprotected window, edges of the IPA space, small numbers.
constexpr uint64_t kValues[] = {0,       0x1000,   0x2000, 0x3000,     0x3800, kChannelIpa, kChannelIpa + 0x1000,
                                0x5000,  0x20'0000, 0x7FFF'F000, kUnprotected, kUnprotected + 0x1000, 0xFFFF'F000,
                                1,       2,        3,      4,          64,     65,          0x10000,
                                0xC4000003, 0x84000002, ~uint64_t{0}};

struct Setup {
  PhysAddr rd[2];
  PhysAddr recs[2][2];
  PhysAddr run;
  unsigned next = 0;

  PhysAddr take(World& w) { return w.granule(next++); }
  PhysAddr delegated(World& w) {
    const PhysAddr pa = take(w);
    if (w.rmi(R::kGranuleDelegate, pa.value()) != 0) std::abort();
    return pa;
  }
  void need(uint64_t x0) {
    if (x0 != 0) std::abort();  // the fixed setup must succeed
  }

  void build(World& w) {
    using namespace mica::monitor::testing;
    PolicySpec spec;
    ComponentSpec open = make_component("a_open");
    open.host_calls = open.mmio = open.ripas = true;
    open.psci = 0x1F;
    open.recs = 2;
    open.windows = {make_window("io", false, 0, 0x10000)};
    ComponentSpec closed = make_component("b_closed");
    closed.recs = 2;
    spec.components = {open, closed};
    spec.channels = {make_channel("link", "a_open", {"b_closed"}), make_channel("mutual", "a_open", {"b_closed"}, kGranuleSize, true)};
    spec.gates = {GateSpec{"a_open", "b_closed"}, GateSpec{"b_closed", "a_open"}};
    const std::vector<uint8_t> policy = spec.encode();

    namespace wp = abi::workflow_params;
    std::vector<uint8_t> params(kGranuleSize, 0);
    const PhysAddr src = take(w);
    w.write(src, policy.data(), policy.size());
    World::put<uint64_t>(params, wp::kPolicySize, policy.size());
    World::put<uint64_t>(params, wp::kNumSources, 1);
    World::put<uint64_t>(params, wp::kSources, src.value());
    World::put<uint64_t>(params, wp::kNumAux, abi::kWorkflowAuxCount);
    for (unsigned a = 0; a < abi::kWorkflowAuxCount; ++a) World::put<uint64_t>(params, wp::kAux + 8 * a, delegated(w).value());
    const PhysAddr params_pa = take(w);
    w.write(params_pa, params.data(), params.size());
    const PhysAddr wf = delegated(w);
    need(w.mica(C::kWorkflowCreate, wf.value(), params_pa.value()));
    PhysAddr shares[2];
    for (unsigned c = 0; c < 2; ++c) {
      shares[c] = delegated(w);
      need(w.mica(C::kShareCreate, wf.value(), shares[c].value(), c));
    }

    const PhysAddr data_src = take(w);
    for (unsigned r = 0; r < 2; ++r) {
      namespace rp = abi::realm_params;
      std::vector<uint8_t> p(kGranuleSize, 0);
      World::put<uint32_t>(p, rp::kS2sz, 32);
      World::put<uint32_t>(p, rp::kNumBps, 1);
      World::put<uint32_t>(p, rp::kNumWps, 1);
      World::put<uint16_t>(p, rp::kVmid, static_cast<uint16_t>(r + 1));
      const PhysAddr root = delegated(w);
      World::put<uint64_t>(p, rp::kRttBase, root.value());
      World::put<int64_t>(p, rp::kRttLevelStart, 1);
      World::put<uint32_t>(p, rp::kRttNumStart, 1);
      const PhysAddr pp = take(w);
      w.write(pp, p.data(), p.size());
      rd[r] = delegated(w);
      const uint64_t rdv = rd[r].value();
      need(w.rmi(R::kRealmCreate, rdv, pp.value()));
      need(w.mica(C::kRealmBind, rdv, wf.value(), r));
      need(w.rmi(R::kRttCreate, rdv, delegated(w).value(), 0, 2));
      need(w.rmi(R::kRttCreate, rdv, delegated(w).value(), 0, 3));
      need(w.rmi(R::kRttInitRipas, rdv, 0, 0x4000));
      for (uint64_t page = 0; page < 4; ++page) {
        std::vector<uint8_t> bytes(kGranuleSize, static_cast<uint8_t>(0x10 * r + page));
        w.write(data_src, bytes.data(), bytes.size());
        need(w.rmi(R::kDataCreate, rdv, delegated(w).value(), page * kGranuleSize, data_src.value(), 1));
      }
      need(w.mica(C::kShareMap, rdv, shares[0].value(), kChannelIpa, r == 0 ? abi::kShareMapWrite : 0));
      need(w.mica(C::kShareMap, rdv, shares[1].value(), kChannelIpa + kGranuleSize, abi::kShareMapWrite));
      if (r == 0) {
        need(w.rmi(R::kRttCreate, rdv, delegated(w).value(), kUnprotected, 2));
        need(w.rmi(R::kRttCreate, rdv, delegated(w).value(), kUnprotected, 3));
        need(w.rmi(R::kRttMapUnprotected, rdv, kUnprotected, 3, take(w).value() | (0b11u << 6)));
      }
      for (unsigned i = 0; i < 2; ++i) {
        namespace rcp = abi::rec_params;
        std::vector<uint8_t> rp_bytes(kGranuleSize, 0);
        World::put<uint64_t>(rp_bytes, rcp::kFlags, i == 0 ? rcp::kFlagRunnable : 0);
        World::put<uint64_t>(rp_bytes, rcp::kMpidr, i);
        World::put<uint64_t>(rp_bytes, rcp::kPc, 0x1000);
        World::put<uint64_t>(rp_bytes, rcp::kNumAux, abi::kRecAuxCount);
        for (unsigned a = 0; a < abi::kRecAuxCount; ++a) World::put<uint64_t>(rp_bytes, rcp::kAux + 8 * a, delegated(w).value());
        const PhysAddr rpp = take(w);
        w.write(rpp, rp_bytes.data(), rp_bytes.size());
        recs[r][i] = delegated(w);
        need(w.rmi(R::kRecCreate, rdv, recs[r][i].value(), rpp.value()));
      }
      need(w.rmi(R::kRealmActivate, rdv));
    }
    run = take(w);
  }
};

uint64_t value(Input& in) {
  const unsigned i = in.pick(sizeof kValues / sizeof kValues[0] + 2);
  if (i < sizeof kValues / sizeof kValues[0]) return kValues[i];
  return i == sizeof kValues / sizeof kValues[0] ? in.u8() : in.u64();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* const world = new World(kDramSize);
  World& w = *world;
  w.reset();
  Setup setup;
  w.checking = false;  // the same every time; checked once below
  setup.build(w);
  w.checking = true;
  w.check(SmcArgs{}, SmcResult{});

  Input in(data, size);
  for (unsigned n = 0; n < 64 && !in.empty(); ++n) {
    const unsigned r = in.pick(2), i = in.pick(4) == 0 ? 1 : 0;
    const PhysAddr rec = setup.recs[r][i];
    std::vector<uint8_t> enter(0x800, 0);
    World::put<uint64_t>(enter, abi::rec_run::kEnterFlags, in.u8() & 0x1F);
    for (unsigned g = 0; g < 8; ++g) World::put<uint64_t>(enter, abi::rec_run::kEnterGprs + 8 * g, value(in));
    w.write(setup.run, enter.data(), enter.size());
    const unsigned steps = 1 + in.pick(4);
    for (unsigned s = 0; s < steps; ++s) {
      Step step;
      const unsigned kind = in.pick(8);
      step.kind = kind < 5 ? Step::Kind::kSmc : static_cast<Step::Kind>(kind - 4);
      const unsigned f = in.pick(sizeof kRealmFids / sizeof kRealmFids[0] + 1);
      step.x[0] = f < sizeof kRealmFids / sizeof kRealmFids[0] ? kRealmFids[f] : in.u64();
      for (unsigned x = 1; x < 13; ++x) step.x[x] = value(in);
      step.esr_iss = in.u64();
      step.ipa = value(in);
      w.platform.steps.push_back(step);
    }
    w.rmi(R::kRecEnter, rec.value(), setup.run.value());
    w.platform.steps.clear();

    // The host answers what the REC asked for, as the input says.
    mica::monitor::RecInfo info;
    if (!w.monitor->rec_info(rec, info)) continue;
    if (info.psci_pending) {
      const PhysAddr target = setup.recs[r][in.pick(2)];
      const uint64_t status = in.pick(2) == 0 ? 0 : static_cast<uint64_t>(int64_t{-3});
      w.rmi(R::kPsciComplete, rec.value(), target.value(), status);
    }
    if (info.ripas.base != info.ripas.top && in.pick(2) == 0) {
      w.rmi(R::kRttSetRipas, setup.rd[r].value(), rec.value(), info.ripas.progress.value(), info.ripas.top.value());
    }
  }
  return 0;
}
