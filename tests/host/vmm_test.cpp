// The VMM running the realm SDK's example programs, unmodified, on the
// emulated machine: load plan over RMI, REC_ENTER into the real monitor, the
// realm CPU executing the cross-compiled AArch64 code. Each test checks what
// the program printed, the exits the host saw (reason, registers, what the
// VMM did) and the state of the realm, its RECs and its granules afterwards.
#include <gtest/gtest.h>
#include <mbedtls/sha256.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "host/measure.h"
#include "mica/rsi_abi.h"
#include "vmm_fixture.h"

namespace mica::host::testing {
namespace {

using monitor::RealmState;
namespace psci = monitor::abi::psci;

// The VMM's view of the SDK's host-call conventions is the SDK's.
static_assert(kHostCallConsoleWrite == MICA_HOST_CALL_CONSOLE_WRITE);
static_assert(kHostCallExit == MICA_HOST_CALL_EXIT);
static_assert(kConsoleWriteMax == MICA_HOST_CALL_CONSOLE_MAX);
static_assert(kHostCallAttestChallenge == MICA_HOST_CALL_ATTEST_CHALLENGE);
static_assert(kHostCallAttestToken == MICA_HOST_CALL_ATTEST_TOKEN);
static_assert(kAttestChunkMax == MICA_HOST_CALL_ATTEST_CHUNK_MAX);
static_assert(kAttestChallengeSize == MICA_ATTEST_CHALLENGE_SIZE);

std::string console_bytes_of(const VmmExit& exit) {
  std::string bytes;
  for (uint64_t k = 0; k < exit.gprs[0]; ++k) bytes.push_back(static_cast<char>(exit.gprs[1 + k / 8] >> (8 * (k % 8))));
  return bytes;
}

TEST(Vmm, HelloPrintsThroughTheConsoleAndTurnsTheRealmOff) {
  RealmUnderTest r(sdk_program("hello"), small_realm());
  ASSERT_TRUE(r.error.empty()) << r.error;
  const RunReport& report = r.vmm->run();

  const std::string expected = "Hello from a realm! REC 0 of 1, 2048 KiB of RAM at 0x40000000\n";
  EXPECT_EQ(report.console, expected);
  EXPECT_EQ(r.sink, expected);
  EXPECT_EQ(report.end, RunEnd::kSystemOff) << report.summary();
  ASSERT_TRUE(report.exit_status.has_value());
  EXPECT_EQ(*report.exit_status, 0);

  // The console went out as CONSOLE_WRITE host calls whose registers carry
  // the bytes; then EXIT with status 0; then PSCI SYSTEM_OFF.
  const auto writes = r.exits_with(ExitAction::kConsoleWrite);
  ASSERT_FALSE(writes.empty());
  std::string from_registers;
  for (const VmmExit& w : writes) {
    EXPECT_EQ(w.reason, RmiRecExitReason::kHostCall);
    EXPECT_EQ(w.imm, kHostCallConsoleWrite);
    EXPECT_GE(w.gprs[0], 1u);
    EXPECT_LE(w.gprs[0], kConsoleWriteMax);
    from_registers += console_bytes_of(w);
  }
  EXPECT_EQ(from_registers, expected);
  ASSERT_GE(r.exits.size(), 2u);
  const VmmExit& exit_call = r.exits[r.exits.size() - 2];
  EXPECT_EQ(exit_call.reason, RmiRecExitReason::kHostCall);
  EXPECT_EQ(exit_call.imm, kHostCallExit);
  EXPECT_EQ(exit_call.gprs[0], 0u);
  const VmmExit& last = r.exits.back();
  EXPECT_EQ(last.reason, RmiRecExitReason::kPsci);
  EXPECT_EQ(last.gprs[0], psci::kSystemOff);
  EXPECT_EQ(last.action, ExitAction::kSystemOff);

  // Every REC_ENTER produced exactly one exit, all counted.
  EXPECT_EQ(report.rec_enters, r.exits.size());
  EXPECT_EQ(report.total_exits(), r.exits.size());
  EXPECT_EQ(report.exits(RmiRecExitReason::kHostCall), writes.size() + 1);
  EXPECT_EQ(report.exits(RmiRecExitReason::kPsci), 1u);
  EXPECT_EQ(report.exits(RmiRecExitReason::kSync), 0u);
  EXPECT_GE(report.rmi_calls, report.rec_enters);
  EXPECT_EQ(report.recs.at(0).entries, report.rec_enters);

  // The realm is off: the monitor refuses to enter it (ERROR_REALM index 1)
  // and the VMM does not try again.
  EXPECT_EQ(r.realm_info().state, RealmState::kSystemOff);
  const uint64_t enters = report.rec_enters;
  EXPECT_EQ(r.vmm->run().rec_enters, enters);
  const auto again = r.host.rmi.rec_enter(r.realm.recs[0].pa, r.vmm->rec_run_granule(0));
  EXPECT_EQ(again.status.status(), monitor::abi::RmiStatus::kErrorRealm);
  EXPECT_EQ(again.status.index(), 1u);
  EXPECT_FALSE(r.rec_info(0).running);

  // Teardown returns every granule (RecRun granules included) to the host.
  const uint64_t delegated = r.granules_outside_ns();
  EXPECT_GT(delegated, 512u);
  auto torn = r.teardown();
  ASSERT_TRUE(torn) << torn.error();
  EXPECT_EQ(r.granules_outside_ns(), 0u);
  EXPECT_EQ(r.host.granules.free_granules(), r.machine.dram().granule_count());
}

TEST(Vmm, HelloCppRunsConstructorsAndVirtualCalls) {
  RealmUnderTest r(sdk_program("hello_cpp"), small_realm());
  ASSERT_TRUE(r.error.empty()) << r.error;
  const RunReport& report = r.vmm->run();
  EXPECT_EQ(report.end, RunEnd::kSystemOff) << report.summary() << report.console;
  EXPECT_EQ(report.exit_status, 0) << report.console;
  EXPECT_FALSE(report.console.empty());
}

TEST(Vmm, MemtestCoversAllOfItsRam) {
  const uint64_t ram = uint64_t{4} << 20;
  RealmUnderTest r(sdk_program("memtest"), small_realm(ram));
  ASSERT_TRUE(r.error.empty()) << r.error;
  const RunReport& report = r.vmm->run();
  EXPECT_EQ(report.end, RunEnd::kSystemOff) << report.summary();
  EXPECT_EQ(report.exit_status, 0) << report.console;

  // The program tests from the end of its image to the end of RAM.
  unsigned long long start = 0, end = 0, kib = 0;
  ASSERT_EQ(std::sscanf(report.console.c_str(), "memtest: testing [0x%llx, 0x%llx), %llu KiB\n", &start, &end, &kib),
            3)
      << report.console;
  EXPECT_EQ(end, r.config.ram_base + ram);
  EXPECT_GT(start, r.config.ram_base);
  EXPECT_LT(start, r.config.ram_base + (uint64_t{256} << 10));  // the image is small: nearly all RAM is tested
  EXPECT_EQ(kib, (end - start) >> 10);
  EXPECT_NE(report.console.find("memtest: " + std::to_string(end - start) + " bytes, 2 passes, 0 errors\n"),
            std::string::npos)
      << report.console;
  // A long computation: the host timer preempted it, and nothing else.
  EXPECT_GT(report.timer_exits, 0u);
  EXPECT_EQ(report.count(ExitAction::kPreempted), report.timer_exits);
  EXPECT_EQ(report.exits(RmiRecExitReason::kSync), 0u);
  EXPECT_EQ(r.realm_info().state, RealmState::kSystemOff);
}

TEST(Vmm, MultiRecStartsEveryRecWithPsciCpuOn) {
  RealmUnderTest r(sdk_program("multi_rec"), small_realm(uint64_t{2} << 20, 4));
  ASSERT_TRUE(r.error.empty()) << r.error;
  // Before the run only REC 0 may run.
  EXPECT_TRUE(r.rec_info(0).runnable);
  for (uint32_t i = 1; i < 4; ++i) EXPECT_FALSE(r.rec_info(i).runnable);
  const RunReport& report = r.vmm->run();

  EXPECT_EQ(report.end, RunEnd::kSystemOff) << report.summary();
  EXPECT_EQ(report.exit_status, 0) << report.console;
  for (int i = 1; i < 4; ++i) {
    const std::string line = "REC " + std::to_string(i) + " online (argument " + std::to_string(100 * i) + ")\n";
    EXPECT_NE(report.console.find(line), std::string::npos) << report.console;
  }
  EXPECT_NE(report.console.find("all 4 RECs ran; sum of indices 6\n"), std::string::npos) << report.console;

  // Three CPU_ONs, from REC 0, naming RECs 1, 2, 3 by MPIDR; each completed
  // with PSCI_COMPLETE.
  const auto cpu_ons = r.exits_with(ExitAction::kPsciCpuOn);
  ASSERT_EQ(cpu_ons.size(), 3u);
  for (size_t i = 0; i < cpu_ons.size(); ++i) {
    EXPECT_EQ(cpu_ons[i].rec, 0u);
    EXPECT_EQ(cpu_ons[i].reason, RmiRecExitReason::kPsci);
    EXPECT_EQ(cpu_ons[i].gprs[0], psci::kCpuOn64);
    EXPECT_EQ(cpu_ons[i].gprs[1], i + 1);  // MPIDR of REC i+1 (Aff0)
    for (unsigned g = 2; g < rr::kGprCount; ++g) EXPECT_EQ(cpu_ons[i].gprs[g], 0u);
  }
  // Each secondary turned itself off; REC 0 asked AFFINITY_INFO for each.
  const auto offs = r.exits_with(ExitAction::kPsciCpuOff);
  ASSERT_EQ(offs.size(), 3u);
  std::vector<uint32_t> off_recs;
  for (const VmmExit& e : offs) off_recs.push_back(e.rec);
  std::sort(off_recs.begin(), off_recs.end());
  EXPECT_EQ(off_recs, (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_GE(report.count(ExitAction::kPsciAffinityInfo), 3u);
  // Console output came from all four RECs.
  for (uint32_t i = 0; i < 4; ++i) {
    EXPECT_NE(std::find(r.sink_recs.begin(), r.sink_recs.end(), i), r.sink_recs.end()) << "REC " << i;
  }

  // After: RECs 1..3 are off for the host and for the monitor; REC 0 ended the realm.
  for (uint32_t i = 1; i < 4; ++i) {
    EXPECT_EQ(r.vmm->rec_state(i), VmmRecState::kOff);
    EXPECT_EQ(report.recs[i].state, VmmRecState::kOff);
    EXPECT_GT(report.recs[i].entries, 0u);
    EXPECT_FALSE(r.rec_info(i).runnable);
    EXPECT_FALSE(r.rec_info(i).psci_pending);
  }
  EXPECT_TRUE(r.rec_info(0).runnable);
  EXPECT_EQ(r.realm_info().state, RealmState::kSystemOff);
  auto torn = r.teardown();
  ASSERT_TRUE(torn) << torn.error();
  EXPECT_EQ(r.granules_outside_ns(), 0u);
}

TEST(Vmm, RimProgramPrintsWhatMicaMeasureComputes) {
  for (const char* algo : {"sha256", "sha512"}) {
    SCOPED_TRACE(algo);
    RealmConfig config = small_realm();
    config.hash_algo = *parse_hash_algo(algo);
    RealmUnderTest r(sdk_program("rim"), config);
    ASSERT_TRUE(r.error.empty()) << r.error;
    const RunReport& report = r.vmm->run();
    auto measured = measure_image(sdk_program("rim"), config);
    ASSERT_TRUE(measured) << measured.error();
    EXPECT_EQ(report.console, "RIM (" + std::string(algo) + "): " + measured->rim.hex() + "\n");
    EXPECT_EQ(report.exit_status, 0);
    EXPECT_EQ(report.end, RunEnd::kSystemOff);
    // And the monitor holds the same value.
    const monitor::RealmInfo info = r.realm_info();
    EXPECT_EQ(to_hex({info.rim(), info.measurement_size()}), measured->rim.hex());
  }
}

std::array<uint8_t, 32> sha256(const std::vector<uint8_t>& data) {
  std::array<uint8_t, 32> out{};
  EXPECT_EQ(mbedtls_sha256_ret(data.data(), data.size(), out.data(), 0), 0);
  return out;
}

TEST(Vmm, RemExtensionMatchesAnIndependentComputation) {
  RealmUnderTest r(sdk_program("rem_extend"), small_realm());
  ASSERT_TRUE(r.error.empty()) << r.error;
  const RunReport& report = r.vmm->run();
  EXPECT_EQ(report.exit_status, 0) << report.console;

  // REM1 = SHA-256(REM1 || data), from zero; the data of the first extension
  // is the 21 bytes of "mica: first extension", of the second 0x00..0x3F.
  const std::string first = "mica: first extension";
  std::vector<uint8_t> input(32, 0);
  input.insert(input.end(), first.begin(), first.end());
  const auto after1 = sha256(input);
  input.assign(after1.begin(), after1.end());
  for (int i = 0; i < 64; ++i) input.push_back(static_cast<uint8_t>(i));
  const auto after2 = sha256(input);

  const std::string expected = "initial: REM1 = " + std::string(64, '0') + "\n" + "after 1: REM1 = " + to_hex(after1) +
                               "\n" + "after 2: REM1 = " + to_hex(after2) + "\n" +
                               "extend RIM: 1, extend 65 bytes: 1\n";
  EXPECT_EQ(report.console, expected);
  const monitor::RealmInfo info = r.realm_info();
  EXPECT_EQ(to_hex({info.measurements[1], 32}), to_hex(after2));
  EXPECT_EQ(to_hex({info.measurements[2], 32}), std::string(64, '0'));
}

TEST(Vmm, UnmappedProtectedIpaIsInjectedByTheMonitorWithoutAnExit) {
  RealmUnderTest r(sdk_program("hostile_unmapped"), small_realm());
  ASSERT_TRUE(r.error.empty()) << r.error;
  const RunReport& report = r.vmm->run();
  // RIPAS EMPTY beyond RAM: the monitor injects the abort itself; the host
  // sees only the realm's own report of it.
  EXPECT_EQ(report.console.rfind("reading unmapped IPA 0x40210000\nrealm: synchronous exception EC=0x25 (data abort)",
                                 0),
            0u)
      << report.console;
  EXPECT_EQ(report.exit_status, MICA_EXIT_EXCEPTION_BASE + 0x25);
  EXPECT_EQ(report.exits(RmiRecExitReason::kSync), 0u);
  EXPECT_EQ(report.total_exits(), report.exits(RmiRecExitReason::kHostCall) + 1);  // + SYSTEM_OFF
  EXPECT_EQ(report.end, RunEnd::kSystemOff);
  EXPECT_EQ(r.realm_info().state, RealmState::kSystemOff);
  EXPECT_EQ(report.granules_added, 0u);
}

TEST(Vmm, WriteToAReadOnlySharedPageIsAPermissionFaultTheHostAnswersWithAnAbort) {
  RealmUnderTest r(sdk_program("hostile_readonly"), small_realm());
  ASSERT_TRUE(r.error.empty()) << r.error;
  const uint64_t shared = r.vmm->unprotected_base();
  ASSERT_EQ(shared, uint64_t{1} << 39);
  std::array<uint8_t, 8> pattern{};
  const uint64_t value = 0x0123456789ABCDEF;
  std::memcpy(pattern.data(), &value, sizeof value);
  auto pa = r.vmm->map_unprotected_page(shared, pattern, /*writable=*/false);
  ASSERT_TRUE(pa) << pa.error();
  // The host's stage-2 entry: ASSIGNED_NS at level 3, read-only.
  const auto entry = r.host.rmi.rtt_read_entry(r.realm.rd, Ipa(shared), 3);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry.out.level, 3);
  EXPECT_EQ(entry.out.state, monitor::abi::RmiRttEntryState::kAssigned);
  EXPECT_EQ(entry.out.desc & ~uint64_t{0xFFF}, pa->value());
  EXPECT_EQ((entry.out.desc >> 6) & 3, 0b01u);  // S2AP read-only

  const RunReport& report = r.vmm->run();
  EXPECT_EQ(report.console.rfind("shared page at 0x8000000000 reads 0x123456789abcdef; writing it\n"
                                 "realm: synchronous exception EC=0x25 (data abort)",
                                 0),
            0u)
      << report.console;
  EXPECT_EQ(report.console.find("write returned"), std::string::npos);
  EXPECT_EQ(report.exit_status, MICA_EXIT_EXCEPTION_BASE + 0x25);

  // The one SYNC exit: the write, a stage-2 permission fault at level 3 of
  // an emulatable access: 8 bytes, written value in gprs[0], page in HPFAR,
  // page offset in FAR. The transfer register is not disclosed.
  const auto syncs = r.exits_where([](const VmmExit& e) { return e.reason == RmiRecExitReason::kSync; });
  ASSERT_EQ(syncs.size(), 1u);
  const VmmExit& fault = syncs[0];
  EXPECT_EQ(esr_ec(fault.esr), kEcDataAbortLowerEl);
  EXPECT_TRUE(esr_isv(fault.esr));
  EXPECT_EQ(esr_sas(fault.esr), 3u);
  EXPECT_TRUE(esr_wnr(fault.esr));
  EXPECT_EQ(esr_fsc(fault.esr), kFscPermissionLevel3);
  EXPECT_EQ(esr_srt(fault.esr), 0u);
  EXPECT_EQ(fault.far, 0u);
  EXPECT_EQ(fault.hpfar, shared >> 8);
  EXPECT_EQ(fault.gprs[0], 0xBADu);
  EXPECT_EQ(fault.ipa(), shared);
  EXPECT_EQ(fault.action, ExitAction::kSeaInjected);
  // The NS page is unchanged.
  std::array<uint8_t, 8> after{};
  ASSERT_TRUE(r.host.memory.read(*pa, after));
  EXPECT_EQ(after, pattern);
  EXPECT_EQ(r.realm_info().state, RealmState::kSystemOff);
  auto torn = r.teardown();
  ASSERT_TRUE(torn) << torn.error();
  EXPECT_EQ(r.granules_outside_ns(), 0u);
  EXPECT_EQ(r.host.granules.free_granules(), r.machine.dram().granule_count());
}

TEST(Vmm, ReadOfAnUnclaimedUnprotectedIpaIsAnsweredWithAnAbort) {
  // The same program with nothing mapped at the shared IPA: its first read
  // is a translation fault no device claims.
  RealmUnderTest r(sdk_program("hostile_readonly"), small_realm());
  ASSERT_TRUE(r.error.empty()) << r.error;
  const RunReport& report = r.vmm->run();
  EXPECT_EQ(report.console.rfind("realm: synchronous exception EC=0x25 (data abort)", 0), 0u) << report.console;
  EXPECT_EQ(report.exit_status, MICA_EXIT_EXCEPTION_BASE + 0x25);
  const auto seas = r.exits_with(ExitAction::kSeaInjected);
  ASSERT_EQ(seas.size(), 1u);
  EXPECT_EQ(seas[0].reason, RmiRecExitReason::kSync);
  EXPECT_EQ(esr_ec(seas[0].esr), kEcDataAbortLowerEl);
  EXPECT_TRUE(esr_isv(seas[0].esr));
  EXPECT_FALSE(esr_wnr(seas[0].esr));
  EXPECT_EQ(esr_fsc(seas[0].esr), kFscTranslationLevel1);  // no RTT below the root for the unprotected half
  EXPECT_EQ(seas[0].hpfar, (uint64_t{1} << 39) >> 8);
  EXPECT_EQ(seas[0].far, 0u);
  EXPECT_EQ(seas[0].gprs[0], 0u);  // a read carries no value
  EXPECT_EQ(report.count(ExitAction::kMmioRead) + report.count(ExitAction::kMmioWrite), 0u);
}

TEST(Vmm, UndefinedRsiIsSmcUnknownForTheRealmAndNeverReachesTheHost) {
  RealmUnderTest r(sdk_program("hostile_undef_rsi"), small_realm());
  ASSERT_TRUE(r.error.empty()) << r.error;
  const RunReport& report = r.vmm->run();
  EXPECT_EQ(report.console, "undefined RSI: 0xffffffffffffffff, RMI from a realm: 0xffffffffffffffff\n");
  EXPECT_EQ(report.exit_status, 0);
  EXPECT_EQ(report.exits(RmiRecExitReason::kSync), 0u);
  EXPECT_EQ(report.total_exits(), report.exits(RmiRecExitReason::kHostCall) + 1);
  EXPECT_EQ(r.realm_info().state, RealmState::kSystemOff);
}

TEST(Vmm, SpinningRealmIsStoppedByTheTimerBudgetAndTheHostKeepsControl) {
  VmmOptions options;
  options.max_timer_exits = 20;
  RealmUnderTest r(sdk_program("hostile_spin"), small_realm(), options);
  ASSERT_TRUE(r.error.empty()) << r.error;
  const RunReport& first = r.vmm->run();
  EXPECT_EQ(first.end, RunEnd::kTimerBudget) << first.summary();
  EXPECT_EQ(first.console, "spinning forever\n");
  EXPECT_EQ(first.timer_exits, 20u);
  EXPECT_EQ(first.exits(RmiRecExitReason::kIrq), 20u);
  EXPECT_EQ(first.count(ExitAction::kPreempted), 20u);
  EXPECT_FALSE(first.exit_status.has_value());
  // The host is in control: the REC is not running, still runnable, the
  // realm still active.
  EXPECT_FALSE(r.rec_info(0).running);
  EXPECT_TRUE(r.rec_info(0).runnable);
  EXPECT_EQ(r.vmm->rec_state(0), VmmRecState::kRunnable);
  EXPECT_EQ(r.realm_info().state, RealmState::kActive);

  // It may give the realm another slice (a fresh budget)...
  const RunReport& second = r.vmm->run();
  EXPECT_EQ(second.end, RunEnd::kTimerBudget);
  EXPECT_EQ(second.timer_exits, 40u);
  // ...or take it down while it still spins.
  auto torn = r.teardown();
  ASSERT_TRUE(torn) << torn.error();
  EXPECT_EQ(r.granules_outside_ns(), 0u);
}

TEST(Vmm, EntryBudgetStopsARealmThatExitsInALoop) {
  VmmOptions options;
  options.max_rec_entries = 2;
  RealmUnderTest r(sdk_program("hello"), small_realm(), options);
  ASSERT_TRUE(r.error.empty()) << r.error;
  const RunReport& report = r.vmm->run();
  EXPECT_EQ(report.end, RunEnd::kEntryBudget);
  EXPECT_EQ(report.rec_enters, 2u);
  EXPECT_EQ(r.realm_info().state, RealmState::kActive);
  // Continuing finishes it.
  EXPECT_EQ(r.vmm->run().end, RunEnd::kSystemOff);
  EXPECT_EQ(r.vmm->report().console, "Hello from a realm! REC 0 of 1, 2048 KiB of RAM at 0x40000000\n");
}

TEST(Vmm, AttestProgramGetsTheHostsChallengeAndHandsItsTokensOut) {
  std::array<uint8_t, kAttestChallengeSize> challenge{};
  for (size_t i = 0; i < challenge.size(); ++i) challenge[i] = static_cast<uint8_t>(0xC0 + i);
  VmmOptions options;
  options.attestation_challenge = challenge;
  RealmUnderTest r(sdk_program("attest"), small_realm(), options);
  ASSERT_TRUE(r.error.empty()) << r.error;
  const RunReport& report = r.vmm->run();
  EXPECT_EQ(report.exit_status, 0) << report.console << report.summary();
  EXPECT_EQ(report.count(ExitAction::kAttestChallenge), 1u);
  const auto asked = r.exits_with(ExitAction::kAttestChallenge);
  ASSERT_EQ(asked.size(), 1u);
  for (uint64_t g : asked[0].gprs) EXPECT_EQ(g, 0u);  // the realm asks with empty registers

  // Two complete tokens, of the sizes the realm printed, each carrying the
  // challenge (the realm token's challenge claim holds the 64 bytes as they are).
  ASSERT_EQ(report.attestation_tokens.size(), 2u);
  const std::string sizes = "attest: tokens of " + std::to_string(report.attestation_tokens[0].size()) + " and " +
                            std::to_string(report.attestation_tokens[1].size()) + " bytes\n";
  EXPECT_EQ(report.console, sizes);
  for (const auto& token : report.attestation_tokens) {
    EXPECT_GT(token.size(), 500u);
    EXPECT_NE(std::search(token.begin(), token.end(), challenge.begin(), challenge.end()), token.end());
  }
  const auto chunks = r.exits_with(ExitAction::kAttestTokenChunk);
  uint64_t bytes = 0;
  for (const VmmExit& c : chunks) {
    EXPECT_LE(c.gprs[2], kAttestChunkMax);
    bytes += c.gprs[2];
  }
  EXPECT_EQ(bytes, report.attestation_tokens[0].size() + report.attestation_tokens[1].size());
  EXPECT_TRUE(report.refused_host_calls.empty());
}

TEST(Vmm, AttestProgramWithoutAChallengeIsRefused) {
  RealmUnderTest r(sdk_program("attest"), small_realm());
  ASSERT_TRUE(r.error.empty()) << r.error;
  const RunReport& report = r.vmm->run();
  EXPECT_EQ(report.exit_status, 1);
  EXPECT_EQ(report.console.rfind("attest: no challenge from the host", 0), 0u) << report.console;
  EXPECT_EQ(report.count(ExitAction::kHostCallRefused), 1u);
  ASSERT_EQ(report.refused_host_calls.size(), 1u);
  EXPECT_EQ(report.refused_host_calls[0], "REC 0: ATTEST_CHALLENGE, but the host has no challenge to give");
  EXPECT_TRUE(report.attestation_tokens.empty());
}

}  // namespace
}  // namespace mica::host::testing
