// Hostile realms: realm SDK programs (realm-sdk/examples/mica_hostile_*.c)
// that try to escape their policy or leak through the monitor, bound to
// workflows and run by REC_ENTER on the emulated machine's realm CPU. Each
// writes what the monitor answered into its channel's first page (the
// report, examples/hostile_report.h); each test asserts that report, the
// exits the host saw and the realm's state afterwards, and the invariant
// checker runs after every RMI call the host makes (REC_ENTERs included).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "checked.h"
#include "mica/mica_abi.h"
#include "mica/rsi_abi.h"
#include "mica_host.h"
#include "policy_spec.h"

namespace mica::monitor::testing {
namespace {

using abi::RmiRecExitReason;
using R = abi::RmiCommand;

constexpr uint64_t kDone = 0x454E4F444C495448ull;  // HOSTILE_REPORT_DONE
constexpr uint64_t kUnprotected = uint64_t{1} << 39;  // the SDK's 40-bit IPA space
constexpr uint32_t kEcDataAbortSameEl = 0x25;
constexpr uint32_t kEcInstructionAbortSameEl = 0x21;
constexpr uint64_t kFscSyncExternalAbort = 0x10;
constexpr uint64_t kSecret = 0x5EC2E7C0DEC0FFEEull;

uint32_t ec_of(uint64_t esr) { return static_cast<uint32_t>((esr >> 26) & 0x3F); }

ComponentSpec component(const std::string& name) {
  ComponentSpec c = make_component(name);
  c.memory = MicaHost::kRamSize;
  return c;
}

// hostile (0) writes `report` to observer (1); `other` (2) exists; every path closed.
PolicySpec closed_policy(uint64_t report_size = kGranuleSize) {
  PolicySpec spec;
  spec.components = {component("hostile"), component("observer"), component("other")};
  spec.channels = {make_channel("report", "hostile", {"observer"}, report_size)};
  return spec;
}

class HostileRealm : public ::testing::Test {
 protected:
  // 8 MiB of DRAM hold two realm programs and their workflow; the checker
  // runs after every call, so a small machine keeps it quick.
  HostileRealm() : host_(8ull << 20), checker_(host_.monitor(), host_.machine().gpt()) {
    host_.after_smc = [this](const SmcArgs& args, const SmcResult& result) {
      expect_invariants(checker_, args, result);
    };
  }
  void TearDown() override { EXPECT_GT(checker_.checks(), 0u) << "the invariant checker never ran"; }

  // Loads `program`, binds it to component "hostile" of a fresh workflow of
  // `spec` and maps the report channel (writable); the realm stays NEW.
  Program& deploy(const std::string& program, const PolicySpec& spec) {
    Program& p = host_.load(program);
    spec_ = spec;
    wf_ = host_.create_workflow(spec.encode());
    host_.bind(p, wf_, spec.component("hostile"));
    const uint64_t pages = spec.channels[spec.channel("report")].size / kGranuleSize;
    report_ = host_.create_channel_pages(wf_, spec.channel("report"), static_cast<unsigned>(pages));
    host_.map_channel(p, report_, 0, true);
    return p;
  }
  bool run_until_off(Program& p, int entries = 400) {
    return host_.run({&p}, [&p] { return p.system_off; }, entries);
  }

  uint64_t word(unsigned index, unsigned page = 0) {
    uint64_t value;
    std::memcpy(&value, host_.machine().dram().at(report_[page]) + 8 * index, sizeof value);
    return value;
  }
  RecInfo rec_of(const Program& p) {
    RecInfo info;
    EXPECT_TRUE(host_.monitor().rec_info(p.realm.recs[0].pa, info));
    return info;
  }
  std::vector<uint8_t> rim_of(const Program& p) {
    RealmInfo info;
    EXPECT_TRUE(host_.monitor().realm_info(p.realm.rd, info));
    return std::vector<uint8_t>(info.rim(), info.rim() + info.measurement_size());
  }
  std::vector<ExitRecord> exits_of(const Program& p) {
    std::vector<ExitRecord> out;
    for (const ExitRecord& e : host_.exits) {
      if (e.program == p.id) out.push_back(e);
    }
    return out;
  }
  // The host saw nothing of the realm but its time slices and the final SYSTEM_OFF.
  void expect_nothing_but_system_off(const Program& p) {
    const std::vector<ExitRecord> exits = exits_of(p);
    ASSERT_FALSE(exits.empty());
    for (size_t i = 0; i < exits.size(); ++i) {
      const ExitRecord& e = exits[i];
      if (e.reason == RmiRecExitReason::kIrq) {
        EXPECT_EQ(e.esr, 0u);
        EXPECT_EQ(e.far, 0u);
        EXPECT_EQ(e.hpfar, 0u);
        continue;
      }
      EXPECT_EQ(e.reason, RmiRecExitReason::kPsci) << "exit " << i << " esr 0x" << std::hex << e.esr;
      EXPECT_EQ(e.gprs[0], MICA_PSCI_SYSTEM_OFF) << "exit " << i;
    }
    EXPECT_EQ(exits.back().reason, RmiRecExitReason::kPsci);
  }
  // The realm ended through the SDK's vectors after an injected synchronous external abort of class `ec`.
  void expect_injected_abort(const Program& p, uint32_t ec) {
    const uint64_t esr_el1 = rec_of(p).cpu.esr_el1;
    EXPECT_EQ(ec_of(esr_el1), ec) << "ESR_EL1 0x" << std::hex << esr_el1;
    EXPECT_EQ(esr_el1 & 0x3F, kFscSyncExternalAbort);
  }

  // Maps one NS page (holding `content`) at `offset` in the unprotected
  // half, creating the unprotected RTTs it needs; returns the NS page.
  PhysAddr map_window_page(Program& p, uint64_t offset, const std::vector<uint8_t>& content, bool writable) {
    const uint64_t ipa = kUnprotected + offset;
    RealmInfo info;
    EXPECT_TRUE(host_.monitor().realm_info(p.realm.rd, info));
    const uint64_t rd = p.realm.rd.value();
    for (int level = info.start_level + 1; level <= 3; ++level) {
      const uint64_t aligned = ipa & ~(abi::rtt_map_size(level - 1) - 1);
      const SmcResult entry = host_.smc(abi::rmi_fid(R::kRttReadEntry), rd, aligned, static_cast<uint64_t>(level - 1));
      if (entry.x[1] == static_cast<uint64_t>(level - 1) &&
          entry.x[2] == static_cast<uint64_t>(abi::RmiRttEntryState::kTable)) {
        continue;
      }
      EXPECT_EQ(host_.smc(abi::rmi_fid(R::kRttCreate), rd, host_.delegated().value(), aligned,
                          static_cast<uint64_t>(level)).x[0],
                0u);
    }
    const PhysAddr ns = host_.ns_granule();
    EXPECT_EQ(host_.machine().host_write(ns, content.data(), content.size()), platform::AccessResult::kOk);
    const uint64_t desc = ns.value() | (uint64_t{writable ? 0b11u : 0b01u} << 6);
    EXPECT_EQ(host_.smc(abi::rmi_fid(R::kRttMapUnprotected), rd, ipa, 3, desc).x[0], 0u);
    return ns;
  }
  uint64_t ns_word(PhysAddr ns, unsigned index) {
    uint64_t value = 0;
    EXPECT_EQ(host_.machine().host_read(ns.plus(8 * index), &value, sizeof value), platform::AccessResult::kOk);
    return value;
  }

  MicaHost host_;
  InvariantChecker checker_;
  PolicySpec spec_;
  PhysAddr wf_;
  std::vector<PhysAddr> report_;
};

// --- Floods and budgets ------------------------------------------------------------------------

TEST_F(HostileRealm, GarbageRsiFloodGetsAnAnswerForEveryCall) {
  Program& p = deploy("mica_hostile_rsi_flood", closed_policy());
  host_.activate(p);
  ASSERT_TRUE(run_until_off(p));
  ASSERT_EQ(word(0), kDone);
  EXPECT_EQ(word(1), 3000u);
  uint64_t sum = 0;
  for (unsigned i = 2; i <= 9; ++i) sum += word(i);
  EXPECT_EQ(sum, 3000u);
  EXPECT_GT(word(2), 0u) << "no call succeeded";
  EXPECT_GT(word(3), 0u) << "no ERROR_INPUT";
  EXPECT_GT(word(4), 0u) << "no ERROR_STATE (closed host calls, RIPAS, gate replies)";
  EXPECT_GT(word(6), 0u) << "no SMC_UNKNOWN";
  EXPECT_GT(word(7), 0u) << "no PSCI DENIED (closed PSCI)";
  EXPECT_EQ(word(10), 1u) << "the realm's RIM changed";
  EXPECT_EQ(rim_of(p), p.rim);
  expect_nothing_but_system_off(p);
  const RecInfo rec = rec_of(p);
  EXPECT_FALSE(rec.host_call_pending);
  EXPECT_FALSE(rec.psci_pending);
  EXPECT_EQ(rec.ripas.base, rec.ripas.top);
}

TEST_F(HostileRealm, EndlessMonitorCallsNeverKeepThePe) {
  Program& p = deploy("mica_hostile_budget", closed_policy());
  host_.activate(p);
  for (int n = 0; n < 12; ++n) {
    ASSERT_EQ(host_.enter(p), 0u);
    EXPECT_EQ(host_.exits.back().reason, RmiRecExitReason::kIrq);
  }
  EXPECT_FALSE(p.system_off);
  EXPECT_FALSE(rec_of(p).running);
  // The host takes the PE back for good.
  EXPECT_EQ(host_.smc(abi::rmi_fid(R::kRecDestroy), p.realm.recs[0].pa.value()).x[0], 0u);
}

TEST_F(HostileRealm, IndexesWithValidLowBitsAreRefused) {
  Program& p = deploy("mica_hostile_index_truncation", closed_policy());
  host_.activate(p);
  ASSERT_TRUE(run_until_off(p));
  ASSERT_EQ(word(0), kDone);
  EXPECT_EQ(word(1), MICA_RSI_ERROR_INPUT);
  EXPECT_EQ(word(2), MICA_RSI_ERROR_INPUT);
  EXPECT_EQ(word(3), MICA_RSI_ERROR_INPUT);
  EXPECT_EQ(word(4), MICA_RSI_SUCCESS);  // the same peer named properly
  expect_nothing_but_system_off(p);
}

// --- Memory it must not reach ------------------------------------------------------------------

TEST_F(HostileRealm, WritingPastTheChannelAborts) {
  Program& p = deploy("mica_hostile_channel_overrun", closed_policy());
  host_.activate(p);
  ASSERT_TRUE(run_until_off(p));
  EXPECT_EQ(word(1), kGranuleSize);
  EXPECT_EQ(word(2), 0x4F564552u);
  EXPECT_EQ(word(3), 0u);
  EXPECT_NE(word(0), kDone);
  expect_injected_abort(p, kEcDataAbortSameEl);
  expect_nothing_but_system_off(p);
}

PolicySpec windowed_policy() {
  PolicySpec spec = closed_policy();
  spec.components[0].windows = {make_window("feed", true, 0, kGranuleSize),
                                make_window("drain", false, 0x10000, kGranuleSize)};
  return spec;
}

TEST_F(HostileRealm, InWindowIsReadOnlyForTheRealm) {
  Program& p = deploy("mica_hostile_in_window_write", windowed_policy());
  std::vector<uint8_t> input(kGranuleSize, 0);
  const uint64_t value = 0x1A2B3C4D5E6F7081ull;
  std::memcpy(input.data(), &value, sizeof value);
  // The host asks for a writable mapping; the monitor makes it read-only.
  const PhysAddr ns = map_window_page(p, 0, input, true);
  host_.activate(p);
  ASSERT_TRUE(run_until_off(p));
  EXPECT_EQ(word(1), value);  // it could read its input
  EXPECT_EQ(word(2), 0x57524954u);
  EXPECT_EQ(word(3), 0u);
  EXPECT_EQ(ns_word(ns, 1), 0u);  // and wrote nothing out
  expect_injected_abort(p, kEcDataAbortSameEl);
  expect_nothing_but_system_off(p);
}

TEST_F(HostileRealm, HostCodeInAnOutWindowNeverRuns) {
  Program& p = deploy("mica_hostile_exec_window", windowed_policy());
  std::vector<uint8_t> code(kGranuleSize, 0);
  for (size_t i = 0; i < code.size(); i += 4) {
    const uint32_t ret = 0xD65F03C0u;
    std::memcpy(code.data() + i, &ret, sizeof ret);
  }
  map_window_page(p, 0x10000, code, true);
  host_.activate(p);
  ASSERT_TRUE(run_until_off(p));
  EXPECT_EQ(word(1), 0x4A554D50u);
  EXPECT_EQ(word(2), 0u);
  expect_injected_abort(p, kEcInstructionAbortSameEl);
  expect_nothing_but_system_off(p);
}

TEST_F(HostileRealm, MmioProbeDisclosesNothing) {
  Program& p = deploy("mica_hostile_mmio_probe", closed_policy());
  host_.activate(p);
  ASSERT_TRUE(run_until_off(p));
  EXPECT_EQ(word(1), 0x50524F42u);
  EXPECT_EQ(word(2), 0u);
  expect_injected_abort(p, kEcDataAbortSameEl);
  expect_nothing_but_system_off(p);
  for (const ExitRecord& e : exits_of(p)) EXPECT_EQ(e.hpfar, 0u);
}

// --- The monitor writes only the realm's own pages for it ---------------------------------------

TEST_F(HostileRealm, RealmConfigIsNeverWrittenIntoAChannel) {
  Program& p = deploy("mica_hostile_config_in_channel", closed_policy(2 * kGranuleSize));
  host_.activate(p);
  ASSERT_TRUE(run_until_off(p, 50));
  ASSERT_EQ(word(0), kDone);
  EXPECT_EQ(word(1), MICA_RSI_ERROR_INPUT);
  const uint8_t* page = host_.machine().dram().at(report_[1]);
  EXPECT_TRUE(std::all_of(page, page + kGranuleSize, [](uint8_t b) { return b == 0x5A; }));
  expect_nothing_but_system_off(p);
}

TEST_F(HostileRealm, AttestationTokenIsNeverWrittenIntoAChannel) {
  Program& p = deploy("mica_hostile_token_in_channel", closed_policy(2 * kGranuleSize));
  host_.activate(p);
  ASSERT_TRUE(run_until_off(p, 50));
  ASSERT_EQ(word(0), kDone);
  EXPECT_EQ(word(1), MICA_RSI_SUCCESS);
  EXPECT_EQ(word(2), MICA_RSI_ERROR_INPUT);
  EXPECT_EQ(word(3), 0u);
  const uint8_t* page = host_.machine().dram().at(report_[1]);
  EXPECT_TRUE(std::all_of(page, page + kGranuleSize, [](uint8_t b) { return b == 0; }));
  expect_nothing_but_system_off(p);
}

TEST_F(HostileRealm, HostCallFromAChannelPageIsRefused) {
  PolicySpec spec = closed_policy(2 * kGranuleSize);
  spec.components[0].host_calls = true;
  Program& p = deploy("mica_hostile_host_call_in_channel", spec);
  host_.activate(p);
  ASSERT_TRUE(run_until_off(p, 50));
  ASSERT_EQ(word(0), kDone);
  EXPECT_EQ(word(1), MICA_RSI_ERROR_INPUT);
  EXPECT_EQ(word(0, 1) & 0xFFFFFFFF, MICA_HOST_CALL_CONSOLE_WRITE);  // the call as the realm wrote it
  EXPECT_EQ(word(1, 1), 8u);
  EXPECT_EQ(word(2, 1), 0x6C656E6E61686321ull);
  // The only host call the host saw is the SDK's exit report at the end.
  for (const ExitRecord& e : exits_of(p)) {
    if (e.reason == RmiRecExitReason::kHostCall) {
      EXPECT_EQ(e.imm, MICA_HOST_CALL_EXIT);
    }
  }
  EXPECT_TRUE(p.console.empty()) << p.console;
}

TEST_F(HostileRealm, RipasChangeCannotTakeAChannelPage) {
  PolicySpec spec = closed_policy();
  spec.components[0].ripas = true;
  Program& p = deploy("mica_hostile_ripas_channel", spec);
  host_.activate(p);
  // Up to the RIPAS change exit for the channel.
  for (int n = 0; n < 50 && (host_.exits.empty() || host_.exits.back().reason != RmiRecExitReason::kRipasChange);
       ++n) {
    ASSERT_EQ(host_.enter(p), 0u);
  }
  ASSERT_EQ(host_.exits.back().reason, RmiRecExitReason::kRipasChange);
  const uint64_t base = host_.exits.back().ripas_base;
  EXPECT_EQ(base, MicaHost::kChannelIpa);
  // The host carries it out as far as it can: not one page.
  const SmcResult r = host_.smc(abi::rmi_fid(R::kRttSetRipas), p.realm.rd.value(), p.realm.recs[0].pa.value(), base,
                                host_.exits.back().ripas_top);
  EXPECT_EQ(r.x[0], abi::rmi_status_word(abi::RmiStatus::kErrorRtt, 3));
  ASSERT_TRUE(run_until_off(p, 50));
  ASSERT_EQ(word(0), kDone);
  EXPECT_EQ(word(1), MICA_RSI_SUCCESS);
  EXPECT_EQ(word(2), base);  // no progress
  EXPECT_EQ(word(3), MICA_RSI_ACCEPT);
  EXPECT_EQ(word(4), MICA_RSI_ERROR_INPUT);  // beyond the protected space
  EXPECT_EQ(word(5), 0x4B454550u);          // the page kept its data
  MicaShareInfo share;
  ASSERT_TRUE(host_.monitor().mica().share_info(report_[0], share));
  EXPECT_EQ(share.mappings, 1u);
}

TEST_F(HostileRealm, RimCannotBeRewritten) {
  Program& p = deploy("mica_hostile_rim_rewrite", closed_policy());
  host_.activate(p);
  ASSERT_TRUE(run_until_off(p));
  ASSERT_EQ(word(0), kDone);
  EXPECT_EQ(word(1), MICA_RSI_ERROR_INPUT);
  EXPECT_EQ(word(2), MICA_RSI_ERROR_INPUT);
  EXPECT_EQ(word(3), MICA_RSI_ERROR_INPUT);
  EXPECT_EQ(word(4), MICA_RSI_SUCCESS);  // a REM may be extended
  EXPECT_EQ(word(5), 1u);
  EXPECT_EQ(rim_of(p), p.rim);
  RealmInfo info;
  ASSERT_TRUE(host_.monitor().realm_info(p.realm.rd, info));
  EXPECT_NE(std::vector<uint8_t>(info.measurements[1], info.measurements[1] + 32), std::vector<uint8_t>(32, 0));
  expect_nothing_but_system_off(p);
}

// --- Gates ----------------------------------------------------------------------------------------

TEST_F(HostileRealm, GatesOfPeersThatAreNotReadyAndGatesNobodyNames) {
  PolicySpec spec = closed_policy();
  spec.gates = {GateSpec{"hostile", "observer"}, GateSpec{"hostile", "other"}};
  Program& p = deploy("mica_hostile_gates", spec);
  Program& observer = host_.load("mica_consumer");
  host_.bind(observer, wf_, spec.component("observer"));  // bound, never activated
  host_.activate(p);
  ASSERT_TRUE(run_until_off(p));
  ASSERT_EQ(word(0), kDone);
  EXPECT_EQ(word(1), MICA_RSI_ERROR_INPUT);  // wait: no gate leads to it
  EXPECT_EQ(word(3), MICA_RSI_ERROR_INPUT);  // call itself: no such gate
  EXPECT_EQ(word(5), MICA_RSI_ERROR_STATE);
  EXPECT_EQ(word(6), MICA_GATE_ERR_CALLEE_NOT_ACTIVE);
  EXPECT_EQ(word(7), MICA_RSI_ERROR_STATE);
  EXPECT_EQ(word(8), MICA_GATE_ERR_CALLEE_UNBOUND);
  expect_nothing_but_system_off(p);
  EXPECT_TRUE(exits_of(observer).empty());
}

TEST_F(HostileRealm, CalleeCannotReachTheHostWhileItServesACall) {
  PolicySpec spec = closed_policy();
  spec.components[0].host_calls = true;
  spec.components[0].ripas = true;
  spec.components[0].mmio = true;
  spec.components[0].psci = 0x1F;  // every PSCI function open
  spec.components[1].host_calls = true;  // the caller's console
  spec.gates = {GateSpec{"observer", "hostile"}};
  Program& callee = deploy("mica_hostile_callee_escape", spec);
  Program& caller = host_.load("mica_gate_probe");
  host_.bind(caller, wf_, spec.component("observer"));
  host_.activate(callee);
  host_.activate(caller);
  ASSERT_EQ(host_.enter(callee), 0u);  // parks on its gate
  ASSERT_TRUE(host_.run({&caller}, [&caller] { return caller.system_off; }, 400));
  EXPECT_NE(caller.console.find("probe: status 0 why 0 results 2 2 fffffffffffffffd 5 5 100"), std::string::npos)
      << caller.console;
  ASSERT_EQ(word(0), kDone);
  EXPECT_EQ(word(1), MICA_RSI_ERROR_STATE);
  EXPECT_EQ(word(2), MICA_RSI_ERROR_STATE);
  EXPECT_EQ(static_cast<int64_t>(word(3)), MICA_PSCI_DENIED);
  EXPECT_EQ(word(4), MICA_GATE_ERR_NESTED);
  EXPECT_EQ(word(5), MICA_GATE_ERR_NESTED);
  // All the host ever saw of the callee is its first park, on its own REC_ENTER.
  const std::vector<ExitRecord> exits = exits_of(callee);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(ec_of(exits[0].esr), 0x01u);
  for (const ExitRecord& e : exits_of(caller)) {
    EXPECT_NE(e.reason, RmiRecExitReason::kRipasChange);
    if (e.reason == RmiRecExitReason::kHostCall) {
      EXPECT_EQ(std::count(std::begin(e.gprs), std::end(e.gprs), 0x7465726365732021ull), 0);
    }
  }
}

// --- Exits -----------------------------------------------------------------------------------------

TEST_F(HostileRealm, RegistersCarryNoSecretOut) {
  Program& p = deploy("mica_hostile_register_leak", closed_policy());
  host_.activate(p);
  ASSERT_TRUE(run_until_off(p));
  expect_nothing_but_system_off(p);
  const std::vector<ExitRecord> exits = exits_of(p);
  EXPECT_GE(exits.size(), 3u);  // the WFI, time slices, SYSTEM_OFF
  for (const ExitRecord& e : exits) {
    EXPECT_EQ(std::count(std::begin(e.gprs), std::end(e.gprs), kSecret), 0);
    for (unsigned i = 1; i < 31; ++i) EXPECT_EQ(e.gprs[i], 0u) << "gprs[" << i << "]";
  }
}

TEST_F(HostileRealm, HvcFindsNoHypervisor) {
  Program& p = deploy("mica_hostile_hvc", closed_policy());
  host_.activate(p);
  ASSERT_TRUE(run_until_off(p));
  EXPECT_EQ(word(1), 0x48564321u);
  EXPECT_EQ(word(2), 0u);
  const uint64_t esr_el1 = rec_of(p).cpu.esr_el1;
  EXPECT_EQ(ec_of(esr_el1), 0x00u) << "ESR_EL1 0x" << std::hex << esr_el1;  // undefined instruction
  expect_nothing_but_system_off(p);
  for (const ExitRecord& e : exits_of(p)) EXPECT_EQ(std::count(std::begin(e.gprs), std::end(e.gprs), kSecret), 0);
}

TEST_F(HostileRealm, PsciCallsThePolicyClosesAreDenied) {
  Program& p = deploy("mica_hostile_psci_rest", closed_policy());
  host_.activate(p);
  ASSERT_TRUE(run_until_off(p));
  ASSERT_EQ(word(0), kDone);
  EXPECT_EQ(static_cast<int64_t>(word(1)), MICA_PSCI_DENIED);  // CPU_SUSPEND
  EXPECT_EQ(static_cast<int64_t>(word(2)), MICA_PSCI_DENIED);  // AFFINITY_INFO
  EXPECT_EQ(static_cast<int64_t>(word(3)), MICA_PSCI_DENIED);  // SYSTEM_RESET: the realm ran on
  EXPECT_EQ(static_cast<int64_t>(word(4)), MICA_PSCI_NOT_SUPPORTED);
  EXPECT_EQ(static_cast<int64_t>(word(5)), MICA_PSCI_NOT_SUPPORTED);
  EXPECT_EQ(static_cast<int64_t>(word(6)), MICA_PSCI_SUCCESS);  // SYSTEM_OFF stays open
  expect_nothing_but_system_off(p);
}

}  // namespace
}  // namespace mica::monitor::testing
