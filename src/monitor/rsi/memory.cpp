// RSI_IPA_STATE_SET and RSI_IPA_STATE_GET: the realm asks the host to change
// the RIPAS of a range, and reads it.
#include "monitor/abi/rsi.h"
#include "realm/realm_descriptor.h"
#include "rsi/rsi.h"
#include "s2tt/descriptor.h"
#include "s2tt/rtt.h"

namespace mica::monitor::rsi {

namespace {

constexpr uint64_t status(abi::RsiStatus s) { return static_cast<uint64_t>(s); }

bool aligned(uint64_t addr) { return (addr & (kGranuleSize - 1)) == 0; }

// Entries with a RIPAS: every protected entry (assigned or not, including a
// Mica shared page, which is RAM); not tables or unprotected entries.
bool has_ripas(s2tt::EntryState state) {
  return s2tt::is_unassigned(state) || s2tt::is_assigned_protected(state) ||
         state == s2tt::EntryState::kAssignedShared;
}

}  // namespace

void ipa_state_set(RecRun& run, Result& result) {
  const RealmCpuContext& cpu = run.rec.cpu;
  const uint64_t base = cpu.x[1];
  const uint64_t top = cpu.x[2];
  const uint64_t ripas = cpu.x[3];
  const bool change_destroyed = cpu.x[4] == abi::kRsiChangeDestroyed;
  // [base, top) must be a non-empty, granule-aligned range inside the PAR.
  if (ripas > static_cast<uint64_t>(abi::Ripas::kRam) || !aligned(base) || !aligned(top) || top <= base ||
      top > run.realm.par_size()) {
    result.returns(status(abi::RsiStatus::kErrorInput));
    return;
  }
  const auto value = static_cast<abi::Ripas>(ripas);
  run.rec.ripas = RipasChangeRequest{Ipa(base), Ipa(top), Ipa(base), value, change_destroyed,
                                     abi::RmiResponse::kAccept};
  run.exit.reason = abi::RmiRecExitReason::kRipasChange;
  run.exit.ripas_base = base;
  run.exit.ripas_top = top;
  run.exit.ripas_value = static_cast<uint8_t>(value);
  // X0/X1 now; the next REC_ENTER overwrites them with the host's answer.
  result.action = Action::kReturnAndExit;
  result.x[0] = status(abi::RsiStatus::kSuccess);
  result.x[1] = top;
}

void ipa_state_get(RecRun& run, Result& result) {
  const uint64_t start = run.rec.cpu.x[1];
  const uint64_t end = run.rec.cpu.x[2];
  if (!aligned(start) || !run.realm.in_par(start) || !aligned(end) || end <= start ||
      !run.realm.in_par(end - 1)) {
    result.returns(status(abi::RsiStatus::kErrorInput));
    return;
  }
  GranuleLock rd_lock = run.granules.lock_owned(run.realm.rd, GranuleState::kRd);
  const s2tt::RttWalk where = s2tt::walk(run.granules, rd_lock.as<RealmDescriptor>(), Ipa(start),
                                         abi::kRttPageLevel);
  // Scan the table the walk reached from start's entry: the region ends at
  // the first entry with another RIPAS (or none), at end, or with the table.
  const uint64_t step = s2tt::map_size(where.level);
  const uint64_t first = s2tt::align_down(Ipa(start), where.level).value();
  uint64_t addr = first;
  abi::Ripas ripas = abi::Ripas::kEmpty;
  for (unsigned index = where.index; index < abi::kRttEntriesPerTable && addr < end; ++index) {
    const s2tt::EntryState state = where.rtt().get(index).state(where.level);
    if (!has_ripas(state)) break;
    const abi::Ripas entry_ripas = s2tt::ripas_of(state);  // ASSIGNED/RAM reads as RAM
    if (addr != first && entry_ripas != ripas) break;
    ripas = entry_ripas;
    addr += step;
  }
  if (addr == first) {
    result.returns(status(abi::RsiStatus::kErrorInput));
    return;
  }
  result.x[1] = addr < end ? addr : end;
  result.x[2] = static_cast<uint64_t>(ripas);
  result.returns(status(abi::RsiStatus::kSuccess));
}

}  // namespace mica::monitor::rsi
