// The RMI command table: one slot per function number 0x150..0x169.
#include <array>

#include "rmi/handlers.h"

namespace mica::monitor::rmi {

namespace {

struct Command {
  Handler handler = nullptr;  // null: an unused slot (SMC_UNKNOWN)
  uint8_t outputs = 0;        // how many of X1..X4 the command produces
  // Set with the handler. Counted instead of comparing function addresses,
  // which GCC does not treat as constant under -fsanitize=undefined.
  bool defined = false;
};

constexpr unsigned slot_of(abi::RmiCommand command) {
  return static_cast<unsigned>(command) - abi::kRmiFunctionFirst;
}

constexpr std::array<Command, abi::kRmiSlotCount> make_table() {
  using C = abi::RmiCommand;
  std::array<Command, abi::kRmiSlotCount> table{};
  auto put = [&table](C command, Handler handler, uint8_t outputs) {
    table[slot_of(command)] = Command{handler, outputs, true};
  };
  put(C::kVersion, rmi_version, 2);
  put(C::kGranuleDelegate, rmi_granule_delegate, 0);
  put(C::kGranuleUndelegate, rmi_granule_undelegate, 0);
  put(C::kDataCreate, rmi_data_create, 0);
  put(C::kDataCreateUnknown, rmi_data_create_unknown, 0);
  put(C::kDataDestroy, rmi_data_destroy, 2);
  put(C::kRealmActivate, rmi_realm_activate, 0);
  put(C::kRealmCreate, rmi_realm_create, 0);
  put(C::kRealmDestroy, rmi_realm_destroy, 0);
  put(C::kRecCreate, rmi_rec_create, 0);
  put(C::kRecDestroy, rmi_rec_destroy, 0);
  put(C::kRecEnter, rmi_rec_enter, 0);
  put(C::kRttCreate, rmi_rtt_create, 0);
  put(C::kRttDestroy, rmi_rtt_destroy, 2);
  put(C::kRttMapUnprotected, rmi_rtt_map_unprotected, 0);
  put(C::kRttReadEntry, rmi_rtt_read_entry, 4);
  put(C::kRttUnmapUnprotected, rmi_rtt_unmap_unprotected, 1);
  put(C::kPsciComplete, rmi_psci_complete, 0);
  put(C::kFeatures, rmi_features, 1);
  put(C::kRttFold, rmi_rtt_fold, 1);
  put(C::kRecAuxCount, rmi_rec_aux_count, 1);
  put(C::kRttInitRipas, rmi_rtt_init_ripas, 1);
  put(C::kRttSetRipas, rmi_rtt_set_ripas, 1);
  return table;
}

constexpr std::array<Command, abi::kRmiSlotCount> kCommands = make_table();
static_assert(kCommands.size() == 26, "RMI 1.0 has 26 slots, 0x150..0x169");

constexpr unsigned used_slots() {
  unsigned n = 0;
  for (const Command& c : kCommands) n += c.defined ? 1 : 0;
  return n;
}
static_assert(used_slots() == 23, "RMI 1.0 defines 23 commands");

}  // namespace

SmcResult dispatch(Context& ctx, const SmcArgs& args) {
  SmcResult result;
  // The FID is W0; the SVE hint (bit 16) only says the caller has no live SVE state.
  const uint32_t fid = static_cast<uint32_t>(args.x[0]) & ~abi::kFidSveHint;
  const uint32_t function = fid & abi::kFidFunctionMask;
  const bool is_rmi = (fid & ~abi::kFidFunctionMask) == abi::kStandardSmc64Prefix &&
                      function >= abi::kRmiFunctionFirst && function <= abi::kRmiFunctionLast;
  const Command* command = is_rmi ? &kCommands[function - abi::kRmiFunctionFirst] : nullptr;
  if (command == nullptr || command->handler == nullptr) {
    result.x[0] = abi::kSmcUnknownFunction;
    return result;
  }
  Outputs out;
  const Status status = command->handler(ctx, args, out);
  result.x[0] = status.word();
  if (status.unknown_function) return result;
  result.x[1] = out.x1;
  result.x[2] = out.x2;
  result.x[3] = out.x3;
  result.x[4] = command->outputs == 4 ? out.x4 : args.x[4];
  return result;
}

}  // namespace mica::monitor::rmi
