// The RSI command table and the decoding of a realm's SMC function ID.
#include <array>

#include "core/esr.h"
#include "mica/hooks.h"
#include "monitor/abi/rsi.h"
#include "monitor/abi/smccc.h"
#include "rsi/rsi.h"

namespace mica::monitor::rsi {

namespace {

// RSI function numbers 0x190..0x1AF; 1.0 defines the first ten.
constexpr uint16_t kRsiFunctionFirst = 0x190;
constexpr uint16_t kRsiFunctionLast = 0x1AF;
constexpr unsigned kRsiSlotCount = kRsiFunctionLast - kRsiFunctionFirst + 1;  // 32
// PSCI function numbers, SMC32 and SMC64.
constexpr uint16_t kPsciFunctionLast = 0x14;

struct Command {
  Handler handler = nullptr;  // null: SMC_UNKNOWN
  bool defined = false;       // counted at compile time (see rmi/dispatch.cpp)
};

constexpr std::array<Command, kRsiSlotCount> make_table() {
  using C = abi::RsiCommand;
  std::array<Command, kRsiSlotCount> table{};
  auto put = [&table](C command, Handler handler) {
    table[static_cast<unsigned>(command) - kRsiFunctionFirst] = Command{handler, true};
  };
  put(C::kVersion, version);
  put(C::kFeatures, features);
  put(C::kMeasurementRead, measurement_read);
  put(C::kMeasurementExtend, measurement_extend);
  put(C::kAttestTokenInit, attest_token_init);
  put(C::kAttestTokenContinue, attest_token_continue);
  put(C::kRealmConfig, realm_config);
  put(C::kIpaStateSet, ipa_state_set);
  put(C::kIpaStateGet, ipa_state_get);
  put(C::kHostCall, host_call);
  return table;
}

constexpr std::array<Command, kRsiSlotCount> kCommands = make_table();

constexpr unsigned defined_commands() {
  unsigned n = 0;
  for (const Command& c : kCommands) n += c.defined ? 1 : 0;
  return n;
}
static_assert(defined_commands() == 10, "RSI 1.0 defines 10 commands");

// Function ID classes a realm may call.
constexpr bool is_standard_service(uint32_t fid, uint32_t prefix) {
  return (fid & ~abi::kFidFunctionMask) == prefix;
}

void unknown(Result& result) { result.returns(abi::kSmcUnknownFunction); }

// Mica's RSI commands: handled by the extension if one is attached.
void mica_extension(RecRun& run, Result& result, uint32_t fid) {
  if (run.extension == nullptr || run.extension->handle == nullptr) {
    unknown(result);
    return;
  }
  RsiExtensionCall call{fid, run.realm.rd, run.rec_pa, run.rec.cpu.x, {}, &run, RsiExtensionAction::kReturn};
  for (unsigned i = 0; i < 5; ++i) call.result[i] = result.x[i];
  run.extension->handle(run.extension->self, call);
  for (unsigned i = 0; i < 5; ++i) result.x[i] = call.result[i];
  switch (call.action) {
    case RsiExtensionAction::kReturn: result.action = Action::kReturn; break;
    case RsiExtensionAction::kReturnAndExit: result.action = Action::kReturnAndExit; break;
    case RsiExtensionAction::kExitAndRetry: result.action = Action::kRetry; break;
  }
}

void dispatch(RecRun& run, Result& result, uint32_t fid) {
  // A realm bound to a Mica workflow reaches the host only on paths its policy opens.
  if (ext::deny_closed_path(run, fid, result)) return;
  const uint32_t function = fid & abi::kFidFunctionMask;
  if (is_standard_service(fid, abi::kStandardSmc64Prefix) && function >= kRsiFunctionFirst &&
      function <= kRsiFunctionLast) {
    const Command& command = kCommands[function - kRsiFunctionFirst];
    if (command.handler == nullptr) {
      unknown(result);
    } else {
      command.handler(run, result);
    }
  } else if ((is_standard_service(fid, abi::kStandardSmc32Prefix) ||
              is_standard_service(fid, abi::kStandardSmc64Prefix)) &&
             function <= kPsciFunctionLast) {
    psci(run, result, fid);
  } else if (fid == abi::kSmcccVersionFid) {
    smccc_version(run, result);
  } else if (fid >= kMicaRsiFidFirst && fid <= kMicaRsiFidLast) {
    mica_extension(run, result, fid);
  } else {
    unknown(result);
  }
}

}  // namespace

void emulated_stage2_abort_exit(RecRun& run, int level, uint64_t realm_address) {
  namespace ab = esr::abort;
  run.exit.reason = abi::RmiRecExitReason::kSync;
  run.exit.esr = esr::ec_bits(esr::Ec::kDataAbortLowerEl) |
                 ab::kFsc.put(ab::kFscTranslationFaultLevel0 + static_cast<uint64_t>(level));
  run.exit.far = 0;
  // TF-RMM reports the address >> 8 as it is (the page offset bits of an
  // RsiHostCall address land in HPFAR[3:0], which hosts mask off with FIPA).
  run.exit.hpfar = realm_address >> esr::kHpfarFipaToIpaShift;
}

TrapOutcome handle_smc(RecRun& run) {
  RealmCpuContext& cpu = run.rec.cpu;
  Result result;
  result.x[4] = cpu.x[4];
  // The function ID is W0; the SVE hint (bit 16) does not select a function.
  const uint32_t fid = static_cast<uint32_t>(cpu.x[0]) & ~abi::kFidSveHint;
  dispatch(run, result, fid);

  switch (result.action) {
    case Action::kReturn:
    case Action::kReturnAndExit:
      for (unsigned i = 0; i < 5; ++i) cpu.x[i] = result.x[i];
      cpu.pc += 4;
      break;
    case Action::kExit:
      cpu.pc += 4;
      break;
    case Action::kStage2Abort:
      // Every RSI call that reads or writes realm memory takes the IPA in X1.
      emulated_stage2_abort_exit(run, result.walk_level, cpu.x[1]);
      break;
    case Action::kRetry:
      break;
  }
  return result.action == Action::kReturn ? TrapOutcome::kResumeRealm : TrapOutcome::kExitToHost;
}

}  // namespace mica::monitor::rsi
