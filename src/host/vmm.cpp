#include "host/vmm.h"

#include <algorithm>
#include <cstring>

#include "monitor/abi/rsi.h"

namespace mica::host {
namespace {

namespace rr = abi::rec_run;
namespace psci = abi::psci;
using abi::RmiRecExitReason;

constexpr uint64_t kPageSize = kGranuleSize;
constexpr uint64_t kPageOffsetMask = kPageSize - 1;

// --- The syndromes the host reads (ESR_EL2 as RmiRecExit.esr shows it) ----------------------
namespace syndrome {
constexpr uint64_t kEcDataAbort = 0x24;
constexpr uint64_t kEcInstructionAbort = 0x20;
constexpr uint64_t kEcWfx = 0x01;
constexpr uint64_t kEcSysReg = 0x18;
constexpr uint64_t ec(uint64_t esr) { return (esr >> 26) & 0x3F; }
constexpr bool isv(uint64_t esr) { return ((esr >> 24) & 1) != 0; }
constexpr unsigned access_size(uint64_t esr) { return 1u << ((esr >> 22) & 3); }  // SAS
constexpr bool is_write(uint64_t esr) { return ((esr >> 6) & 1) != 0; }           // WnR
constexpr bool wfx_is_wfe(uint64_t esr) { return (esr & 1) != 0; }                // TI
constexpr bool sysreg_is_read(uint64_t esr) { return (esr & 1) != 0; }            // direction
// HPFAR_EL2.FIPA: IPA[51:12] in bits [43:4].
constexpr uint64_t ipa_page_of_hpfar(uint64_t hpfar) { return ((hpfar >> 4) & ((uint64_t{1} << 40) - 1)) << 12; }
}  // namespace syndrome

uint64_t value_mask(unsigned size) { return size >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * size)) - 1; }

uint64_t load_le(const uint8_t* bytes, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) value |= uint64_t{bytes[i]} << (8 * i);
  return value;
}

void store_le(uint8_t* bytes, uint64_t value) {
  for (size_t i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(value >> (8 * i));
}

std::string ripas_name(abi::Ripas ripas) {
  switch (ripas) {
    case abi::Ripas::kEmpty: return "EMPTY";
    case abi::Ripas::kRam: return "RAM";
    case abi::Ripas::kDestroyed: return "DESTROYED";
  }
  return "invalid RIPAS " + dec(static_cast<uint8_t>(ripas));
}

std::string entry_state_name(abi::RmiRttEntryState state) {
  switch (state) {
    case abi::RmiRttEntryState::kUnassigned: return "UNASSIGNED";
    case abi::RmiRttEntryState::kAssigned: return "ASSIGNED";
    case abi::RmiRttEntryState::kTable: return "TABLE";
  }
  return "invalid state " + dec(static_cast<uint8_t>(state));
}

// RMI_RTT_MAP_UNPROTECTED's descriptor: the PA, MemAttr[4:2] and S2AP[7:6].
// MemAttr 0b110 asks for Normal Write-Back memory; S2AP 0b01 is read-only,
// 0b11 read-write.
uint64_t unprotected_descriptor(PhysAddr pa, bool writable) {
  constexpr uint64_t kMemAttrNormalWriteBack = uint64_t{0b110} << 2;
  constexpr uint64_t kS2apReadOnly = uint64_t{0b01} << 6;
  constexpr uint64_t kS2apReadWrite = uint64_t{0b11} << 6;
  return pa.value() | kMemAttrNormalWriteBack | (writable ? kS2apReadWrite : kS2apReadOnly);
}

}  // namespace

// --- Names --------------------------------------------------------------------------------------

std::string_view exit_action_name(ExitAction action) {
  switch (action) {
    case ExitAction::kConsoleWrite: return "console write";
    case ExitAction::kExitStatus: return "exit status";
    case ExitAction::kAttestChallenge: return "attestation challenge given";
    case ExitAction::kAttestTokenChunk: return "attestation token chunk taken";
    case ExitAction::kHostCallRefused: return "host call refused";
    case ExitAction::kMmioRead: return "MMIO read emulated";
    case ExitAction::kMmioWrite: return "MMIO write emulated";
    case ExitAction::kSeaInjected: return "SEA injected";
    case ExitAction::kPagePopulated: return "page populated";
    case ExitAction::kSysRegEmulated: return "GIC register emulated";
    case ExitAction::kWfi: return "WFI (yield)";
    case ExitAction::kWfe: return "WFE (yield)";
    case ExitAction::kPreempted: return "preempted by the host timer";
    case ExitAction::kRipasAccepted: return "RIPAS change accepted";
    case ExitAction::kRipasRejected: return "RIPAS change rejected";
    case ExitAction::kPsciCpuOn: return "PSCI CPU_ON";
    case ExitAction::kPsciAffinityInfo: return "PSCI AFFINITY_INFO";
    case ExitAction::kPsciCpuOff: return "PSCI CPU_OFF";
    case ExitAction::kPsciCpuSuspend: return "PSCI CPU_SUSPEND";
    case ExitAction::kHostCallServed: return "host call served";
    case ExitAction::kSystemOff: return "PSCI SYSTEM_OFF";
    case ExitAction::kSystemReset: return "PSCI SYSTEM_RESET";
    case ExitAction::kRecStopped: return "REC stopped";
    case ExitAction::kRecBusy: return "REC busy in a gate call";
    case ExitAction::kHostError: return "host error";
  }
  return "?";
}

std::string_view exit_reason_name(RmiRecExitReason reason) {
  switch (reason) {
    case RmiRecExitReason::kSync: return "SYNC";
    case RmiRecExitReason::kIrq: return "IRQ";
    case RmiRecExitReason::kFiq: return "FIQ";
    case RmiRecExitReason::kPsci: return "PSCI";
    case RmiRecExitReason::kRipasChange: return "RIPAS_CHANGE";
    case RmiRecExitReason::kHostCall: return "HOST_CALL";
    case RmiRecExitReason::kSerror: return "SERROR";
  }
  return "?";
}

std::string_view vmm_rec_state_name(VmmRecState state) {
  switch (state) {
    case VmmRecState::kOff: return "off";
    case VmmRecState::kRunnable: return "runnable";
    case VmmRecState::kStopped: return "stopped by the host";
  }
  return "?";
}

std::string_view run_end_name(RunEnd end) {
  switch (end) {
    case RunEnd::kSystemOff: return "the realm turned itself off (PSCI SYSTEM_OFF)";
    case RunEnd::kSystemReset: return "the realm asked for a reset (PSCI SYSTEM_RESET)";
    case RunEnd::kNoRunnableRec: return "no REC is runnable";
    case RunEnd::kEntryBudget: return "stopped by the host: REC_ENTER budget spent";
    case RunEnd::kTimerBudget: return "stopped by the host: timer budget spent";
    case RunEnd::kHostError: return "host error";
  }
  return "?";
}

uint64_t VmmExit::ipa() const { return syndrome::ipa_page_of_hpfar(hpfar) | (far & kPageOffsetMask); }

uint64_t RunReport::total_exits() const {
  uint64_t total = 0;
  for (uint64_t n : exits_by_reason) total += n;
  return total;
}

std::string RunReport::summary() const {
  std::string text = "run ended: " + std::string(run_end_name(end));
  if (!end_detail.empty()) text += " (" + end_detail + ")";
  text += "\nexit status: ";
  text += exit_status ? std::to_string(*exit_status) : std::string("none reported");
  text += "\nREC_ENTER calls: " + dec(rec_enters) + ", RMI calls: " + dec(rmi_calls) +
          ", timer exits: " + dec(timer_exits) + ", granules added: " + dec(granules_added) + "\n";
  text += "exits by reason:";
  for (size_t i = 0; i < kExitReasonCount; ++i) {
    if (exits_by_reason[i] == 0) continue;
    text += " " + std::string(exit_reason_name(static_cast<RmiRecExitReason>(i))) + "=" + dec(exits_by_reason[i]);
  }
  text += "\nexits by action:\n";
  for (size_t i = 0; i < kExitActionCount; ++i) {
    if (actions[i] == 0) continue;
    text += "  " + std::string(exit_action_name(static_cast<ExitAction>(i))) + ": " + dec(actions[i]) + "\n";
  }
  if (console_bytes_dropped != 0) text += "console bytes dropped: " + dec(console_bytes_dropped) + "\n";
  for (size_t i = 0; i < attestation_tokens.size(); ++i) {
    text += "attestation token " + dec(i + 1) + ": " + dec(attestation_tokens[i].size()) + " bytes\n";
  }
  for (const std::string& why : refused_host_calls) text += "refused host call: " + why + "\n";
  for (const RecReport& rec : recs) {
    text += "REC " + dec(rec.index) + ": " + std::string(vmm_rec_state_name(rec.state)) + ", " + dec(rec.entries) +
            " entries";
    if (!rec.stop_reason.empty()) text += " (" + rec.stop_reason + ")";
    text += "\n";
  }
  return text;
}

// --- Setting up ---------------------------------------------------------------------------------

Vmm::Vmm(RmiClient& rmi, PhysicalMemory& memory, GranuleAllocator& granules, LoadedRealm& realm,
         const RealmConfig& config, const VmmOptions& options)
    : rmi_(rmi), memory_(memory), granules_(granules), realm_(realm), config_(config), options_(options) {}

Result<std::unique_ptr<Vmm>> Vmm::create(RmiClient& rmi, PhysicalMemory& memory, GranuleAllocator& granules,
                                         LoadedRealm& realm, const RealmConfig& config, const VmmOptions& options) {
  if (!realm.active) return fail("the VMM runs only an activated realm");
  if (realm.recs.empty()) return fail("the realm has no REC");
  if (config.ipa_width < kMinIpaWidth || config.ipa_width > kMaxIpaWidth) {
    return fail("IPA width ", dec(config.ipa_width), " outside ", dec(kMinIpaWidth), "..", dec(kMaxIpaWidth));
  }
  std::unique_ptr<Vmm> vmm(new Vmm(rmi, memory, granules, realm, config, options));
  if (auto ready = vmm->init(); !ready) return Error{ready.error()};
  return vmm;
}

Result<bool> Vmm::init() {
  rmi_calls_at_start_ = rmi_.calls_made();
  recs_.resize(realm_.recs.size());
  for (size_t i = 0; i < recs_.size(); ++i) {
    recs_[i].pa = realm_.recs[i].pa;
    // The load plan makes REC 0 runnable; the realm starts the others.
    recs_[i].state = i == 0 ? VmmRecState::kRunnable : VmmRecState::kOff;
    auto run = granules_.allocate();
    if (!run) {
      (void)detach();
      return fail("no free NS granule for the RmiRecRun of REC ", dec(i));
    }
    recs_[i].run = *run;
    // The entry half must hold a valid GIC state (all zero) from the start.
    const std::vector<uint8_t> zero(kPageSize, 0);
    if (!memory_.write(*run, zero)) {
      (void)detach();
      return fail("writing the RmiRecRun granule ", hex(run->value()), " faulted");
    }
  }
  if (options_.test_device) {
    test_device_ = std::make_unique<MicaTestDevice>();
    if (auto attached = attach_device(test_device_ipa(), MicaTestDevice::kWindowSize, *test_device_); !attached) {
      (void)detach();
      return attached;
    }
  }
  report_.recs.resize(recs_.size());
  return true;
}

Vmm::~Vmm() { (void)detach(); }

Result<bool> Vmm::detach() {
  if (detached_) return true;
  detached_ = true;
  finished_ = true;
  std::string errors;
  for (const UnprotectedPage& page : unprotected_pages_) {
    if (auto r = rmi_.rtt_unmap_unprotected(realm_.rd, Ipa(page.ipa), abi::kRttPageLevel); r.ok()) {
      granules_.release(page.pa);
    } else {
      errors += (errors.empty() ? "" : "; ") + rmi_.last_call().to_string();
    }
  }
  unprotected_pages_.clear();
  for (Rec& rec : recs_) {
    if (rec.run != PhysAddr()) granules_.release(rec.run);
    rec.run = PhysAddr();
  }
  if (!errors.empty()) return fail("VMM detach incomplete: ", errors);
  return true;
}

bool Vmm::overlaps_window_or_page(uint64_t ipa, uint64_t size) const {
  for (const DeviceWindow& w : windows_) {
    if (ipa < w.ipa + w.size && w.ipa < ipa + size) return true;
  }
  for (const UnprotectedPage& p : unprotected_pages_) {
    if (ipa < p.ipa + kPageSize && p.ipa < ipa + size) return true;
  }
  return false;
}

Result<bool> Vmm::attach_device(uint64_t ipa, uint64_t size, MmioDevice& device) {
  const uint64_t ipa_limit = uint64_t{1} << config_.ipa_width;
  if ((ipa & kPageOffsetMask) != 0 || size == 0 || (size & kPageOffsetMask) != 0) {
    return fail("device window ", hex(ipa), " size ", hex(size), " is not a whole number of 4 KiB pages");
  }
  if (in_par(ipa) || ipa >= ipa_limit || size > ipa_limit - ipa) {
    return fail("device window ", hex(ipa), " size ", hex(size), " is not inside the unprotected IPA range [",
                hex(unprotected_base()), ", ", hex(ipa_limit), ")");
  }
  if (overlaps_window_or_page(ipa, size)) {
    return fail("device window ", hex(ipa), " size ", hex(size), " overlaps another window or a mapped page");
  }
  windows_.push_back({ipa, size, &device});
  return true;
}

Result<PhysAddr> Vmm::take_delegated_granule(std::string_view purpose) {
  if (report_.granules_added >= options_.max_added_granules) {
    return fail("the VMM's limit of ", dec(options_.max_added_granules), " granules added after activation is reached (",
                purpose, ")");
  }
  auto granule = granules_.allocate();
  if (!granule) return fail("out of NS granules for ", purpose);
  if (auto r = rmi_.granule_delegate(*granule); !r.ok()) {
    const std::string call = rmi_.last_call().to_string();
    granules_.release(*granule);
    return fail(call, ": delegation of a granule for ", purpose, " refused");
  }
  ++report_.granules_added;
  return *granule;
}

void Vmm::give_back_granule(PhysAddr granule) {
  // A granule the monitor keeps (undelegation refused) is not reused.
  if (rmi_.granule_undelegate(granule).ok()) granules_.release(granule);
  --report_.granules_added;
}

Result<bool> Vmm::create_rtt(uint64_t ipa, int level) {
  auto rtt = take_delegated_granule("an RTT");
  if (!rtt) return Error{rtt.error()};
  const uint64_t table_ipa = ipa & ~(rtt_map_size(level - 1) - 1);
  if (auto r = rmi_.rtt_create(realm_.rd, *rtt, Ipa(table_ipa), level); !r.ok()) {
    const std::string call = rmi_.last_call().to_string();
    give_back_granule(*rtt);
    return fail(call, ": RTT_CREATE refused");
  }
  realm_.rtts.push_back({table_ipa, level, *rtt});
  return true;
}

Result<bool> Vmm::ensure_rtt(uint64_t ipa, int level) {
  const uint64_t page = ipa & ~kPageOffsetMask;
  for (;;) {
    auto entry = rmi_.rtt_read_entry(realm_.rd, Ipa(page), abi::kRttPageLevel);
    if (!entry.ok()) return fail(rmi_.last_call().to_string(), ": RTT_READ_ENTRY refused");
    if (entry.out.level >= level) return true;
    if (auto created = create_rtt(page, entry.out.level + 1); !created) return created;
  }
}

Result<PhysAddr> Vmm::map_unprotected_page(uint64_t ipa, std::span<const uint8_t> content, bool writable) {
  const uint64_t ipa_limit = uint64_t{1} << config_.ipa_width;
  if ((ipa & kPageOffsetMask) != 0 || in_par(ipa) || ipa >= ipa_limit) {
    return fail("unprotected page ", hex(ipa), " must be 4 KiB aligned in [", hex(unprotected_base()), ", ",
                hex(ipa_limit), ")");
  }
  if (content.size() > kPageSize) return fail("unprotected page content of ", dec(content.size()), " bytes");
  if (overlaps_window_or_page(ipa, kPageSize)) {
    return fail("unprotected page ", hex(ipa), " overlaps a device window or a mapped page");
  }
  if (detached_) return fail("the VMM is detached");
  auto pa = granules_.allocate();
  if (!pa) return fail("out of NS granules for the unprotected page ", hex(ipa));
  std::vector<uint8_t> page(kPageSize, 0);
  std::copy(content.begin(), content.end(), page.begin());
  if (!memory_.write(*pa, page)) {
    granules_.release(*pa);
    return fail("writing the NS page ", hex(pa->value()), " faulted");
  }
  if (auto tables = ensure_rtt(ipa, abi::kRttPageLevel); !tables) {
    granules_.release(*pa);
    return Error{tables.error()};
  }
  if (auto r = rmi_.rtt_map_unprotected(realm_.rd, Ipa(ipa), abi::kRttPageLevel, unprotected_descriptor(*pa, writable));
      !r.ok()) {
    const std::string call = rmi_.last_call().to_string();
    granules_.release(*pa);
    return fail(call, ": RTT_MAP_UNPROTECTED refused");
  }
  unprotected_pages_.push_back({ipa, *pa});
  return *pa;
}

// --- The run loop -------------------------------------------------------------------------------

std::optional<uint32_t> Vmm::next_runnable() {
  const auto count = static_cast<uint32_t>(recs_.size());
  for (uint32_t step = 1; step <= count; ++step) {
    const uint32_t index = (last_scheduled_ + step) % count;
    if (recs_[index].state == VmmRecState::kRunnable) return index;
  }
  return std::nullopt;
}

Vmm::Step Vmm::end_run(RunEnd end, std::string detail) {
  report_.end = end;
  report_.end_detail = std::move(detail);
  if (end == RunEnd::kSystemOff || end == RunEnd::kSystemReset || end == RunEnd::kHostError) finished_ = true;
  return Step::kEnd;
}

void Vmm::stop_rec(uint32_t index, std::string reason) {
  recs_[index].state = VmmRecState::kStopped;
  recs_[index].stop_reason = std::move(reason);
}

const RunReport& Vmm::run() {
  if (finished_) return report_;
  uint64_t entries = 0;
  uint64_t timer_exits = 0;
  // The first turn goes to REC 0.
  if (report_.rec_enters == 0) last_scheduled_ = static_cast<uint32_t>(recs_.size() - 1);
  for (;;) {
    const auto index = next_runnable();
    if (!index) {
      end_run(RunEnd::kNoRunnableRec, "");
      break;
    }
    if (entries >= options_.max_rec_entries) {
      end_run(RunEnd::kEntryBudget, dec(entries) + " REC_ENTER calls");
      break;
    }
    if (timer_exits >= options_.max_timer_exits) {
      end_run(RunEnd::kTimerBudget, dec(timer_exits) + " timer exits, about " + dec(timer_exits) +
                                        " million realm instructions without an exit of their own");
      break;
    }
    last_scheduled_ = *index;
    ++entries;
    const uint64_t timer_before = report_.timer_exits;
    const Step step = enter(*index);
    timer_exits += report_.timer_exits - timer_before;
    if (step == Step::kEnd) break;
  }
  report_.rmi_calls = rmi_.calls_made() - rmi_calls_at_start_;
  for (size_t i = 0; i < recs_.size(); ++i) {
    report_.recs[i] = RecReport{static_cast<uint32_t>(i), recs_[i].state, recs_[i].entries, recs_[i].stop_reason};
  }
  return report_;
}

StepResult Vmm::step() {
  if (finished_) return StepResult::kEnded;
  if (report_.rec_enters == 0) last_scheduled_ = static_cast<uint32_t>(recs_.size() - 1);
  const auto index = next_runnable();
  if (!index) return StepResult::kIdle;
  last_scheduled_ = *index;
  const Step step = enter(*index);
  report_.rmi_calls = rmi_.calls_made() - rmi_calls_at_start_;
  for (size_t i = 0; i < recs_.size(); ++i) {
    report_.recs[i] = RecReport{static_cast<uint32_t>(i), recs_[i].state, recs_[i].entries, recs_[i].stop_reason};
  }
  return step == Step::kEnd && finished_ ? StepResult::kEnded : StepResult::kEntered;
}

Result<VmmExit> Vmm::read_exit(uint32_t index) {
  std::array<uint8_t, kPageSize - rr::kExit> bytes{};
  if (!memory_.read(recs_[index].run.plus(rr::kExit), bytes)) {
    return fail("reading RmiRecExit of REC ", dec(index), " at ", hex(recs_[index].run.value()), " faulted");
  }
  auto field = [&](uint64_t offset, size_t width = 8) { return load_le(bytes.data() + (offset - rr::kExit), width); };
  VmmExit exit;
  exit.entry = report_.rec_enters;
  exit.rec = index;
  const uint64_t reason = field(rr::kExitReason);
  if (reason >= kExitReasonCount) return fail("REC ", dec(index), " exited with unknown exit reason ", dec(reason));
  exit.reason = static_cast<RmiRecExitReason>(reason);
  exit.esr = field(rr::kExitEsr);
  exit.far = field(rr::kExitFar);
  exit.hpfar = field(rr::kExitHpfar);
  for (unsigned i = 0; i < rr::kGprCount; ++i) exit.gprs[i] = field(rr::kExitGprs + 8 * i);
  exit.imm = static_cast<uint32_t>(field(rr::kExitImm, 4));
  exit.ripas_base = field(rr::kExitRipasBase);
  exit.ripas_top = field(rr::kExitRipasTop);
  exit.ripas_value = static_cast<uint8_t>(field(rr::kExitRipasValue, 1));
  return exit;
}

void Vmm::record(VmmExit& exit) {
  ++report_.exits_by_reason[static_cast<size_t>(exit.reason)];
  ++report_.actions[static_cast<size_t>(exit.action)];
  if (options_.exit_history != 0) {
    if (report_.recent_exits.size() >= options_.exit_history) report_.recent_exits.pop_front();
    report_.recent_exits.push_back(exit);
  }
  if (exit_observer_) exit_observer_(exit);
}

Vmm::Step Vmm::enter(uint32_t index) {
  Rec& rec = recs_[index];
  std::array<uint8_t, rr::kExit> enter{};  // GIC fields zero: no virtual interrupts
  uint64_t flags = rec.enter_flags;
  if (options_.trap_wfi) flags |= rr::kFlagTrapWfi;
  if (options_.trap_wfe) flags |= rr::kFlagTrapWfe;
  store_le(enter.data() + rr::kEnterFlags, flags);
  for (unsigned i = 0; i < rr::kGprCount; ++i) store_le(enter.data() + rr::kEnterGprs + 8 * i, rec.enter_gprs[i]);
  if (!memory_.write(rec.run, enter)) {
    return end_run(RunEnd::kHostError, "writing RmiRecEnter of REC " + dec(index) + " faulted");
  }
  const auto entry_gprs = rec.enter_gprs;
  rec.enter_flags = 0;
  rec.enter_gprs.fill(0);

  ++report_.rec_enters;
  ++rec.entries;
  if (auto r = rmi_.rec_enter(rec.pa, rec.run); !r.ok()) {
    if (r.status.status() == monitor::abi::RmiStatus::kErrorRec) {
      // Claimed by a caller's gate call (docs/abi.md §6.4): its turn comes
      // again, with the same entry registers.
      rec.enter_flags = flags & ~(rr::kFlagTrapWfi | rr::kFlagTrapWfe);
      rec.enter_gprs = entry_gprs;
      ++report_.busy_enters;
      ++report_.actions[static_cast<size_t>(ExitAction::kRecBusy)];
      return Step::kContinue;
    }
    return end_run(RunEnd::kHostError, rmi_.last_call().to_string() + " (REC " + dec(index) + ")");
  }
  auto read = read_exit(index);
  if (!read) return end_run(RunEnd::kHostError, read.error());
  VmmExit& exit = *read;

  Step step = Step::kContinue;
  switch (exit.reason) {
    case RmiRecExitReason::kHostCall: host_call(rec, exit); break;
    case RmiRecExitReason::kSync: step = sync(index, exit); break;
    case RmiRecExitReason::kRipasChange: step = ripas_change(rec, exit); break;
    case RmiRecExitReason::kPsci: step = psci(index, exit); break;
    case RmiRecExitReason::kIrq:
    case RmiRecExitReason::kFiq:
      exit.action = ExitAction::kPreempted;
      ++report_.timer_exits;
      break;
    case RmiRecExitReason::kSerror:
      exit.action = ExitAction::kRecStopped;
      stop_rec(index, "SError exit, ESR " + hex(exit.esr));
      break;
  }
  record(exit);
  return step;
}

// --- HOST_CALL ----------------------------------------------------------------------------------

void Vmm::host_call(Rec& rec, VmmExit& exit) {
  // The realm's RsiHostCall.gprs become what the next entry passes: the
  // registers come back unchanged unless the call has a result.
  rec.enter_gprs = exit.gprs;
  std::string why;
  switch (exit.imm) {
    case kHostCallConsoleWrite: {
      const uint64_t count = exit.gprs[0];
      if (count == 0 || count > kConsoleWriteMax) {
        why = "CONSOLE_WRITE of " + dec(count) + " bytes";
        break;
      }
      std::string bytes(count, '\0');
      for (uint64_t k = 0; k < count; ++k) bytes[k] = static_cast<char>(exit.gprs[1 + k / 8] >> (8 * (k % 8)));
      const size_t room = options_.max_console_bytes - std::min(options_.max_console_bytes, report_.console.size());
      report_.console.append(bytes, 0, std::min<size_t>(room, bytes.size()));
      report_.console_bytes_dropped += bytes.size() - std::min<size_t>(room, bytes.size());
      if (console_sink_) console_sink_(exit.rec, bytes);
      exit.action = ExitAction::kConsoleWrite;
      return;
    }
    case kHostCallExit:
      report_.exit_status = static_cast<int64_t>(exit.gprs[0]);
      exit.action = ExitAction::kExitStatus;
      return;
    case kHostCallAttestChallenge:
      if (!options_.attestation_challenge) {
        why = "ATTEST_CHALLENGE, but the host has no challenge to give";
        break;
      }
      for (size_t k = 0; k < kAttestChallengeSize; ++k) {
        if (k % 8 == 0) rec.enter_gprs[k / 8] = 0;
        rec.enter_gprs[k / 8] |= uint64_t{(*options_.attestation_challenge)[k]} << (8 * (k % 8));
      }
      rec.enter_gprs[8] = kAttestChallengeSize;
      exit.action = ExitAction::kAttestChallenge;
      return;
    case kHostCallAttestToken:
      if (!attest_token_chunk(rec, exit, why)) break;
      exit.action = ExitAction::kAttestTokenChunk;
      return;
    default:
      if (host_call_handler_ && host_call_handler_(exit.rec, exit.imm, rec.enter_gprs)) {
        exit.action = ExitAction::kHostCallServed;
        return;
      }
      rec.enter_gprs = exit.gprs;  // the handler may have written before refusing
      why = "unknown immediate " + hex(exit.imm);
      break;
  }
  rec.enter_gprs[0] = kHostCallError;
  exit.action = ExitAction::kHostCallRefused;
  if (report_.refused_host_calls.size() < RunReport::kMaxRefusalNotes) {
    report_.refused_host_calls.push_back("REC " + dec(exit.rec) + ": " + why);
  }
}

// One ATTEST_TOKEN chunk: chunks of a token come in order, offset 0 starts
// a new one, and a token is complete when it has its announced size.
bool Vmm::attest_token_chunk(Rec& rec, const VmmExit& exit, std::string& why) {
  const uint64_t total = exit.gprs[0];
  const uint64_t offset = exit.gprs[1];
  const uint64_t count = exit.gprs[2];
  if (count == 0 || count > kAttestChunkMax || total == 0 || total > kMaxAttestTokenSize) {
    why = "ATTEST_TOKEN chunk of " + dec(count) + " bytes of a " + dec(total) + "-byte token";
    return false;
  }
  if (offset == 0) rec.token.clear();
  if (offset != rec.token.size() || count > total - offset) {
    why = "ATTEST_TOKEN chunk at offset " + dec(offset) + " (" + dec(count) + " bytes of " + dec(total) +
          ") after " + dec(rec.token.size()) + " bytes";
    rec.token.clear();
    return false;
  }
  for (uint64_t k = 0; k < count; ++k) rec.token.push_back(static_cast<uint8_t>(exit.gprs[3 + k / 8] >> (8 * (k % 8))));
  if (rec.token.size() == total) {
    report_.attestation_tokens.push_back(std::move(rec.token));
    rec.token.clear();
  }
  return true;
}

// --- SYNC ---------------------------------------------------------------------------------------

Vmm::Step Vmm::sync(uint32_t index, VmmExit& exit) {
  Rec& rec = recs_[index];
  const uint64_t ec = syndrome::ec(exit.esr);
  if (ec == syndrome::kEcDataAbort || ec == syndrome::kEcInstructionAbort) {
    if (in_par(exit.ipa())) return protected_abort(index, exit);
    return unprotected_abort(rec, exit);
  }
  if (ec == syndrome::kEcWfx) {
    // The WFI/WFE is complete (PC advanced); the next REC gets its turn.
    exit.action = syndrome::wfx_is_wfe(exit.esr) ? ExitAction::kWfe : ExitAction::kWfi;
    return Step::kContinue;
  }
  if (ec == syndrome::kEcSysReg) {
    // A GIC CPU-interface register. Without a virtual GIC a read returns 0
    // (RmiRecEnter.gprs[0], no flag needed) and a write changes nothing.
    if (syndrome::sysreg_is_read(exit.esr)) rec.enter_gprs[0] = 0;
    exit.action = ExitAction::kSysRegEmulated;
    return Step::kContinue;
  }
  exit.action = ExitAction::kRecStopped;
  stop_rec(index, "SYNC exit the host cannot act on: ESR " + hex(exit.esr) + " FAR " + hex(exit.far) + " HPFAR " +
                      hex(exit.hpfar));
  return Step::kContinue;
}

Vmm::Step Vmm::unprotected_abort(Rec& rec, VmmExit& exit) {
  const uint64_t ipa = exit.ipa();
  const DeviceWindow* window = nullptr;
  for (const DeviceWindow& w : windows_) {
    if (ipa >= w.ipa && ipa - w.ipa < w.size) window = &w;
  }
  const unsigned size = syndrome::access_size(exit.esr);
  // Only a single access the syndrome fully describes (ISV), naturally
  // aligned, to a device, is emulated; everything else is an external abort.
  if (window == nullptr || syndrome::ec(exit.esr) != syndrome::kEcDataAbort || !syndrome::isv(exit.esr) ||
      ipa % size != 0) {
    rec.enter_flags |= rr::kFlagInjectSea;
    exit.action = ExitAction::kSeaInjected;
    return Step::kContinue;
  }
  MmioAccess access{exit.rec, ipa, size, syndrome::is_write(exit.esr), 0};
  if (access.is_write) {
    access.value = exit.gprs[0] & value_mask(size);
    window->device->write(ipa - window->ipa, size, access.value);
    exit.action = ExitAction::kMmioWrite;
  } else {
    access.value = window->device->read(ipa - window->ipa, size) & value_mask(size);
    rec.enter_gprs[0] = access.value;
    exit.action = ExitAction::kMmioRead;
  }
  rec.enter_flags |= rr::kFlagEmulMmio;
  if (report_.mmio.size() < options_.max_mmio_log) {
    report_.mmio.push_back(access);
  } else {
    ++report_.mmio_dropped;
  }
  return Step::kContinue;
}

Vmm::Step Vmm::protected_abort(uint32_t index, VmmExit& exit) {
  const uint64_t page = exit.ipa() & ~kPageOffsetMask;
  auto entry = rmi_.rtt_read_entry(realm_.rd, Ipa(page), abi::kRttPageLevel);
  if (!entry.ok()) {
    exit.action = ExitAction::kHostError;
    return end_run(RunEnd::kHostError, rmi_.last_call().to_string() + ": RTT_READ_ENTRY refused");
  }
  const bool needs_granule =
      entry.out.state == abi::RmiRttEntryState::kUnassigned && entry.out.ripas == abi::Ripas::kRam;
  if (!needs_granule) {
    // DESTROYED (the realm's data is gone) or anything else: nothing the
    // host may map there.
    exit.action = ExitAction::kRecStopped;
    stop_rec(index, "abort at protected IPA " + hex(exit.ipa()) + " (ESR " + hex(exit.esr) + ") whose RTT entry is " +
                        entry_state_name(entry.out.state) + "/" + ripas_name(entry.out.ripas) + " at level " +
                        std::to_string(entry.out.level));
    return Step::kContinue;
  }
  // RAM the realm accepted but that has no granule yet: add a zeroed one.
  // The access is retried when the REC runs again.
  auto populate = [&]() -> Result<bool> {
    if (auto tables = ensure_rtt(page, abi::kRttPageLevel); !tables) return tables;
    auto data = take_delegated_granule("a DATA granule");
    if (!data) return Error{data.error()};
    if (auto r = rmi_.data_create_unknown(realm_.rd, *data, Ipa(page)); !r.ok()) {
      const std::string call = rmi_.last_call().to_string();
      give_back_granule(*data);
      return fail(call, ": DATA_CREATE_UNKNOWN refused");
    }
    realm_.data.push_back({page, *data});
    return true;
  };
  if (auto populated = populate(); !populated) {
    exit.action = ExitAction::kRecStopped;
    stop_rec(index, "could not populate protected IPA " + hex(page) + ": " + populated.error());
    return Step::kContinue;
  }
  exit.action = ExitAction::kPagePopulated;
  return Step::kContinue;
}

// --- RIPAS_CHANGE -------------------------------------------------------------------------------

Vmm::Step Vmm::ripas_change(Rec& rec, VmmExit& exit) {
  if (!options_.accept_ripas_changes) {
    rec.enter_flags |= rr::kFlagRipasResponse;  // REJECT
    exit.action = ExitAction::kRipasRejected;
    return Step::kContinue;
  }
  // Each RTT_SET_RIPAS changes at most one table's worth; where the walk
  // stops above level 3 at an unaligned base, the missing table is created.
  // The realm learns how far the change got; a range that cannot change
  // further (e.g. DESTROYED without CHANGE_DESTROYED) ends it early.
  uint64_t base = exit.ripas_base;
  while (base < exit.ripas_top) {
    auto r = rmi_.rtt_set_ripas(realm_.rd, rec.pa, Ipa(base), Ipa(exit.ripas_top));
    if (r.ok()) {
      if (r.out.next <= base) break;
      base = r.out.next;
      continue;
    }
    if (r.status.status() == abi::RmiStatus::kErrorRtt && r.status.index() < abi::kRttPageLevel) {
      if (!create_rtt(base, r.status.index() + 1)) break;
      continue;
    }
    break;
  }
  exit.action = ExitAction::kRipasAccepted;
  return Step::kContinue;
}

// --- PSCI ---------------------------------------------------------------------------------------

Vmm::Step Vmm::psci(uint32_t index, VmmExit& exit) {
  const auto fid = static_cast<uint32_t>(exit.gprs[0]);
  if (psci::is_cpu_on(fid) || psci::is_affinity_info(fid)) {
    const uint64_t target = abi::mpidr_el1_to_rec_index(exit.gprs[1]);
    if (target >= recs_.size()) {
      exit.action = ExitAction::kHostError;
      return end_run(RunEnd::kHostError, "PSCI exit names REC " + dec(target) + ", the realm has " +
                                             dec(recs_.size()));
    }
    Rec& callee = recs_[target];
    const bool cpu_on = psci::is_cpu_on(fid);
    // Always SUCCESS: the monitor answers from the target's state (ON/OFF
    // for AFFINITY_INFO; ALREADY_ON for a CPU_ON of a REC that is runnable,
    // which includes one the host stopped -- the monitor does not know the
    // host stopped it, and DENIED for a runnable target is an input error).
    if (auto r = rmi_.psci_complete(recs_[index].pa, callee.pa, abi::RmiPsciStatus::kSuccess); !r.ok()) {
      exit.action = ExitAction::kHostError;
      return end_run(RunEnd::kHostError, rmi_.last_call().to_string() + ": PSCI_COMPLETE refused");
    }
    if (cpu_on) {
      // Off before: now runnable at the realm's entry point.
      if (callee.state == VmmRecState::kOff) callee.state = VmmRecState::kRunnable;
      exit.action = ExitAction::kPsciCpuOn;
    } else {
      exit.action = ExitAction::kPsciAffinityInfo;
    }
    return Step::kContinue;
  }
  switch (fid) {
    case psci::kCpuOff:
      recs_[index].state = VmmRecState::kOff;
      exit.action = ExitAction::kPsciCpuOff;
      return Step::kContinue;
    case psci::kCpuSuspend32:
    case psci::kCpuSuspend64:
      exit.action = ExitAction::kPsciCpuSuspend;
      return Step::kContinue;
    case psci::kSystemOff:
      exit.action = ExitAction::kSystemOff;
      return end_run(RunEnd::kSystemOff, "by REC " + dec(index));
    case psci::kSystemReset:
      exit.action = ExitAction::kSystemReset;
      return end_run(RunEnd::kSystemReset, "by REC " + dec(index));
    default:
      exit.action = ExitAction::kHostError;
      return end_run(RunEnd::kHostError, "PSCI exit with function " + hex(fid) + ", which RMM 1.0 never exits for");
  }
}

}  // namespace mica::host
