// The VMM: runs an activated realm's RECs and services every REC exit.
//
// It is an ordinary untrusted host. It sees the realm only through RMI (the
// RmiClient) and NS memory (PhysicalMemory): one RmiRecRun granule per REC,
// whose exit half the monitor fills and whose entry half the VMM writes.
// RECs run round robin, one REC_ENTER at a time; after every exit the next
// runnable REC gets its turn. Every exit reason is serviced:
//
//   HOST_CALL     the realm SDK's conventions: console (CONSOLE_WRITE), exit
//                 status (EXIT), the verifier's challenge in
//                 (ATTEST_CHALLENGE) and CCA tokens out (ATTEST_TOKEN); any
//                 other immediate, or a malformed call, is answered with
//                 gprs[0] = kHostCallError, the other registers unchanged.
//   SYNC          data abort at an unprotected IPA inside a device window:
//                 emulated (EMUL_MMIO; a read's value in gprs[0]); anywhere
//                 else unprotected, or not emulatable (ESR.ISV = 0, unaligned):
//                 INJECT_SEA. Abort at a protected IPA whose RIPAS is RAM but
//                 that has no granule (after a RIPAS change): a zeroed granule
//                 is added with DATA_CREATE_UNKNOWN and the access retried.
//                 WFI/WFE (trapped): the REC yields. GIC CPU-interface
//                 register traps: reads 0, writes ignored (no virtual GIC).
//                 Anything else: the REC is stopped and the exit reported.
//   RIPAS_CHANGE  accepted with RTT_SET_RIPAS until the range is done (RTTs
//                 created where the walk stops short), or rejected by option.
//   PSCI          CPU_ON: PSCI_COMPLETE for the target, which becomes
//                 runnable (a REC the host stopped stays stopped; the realm
//                 is told ALREADY_ON); AFFINITY_INFO: PSCI_COMPLETE; CPU_OFF: the REC
//                 stops running; CPU_SUSPEND: yield; SYSTEM_OFF / SYSTEM_RESET:
//                 the realm is finished (a reset is not rebooted).
//   IRQ, FIQ      the host timer preempted the REC: it stays runnable.
//   SERROR        the REC is stopped and the syndrome reported.
//
// A run ends when the realm turns itself off, when no REC is runnable, when
// a budget (REC_ENTER calls, timer exits) is spent -- the host always
// regains control of a realm that never exits on its own -- or when an RMI
// call the VMM depends on fails. docs/vmm.md describes the VMM in full.
//
// Not thread-safe: one host thread drives one Vmm.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host/load_plan.h"
#include "host/realm_loader.h"
#include "host/result.h"
#include "host/rmi_client.h"
#include "host/vmm_device.h"
#include "monitor/abi/rmi.h"

namespace mica::host {

// --- The realm SDK's host-call conventions (docs/realm-sdk.md) -----------------------------
inline constexpr uint32_t kHostCallConsoleWrite = 0x0001;  // gprs[0] = n, bytes packed LE in gprs[1..30]
inline constexpr uint32_t kHostCallExit = 0x0002;          // gprs[0] = exit status (signed)
inline constexpr uint32_t kHostCallAttestChallenge = 0x0003;  // answer: challenge in gprs[0..7], gprs[8] = 64
inline constexpr uint32_t kHostCallAttestToken = 0x0004;      // gprs[0] total, [1] offset, [2] n, [3..30] bytes
inline constexpr uint64_t kConsoleWriteMax = 240;
inline constexpr uint64_t kAttestChunkMax = 224;
inline constexpr size_t kAttestChallengeSize = 64;
// Tokens the VMM accepts are at most this large (a CCA token is a few KiB).
inline constexpr uint64_t kMaxAttestTokenSize = 64 * 1024;
// gprs[0] of a host call the VMM does not serve (unknown immediate, a
// CONSOLE_WRITE with a byte count outside 1..240, an ATTEST_TOKEN chunk out
// of order or too large, ATTEST_CHALLENGE without a challenge to give): all
// ones, -1 as a signed value; the other registers come back unchanged.
inline constexpr uint64_t kHostCallError = ~uint64_t{0};

// Where the built-in device sits: this far into the unprotected half of
// the IPA space (2^(s2sz-1) + offset), one 4 KiB window.
inline constexpr uint64_t kDefaultDeviceOffset = 0x0900'0000;

// What the VMM did about one exit.
enum class ExitAction : uint8_t {
  kConsoleWrite,       // HOST_CALL CONSOLE_WRITE: bytes to the console
  kExitStatus,         // HOST_CALL EXIT: status recorded
  kAttestChallenge,    // HOST_CALL ATTEST_CHALLENGE: the challenge given in gprs[0..8]
  kAttestTokenChunk,   // HOST_CALL ATTEST_TOKEN: a chunk of a token taken
  kHostCallRefused,    // HOST_CALL not served: gprs[0] = kHostCallError
  kMmioRead,           // SYNC: device read emulated (EMUL_MMIO, value in gprs[0])
  kMmioWrite,          // SYNC: device write emulated (EMUL_MMIO)
  kSeaInjected,        // SYNC: unprotected IPA no device claims, or not emulatable: INJECT_SEA
  kPagePopulated,      // SYNC: protected RIPAS-RAM IPA without a granule: DATA_CREATE_UNKNOWN
  kSysRegEmulated,     // SYNC: GIC CPU-interface register: reads 0, writes ignored
  kWfi,                // SYNC: trapped WFI, the REC yields
  kWfe,                // SYNC: trapped WFE, the REC yields
  kPreempted,          // IRQ/FIQ: the host timer
  kRipasAccepted,      // RIPAS_CHANGE: RTT_SET_RIPAS over the range
  kRipasRejected,      // RIPAS_CHANGE: RIPAS_RESPONSE = REJECT
  kPsciCpuOn,          // PSCI CPU_ON: PSCI_COMPLETE(SUCCESS)
  kPsciAffinityInfo,   // PSCI AFFINITY_INFO: PSCI_COMPLETE(SUCCESS)
  kPsciCpuOff,         // PSCI CPU_OFF: the REC is off
  kPsciCpuSuspend,     // PSCI CPU_SUSPEND: yield
  kHostCallServed,     // HOST_CALL served by the handler the VMM's user installed
  kSystemOff,          // PSCI SYSTEM_OFF: the realm is finished
  kSystemReset,        // PSCI SYSTEM_RESET: the realm is finished
  kRecStopped,         // SERROR, or a SYNC exit the host cannot act on: never entered again
  kRecBusy,            // REC_ENTER refused with RMI_ERROR_REC: the REC runs a gate call for another realm
  kHostError,          // the VMM could not service the exit (an RMI call failed)
};
inline constexpr size_t kExitActionCount = static_cast<size_t>(ExitAction::kHostError) + 1;
std::string_view exit_action_name(ExitAction action);  // "console write", ...

inline constexpr size_t kExitReasonCount = static_cast<size_t>(monitor::abi::RmiRecExitReason::kSerror) + 1;
std::string_view exit_reason_name(monitor::abi::RmiRecExitReason reason);  // "HOST_CALL", ...

// One REC exit as the host saw it in RmiRecExit, and what it did.
struct VmmExit {
  uint64_t entry = 0;  // the REC_ENTER that returned it, counting from 1
  uint32_t rec = 0;
  monitor::abi::RmiRecExitReason reason = monitor::abi::RmiRecExitReason::kSync;
  uint64_t esr = 0;
  uint64_t far = 0;
  uint64_t hpfar = 0;
  std::array<uint64_t, monitor::abi::rec_run::kGprCount> gprs{};
  uint32_t imm = 0;
  uint64_t ripas_base = 0;
  uint64_t ripas_top = 0;
  uint8_t ripas_value = 0;
  ExitAction action = ExitAction::kHostError;
  // The faulting IPA of a SYNC abort (HPFAR's page plus FAR's page offset).
  uint64_t ipa() const;
};

// One emulated device access.
struct MmioAccess {
  uint32_t rec = 0;
  uint64_t ipa = 0;
  unsigned size = 0;
  bool is_write = false;
  uint64_t value = 0;  // written, or returned to the realm
};

enum class VmmRecState : uint8_t {
  kOff,       // not runnable: never started, or PSCI CPU_OFF
  kRunnable,  // entered in its turn
  kStopped,   // stopped by the host after an exit it could not service
};
std::string_view vmm_rec_state_name(VmmRecState state);

enum class RunEnd : uint8_t {
  kSystemOff,     // PSCI SYSTEM_OFF
  kSystemReset,   // PSCI SYSTEM_RESET (the VMM does not reboot)
  kNoRunnableRec, // every REC is off or stopped
  kEntryBudget,   // VmmOptions::max_rec_entries REC_ENTER calls made in this run()
  kTimerBudget,   // VmmOptions::max_timer_exits timer exits in this run()
  kHostError,     // an RMI call the VMM needs failed; see RunReport::end_detail
};
std::string_view run_end_name(RunEnd end);

struct VmmOptions {
  // Budgets of one run() call. A realm that computes without exits gets a
  // timer exit every monitor::kRealmInstructionBudget (1 million)
  // instructions, so max_timer_exits bounds its instructions; a realm that
  // exits in a loop is bounded by max_rec_entries.
  uint64_t max_rec_entries = 10'000'000;
  uint64_t max_timer_exits = 5'000;
  // RmiRecEnter TRAP_WFI / TRAP_WFE: WFI and WFE exit as SYNC and the REC
  // yields (untrapped, a WFI is an IRQ exit and a WFE completes at once).
  bool trap_wfi = true;
  bool trap_wfe = true;
  bool accept_ripas_changes = true;
  // Granules the VMM may delegate to the realm after activation (protected
  // pages populated on demand, RTTs for RIPAS changes and unprotected mappings).
  uint64_t max_added_granules = 4096;
  // The built-in MicaTestDevice at 2^(s2sz-1) + kDefaultDeviceOffset.
  bool test_device = true;
  // What ATTEST_CHALLENGE answers; without one the call is refused.
  std::optional<std::array<uint8_t, kAttestChallengeSize>> attestation_challenge;
  size_t max_console_bytes = size_t{1} << 20;  // beyond: counted, not kept
  size_t max_mmio_log = 4096;                  // device accesses kept in the report
  size_t exit_history = 64;                    // most recent exits kept in the report
};

struct RecReport {
  uint32_t index = 0;
  VmmRecState state = VmmRecState::kOff;
  uint64_t entries = 0;
  std::string stop_reason;  // why the host stopped it (kStopped only)
};

struct RunReport {
  RunEnd end = RunEnd::kNoRunnableRec;
  std::string end_detail;
  std::optional<int64_t> exit_status;  // HOST_CALL EXIT
  std::string console;                 // every REC's console output, in order
  uint64_t console_bytes_dropped = 0;
  std::vector<std::vector<uint8_t>> attestation_tokens;  // complete ATTEST_TOKEN transfers, in order
  std::vector<std::string> refused_host_calls;           // why, for the first kMaxRefusalNotes
  static constexpr size_t kMaxRefusalNotes = 64;
  // Counters since the Vmm was created (they add up across run() calls).
  uint64_t rec_enters = 0;
  uint64_t rmi_calls = 0;  // REC_ENTER included
  uint64_t timer_exits = 0;
  std::array<uint64_t, kExitReasonCount> exits_by_reason{};
  std::array<uint64_t, kExitActionCount> actions{};
  uint64_t granules_added = 0;  // populated pages and RTTs created after activation
  uint64_t busy_enters = 0;     // REC_ENTER refused because the REC served a gate call
  std::vector<RecReport> recs;
  std::vector<MmioAccess> mmio;
  uint64_t mmio_dropped = 0;
  std::deque<VmmExit> recent_exits;

  bool realm_finished() const { return end == RunEnd::kSystemOff || end == RunEnd::kSystemReset; }
  uint64_t exits(monitor::abi::RmiRecExitReason reason) const {
    return exits_by_reason[static_cast<size_t>(reason)];
  }
  uint64_t count(ExitAction action) const { return actions[static_cast<size_t>(action)]; }
  uint64_t total_exits() const;
  // A multi-line summary: end, exit status, REC_ENTER calls, exits per
  // reason and per action, REC states.
  std::string summary() const;
};

// What one Vmm::step() did.
enum class StepResult : uint8_t {
  kEntered,  // one REC_ENTER made and its exit serviced
  kIdle,     // no REC is runnable now
  kEnded,    // the realm is finished or the host failed: nothing more runs
};

class Vmm {
 public:
  using ConsoleSink = std::function<void(uint32_t rec, std::string_view bytes)>;
  using ExitObserver = std::function<void(const VmmExit&)>;
  // Serves a host call the VMM itself does not know: returns true if it
  // did, with the answer written into `gprs` (what the next REC_ENTER
  // passes). Unserved calls are refused as usual (gprs[0] = kHostCallError).
  using HostCallHandler = std::function<bool(uint32_t rec, uint32_t imm, std::array<uint64_t, 31>& gprs)>;

  // `realm` must be active (load_realm of `plan`); the Vmm keeps references
  // to everything it is given. Granules it adds to the realm are recorded in
  // `realm` (data, rtts), so destroy_realm() removes them -- after detach().
  static Result<std::unique_ptr<Vmm>> create(RmiClient& rmi, PhysicalMemory& memory, GranuleAllocator& granules,
                                             LoadedRealm& realm, const RealmConfig& config,
                                             const VmmOptions& options = {});
  ~Vmm();
  Vmm(const Vmm&) = delete;
  Vmm& operator=(const Vmm&) = delete;

  // Console bytes as they arrive (besides RunReport::console).
  void set_console_sink(ConsoleSink sink) { console_sink_ = std::move(sink); }
  // Every exit, after the VMM serviced it.
  void set_exit_observer(ExitObserver observer) { exit_observer_ = std::move(observer); }
  // Host calls beyond the SDK's console, exit and attestation calls.
  void set_host_call_handler(HostCallHandler handler) { host_call_handler_ = std::move(handler); }

  // Emulates `device` for accesses to [ipa, ipa + size): page aligned,
  // inside the unprotected half, not overlapping another window or mapping.
  Result<bool> attach_device(uint64_t ipa, uint64_t size, MmioDevice& device);
  // Gives the realm an NS page at the unprotected `ipa` holding `content`
  // (zero-padded), read-only or read-write at stage 2. Returns its PA.
  Result<PhysAddr> map_unprotected_page(uint64_t ipa, std::span<const uint8_t> content, bool writable);

  // Runs RECs until the run ends (see RunEnd). After a budget end, run()
  // continues where it stopped with fresh budgets; after SYSTEM_OFF/RESET or
  // a host error it returns at once.
  const RunReport& run();
  // One REC_ENTER of the next runnable REC, for a host that schedules
  // several realms itself (no budgets apply: the caller keeps its own).
  // A REC_ENTER refused with RMI_ERROR_REC -- the REC is running a gate call
  // on another realm's entry -- is a busy REC, not a failure.
  StepResult step();
  bool finished() const { return finished_; }
  const RunReport& report() const { return report_; }

  VmmRecState rec_state(uint32_t index) const { return recs_.at(index).state; }
  PhysAddr rec_run_granule(uint32_t index) const { return recs_.at(index).run; }
  uint64_t unprotected_base() const { return uint64_t{1} << (config_.ipa_width - 1); }
  // The built-in device, or nullptr without VmmOptions::test_device.
  MicaTestDevice* test_device() { return test_device_.get(); }
  uint64_t test_device_ipa() const { return unprotected_base() + kDefaultDeviceOffset; }

  // Unmaps the unprotected pages and returns them and the RecRun granules
  // to the allocator. Call it before destroy_realm(); the destructor does it
  // too. The Vmm runs nothing afterwards.
  Result<bool> detach();

 private:
  struct Rec {
    PhysAddr pa;
    PhysAddr run;
    VmmRecState state = VmmRecState::kOff;
    uint64_t entries = 0;
    std::string stop_reason;
    // What the next REC_ENTER passes in RmiRecEnter.
    uint64_t enter_flags = 0;
    std::array<uint64_t, monitor::abi::rec_run::kGprCount> enter_gprs{};
    std::vector<uint8_t> token;  // ATTEST_TOKEN chunks received so far
  };
  struct DeviceWindow {
    uint64_t ipa;
    uint64_t size;
    MmioDevice* device;
  };
  struct UnprotectedPage {
    uint64_t ipa;
    PhysAddr pa;
  };
  enum class Step : uint8_t { kContinue, kEnd };

  Vmm(RmiClient& rmi, PhysicalMemory& memory, GranuleAllocator& granules, LoadedRealm& realm,
      const RealmConfig& config, const VmmOptions& options);
  Result<bool> init();

  std::optional<uint32_t> next_runnable();
  Step enter(uint32_t index);
  Result<VmmExit> read_exit(uint32_t index);
  void record(VmmExit& exit);
  Step end_run(RunEnd end, std::string detail);
  void stop_rec(uint32_t index, std::string reason);

  void host_call(Rec& rec, VmmExit& exit);
  bool attest_token_chunk(Rec& rec, const VmmExit& exit, std::string& why);
  Step sync(uint32_t index, VmmExit& exit);
  Step unprotected_abort(Rec& rec, VmmExit& exit);
  Step protected_abort(uint32_t index, VmmExit& exit);
  Step ripas_change(Rec& rec, VmmExit& exit);
  Step psci(uint32_t index, VmmExit& exit);

  bool in_par(uint64_t ipa) const { return ipa < unprotected_base(); }
  bool overlaps_window_or_page(uint64_t ipa, uint64_t size) const;
  Result<PhysAddr> take_delegated_granule(std::string_view purpose);
  // Undoes take_delegated_granule() for a granule that did not become a realm object.
  void give_back_granule(PhysAddr granule);
  // Creates RTTs until the walk to `ipa` reaches `level`.
  Result<bool> ensure_rtt(uint64_t ipa, int level);
  Result<bool> create_rtt(uint64_t ipa, int level);

  RmiClient& rmi_;
  PhysicalMemory& memory_;
  GranuleAllocator& granules_;
  LoadedRealm& realm_;
  RealmConfig config_;
  VmmOptions options_;
  std::vector<Rec> recs_;
  std::vector<DeviceWindow> windows_;
  std::vector<UnprotectedPage> unprotected_pages_;
  std::unique_ptr<MicaTestDevice> test_device_;
  ConsoleSink console_sink_;
  ExitObserver exit_observer_;
  HostCallHandler host_call_handler_;
  RunReport report_;
  uint32_t last_scheduled_ = 0;
  uint64_t rmi_calls_at_start_ = 0;
  bool finished_ = false;  // SYSTEM_OFF/RESET or a host error: nothing more runs
  bool detached_ = false;
};

}  // namespace mica::host
