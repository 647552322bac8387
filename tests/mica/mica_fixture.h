// Test fixture for the Mica extension: the monitor on the emulated machine
// (tests/monitor's MonitorTest), a builder for compiled policies written
// with the monitor's own canonical CBOR writer, and helpers that issue the
// Mica RMI commands with raw registers, as a host would.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "monitor/abi/mica.h"
#include "monitor/mica_extension.h"
#include "monitor_fixture.h"
#include "policy_spec.h"

namespace mica::monitor::testing {

using abi::MicaRmiCommand;

// Everything a refused Mica command must leave untouched, beyond the
// machine snapshot: what the extension keeps outside DRAM (share tags).
struct MicaSnapshot {
  MachineSnapshot machine;
  std::map<uint64_t, MicaShareInfo> shares;
};

class MicaTest : public MonitorTest {
 protected:
  explicit MicaTest(uint64_t dram_size = kDramSize) : MonitorTest(dram_size) {}

  const MicaExtension& mica() { return monitor().mica(); }

  SmcResult mica_rmi(MicaRmiCommand command, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0,
                     uint64_t x5 = 0) {
    return smc(abi::mica_rmi_fid(command), x1, x2, x3, x4, x5);
  }

  // --- Workflows ---
  // NS granules holding `policy`, in order.
  std::vector<PhysAddr> write_policy(const std::vector<uint8_t>& policy);
  struct WorkflowArgs {
    uint64_t policy_size = 0;
    std::vector<PhysAddr> sources;
    std::vector<PhysAddr> aux;
    std::optional<uint64_t> num_sources;  // default: sources.size()
    std::optional<uint64_t> num_aux;      // default: aux.size()
  };
  // Sources written, kWorkflowAuxCount fresh delegated aux granules.
  WorkflowArgs workflow_args(const std::vector<uint8_t>& policy);
  PhysAddr write_workflow_params(const WorkflowArgs& args);
  SmcResult try_create_workflow(PhysAddr wf, const WorkflowArgs& args);
  // Creates a workflow from `policy` (asserts success).
  PhysAddr create_workflow(const std::vector<uint8_t>& policy);
  MicaWorkflowInfo workflow_info(PhysAddr wf);

  // --- Realms ---
  // A realm with one RTT path to L3 around `ipa`, `pages` measured DATA
  // pages from ipa on, and `recs` runnable RECs; still NEW.
  struct BuiltRealm {
    Realm realm;
    std::vector<Rec> recs;
    std::vector<PhysAddr> data;
    std::vector<uint8_t> rim;
  };
  static constexpr uint64_t kRamIpa = 0x1000'0000;
  static constexpr uint64_t kChannelIpa = 0x2000'0000;
  BuiltRealm build_realm(unsigned pages = 2, unsigned recs = 1, uint8_t fill = 0x5A, RealmParams params = {});
  SmcResult bind(const Realm& realm, PhysAddr wf, uint32_t component) {
    return mica_rmi(MicaRmiCommand::kRealmBind, realm.rd.value(), wf.value(), component);
  }
  uint64_t activate(const Realm& realm) { return rmi(RmiCommand::kRealmActivate, realm.rd.value()).x[0]; }
  MicaRealmInfo mica_realm(const Realm& realm);
  // REC_DESTROY, DATA_DESTROY and RTT_DESTROY of everything build_realm
  // made, then REALM_DESTROY (asserts success; shares must be unmapped).
  void destroy_realm(const BuiltRealm& built);

  // --- Shares ---
  // A SHARED granule of `channel` (asserts success); the page index it got.
  PhysAddr create_share(PhysAddr wf, uint32_t channel, uint64_t* page = nullptr);
  SmcResult share_map(const Realm& realm, PhysAddr share, uint64_t ipa, bool write) {
    return mica_rmi(MicaRmiCommand::kShareMap, realm.rd.value(), share.value(), ipa, write ? abi::kShareMapWrite : 0);
  }
  SmcResult share_unmap(const Realm& realm, uint64_t ipa) {
    return mica_rmi(MicaRmiCommand::kShareUnmap, realm.rd.value(), ipa);
  }
  // The L3 descriptor mapping ipa, as stored (white box).
  uint64_t stored_descriptor(const Realm& realm, uint64_t ipa);

  // --- Refusals ---
  MicaSnapshot mica_snapshot();
  void expect_same_mica(const MicaSnapshot& before, const MicaSnapshot& after);
  // Issues the Mica call, checks X0 and that nothing changed.
  SmcResult expect_mica_refused(uint64_t expected_x0, MicaRmiCommand command, uint64_t x1 = 0, uint64_t x2 = 0,
                                uint64_t x3 = 0, uint64_t x4 = 0);
  // The same for an RMM core command.
  SmcResult expect_core_refused(uint64_t expected_x0, RmiCommand command, uint64_t x1 = 0, uint64_t x2 = 0,
                                uint64_t x3 = 0, uint64_t x4 = 0, uint64_t x5 = 0);
};

}  // namespace mica::monitor::testing
