// The host's typed view of RMI: one method per RMI 1.0 command, each
// building the SMC register file from typed arguments, issuing it through the
// machine's EL3 entry, and decoding X0 (status and index) and the outputs the
// command defines. Every call is recorded (command, arguments, status,
// outputs) so that a demo or a failing test can show exactly what the host
// asked and what the monitor answered.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/abi/mica.h"
#include "monitor/abi/rmi.h"
#include "monitor/types.h"

namespace mica::host {

namespace abi = monitor::abi;
using monitor::Ipa;
using monitor::PhysAddr;
using monitor::SmcArgs;
using monitor::SmcResult;

using SmcFunction = std::function<SmcResult(const SmcArgs&)>;

std::string_view rmi_command_name(abi::RmiCommand command);  // "RMI_DATA_CREATE"

// X0 of an RMI call: RmiCommandReturnCode (status | index << 8), or
// SMC_UNKNOWN if the monitor does not implement the function.
class RmiStatusWord {
 public:
  constexpr RmiStatusWord() = default;
  constexpr explicit RmiStatusWord(uint64_t x0) : raw_(x0) {}
  constexpr uint64_t raw() const { return raw_; }
  constexpr bool ok() const { return raw_ == 0; }
  constexpr bool unknown_function() const { return raw_ == monitor::kSmcUnknown; }
  constexpr abi::RmiStatus status() const { return abi::rmi_status_of(raw_); }
  constexpr uint8_t index() const { return abi::rmi_index_of(raw_); }
  // "RMI_SUCCESS", "RMI_ERROR_RTT(2)", "SMC_UNKNOWN", "invalid status 0x..."
  std::string to_string() const;
  friend constexpr bool operator==(RmiStatusWord, RmiStatusWord) = default;

 private:
  uint64_t raw_ = 0;
};

template <class Outputs>
struct RmiResult {
  RmiStatusWord status;
  Outputs out{};
  bool ok() const { return status.ok(); }
};
struct NoOutputs {};

struct VersionOutputs { uint64_t lower = 0, higher = 0; };
struct FreedGranuleOutputs { PhysAddr pa; uint64_t top = 0; };  // DATA_DESTROY, RTT_DESTROY
struct RttEntryOutputs {
  int level = 0;
  abi::RmiRttEntryState state = abi::RmiRttEntryState::kUnassigned;
  uint64_t desc = 0;
  abi::Ripas ripas = abi::Ripas::kEmpty;
};
struct TopOutputs { uint64_t top = 0; };        // UNMAP_UNPROTECTED
struct NextIpaOutputs { uint64_t next = 0; };   // INIT_RIPAS, SET_RIPAS: IPA reached (exclusive)
struct ValueOutputs { uint64_t value = 0; };    // FEATURES, REC_AUX_COUNT
struct FoldOutputs { PhysAddr rtt; };

// One call as it crossed the SMC boundary.
struct RmiCallRecord {
  abi::RmiCommand command;
  SmcArgs args;             // x[0] = FID
  unsigned arg_count = 0;   // meaningful arguments in x[1..]
  SmcResult result;         // x[0] = status word
  unsigned output_count = 0;
  std::string to_string() const;  // "RMI_DATA_CREATE rd=0x... ... -> RMI_SUCCESS"
};

class RmiClient {
 public:
  explicit RmiClient(SmcFunction smc);

  // --- the RMI 1.0 commands ---
  RmiResult<VersionOutputs> version(uint64_t requested = abi::kRmiVersion_1_0);
  RmiResult<ValueOutputs> features(uint64_t index);
  RmiResult<NoOutputs> granule_delegate(PhysAddr pa);
  RmiResult<NoOutputs> granule_undelegate(PhysAddr pa);
  RmiResult<NoOutputs> realm_create(PhysAddr rd, PhysAddr params);
  RmiResult<NoOutputs> realm_activate(PhysAddr rd);
  RmiResult<NoOutputs> realm_destroy(PhysAddr rd);
  RmiResult<NoOutputs> rec_create(PhysAddr rd, PhysAddr rec, PhysAddr params);
  RmiResult<NoOutputs> rec_destroy(PhysAddr rec);
  RmiResult<ValueOutputs> rec_aux_count(PhysAddr rd);
  RmiResult<NoOutputs> rec_enter(PhysAddr rec, PhysAddr run);
  RmiResult<NoOutputs> psci_complete(PhysAddr calling_rec, PhysAddr target_rec, abi::RmiPsciStatus status);
  RmiResult<NoOutputs> data_create(PhysAddr rd, PhysAddr data, Ipa ipa, PhysAddr src, abi::RmiDataFlags flags);
  RmiResult<NoOutputs> data_create_unknown(PhysAddr rd, PhysAddr data, Ipa ipa);
  RmiResult<FreedGranuleOutputs> data_destroy(PhysAddr rd, Ipa ipa);
  RmiResult<NoOutputs> rtt_create(PhysAddr rd, PhysAddr rtt, Ipa ipa, int level);
  RmiResult<FreedGranuleOutputs> rtt_destroy(PhysAddr rd, Ipa ipa, int level);
  RmiResult<FoldOutputs> rtt_fold(PhysAddr rd, Ipa ipa, int level);
  RmiResult<NoOutputs> rtt_map_unprotected(PhysAddr rd, Ipa ipa, int level, uint64_t desc);
  RmiResult<TopOutputs> rtt_unmap_unprotected(PhysAddr rd, Ipa ipa, int level);
  RmiResult<RttEntryOutputs> rtt_read_entry(PhysAddr rd, Ipa ipa, int level);
  RmiResult<NextIpaOutputs> rtt_init_ripas(PhysAddr rd, Ipa base, Ipa top);
  RmiResult<NextIpaOutputs> rtt_set_ripas(PhysAddr rd, PhysAddr rec, Ipa base, Ipa top);

  // Mica's host commands (docs/abi.md), raw: X0 is the status word, X1..
  // the outputs. Counted in calls_made() and per command, not logged.
  SmcResult mica(abi::MicaRmiCommand command, std::initializer_list<uint64_t> args);
  uint64_t mica_calls(abi::MicaRmiCommand command) const;

  // --- the call log ---
  const std::vector<RmiCallRecord>& log() const { return log_; }
  void clear_log() { log_.clear(); }
  // Off: calls are not kept (a realm with a large RAM makes thousands).
  void set_logging(bool enabled) { logging_ = enabled; }
  // Called after every call, logged or not (e.g. to print as the demo goes).
  void set_observer(std::function<void(const RmiCallRecord&)> observer) { observer_ = std::move(observer); }
  uint64_t calls_made() const { return calls_made_; }
  // The most recent call, kept even when logging is off (for error messages).
  const RmiCallRecord& last_call() const { return last_; }

 private:
  SmcResult call(abi::RmiCommand command, std::initializer_list<uint64_t> args, unsigned output_count);

  SmcFunction smc_;
  std::array<uint64_t, abi::kMicaRmiSlotCount> mica_calls_{};
  std::vector<RmiCallRecord> log_;
  bool logging_ = true;
  std::function<void(const RmiCallRecord&)> observer_;
  uint64_t calls_made_ = 0;
  RmiCallRecord last_{abi::RmiCommand::kVersion, {}, 0, {}, 0};
};

}  // namespace mica::host
