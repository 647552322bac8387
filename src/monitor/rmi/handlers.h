// RMI command handlers. Each one decodes and validates every argument
// before it changes anything, in the order the specification checks them
// (which fixes the error priority), then commits changes that cannot fail.
#pragma once

#include <cstdint>

#include "monitor/abi/rmi.h"
#include "monitor/granule_table.h"
#include "monitor/platform.h"
#include "monitor/realm_run.h"
#include "monitor/types.h"
#include "monitor/vmid_set.h"

namespace mica::monitor::rmi {

// Everything a handler may use: the platform and the monitor's global state.
struct Context {
  PlatformInterface& platform;
  GranuleTable& granules;
  VmidSet& vmids;
  // Mica's RSI commands, served while a REC runs (null: none).
  const RsiExtension* rsi_extension = nullptr;
};

// X0 of an RMI result.
struct Status {
  abi::RmiStatus code;
  uint8_t index;
  bool unknown_function = false;  // answer SMC_UNKNOWN instead of an RMI status
  constexpr uint64_t word() const {
    return unknown_function ? abi::kSmcUnknownFunction : abi::rmi_status_word(code, index);
  }
  constexpr bool ok() const { return !unknown_function && code == abi::RmiStatus::kSuccess; }
};
constexpr Status success() { return {abi::RmiStatus::kSuccess, 0}; }
constexpr Status error_input() { return {abi::RmiStatus::kErrorInput, 0}; }
constexpr Status error_realm(uint8_t index = 0) { return {abi::RmiStatus::kErrorRealm, index}; }
constexpr Status error_rec() { return {abi::RmiStatus::kErrorRec, 0}; }
constexpr Status unknown_function() { return {abi::RmiStatus::kSuccess, 0, true}; }
// The index is the RTT level, as a byte (level -1 would read 0xFF).
constexpr Status error_rtt(int level) { return {abi::RmiStatus::kErrorRtt, static_cast<uint8_t>(level)}; }

// X1..X4 of an RMI result. Zero unless the handler produces them; the
// dispatcher returns the caller's X4 for commands with fewer than 4 outputs.
struct Outputs {
  uint64_t x1 = 0;
  uint64_t x2 = 0;
  uint64_t x3 = 0;
  uint64_t x4 = 0;
};

using Handler = Status (*)(Context&, const SmcArgs&, Outputs&);

// Values of the emulated PE that RMI_FEATURES reports and REALM_CREATE checks against.
struct PlatformFeatures {
  uint8_t pa_bits;          // also the largest s2sz
  bool lpa2;
  bool sve;
  uint8_t sve_max_vl;       // VQ - 1
  uint8_t num_bps;          // breakpoints - 1 (ID_AA64DFR0_EL1.BRPs)
  uint8_t num_wps;          // watchpoints - 1
  bool pmu;
  uint8_t pmu_num_ctrs;
  bool hpmn0;
  uint8_t gicv3_num_lrs;    // list registers - 1
};
const PlatformFeatures& platform_features();
uint64_t feature_register0();

Status rmi_version(Context&, const SmcArgs&, Outputs&);
Status rmi_features(Context&, const SmcArgs&, Outputs&);
Status rmi_granule_delegate(Context&, const SmcArgs&, Outputs&);
Status rmi_granule_undelegate(Context&, const SmcArgs&, Outputs&);
Status rmi_realm_create(Context&, const SmcArgs&, Outputs&);
Status rmi_realm_activate(Context&, const SmcArgs&, Outputs&);
Status rmi_realm_destroy(Context&, const SmcArgs&, Outputs&);
Status rmi_rec_create(Context&, const SmcArgs&, Outputs&);
Status rmi_rec_destroy(Context&, const SmcArgs&, Outputs&);
Status rmi_rec_aux_count(Context&, const SmcArgs&, Outputs&);
// REC_ENTER runs the REC and handles its exits (rmi/rec_enter.cpp, core/exit.cpp, rsi/).
Status rmi_rec_enter(Context&, const SmcArgs&, Outputs&);
Status rmi_psci_complete(Context&, const SmcArgs&, Outputs&);
Status rmi_rtt_create(Context&, const SmcArgs&, Outputs&);
Status rmi_rtt_destroy(Context&, const SmcArgs&, Outputs&);
Status rmi_rtt_fold(Context&, const SmcArgs&, Outputs&);
Status rmi_rtt_read_entry(Context&, const SmcArgs&, Outputs&);
Status rmi_rtt_map_unprotected(Context&, const SmcArgs&, Outputs&);
Status rmi_rtt_unmap_unprotected(Context&, const SmcArgs&, Outputs&);
Status rmi_rtt_init_ripas(Context&, const SmcArgs&, Outputs&);
Status rmi_rtt_set_ripas(Context&, const SmcArgs&, Outputs&);
Status rmi_data_create(Context&, const SmcArgs&, Outputs&);
Status rmi_data_create_unknown(Context&, const SmcArgs&, Outputs&);
Status rmi_data_destroy(Context&, const SmcArgs&, Outputs&);

// Runs one RMI call: decodes the FID, dispatches through the command table,
// packs the result (X0 status, unproduced X1..X3 zero, X4 preserved).
SmcResult dispatch(Context& ctx, const SmcArgs& args);

}  // namespace mica::monitor::rmi
