// Fuzzes the monitor with streams of host calls: every RMI 1.0 command and
// every Mica RMI command, with arguments drawn from the objects the stream
// has made (a pool of 48 granules, a handful of IPAs and levels, two
// compiled policies) and now and then raw registers; REC_ENTERs run a realm
// CPU the input scripts (SMCs with its registers, aborts, WFI). The oracle
// is the invariant checker after every call: a violation aborts. The test
// hooks a realm would need (a pending RIPAS change or PSCI request) are set
// through the monitor's test interface when the stream asks for them.
//
// Input: a sequence of records, one byte choosing the command and then the
// bytes its arguments need (monitor_fuzz.h's Input reads zeros past the end).
#include <array>

#include "monitor_fuzz.h"
#include "policy_spec.h"

namespace {

using namespace mica::fuzz;
namespace abi = mica::monitor::abi;
using R = abi::RmiCommand;
using C = abi::MicaRmiCommand;
using mica::monitor::testing::PolicySpec;

constexpr uint64_t kDramSize = 1ull << 20;  // 256 granules
constexpr unsigned kPool = 48;              // granules 0..47: every object lives here
// NS pages of the host, never delegated: parameters and sources.
constexpr unsigned kRealmParams = 48, kRecParams = 49, kRunPage = 50, kDataSource = 51, kWorkflowParams = 52,
                   kPolicySources = 53 /* and 54 */, kNsTarget = 56;

constexpr uint64_t kIpas[] = {0,           0x1000,      0x20'0000,           0x1000'0000,
                              0x1000'1000, 0x1020'0000, 0x4000'0000,         0x7FFF'F000,
                              0x8000'0000, 0x8000'1000, uint64_t{1} << 39,  (uint64_t{1} << 39) + 0x1000,
                              0xFF'FFFF'F000};

const std::vector<uint8_t>& policy(unsigned which) {
  static const std::array<std::vector<uint8_t>, 2> policies = [] {
    using namespace mica::monitor::testing;
    PolicySpec a;
    ComponentSpec w = make_component("writer");
    w.windows = {make_window("in", true, 0, 2 * kGranuleSize), make_window("out", false, 0x20'0000, 0x20'0000)};
    w.recs = 2;
    a.components = {make_component("reader"), w, make_component("third")};
    a.channels = {make_channel("pipe", "writer", {"reader"}, 2 * kGranuleSize),
                  make_channel("duplex", "writer", {"third"}, kGranuleSize, true)};
    a.gates = {GateSpec{"reader", "writer"}};
    PolicySpec b;
    b.components = {make_component("only", {std::vector<uint8_t>(32, 0x42)})};
    return std::array<std::vector<uint8_t>, 2>{a.encode(), b.encode()};
  }();
  return policies[which % 2];
}

struct Stream {
  World& w;
  Input& in;

  uint64_t g() { return w.granule(in.pick(kPool)).value(); }
  uint64_t ipa() {
    const unsigned i = in.pick(sizeof kIpas / sizeof kIpas[0] + 1);
    return i < sizeof kIpas / sizeof kIpas[0] ? kIpas[i] : in.u64();
  }
  uint64_t level() {
    const unsigned l = in.pick(7);
    return l == 6 ? in.u64() : static_cast<uint64_t>(static_cast<int64_t>(l) - 1);  // -1..4, or anything
  }
  PhysAddr page(unsigned index) { return w.granule(index); }

  void realm_create() {
    namespace rp = abi::realm_params;
    static constexpr struct { uint32_t s2sz; int64_t start; uint32_t roots; } kGeometries[] = {
        {40, 0, 1}, {32, 1, 1}, {33, 1, 2}, {48, 0, 2}};
    const auto& geo = kGeometries[in.pick(4)];
    const uint64_t rd = g();
    std::vector<uint8_t> p(kGranuleSize, 0);
    World::put<uint32_t>(p, rp::kS2sz, geo.s2sz);
    World::put<uint32_t>(p, rp::kNumBps, 1);
    World::put<uint32_t>(p, rp::kNumWps, 1);
    World::put<uint8_t>(p, rp::kHashAlgo, in.u8() & 1);
    World::put<uint16_t>(p, rp::kVmid, in.pick(4));
    World::put<uint64_t>(p, rp::kRttBase, g());
    World::put<int64_t>(p, rp::kRttLevelStart, geo.start);
    World::put<uint32_t>(p, rp::kRttNumStart, geo.roots);
    w.write(page(kRealmParams), p.data(), p.size());
    w.rmi(R::kRealmCreate, rd, page(kRealmParams).value());
  }

  void rec_create() {
    namespace rcp = abi::rec_params;
    const uint64_t rd = g(), rec = g();
    std::vector<uint8_t> p(kGranuleSize, 0);
    World::put<uint64_t>(p, rcp::kFlags, in.u8() & 1);
    World::put<uint64_t>(p, rcp::kMpidr, in.pick(3));
    World::put<uint64_t>(p, rcp::kPc, ipa());
    World::put<uint64_t>(p, rcp::kNumAux, abi::kRecAuxCount);
    const unsigned base = in.pick(kPool);
    for (unsigned a = 0; a < abi::kRecAuxCount; ++a) {
      World::put<uint64_t>(p, rcp::kAux + 8 * a, w.granule((base + a) % kPool).value());
    }
    w.write(page(kRecParams), p.data(), p.size());
    w.rmi(R::kRecCreate, rd, rec, page(kRecParams).value());
  }

  void workflow_create() {
    namespace wp = abi::workflow_params;
    const std::vector<uint8_t>& bytes = policy(in.u8());
    std::vector<uint8_t> p(kGranuleSize, 0);
    World::put<uint64_t>(p, wp::kPolicySize, bytes.size());
    const uint64_t sources = (bytes.size() + kGranuleSize - 1) / kGranuleSize;
    World::put<uint64_t>(p, wp::kNumSources, sources);
    for (uint64_t s = 0; s < sources; ++s) {
      const size_t chunk = std::min<size_t>(kGranuleSize, bytes.size() - s * kGranuleSize);
      w.write(page(kPolicySources + static_cast<unsigned>(s)), bytes.data() + s * kGranuleSize, chunk);
      World::put<uint64_t>(p, wp::kSources + 8 * s, page(kPolicySources + static_cast<unsigned>(s)).value());
    }
    World::put<uint64_t>(p, wp::kNumAux, abi::kWorkflowAuxCount);
    const unsigned base = in.pick(kPool);
    for (unsigned a = 0; a < abi::kWorkflowAuxCount; ++a) {
      World::put<uint64_t>(p, wp::kAux + 8 * a, w.granule((base + a) % kPool).value());
    }
    w.write(page(kWorkflowParams), p.data(), p.size());
    w.mica(C::kWorkflowCreate, g(), page(kWorkflowParams).value());
  }

  void rec_enter() {
    const uint64_t rec = g();
    std::vector<uint8_t> enter(0x800, 0);
    World::put<uint64_t>(enter, abi::rec_run::kEnterFlags, in.u8() & 0x1F);
    for (unsigned i = 0; i < 4; ++i) World::put<uint64_t>(enter, abi::rec_run::kEnterGprs + 8 * i, in.u64());
    w.write(page(kRunPage), enter.data(), enter.size());
    const unsigned steps = in.pick(5);
    for (unsigned s = 0; s < steps; ++s) {
      Step step;
      step.kind = static_cast<Step::Kind>(in.pick(5));
      const unsigned f = in.pick(sizeof kRealmFids / sizeof kRealmFids[0] + 1);
      step.x[0] = f < sizeof kRealmFids / sizeof kRealmFids[0] ? kRealmFids[f] : in.u64();
      for (unsigned i = 1; i < 13; ++i) step.x[i] = in.pick(2) == 0 ? ipa() : in.pick(8);
      step.esr_iss = in.u64();
      step.ipa = ipa();
      w.platform.steps.push_back(step);
    }
    w.rmi(R::kRecEnter, rec, page(kRunPage).value());
    w.platform.steps.clear();
  }

  void raw() {
    static constexpr uint64_t kFids[] = {0xC4000150, 0xC4000151, 0xC4000152, 0xC4000153, 0xC4000154, 0xC4000155,
                                         0xC4000156, 0xC4000157, 0xC4000158, 0xC4000159, 0xC400015A, 0xC400015B,
                                         0xC400015D, 0xC400015E, 0xC400015F, 0xC4000160, 0xC4000161, 0xC4000162,
                                         0xC4000164, 0xC4000165, 0xC4000166, 0xC4000167, 0xC4000168, 0xC4000169,
                                         0xC2000F00, 0xC2000F01, 0xC2000F02, 0xC2000F03, 0xC2000F04, 0xC2000F05,
                                         0xC2000F06, 0xC2000F07, 0xC2000F08, 0xC2000F09};
    const uint64_t fid = kFids[in.pick(sizeof kFids / sizeof kFids[0])];
    uint64_t x[6];
    for (uint64_t& v : x) v = in.u64();
    w.call(fid, x[0], x[1], x[2], x[3], x[4], x[5]);
  }

  // Every argument is read into a local first: the order of function
  // arguments is unspecified, the order the input is read in must not be.
  void one() {
    switch (in.pick(30)) {
      case 0: case 1: { const uint64_t a = g(); w.rmi(R::kGranuleDelegate, a); break; }
      case 2: { const uint64_t a = g(); w.rmi(R::kGranuleUndelegate, a); break; }
      case 3: realm_create(); break;
      case 4: { const uint64_t rd = g(); w.rmi(R::kRealmActivate, rd); break; }
      case 5: { const uint64_t rd = g(); w.rmi(R::kRealmDestroy, rd); break; }
      case 6: rec_create(); break;
      case 7: { const uint64_t rec = g(); w.rmi(R::kRecDestroy, rec); break; }
      case 8: rec_enter(); break;
      case 9: case 10: {
        const uint64_t rd = g(), rtt = g(), at = ipa(), l = level();
        w.rmi(R::kRttCreate, rd, rtt, at, l);
        break;
      }
      case 11: { const uint64_t rd = g(), at = ipa(), l = level(); w.rmi(R::kRttDestroy, rd, at, l); break; }
      case 12: { const uint64_t rd = g(), at = ipa(), l = level(); w.rmi(R::kRttFold, rd, at, l); break; }
      case 13: { const uint64_t rd = g(), at = ipa(), l = level(); w.rmi(R::kRttReadEntry, rd, at, l); break; }
      case 14: {
        const uint8_t fill = in.u8();
        std::vector<uint8_t> bytes(kGranuleSize, fill);
        w.write(page(kDataSource), bytes.data(), bytes.size());
        const uint64_t rd = g(), data = g(), at = ipa();
        const uint64_t src = in.pick(3) == 0 ? g() : page(kDataSource).value();
        const uint64_t flags = in.pick(3);
        w.rmi(R::kDataCreate, rd, data, at, src, flags);
        break;
      }
      case 15: { const uint64_t rd = g(), data = g(), at = ipa(); w.rmi(R::kDataCreateUnknown, rd, data, at); break; }
      case 16: { const uint64_t rd = g(), at = ipa(); w.rmi(R::kDataDestroy, rd, at); break; }
      case 17: {
        const uint64_t rd = g(), base = ipa();
        const uint64_t top = base + kGranuleSize * (1 + in.pick(4));
        w.rmi(R::kRttInitRipas, rd, base, top);
        break;
      }
      case 18: {
        const uint64_t rd = g(), rec = g(), base = ipa();
        const uint64_t top = base + kGranuleSize * (1 + in.pick(4));
        if (in.pick(2) == 0) {
          const abi::Ripas value = in.pick(2) == 0 ? abi::Ripas::kEmpty : abi::Ripas::kRam;
          const bool destroyed = in.pick(2) == 0;
          w.monitor->test_set_ripas_request(PhysAddr(rec), Ipa(base), Ipa(top), value, destroyed);
        }
        w.rmi(R::kRttSetRipas, rd, rec, base, top);
        break;
      }
      case 19: {
        const uint64_t rd = g(), at = ipa(), l = level();
        const uint64_t desc = w.granule(kNsTarget).value() | (uint64_t{in.u8()} & 0xFC);
        w.rmi(R::kRttMapUnprotected, rd, at, l, desc);
        break;
      }
      case 20: { const uint64_t rd = g(), at = ipa(), l = level(); w.rmi(R::kRttUnmapUnprotected, rd, at, l); break; }
      case 21: {
        const uint64_t caller = g(), target = g();
        if (in.pick(2) == 0) {
          const uint64_t fid = in.pick(2) == 0 ? abi::psci::kCpuOn64 : abi::psci::kAffinityInfo64;
          const uint64_t mpidr = in.pick(3), entry = ipa(), context = in.u64();
          w.monitor->test_set_psci_request(PhysAddr(caller), fid, mpidr, entry, context);
        }
        const uint64_t status = in.pick(2) == 0 ? 0 : static_cast<uint64_t>(int64_t{-3});
        w.rmi(R::kPsciComplete, caller, target, status);
        break;
      }
      case 22: workflow_create(); break;
      case 23: { const uint64_t wf = g(); w.mica(C::kWorkflowDestroy, wf); break; }
      case 24: { const uint64_t rd = g(), wf = g(), c = in.pick(4); w.mica(C::kRealmBind, rd, wf, c); break; }
      case 25: { const uint64_t wf = g(), page = g(), c = in.pick(3); w.mica(C::kShareCreate, wf, page, c); break; }
      case 26: { const uint64_t page = g(); w.mica(C::kShareDestroy, page); break; }
      case 27: {
        const uint64_t rd = g(), page = g(), at = ipa(), flags = in.pick(3);
        w.mica(C::kShareMap, rd, page, at, flags);
        break;
      }
      case 28: { const uint64_t rd = g(), at = ipa(); w.mica(C::kShareUnmap, rd, at); break; }
      case 29: raw(); break;
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* const world = new World(kDramSize);
  world->reset();
  Input in(data, size);
  Stream stream{*world, in};
  for (unsigned n = 0; n < 400 && !in.empty(); ++n) stream.one();
  return 0;
}
