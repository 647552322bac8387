// The fixed RMI sequence whose instruction counts `make bench` reports
// (scripts/bench runs this under valgrind's callgrind; the counts are
// comparable with other monitors running the same sequence):
//
//   GRANULE_DELEGATE of every granule the realm will use (38)
//   REALM_CREATE (s2sz 40, start level 1, two concatenated root RTTs, SHA-256)
//   RTT_CREATE level 2 and level 3 at IPA 0
//   RTT_INIT_RIPAS [0, 64 KiB)
//   DATA_CREATE of 16 pages, measured (RMI_MEASURE_CONTENT); page 0 holds `wfi; b .-4`
//   REC_CREATE (runnable, PC 0, 16 auxiliary granules)
//   REALM_ACTIVATE
//   REC_ENTER with TRAP_WFI: the realm's first instruction exits (SYNC, EC WFx)
//   REC_DESTROY, DATA_DESTROY x16, RTT_DESTROY level 3 and 2, REALM_DESTROY
//   GRANULE_UNDELEGATE of every granule (38)
//
// `rmi_script all` runs every other command instead, once each (labels as
// above), on realms built for them: the remaining RMI commands, Mica's RMI
// commands, and every RSI and Mica RSI command made by real realm code on
// the machine's realm CPU. A realm call is counted as the REC_ENTER in
// which the realm makes it ("REC_ENTER+RSI_VERSION": set the registers,
// SMC, then WFI, which exits); bench/callgrind_rmi_script.py subtracts the
// REC_ENTER whose realm only executes the WFI ("REC_ENTER").
//
// Around each SMC it zeroes callgrind's counters and dumps them afterwards
// with the command's name (client requests, which do nothing outside
// valgrind), so each dump holds one command. What is counted inside the
// command is chosen on valgrind's command line (--toggle-collect), see
// scripts/bench. Every command must succeed; the exit status says whether
// they did.
#include <valgrind/callgrind.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_host.h"
#include "monitor/abi/rsi.h"
#include "policies.h"

namespace mica::bench {
namespace {

constexpr unsigned kDataPages = 16;

// A machine whose calls are counted one by one: callgrind's counters are
// zeroed before each SMC and dumped after it as "NNN COMMAND".
class CountedCalls {
 protected:
  CountedCalls() : machine_(bench_machine_config(16)), host_([this](const SmcArgs& a) { return machine_.smc(a); }, machine_) {}

  SmcResult call(const char* name, uint64_t fid, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0,
                 uint64_t x5 = 0) {
    const SmcArgs args{{fid, x1, x2, x3, x4, x5}};
    char label[80];
    std::snprintf(label, sizeof label, "%03u %s", ++count_, name);
    CALLGRIND_ZERO_STATS;
    const SmcResult result = machine_.smc(args);
    CALLGRIND_DUMP_STATS_AT(label);
    if (result.x[0] != 0) {
      std::fprintf(stderr, "rmi_script: %s failed: X0 = 0x%llx\n", label, static_cast<unsigned long long>(result.x[0]));
      ok_ = false;
    }
    std::printf("%s\n", label);
    return result;
  }
  SmcResult rmi(RmiCommand command, const char* name, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0,
                uint64_t x5 = 0) {
    return call(name, abi::rmi_fid(command), x1, x2, x3, x4, x5);
  }
  SmcResult mica(MicaRmiCommand command, const char* name, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0,
                 uint64_t x4 = 0) {
    return call(name, abi::mica_rmi_fid(command), x1, x2, x3, x4);
  }

  platform::Machine machine_;
  BenchHost host_;
  unsigned count_ = 0;
  bool ok_ = true;
};

class Script : public CountedCalls {
 public:
  PhysAddr delegated() {
    const PhysAddr pa = host_.ns_granule();
    rmi(RmiCommand::kGranuleDelegate, "RMI_GRANULE_DELEGATE", pa.value());
    granules_.push_back(pa);
    return pa;
  }

  bool run() {
    // Everything the realm needs, delegated first: RD, root RTTs, RTTs, DATA, REC, aux.
    const PhysAddr rd = delegated();
    const PhysAddr roots = host_.ns_granules(kRawRootRtts);
    for (uint32_t i = 0; i < kRawRootRtts; ++i) {
      rmi(RmiCommand::kGranuleDelegate, "RMI_GRANULE_DELEGATE", roots.value() + i * kGranuleSize);
      granules_.push_back(roots.plus(i * kGranuleSize));
    }
    const PhysAddr l2 = delegated();
    const PhysAddr l3 = delegated();
    std::vector<PhysAddr> data;
    for (unsigned i = 0; i < kDataPages; ++i) data.push_back(delegated());
    const PhysAddr rec = delegated();
    std::vector<PhysAddr> aux;
    for (unsigned i = 0; i < abi::kRecAuxCount; ++i) aux.push_back(delegated());

    // Parameters and contents in NS memory (host work, not counted).
    const PhysAddr realm_params = host_.realm_params(1, roots);
    const PhysAddr rec_params = rec_params_page(aux);
    const PhysAddr source = host_.ns_granule();
    const PhysAddr run = host_.ns_granule();
    std::vector<uint8_t> enter(kGranuleSize, 0);
    const uint64_t flags = abi::rec_run::kFlagTrapWfi;
    std::memcpy(enter.data() + abi::rec_run::kEnterFlags, &flags, sizeof flags);
    host_.write(run, enter.data(), enter.size());

    const uint64_t rd_pa = rd.value();
    rmi(RmiCommand::kRealmCreate, "RMI_REALM_CREATE", rd_pa, realm_params.value());
    rmi(RmiCommand::kRttCreate, "RMI_RTT_CREATE", rd_pa, l2.value(), 0, 2);
    rmi(RmiCommand::kRttCreate, "RMI_RTT_CREATE", rd_pa, l3.value(), 0, 3);
    rmi(RmiCommand::kRttInitRipas, "RMI_RTT_INIT_RIPAS", rd_pa, 0, kDataPages * kGranuleSize);
    for (unsigned i = 0; i < kDataPages; ++i) {
      std::vector<uint8_t> content(kGranuleSize, static_cast<uint8_t>(i));
      if (i == 0) {
        const uint32_t code[] = {0xD503207F /* wfi */, 0x17FFFFFF /* b .-4 */};
        std::memcpy(content.data(), code, sizeof code);
      }
      host_.write(source, content.data(), content.size());
      rmi(RmiCommand::kDataCreate, "RMI_DATA_CREATE", rd_pa, data[i].value(), i * kGranuleSize, source.value(),
          static_cast<uint64_t>(abi::RmiDataFlags::kMeasureContent));
    }
    rmi(RmiCommand::kRecCreate, "RMI_REC_CREATE", rd_pa, rec.value(), rec_params.value());
    rmi(RmiCommand::kRealmActivate, "RMI_REALM_ACTIVATE", rd_pa);
    rmi(RmiCommand::kRecEnter, "RMI_REC_ENTER", rec.value(), run.value());
    uint64_t reason = ~uint64_t{0}, esr = 0;
    host_.read(run.plus(abi::rec_run::kExitReason), &reason, sizeof reason);
    host_.read(run.plus(abi::rec_run::kExitEsr), &esr, sizeof esr);
    if (reason != static_cast<uint64_t>(abi::RmiRecExitReason::kSync) || (esr >> 26) != 0x01) {
      std::fprintf(stderr, "rmi_script: REC_ENTER did not exit with WFI (reason %llu, ESR 0x%llx)\n",
                   static_cast<unsigned long long>(reason), static_cast<unsigned long long>(esr));
      ok_ = false;
    }

    rmi(RmiCommand::kRecDestroy, "RMI_REC_DESTROY", rec.value());
    for (unsigned i = 0; i < kDataPages; ++i) rmi(RmiCommand::kDataDestroy, "RMI_DATA_DESTROY", rd_pa, i * kGranuleSize);
    rmi(RmiCommand::kRttDestroy, "RMI_RTT_DESTROY", rd_pa, 0, 3);
    rmi(RmiCommand::kRttDestroy, "RMI_RTT_DESTROY", rd_pa, 0, 2);
    rmi(RmiCommand::kRealmDestroy, "RMI_REALM_DESTROY", rd_pa);
    for (PhysAddr pa : granules_) rmi(RmiCommand::kGranuleUndelegate, "RMI_GRANULE_UNDELEGATE", pa.value());
    return ok_;
  }

 private:
  PhysAddr rec_params_page(std::vector<PhysAddr>& aux) {
    namespace rcp = abi::rec_params;
    std::vector<uint8_t> params(kGranuleSize, 0);
    auto put = [&params](uint64_t offset, uint64_t value) { std::memcpy(params.data() + offset, &value, sizeof value); };
    put(rcp::kFlags, rcp::kFlagRunnable);
    put(rcp::kMpidr, 0);
    put(rcp::kPc, 0);
    put(rcp::kNumAux, aux.size());
    for (size_t i = 0; i < aux.size(); ++i) put(rcp::kAux + 8 * i, aux[i].value());
    const PhysAddr pa = host_.ns_granule();
    host_.write(pa, params.data(), params.size());
    return pa;
  }

  std::vector<PhysAddr> granules_;
};

// AArch64 code for realms: register moves, SMC #0, WFI, branches.
class Code {
 public:
  void mov(unsigned rd, uint64_t value) {
    words_.push_back(0xD2800000u | static_cast<uint32_t>((value & 0xFFFF) << 5) | rd);  // movz xd, #imm
    for (unsigned hw = 1; hw < 4; ++hw) {
      const uint64_t chunk = (value >> (16 * hw)) & 0xFFFF;
      if (chunk != 0) words_.push_back(0xF2800000u | (hw << 21) | static_cast<uint32_t>(chunk << 5) | rd);  // movk
    }
  }
  // X0..Xn, then SMC #0.
  void smc(std::initializer_list<uint64_t> registers) {
    unsigned rd = 0;
    for (uint64_t value : registers) mov(rd++, value);
    words_.push_back(0xD4000003u);
  }
  void wfi() { words_.push_back(0xD503207Fu); }
  size_t here() const { return words_.size(); }
  void branch_to(size_t target) {
    const auto offset = static_cast<int64_t>(target) - static_cast<int64_t>(here());
    words_.push_back(0x14000000u | (static_cast<uint32_t>(offset) & 0x03FF'FFFFu));
  }
  std::vector<uint8_t> page() const {
    std::vector<uint8_t> bytes(kGranuleSize, 0);
    if (words_.size() * 4 > bytes.size()) throw std::runtime_error("realm code larger than a page");
    if (!words_.empty()) std::memcpy(bytes.data(), words_.data(), words_.size() * 4);
    return bytes;
  }

 private:
  std::vector<uint32_t> words_;
};

// Every command the fixed sequence does not make.
class EveryCommand : public CountedCalls {
 public:
  static constexpr uint64_t kChannelIpa = 0x8000'0000;
  static constexpr uint64_t kUnprotected = uint64_t{1} << (kRawS2sz - 1);
  static constexpr uint64_t kBuffer = kGranuleSize;        // IPA of page 1: call buffers
  static constexpr uint64_t kRipasPage = 2 * kGranuleSize;  // IPA of page 2: RIPAS changes
  static constexpr unsigned kPages = 4;

  EveryCommand() {
    // The platform's attestation (its key, this boot's RAK and platform
    // token) is made on first use: before counting, not in the first INIT.
    (void)machine_.attestation();
  }

  struct Realm {
    RawRealm raw;
    std::vector<PhysAddr> data;
    std::vector<PhysAddr> recs;
    std::vector<std::vector<PhysAddr>> aux;
    PhysAddr run;
  };

  // A NEW realm: RTTs at IPA 0, `kPages` measured pages with `code` in page
  // 0, `recs` RECs (REC 0 runnable at PC 0). Setup: nothing here is counted.
  Realm build(const Code& code, unsigned recs) {
    Realm realm;
    realm.raw = host_.create_realm();
    host_.create_rtts(realm.raw, 0, 3);
    ok(host_.rmi(RmiCommand::kRttInitRipas, realm.raw.rd.value(), 0, kPages * kGranuleSize), "RTT_INIT_RIPAS");
    const PhysAddr source = host_.ns_granule();
    for (unsigned i = 0; i < kPages; ++i) {
      const std::vector<uint8_t> content = i == 0 ? code.page() : std::vector<uint8_t>(kGranuleSize, 0);
      host_.write(source, content.data(), content.size());
      realm.data.push_back(host_.delegated());
      ok(host_.rmi(RmiCommand::kDataCreate, realm.raw.rd.value(), realm.data.back().value(), i * kGranuleSize,
                   source.value(), 1),
         "DATA_CREATE");
    }
    for (unsigned i = 0; i < recs; ++i) {
      realm.aux.emplace_back();
      const PhysAddr params = host_.rec_params(i, 0, realm.aux.back(), i == 0);
      realm.recs.push_back(host_.delegated());
      ok(host_.rmi(RmiCommand::kRecCreate, realm.raw.rd.value(), realm.recs.back().value(), params.value()), "REC_CREATE");
    }
    realm.run = host_.ns_granule();
    std::vector<uint8_t> enter(kGranuleSize, 0);
    const uint64_t flags = abi::rec_run::kFlagTrapWfi;
    std::memcpy(enter.data() + abi::rec_run::kEnterFlags, &flags, sizeof flags);
    host_.write(realm.run, enter.data(), enter.size());
    return realm;
  }

  bool run() {
    namespace rsi_abi = abi::psci;
    const uint64_t fid_version = abi::rsi_fid(abi::RsiCommand::kVersion);
    const auto rsi = [](abi::RsiCommand c) { return abi::rsi_fid(c); };
    const auto mrsi = [](abi::MicaRsiCommand c) { return abi::mica_rsi_fid(c); };

    // The callee: waits on its gate, then replies to every call.
    Code callee_code;
    callee_code.smc({mrsi(abi::MicaRsiCommand::kGateWait)});
    const size_t reply_loop = callee_code.here();
    callee_code.smc({mrsi(abi::MicaRsiCommand::kGateReply), 11, 12, 13, 14, 15, 16});
    callee_code.branch_to(reply_loop);

    // The caller: one call per REC_ENTER, each followed by WFI.
    struct Step {
      const char* label;
      bool exits;  // the call itself exits to the host
    };
    std::vector<Step> steps;
    Code code;
    auto step = [&](const char* label, std::initializer_list<uint64_t> registers, bool exits = false) {
      code.smc(registers);
      if (!exits) code.wfi();
      steps.push_back({label, exits});
    };
    // The first entry also starts the realm CPU (the emulator's engine for
    // this REC); the second is the baseline of every realm call.
    code.wfi();
    steps.push_back({"REC_ENTER (first)", false});
    code.wfi();
    steps.push_back({"REC_ENTER", false});
    step("REC_ENTER+RSI_VERSION", {fid_version, abi::kRsiVersion_1_0});
    step("REC_ENTER+RSI_FEATURES", {rsi(abi::RsiCommand::kFeatures), 0});
    step("REC_ENTER+RSI_MEASUREMENT_READ", {rsi(abi::RsiCommand::kMeasurementRead), 0});
    step("REC_ENTER+RSI_MEASUREMENT_EXTEND", {rsi(abi::RsiCommand::kMeasurementExtend), 1, 64, 1, 2, 3, 4, 5, 6, 7, 8});
    step("REC_ENTER+RSI_REALM_CONFIG", {rsi(abi::RsiCommand::kRealmConfig), kBuffer});
    step("REC_ENTER+RSI_IPA_STATE_GET", {rsi(abi::RsiCommand::kIpaStateGet), kRipasPage, kRipasPage + kGranuleSize});
    step("REC_ENTER+PSCI_VERSION", {rsi_abi::kVersion});
    step("REC_ENTER+PSCI_FEATURES", {rsi_abi::kFeatures, rsi_abi::kCpuOn64});
    step("REC_ENTER+RSI_ATTEST_TOKEN_INIT", {rsi(abi::RsiCommand::kAttestTokenInit), 1, 2, 3, 4, 5, 6, 7, 8});
    step("REC_ENTER+RSI_ATTEST_TOKEN_CONTINUE", {rsi(abi::RsiCommand::kAttestTokenContinue), kBuffer, 0, kGranuleSize});
    step("REC_ENTER+MICA_RSI_VERSION", {mrsi(abi::MicaRsiCommand::kVersion), abi::kMicaVersion_1_0});
    step("REC_ENTER+MICA_WORKFLOW_INFO", {mrsi(abi::MicaRsiCommand::kWorkflowInfo)});
    step("REC_ENTER+MICA_PEER_INFO", {mrsi(abi::MicaRsiCommand::kPeerInfo), kCallee});
    step("REC_ENTER+MICA_CHANNEL_INFO", {mrsi(abi::MicaRsiCommand::kChannelInfo), 0});
    step("REC_ENTER+MICA_GATE_CALL+REPLY", {mrsi(abi::MicaRsiCommand::kGateCall), kCallee, 1, 2, 3, 4, 5, 6});
    // Calls that exit; the next REC_ENTER completes them and runs to a WFI.
    step("REC_ENTER+RSI_HOST_CALL", {rsi(abi::RsiCommand::kHostCall), kBuffer}, true);
    code.wfi();
    steps.push_back({"REC_ENTER+RSI_HOST_CALL completion", false});
    step("REC_ENTER+RSI_IPA_STATE_SET", {rsi(abi::RsiCommand::kIpaStateSet), kRipasPage, kRipasPage + kGranuleSize,
                                         static_cast<uint64_t>(abi::Ripas::kEmpty), 0}, true);
    code.wfi();
    steps.push_back({"REC_ENTER+RSI_IPA_STATE_SET completion", false});
    step("REC_ENTER+PSCI_AFFINITY_INFO", {rsi_abi::kAffinityInfo64, 1, 0}, true);
    code.wfi();
    steps.push_back({"REC_ENTER+PSCI_AFFINITY_INFO completion", false});
    const size_t end = code.here();
    code.wfi();
    code.branch_to(end);

    // --- RMI commands on their own realm (unbound, NEW) ---
    Realm plain = build(Code{}, 1);
    const uint64_t rd = plain.raw.rd.value();
    rmi(RmiCommand::kVersion, "RMI_VERSION", abi::kRmiVersion_1_0);
    rmi(RmiCommand::kFeatures, "RMI_FEATURES", 0);
    rmi(RmiCommand::kRecAuxCount, "RMI_REC_AUX_COUNT", rd);
    rmi(RmiCommand::kRttReadEntry, "RMI_RTT_READ_ENTRY", rd, 0, 3);
    {
      RawRealm& raw = plain.raw;
      host_.create_rtts(raw, kUnprotected, 3);
      const PhysAddr ns = host_.ns_granule();
      const uint64_t desc = ns.value() | (uint64_t{0b110} << 2) | (uint64_t{0b11} << 6);
      rmi(RmiCommand::kRttMapUnprotected, "RMI_RTT_MAP_UNPROTECTED", rd, kUnprotected, 3, desc);
      rmi(RmiCommand::kRttUnmapUnprotected, "RMI_RTT_UNMAP_UNPROTECTED", rd, kUnprotected, 3);
      host_.release(ns);
    }
    const PhysAddr unmeasured = host_.delegated();
    const PhysAddr unknown = host_.delegated();
    const PhysAddr source = host_.ns_granule();
    rmi(RmiCommand::kDataCreate, "RMI_DATA_CREATE (unmeasured)", rd, unmeasured.value(), kPages * kGranuleSize,
        source.value(), 0);
    rmi(RmiCommand::kDataCreateUnknown, "RMI_DATA_CREATE_UNKNOWN", rd, unknown.value(), (kPages + 1) * kGranuleSize);
    ok(host_.rmi(RmiCommand::kDataDestroy, rd, kPages * kGranuleSize), "DATA_DESTROY");
    ok(host_.rmi(RmiCommand::kDataDestroy, rd, (kPages + 1) * kGranuleSize), "DATA_DESTROY");
    host_.undelegate(unmeasured);
    host_.undelegate(unknown);
    {
      const PhysAddr l3 = host_.delegated();
      ok(host_.rmi(RmiCommand::kRttCreate, rd, l3.value(), 2 * (uint64_t{1} << 21), 3), "RTT_CREATE");
      rmi(RmiCommand::kRttFold, "RMI_RTT_FOLD", rd, 2 * (uint64_t{1} << 21), 3);
      host_.undelegate(l3);
    }

    // --- Mica: a workflow, two realms bound to it ---
    const std::vector<uint8_t> policy = pair_policy().encode();
    rmi_version_mica();
    BenchHost::Workflow workflow = host_.prepare_workflow(policy);
    mica(MicaRmiCommand::kWorkflowCreate, "MICA_WORKFLOW_CREATE (2 components)", workflow.wf.value(),
         workflow.params.value());
    Realm caller = build(code, 2);
    Realm callee = build(callee_code, 1);
    mica(MicaRmiCommand::kRealmBind, "MICA_REALM_BIND", caller.raw.rd.value(), workflow.wf.value(), kCaller);
    ok(host_.mica(MicaRmiCommand::kRealmBind, callee.raw.rd.value(), workflow.wf.value(), kCallee), "MICA_REALM_BIND");
    const PhysAddr share = host_.delegated();
    mica(MicaRmiCommand::kShareCreate, "MICA_SHARE_CREATE", workflow.wf.value(), share.value(), 0);
    host_.create_rtts(caller.raw, kChannelIpa, 3);
    mica(MicaRmiCommand::kShareMap, "MICA_SHARE_MAP", caller.raw.rd.value(), share.value(), kChannelIpa,
         abi::kShareMapWrite);
    ok(host_.rmi(RmiCommand::kRealmActivate, caller.raw.rd.value()), "REALM_ACTIVATE");
    ok(host_.rmi(RmiCommand::kRealmActivate, callee.raw.rd.value()), "REALM_ACTIVATE");

    // The callee parks on its gate (the host sees WFx).
    rmi(RmiCommand::kRecEnter, "REC_ENTER+MICA_GATE_WAIT", callee.recs[0].value(), callee.run.value());
    for (const Step& s : steps) {
      rmi(RmiCommand::kRecEnter, s.label, caller.recs[0].value(), caller.run.value());
      uint64_t reason = 0;
      host_.read(caller.run.plus(abi::rec_run::kExitReason), &reason, sizeof reason);
      if (!s.exits) {
        uint64_t esr = 0;
        host_.read(caller.run.plus(abi::rec_run::kExitEsr), &esr, sizeof esr);
        if (reason != static_cast<uint64_t>(abi::RmiRecExitReason::kSync) || (esr >> 26) != 0x01) {
          std::fprintf(stderr, "rmi_script: %s did not end at its WFI (reason %llu)\n", s.label,
                       static_cast<unsigned long long>(reason));
          ok_ = false;
        }
        continue;
      }
      // The host answers what the realm asked.
      if (reason == static_cast<uint64_t>(abi::RmiRecExitReason::kRipasChange)) {
        rmi(RmiCommand::kRttSetRipas, "RMI_RTT_SET_RIPAS", caller.raw.rd.value(), caller.recs[0].value(), kRipasPage,
            kRipasPage + kGranuleSize);
      } else if (reason == static_cast<uint64_t>(abi::RmiRecExitReason::kPsci)) {
        rmi(RmiCommand::kPsciComplete, "RMI_PSCI_COMPLETE", caller.recs[0].value(), caller.recs[1].value(), 0);
      } else if (reason != static_cast<uint64_t>(abi::RmiRecExitReason::kHostCall)) {
        std::fprintf(stderr, "rmi_script: %s exited with reason %llu\n", s.label, static_cast<unsigned long long>(reason));
        ok_ = false;
      }
    }

    // Teardown of what Mica needs counted.
    mica(MicaRmiCommand::kShareUnmap, "MICA_SHARE_UNMAP", caller.raw.rd.value(), kChannelIpa);
    mica(MicaRmiCommand::kShareDestroy, "MICA_SHARE_DESTROY", share.value());
    destroy(caller);
    destroy(callee);
    mica(MicaRmiCommand::kWorkflowDestroy, "MICA_WORKFLOW_DESTROY", workflow.wf.value());
    host_.discard_workflow(workflow, false);
    return ok_;
  }

 private:
  void rmi_version_mica() {
    mica(MicaRmiCommand::kVersion, "MICA_VERSION", abi::kMicaVersion_1_0);
    mica(MicaRmiCommand::kWorkflowAuxCount, "MICA_WORKFLOW_AUX_COUNT");
  }
  void ok(const SmcResult& result, const char* what) {
    if (result.x[0] != 0) {
      std::fprintf(stderr, "rmi_script: setup %s failed: X0 = 0x%llx\n", what, static_cast<unsigned long long>(result.x[0]));
      ok_ = false;
    }
  }
  void destroy(Realm& realm) {
    for (size_t i = 0; i < realm.recs.size(); ++i) {
      ok(host_.rmi(RmiCommand::kRecDestroy, realm.recs[i].value()), "REC_DESTROY");
      host_.undelegate(realm.recs[i]);
      for (PhysAddr a : realm.aux[i]) host_.undelegate(a);
    }
    for (unsigned i = 0; i < realm.data.size(); ++i) {
      ok(host_.rmi(RmiCommand::kDataDestroy, realm.raw.rd.value(), i * kGranuleSize), "DATA_DESTROY");
      host_.undelegate(realm.data[i]);
    }
    host_.destroy_realm(realm.raw);
  }
};

}  // namespace
}  // namespace mica::bench

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "fixed";
  try {
    if (mode == "fixed") {
      mica::bench::Script script;
      return script.run() ? 0 : 1;
    }
    if (mode == "all") {
      mica::bench::EveryCommand every;
      return every.run() ? 0 : 1;
    }
    std::fprintf(stderr, "usage: rmi_script [fixed|all]\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rmi_script: %s\n", e.what());
    return 1;
  }
}
