#include "host/rmi_client.h"

#include <stdexcept>

#include "host/result.h"

namespace mica::host {
namespace {

struct CommandInfo {
  abi::RmiCommand command;
  std::string_view name;
  std::array<std::string_view, 5> args;     // names of X1..X5 as the log shows them
  std::array<std::string_view, 4> outputs;  // names of X1..X4
};

using C = abi::RmiCommand;
constexpr CommandInfo kCommands[] = {
    {C::kVersion, "RMI_VERSION", {"requested"}, {"lower", "higher"}},
    {C::kGranuleDelegate, "RMI_GRANULE_DELEGATE", {"addr"}, {}},
    {C::kGranuleUndelegate, "RMI_GRANULE_UNDELEGATE", {"addr"}, {}},
    {C::kDataCreate, "RMI_DATA_CREATE", {"rd", "data", "ipa", "src", "flags"}, {}},
    {C::kDataCreateUnknown, "RMI_DATA_CREATE_UNKNOWN", {"rd", "data", "ipa"}, {}},
    {C::kDataDestroy, "RMI_DATA_DESTROY", {"rd", "ipa"}, {"data", "top"}},
    {C::kRealmActivate, "RMI_REALM_ACTIVATE", {"rd"}, {}},
    {C::kRealmCreate, "RMI_REALM_CREATE", {"rd", "params"}, {}},
    {C::kRealmDestroy, "RMI_REALM_DESTROY", {"rd"}, {}},
    {C::kRecCreate, "RMI_REC_CREATE", {"rd", "rec", "params"}, {}},
    {C::kRecDestroy, "RMI_REC_DESTROY", {"rec"}, {}},
    {C::kRecEnter, "RMI_REC_ENTER", {"rec", "run"}, {}},
    {C::kRttCreate, "RMI_RTT_CREATE", {"rd", "rtt", "ipa", "level"}, {}},
    {C::kRttDestroy, "RMI_RTT_DESTROY", {"rd", "ipa", "level"}, {"rtt", "top"}},
    {C::kRttMapUnprotected, "RMI_RTT_MAP_UNPROTECTED", {"rd", "ipa", "level", "desc"}, {}},
    {C::kRttReadEntry, "RMI_RTT_READ_ENTRY", {"rd", "ipa", "level"}, {"walk_level", "state", "desc", "ripas"}},
    {C::kRttUnmapUnprotected, "RMI_RTT_UNMAP_UNPROTECTED", {"rd", "ipa", "level"}, {"top"}},
    {C::kPsciComplete, "RMI_PSCI_COMPLETE", {"calling_rec", "target_rec", "status"}, {}},
    {C::kFeatures, "RMI_FEATURES", {"index"}, {"value"}},
    {C::kRttFold, "RMI_RTT_FOLD", {"rd", "ipa", "level"}, {"rtt"}},
    {C::kRecAuxCount, "RMI_REC_AUX_COUNT", {"rd"}, {"aux_count"}},
    {C::kRttInitRipas, "RMI_RTT_INIT_RIPAS", {"rd", "base", "top"}, {"next"}},
    {C::kRttSetRipas, "RMI_RTT_SET_RIPAS", {"rd", "rec", "base", "top"}, {"next"}},
};

const CommandInfo& info(abi::RmiCommand command) {
  for (const CommandInfo& c : kCommands) {
    if (c.command == command) return c;
  }
  throw std::invalid_argument("unknown RMI command " + hex(static_cast<uint16_t>(command)));
}

std::string_view status_name(abi::RmiStatus status) {
  switch (status) {
    case abi::RmiStatus::kSuccess: return "RMI_SUCCESS";
    case abi::RmiStatus::kErrorInput: return "RMI_ERROR_INPUT";
    case abi::RmiStatus::kErrorRealm: return "RMI_ERROR_REALM";
    case abi::RmiStatus::kErrorRec: return "RMI_ERROR_REC";
    case abi::RmiStatus::kErrorRtt: return "RMI_ERROR_RTT";
  }
  return {};
}

// Levels are signed (-1 with LPA2) but travel as 64-bit registers.
uint64_t level_arg(int level) { return static_cast<uint64_t>(static_cast<int64_t>(level)); }

}  // namespace

std::string_view rmi_command_name(abi::RmiCommand command) { return info(command).name; }

std::string RmiStatusWord::to_string() const {
  if (unknown_function()) return "SMC_UNKNOWN";
  const std::string_view name = status_name(status());
  if (name.empty() || (raw_ >> 16) != 0) return "invalid status " + hex(raw_);
  std::string text(name);
  if (index() != 0 || status() == abi::RmiStatus::kErrorRtt) {
    text += "(" + std::to_string(static_cast<int8_t>(index())) + ")";  // RTT level -1 travels as 0xFF
  }
  return text;
}

std::string RmiCallRecord::to_string() const {
  const CommandInfo& c = info(command);
  std::string text(c.name);
  for (unsigned i = 0; i < arg_count; ++i) text += " " + std::string(c.args[i]) + "=" + hex(args.x[i + 1]);
  text += " -> " + RmiStatusWord(result.x[0]).to_string();
  for (unsigned i = 0; i < output_count; ++i) text += " " + std::string(c.outputs[i]) + "=" + hex(result.x[i + 1]);
  return text;
}

RmiClient::RmiClient(SmcFunction smc) : smc_(std::move(smc)) {
  if (!smc_) throw std::invalid_argument("RmiClient needs an SMC function");
}

SmcResult RmiClient::call(abi::RmiCommand command, std::initializer_list<uint64_t> args, unsigned output_count) {
  RmiCallRecord record{command, {}, static_cast<unsigned>(args.size()), {}, 0};
  record.args.x[0] = abi::rmi_fid(command);
  unsigned i = 1;
  for (uint64_t a : args) record.args.x[i++] = a;
  record.result = smc_(record.args);
  // Outputs are defined only on success (a few commands also report on ERROR_RTT; callers read out anyway).
  record.output_count = output_count;
  ++calls_made_;
  if (observer_) observer_(record);
  if (logging_) log_.push_back(record);
  last_ = record;
  return record.result;
}

SmcResult RmiClient::mica(abi::MicaRmiCommand command, std::initializer_list<uint64_t> args) {
  SmcArgs smc_args{};
  smc_args.x[0] = abi::mica_rmi_fid(command);
  unsigned i = 1;
  for (uint64_t a : args) {
    if (i < std::size(smc_args.x)) smc_args.x[i++] = a;
  }
  ++calls_made_;
  ++mica_calls_[static_cast<uint16_t>(command) - abi::kMicaRmiFunctionFirst];
  return smc_(smc_args);
}

uint64_t RmiClient::mica_calls(abi::MicaRmiCommand command) const {
  return mica_calls_[static_cast<uint16_t>(command) - abi::kMicaRmiFunctionFirst];
}

RmiResult<VersionOutputs> RmiClient::version(uint64_t requested) {
  const SmcResult r = call(C::kVersion, {requested}, 2);
  return {RmiStatusWord(r.x[0]), {r.x[1], r.x[2]}};
}

RmiResult<ValueOutputs> RmiClient::features(uint64_t index) {
  const SmcResult r = call(C::kFeatures, {index}, 1);
  return {RmiStatusWord(r.x[0]), {r.x[1]}};
}

RmiResult<NoOutputs> RmiClient::granule_delegate(PhysAddr pa) {
  return {RmiStatusWord(call(C::kGranuleDelegate, {pa.value()}, 0).x[0]), {}};
}

RmiResult<NoOutputs> RmiClient::granule_undelegate(PhysAddr pa) {
  return {RmiStatusWord(call(C::kGranuleUndelegate, {pa.value()}, 0).x[0]), {}};
}

RmiResult<NoOutputs> RmiClient::realm_create(PhysAddr rd, PhysAddr params) {
  return {RmiStatusWord(call(C::kRealmCreate, {rd.value(), params.value()}, 0).x[0]), {}};
}

RmiResult<NoOutputs> RmiClient::realm_activate(PhysAddr rd) {
  return {RmiStatusWord(call(C::kRealmActivate, {rd.value()}, 0).x[0]), {}};
}

RmiResult<NoOutputs> RmiClient::realm_destroy(PhysAddr rd) {
  return {RmiStatusWord(call(C::kRealmDestroy, {rd.value()}, 0).x[0]), {}};
}

RmiResult<NoOutputs> RmiClient::rec_create(PhysAddr rd, PhysAddr rec, PhysAddr params) {
  return {RmiStatusWord(call(C::kRecCreate, {rd.value(), rec.value(), params.value()}, 0).x[0]), {}};
}

RmiResult<NoOutputs> RmiClient::rec_destroy(PhysAddr rec) {
  return {RmiStatusWord(call(C::kRecDestroy, {rec.value()}, 0).x[0]), {}};
}

RmiResult<ValueOutputs> RmiClient::rec_aux_count(PhysAddr rd) {
  const SmcResult r = call(C::kRecAuxCount, {rd.value()}, 1);
  return {RmiStatusWord(r.x[0]), {r.x[1]}};
}

RmiResult<NoOutputs> RmiClient::rec_enter(PhysAddr rec, PhysAddr run) {
  return {RmiStatusWord(call(C::kRecEnter, {rec.value(), run.value()}, 0).x[0]), {}};
}

RmiResult<NoOutputs> RmiClient::psci_complete(PhysAddr calling_rec, PhysAddr target_rec, abi::RmiPsciStatus status) {
  const uint64_t status_arg = static_cast<uint64_t>(static_cast<int64_t>(status));
  return {RmiStatusWord(call(C::kPsciComplete, {calling_rec.value(), target_rec.value(), status_arg}, 0).x[0]), {}};
}

RmiResult<NoOutputs> RmiClient::data_create(PhysAddr rd, PhysAddr data, Ipa ipa, PhysAddr src,
                                            abi::RmiDataFlags flags) {
  const SmcResult r = call(C::kDataCreate,
                           {rd.value(), data.value(), ipa.value(), src.value(), static_cast<uint64_t>(flags)}, 0);
  return {RmiStatusWord(r.x[0]), {}};
}

RmiResult<NoOutputs> RmiClient::data_create_unknown(PhysAddr rd, PhysAddr data, Ipa ipa) {
  return {RmiStatusWord(call(C::kDataCreateUnknown, {rd.value(), data.value(), ipa.value()}, 0).x[0]), {}};
}

RmiResult<FreedGranuleOutputs> RmiClient::data_destroy(PhysAddr rd, Ipa ipa) {
  const SmcResult r = call(C::kDataDestroy, {rd.value(), ipa.value()}, 2);
  return {RmiStatusWord(r.x[0]), {PhysAddr(r.x[1]), r.x[2]}};
}

RmiResult<NoOutputs> RmiClient::rtt_create(PhysAddr rd, PhysAddr rtt, Ipa ipa, int level) {
  return {RmiStatusWord(call(C::kRttCreate, {rd.value(), rtt.value(), ipa.value(), level_arg(level)}, 0).x[0]), {}};
}

RmiResult<FreedGranuleOutputs> RmiClient::rtt_destroy(PhysAddr rd, Ipa ipa, int level) {
  const SmcResult r = call(C::kRttDestroy, {rd.value(), ipa.value(), level_arg(level)}, 2);
  return {RmiStatusWord(r.x[0]), {PhysAddr(r.x[1]), r.x[2]}};
}

RmiResult<FoldOutputs> RmiClient::rtt_fold(PhysAddr rd, Ipa ipa, int level) {
  const SmcResult r = call(C::kRttFold, {rd.value(), ipa.value(), level_arg(level)}, 1);
  return {RmiStatusWord(r.x[0]), {PhysAddr(r.x[1])}};
}

RmiResult<NoOutputs> RmiClient::rtt_map_unprotected(PhysAddr rd, Ipa ipa, int level, uint64_t desc) {
  const SmcResult r = call(C::kRttMapUnprotected, {rd.value(), ipa.value(), level_arg(level), desc}, 0);
  return {RmiStatusWord(r.x[0]), {}};
}

RmiResult<TopOutputs> RmiClient::rtt_unmap_unprotected(PhysAddr rd, Ipa ipa, int level) {
  const SmcResult r = call(C::kRttUnmapUnprotected, {rd.value(), ipa.value(), level_arg(level)}, 1);
  return {RmiStatusWord(r.x[0]), {r.x[1]}};
}

RmiResult<RttEntryOutputs> RmiClient::rtt_read_entry(PhysAddr rd, Ipa ipa, int level) {
  const SmcResult r = call(C::kRttReadEntry, {rd.value(), ipa.value(), level_arg(level)}, 4);
  RttEntryOutputs out;
  out.level = static_cast<int>(static_cast<int64_t>(r.x[1]));
  out.state = static_cast<abi::RmiRttEntryState>(r.x[2]);
  out.desc = r.x[3];
  out.ripas = static_cast<abi::Ripas>(r.x[4]);
  return {RmiStatusWord(r.x[0]), out};
}

RmiResult<NextIpaOutputs> RmiClient::rtt_init_ripas(PhysAddr rd, Ipa base, Ipa top) {
  const SmcResult r = call(C::kRttInitRipas, {rd.value(), base.value(), top.value()}, 1);
  return {RmiStatusWord(r.x[0]), {r.x[1]}};
}

RmiResult<NextIpaOutputs> RmiClient::rtt_set_ripas(PhysAddr rd, PhysAddr rec, Ipa base, Ipa top) {
  const SmcResult r = call(C::kRttSetRipas, {rd.value(), rec.value(), base.value(), top.value()}, 1);
  return {RmiStatusWord(r.x[0]), {r.x[1]}};
}

}  // namespace mica::host
