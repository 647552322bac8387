// RSI_HOST_CALL: the realm passes an immediate and 31 registers to the host
// in an RsiHostCall in its own memory; the host's answer is written back
// into that structure by the next REC_ENTER.
#include "core/bytes.h"
#include "monitor/abi/rsi.h"
#include "realm/realm_memory.h"
#include "rsi/rsi.h"

namespace mica::monitor::rsi {

namespace {

namespace hc = abi::host_call;

// The RsiHostCall's page and its offset in it.
Ipa page_of(Ipa ipa) { return Ipa(ipa.value() & ~(kGranuleSize - 1)); }
uint64_t offset_in_page(Ipa ipa) { return ipa.value() & (kGranuleSize - 1); }

}  // namespace

void host_call(RecRun& run, Result& result) {
  const Ipa ipa(run.rec.cpu.x[1]);
  // 256-byte aligned, so the structure never crosses into another page.
  if (!ipa.is_aligned(hc::kSize) || !run.realm.in_par(ipa.value())) {
    result.returns(static_cast<uint64_t>(abi::RsiStatus::kErrorInput));
    return;
  }
  ProtectedPage page = lookup_protected_page(run.granules, run.realm.rd, page_of(ipa));
  if (!page.mapped()) {
    if (page.refused()) {
      result.returns(static_cast<uint64_t>(abi::RsiStatus::kErrorInput));
    } else {
      result.stage2_abort(page.level());
    }
    return;
  }
  const uint8_t* call = page.bytes() + offset_in_page(ipa);
  run.exit.reason = abi::RmiRecExitReason::kHostCall;
  run.exit.imm = load_le<uint32_t>(call + hc::kImm);
  for (unsigned i = 0; i < hc::kGprCount; ++i) {
    run.exit.gprs[i] = load_le<uint64_t>(call + hc::kGprs + i * sizeof(uint64_t));
  }
  run.rec.host_call_pending = true;
  run.rec.host_call_ipa = ipa;
  // The realm's registers stay as they are until the host has answered.
  result.action = Action::kExit;
}

Completion complete_host_call(RecRun& run, const uint64_t (&host_gprs)[abi::rec_run::kGprCount]) {
  RecState& rec = run.rec;
  if (!rec.host_call_pending) return Completion::kDone;
  const Ipa ipa = rec.host_call_ipa;
  ProtectedPage page = lookup_protected_page(run.granules, run.realm.rd, page_of(ipa));
  if (!page.mapped()) {
    if (!page.refused()) {
      // The host unmapped the page meanwhile: it must map it again first.
      emulated_stage2_abort_exit(run, page.level(), ipa.value());
      return Completion::kStage2Abort;
    }
    // The realm gave the page up (RIPAS EMPTY; or it is a channel page,
    // which never holds a call): the results have nowhere to go and are
    // dropped; X0 stays as it was.
    rec.host_call_pending = false;
    return Completion::kDone;
  }
  uint8_t* call = page.bytes() + offset_in_page(ipa);
  for (unsigned i = 0; i < hc::kGprCount; ++i) {
    store_le<uint64_t>(call + hc::kGprs + i * sizeof(uint64_t), host_gprs[i]);
  }
  rec.cpu.x[0] = static_cast<uint64_t>(abi::RsiStatus::kSuccess);
  rec.host_call_pending = false;
  return Completion::kDone;
}

}  // namespace mica::monitor::rsi
