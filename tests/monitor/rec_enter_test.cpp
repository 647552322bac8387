// RMI_REC_ENTER: every check of RMM 1.0 §5.1 in its order and priority, with
// nothing changed by a refused call; the REC is RUNNING for exactly the
// length of the call; concurrent RMI on a running REC and its realm.
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "realm_run_fixture.h"

namespace mica::monitor::testing {
namespace {

namespace run = abi::rec_run;

class RecEnterTest : public RealmRunTest {
 protected:
  void SetUp() override { build_realm(); }

  // Runs REC 0 into one exit: the scripted CPU takes `s`.
  void run_into(CpuStep s, const EnterArgs& args = {}) {
    script(rec(0), std::move(s));
    ASSERT_EQ(enter(rec(0), args), kRmiSuccess);
  }
  void expect_runs_once_more() {
    const size_t runs = platform_.run_count();
    script(rec(0), step([](RealmCpuContext&) {}, trap::irq()));
    EXPECT_EQ(enter(rec(0)), kRmiSuccess);
    EXPECT_EQ(platform_.run_count(), runs + 1);
  }
};

TEST_F(RecEnterTest, RunsTheRecWithItsContextStage2AndTheBudget) {
  script(rec(0), step([](RealmCpuContext& ctx) { ctx.pc += 0x40; }, trap::irq()));
  ASSERT_EQ(enter(rec(0)), kRmiSuccess);
  const std::vector<RunRecord> runs = platform_.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].rec, rec(0));
  EXPECT_EQ(runs[0].budget, kRealmInstructionBudget);
  EXPECT_EQ(runs[0].context.pc, layout::kEntryPc);
  EXPECT_EQ(runs[0].context.x[3], 3u);  // RmiRecParams.gprs
  EXPECT_EQ(runs[0].context.pstate, 0x3C5u);
  EXPECT_EQ(runs[0].stage2.root_rtt, realm_.root);
  EXPECT_EQ(runs[0].stage2.start_level, 1);
  EXPECT_EQ(runs[0].stage2.ipa_width, layout::kS2sz);
  EXPECT_EQ(runs[0].stage2.num_root_rtts, 1);
  EXPECT_EQ(runs[0].stage2.vmid, realm_info().vmid);
  // The context the CPU left is the REC's from now on.
  EXPECT_EQ(rec_info(rec(0)).cpu.pc, layout::kEntryPc + 0x40);
  EXPECT_FALSE(rec_info(rec(0)).running);
}

// --- Step 1: the RecRun granule ----------------------------------------------------------------

TEST_F(RecEnterTest, RecRunMustBeAnNsGranule) {
  const uint64_t delegated_page = delegated().value();
  const Snapshot before = snapshot();
  for (uint64_t bad : {delegated_page, realm_.rd.value(), realm_.data.at(0).value(), run_page_.value() + 8,
                       kRunDramBase + kRunDramSize, uint64_t{0x1000}}) {
    EXPECT_EQ(rmi(RmiCommand::kRecEnter, rec(0).value(), bad).x[0], kRmiErrorInput) << std::hex << bad;
  }
  expect_unchanged(before);
  EXPECT_FALSE(rec_info(rec(0)).running);
}

TEST_F(RecEnterTest, RecRunCheckComesBeforeTheRecCheck) {
  // Both wrong: the RecRun check decides (ERROR_INPUT either way), and a
  // running REC is not even looked at.
  ASSERT_TRUE(monitor_->test_set_rec_running(rec(0), true));
  const Snapshot before = snapshot();
  EXPECT_EQ(rmi(RmiCommand::kRecEnter, rec(0).value(), realm_.rd.value()).x[0], kRmiErrorInput);
  expect_unchanged(before);
}

// --- Step 2: the REC --------------------------------------------------------------------------------

TEST_F(RecEnterTest, RecMustBeARecGranule) {
  for (PhysAddr bad : {realm_.rd, realm_.root, run_page_, delegated(), PhysAddr(rec(0).value() + 0x10),
                       realm_.data.at(0)}) {
    expect_refused(kRmiErrorInput, bad);
  }
}

TEST_F(RecEnterTest, RunningRecIsRefusedBeforeRealmChecks) {
  ASSERT_TRUE(monitor_->test_set_rec_running(rec(0), true));
  expect_refused(kRmiErrorRec, rec(0));
  ASSERT_TRUE(monitor_->test_set_rec_running(rec(0), false));
  expect_runs_once_more();
}

// --- Step 3: reading RmiRecEnter ------------------------------------------------------------------

TEST_F(RecEnterTest, RecRunThatFaultsWhenReadIsErrorInputAndTheRecIsNotLeftRunning) {
  // The monitor's table says NS, but the GPT no longer does: the read faults.
  machine_.gpt().set(run_page_, platform::Pas::kRealm);
  EXPECT_EQ(rmi(RmiCommand::kRecEnter, rec(0).value(), run_page_.value()).x[0], kRmiErrorInput);
  EXPECT_FALSE(rec_info(rec(0)).running);
  EXPECT_EQ(platform_.run_count(), 0u);
  machine_.gpt().set(run_page_, platform::Pas::kNonSecure);
  expect_runs_once_more();
}

// --- Step 4: the realm's state -------------------------------------------------------------------

class RecEnterNewRealmTest : public RealmRunTest {
 protected:
  void SetUp() override { build_realm(RealmOptions{.hash_algo = 0, .recs = 1, .activate = false}); }
};

TEST_F(RecEnterNewRealmTest, NewRealmIsErrorRealmIndex0) {
  expect_refused(abi::rmi_status_word(abi::RmiStatus::kErrorRealm, 0), rec(0));
}

TEST_F(RecEnterTest, SystemOffRealmIsErrorRealmIndex1ForEveryRec) {
  run_into(smc_step(0x2000, {abi::psci::kSystemOff}));
  ASSERT_EQ(realm_info().state, RealmState::kSystemOff);
  expect_refused(0x102, rec(0));
  expect_refused(0x102, rec(2));
}

TEST_F(RecEnterTest, RealmStateComesBeforeRunnable) {
  run_into(smc_step(0x2000, {abi::psci::kSystemOff}));
  expect_refused(0x102, rec(1));  // REC 1 is not runnable either
}

// --- Step 5: runnable, PSCI pending --------------------------------------------------------------

TEST_F(RecEnterTest, NotRunnableRecIsErrorRec) { expect_refused(kRmiErrorRec, rec(1)); }

TEST_F(RecEnterTest, RecWithPendingPsciRequestIsErrorRec) {
  run_into(smc_step(0x2000, {abi::psci::kCpuOn64, 1, 0x3000, 7}));
  ASSERT_TRUE(rec_info(rec(0)).psci_pending);
  expect_refused(kRmiErrorRec, rec(0));
}

// --- Step 6: GIC state ----------------------------------------------------------------------------------

constexpr uint64_t lr(uint64_t state, uint64_t vintid, uint64_t priority = 0xA0, uint64_t pintid = 0, bool hw = false) {
  return (state << 62) | (hw ? uint64_t{1} << 61 : 0) | (priority << 48) | (pintid << 32) | vintid;
}
constexpr uint64_t kPending = 1;

TEST_F(RecEnterTest, GicHcrMayHoldOnlyTheHostBits) {
  for (unsigned bit : {0u, 8u, 13u, 15u, 27u, 31u, 63u}) {
    EnterArgs args;
    args.gicv3_hcr = uint64_t{1} << bit;
    expect_refused(kRmiErrorRec, rec(0), args);
  }
}

TEST_F(RecEnterTest, InvalidListRegistersAreErrorRec) {
  const uint64_t bad[] = {
      lr(kPending, 27, 0xA0, 0, /*hw=*/true),  // HW = 1
      lr(kPending, 27, 0xA1),                  // priority RES0 bits (5 priority bits)
      lr(kPending, 27, 0xA0, 0x1),             // pINTID other than EOI
      lr(kPending, 1020),                      // special INTID
      lr(kPending, 8191),                      // between SPIs and LPIs
      lr(kPending, 65536),                     // beyond 16 ID bits
  };
  for (uint64_t value : bad) {
    for (unsigned slot : {0u, 15u}) {
      EnterArgs args;
      args.gicv3_lrs[slot] = value;
      expect_refused(kRmiErrorRec, rec(0), args);
    }
  }
}

TEST_F(RecEnterTest, TwoLiveListRegistersForOneInterruptAreErrorRec) {
  EnterArgs args;
  args.gicv3_lrs[2] = lr(kPending, 40);
  args.gicv3_lrs[9] = lr(2 /*active*/, 40);
  expect_refused(kRmiErrorRec, rec(0), args);
}

TEST_F(RecEnterTest, ValidGicStateIsTakenAndHandedBackOnExit) {
  EnterArgs args;
  args.gicv3_hcr = (uint64_t{0x7F} << 1) | (uint64_t{1} << 14);
  args.gicv3_lrs[0] = lr(kPending, 27);
  args.gicv3_lrs[1] = lr(kPending, 8192, 0x80, uint64_t{1} << 9 /* EOI */);
  args.gicv3_lrs[3] = lr(0 /*invalid*/, 27, 0xFF, 0x1FFF, true);  // invalid LRs are not checked
  args.gicv3_lrs[15] = lr(3 /*pending+active*/, 1019);
  run_into(step([](RealmCpuContext&) {}, trap::irq()), args);
  const ExitView exit = exit_view();
  EXPECT_EQ(exit.gicv3_hcr, args.gicv3_hcr);
  EXPECT_EQ(exit.gicv3_lrs, args.gicv3_lrs);
  EXPECT_EQ(exit.gicv3_misr, 0u);
  EXPECT_EQ(exit.gicv3_vmcr, 0u);
}

TEST_F(RecEnterTest, PriorityNotRunnableAndBadGicIsStillErrorRecAndNothingChanges) {
  EnterArgs args;
  args.gicv3_hcr = 1;
  expect_refused(kRmiErrorRec, rec(1), args);
}

// --- Step 7: INJECT_SEA and EMUL_MMIO against the last exit ---------------------------------------

TEST_F(RecEnterTest, InjectSeaWithoutADataAbortExitIsErrorRec) {
  EnterArgs args;
  args.flags = run::kFlagInjectSea;
  expect_refused(kRmiErrorRec, rec(0), args);  // never exited
  run_into(smc_step(0x2000, {abi::rsi_fid(abi::RsiCommand::kHostCall), 0x2000}));
  expect_refused(kRmiErrorRec, rec(0), args);  // last exit: an SMC
}

TEST_F(RecEnterTest, InjectSeaAfterAProtectedDataAbortIsErrorRec) {
  run_into(step([](RealmCpuContext&) {},
                trap::data_abort(trap::data_abort_esr({}), layout::kUnmappedRam, layout::kUnmappedRam + 8)));
  EnterArgs args;
  args.flags = run::kFlagInjectSea;
  expect_refused(kRmiErrorRec, rec(0), args);
}

TEST_F(RecEnterTest, EmulMmioWithoutAnEmulatableExitIsErrorRec) {
  EnterArgs args;
  args.flags = run::kFlagEmulMmio;
  expect_refused(kRmiErrorRec, rec(0), args);
  // A protected IPA, even with a valid instruction syndrome, is not MMIO.
  run_into(step([](RealmCpuContext&) {},
                trap::data_abort(trap::data_abort_esr({}), layout::kUnmappedRam, layout::kUnmappedRam)));
  expect_refused(kRmiErrorRec, rec(0), args);
  // An unprotected IPA without ISV cannot be emulated either.
  script(rec(0), step([](RealmCpuContext&) {},
                      trap::data_abort(trap::ec(0x24) | trap::kIl | 0x07, layout::kUnprotected, layout::kUnprotected)));
  ASSERT_EQ(enter(rec(0)), kRmiSuccess);
  expect_refused(kRmiErrorRec, rec(0), args);
}

TEST_F(RecEnterTest, GicCheckComesBeforeTheFlagChecks) {
  EnterArgs args;
  args.flags = run::kFlagEmulMmio;
  args.gicv3_hcr = 1;
  expect_refused(kRmiErrorRec, rec(0), args);
}

TEST_F(RecEnterTest, MmioCompletionIsOneShot) {
  run_into(step([](RealmCpuContext& ctx) { ctx.pc = 0x1100; },
                trap::data_abort(trap::data_abort_esr({.rt = 2}), layout::kUnprotected, layout::kUnprotected)));
  EnterArgs args;
  args.flags = run::kFlagEmulMmio;
  args.gprs[0] = 5;
  script(rec(0), step([](RealmCpuContext&) {}, trap::irq()));
  ASSERT_EQ(enter(rec(0), args), kRmiSuccess);
  EXPECT_EQ(rec_info(rec(0)).cpu.x[2], 5u);
  // The exit since was an IRQ: a second completion is refused.
  expect_refused(kRmiErrorRec, rec(0), args);
}

// --- The exit page ----------------------------------------------------------------------------------------

TEST_F(RecEnterTest, ExitThatCannotBeWrittenIsErrorInputButTheRecHasRun) {
  script(rec(0), step([](RealmCpuContext& ctx) { ctx.pc = 0x1234; }, trap::irq()));
  // The host gives the RecRun granule away while the REC runs.
  platform_.on_run = [this](PhysAddr) { machine_.gpt().set(run_page_, platform::Pas::kRealm); };
  EXPECT_EQ(rmi(RmiCommand::kRecEnter, rec(0).value(), run_page_.value()).x[0], kRmiErrorInput);
  EXPECT_EQ(rec_info(rec(0)).cpu.pc, 0x1234u);
  EXPECT_FALSE(rec_info(rec(0)).running);
}

TEST_F(RecEnterTest, ExitHalfIsRewrittenWholeOnEverySuccessfulEntry) {
  std::vector<uint8_t> junk(0x800, 0xEE);
  host_write(run_page_.plus(run::kExit), junk.data(), junk.size());
  run_into(step([](RealmCpuContext&) {}, trap::irq()));
  const ExitView exit = exit_view();
  std::vector<uint8_t> expected(0x800, 0);
  expected[0] = 1;  // RMI_EXIT_IRQ
  EXPECT_EQ(exit.raw, expected);
}

// --- RUNNING --------------------------------------------------------------------------------------------------

TEST_F(RecEnterTest, RecIsRunningDuringTheCallAndRmiOnItIsRefused) {
  bool checked = false;
  platform_.on_run = [&](PhysAddr running) {
    if (checked) return;
    checked = true;
    EXPECT_EQ(running, rec(0));
    EXPECT_TRUE(rec_info(rec(0)).running);
    EXPECT_EQ(monitor_->granule_state(rec(0)), GranuleState::kRec);
    // What another PE would try meanwhile. A second PE's RecRun granule:
    const PhysAddr other_run = ns_granule();
    EXPECT_EQ(rmi(RmiCommand::kRecEnter, rec(0).value(), other_run.value()).x[0], kRmiErrorRec);
    EXPECT_EQ(rmi(RmiCommand::kRecDestroy, rec(0).value()).x[0], kRmiErrorRec);
    EXPECT_EQ(rmi(RmiCommand::kRttSetRipas, realm_.rd.value(), rec(0).value(), 0, 0x1000).x[0], kRmiErrorRec);
    EXPECT_EQ(rmi(RmiCommand::kPsciComplete, rec(0).value(), rec(2).value(), 0).x[0], kRmiErrorInput);
    EXPECT_EQ(rmi(RmiCommand::kRealmDestroy, realm_.rd.value()).x[0], kRmiErrorRealm);
    // Other RECs of the realm are not affected.
    script(rec(2), step([](RealmCpuContext&) {}, trap::irq()));
    EXPECT_EQ(rmi(RmiCommand::kRecEnter, rec(2).value(), other_run.value()).x[0], kRmiSuccess);
  };
  run_into(step([](RealmCpuContext&) {}, trap::irq()));
  EXPECT_TRUE(checked);
  EXPECT_FALSE(rec_info(rec(0)).running);
  EXPECT_EQ(monitor_->granule_state(rec(0)), GranuleState::kRec);
}

// Two host threads enter the same REC: exactly one runs it, the other is
// refused with ERROR_REC, whatever the interleaving.
TEST_F(RecEnterTest, ConcurrentEntriesOfOneRecRunItOnce) {
  std::mutex m;
  std::condition_variable cv;
  bool in_realm = false;
  bool release = false;
  platform_.on_run = [&](PhysAddr) {
    std::unique_lock lock(m);
    in_realm = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  };
  script(rec(0), step([](RealmCpuContext&) {}, trap::irq()));
  write_enter({});
  uint64_t first = 0;
  std::thread runner([&] { first = rmi(RmiCommand::kRecEnter, rec(0).value(), run_page_.value()).x[0]; });
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return in_realm; });
  }
  const PhysAddr other_run = ns_granule();
  const uint64_t second = rmi(RmiCommand::kRecEnter, rec(0).value(), other_run.value()).x[0];
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  runner.join();
  EXPECT_EQ(first, kRmiSuccess);
  EXPECT_EQ(second, kRmiErrorRec);
  EXPECT_EQ(platform_.run_count(), 1u);
}

// RECs of one realm run on several host threads while the host changes the
// realm's RTTs: each REC's measurement chain is exactly its own calls'.
TEST_F(RecEnterTest, RecsOfOneRealmRunConcurrentlyWithRmiOnTheRealm) {
  constexpr unsigned kEntries = 20;
  constexpr unsigned kExtendsPerEntry = 10;
  const uint64_t extend = abi::rsi_fid(abi::RsiCommand::kMeasurementExtend);
  // Granules are handed out before the threads start (the allocator is not shared).
  const PhysAddr table = delegated();
  const std::array<PhysAddr, 3> runs{ns_granule(), ns_granule(), ns_granule()};
  auto worker = [&](unsigned rec_index, unsigned rem, uint64_t data) {
    const PhysAddr rec_pa = rec(rec_index);
    const PhysAddr my_run = runs[rec_index];
    for (unsigned e = 0; e < kEntries; ++e) {
      for (unsigned i = 0; i < kExtendsPerEntry; ++i) {
        platform_.script(rec_pa, smc_step(0x1000, {extend, rem, 8, data}));
      }
      platform_.script(rec_pa, step([](RealmCpuContext&) {}, trap::irq()));
      std::vector<uint8_t> enter_bytes(0x800, 0);
      ASSERT_EQ(machine_.host_write(my_run, enter_bytes.data(), enter_bytes.size()), platform::AccessResult::kOk);
      SmcArgs args;
      args.x[0] = abi::rmi_fid(RmiCommand::kRecEnter);
      args.x[1] = rec_pa.value();
      args.x[2] = my_run.value();
      ASSERT_EQ(monitor_->handle_rmi(args).x[0], kRmiSuccess);
    }
  };
  std::atomic<bool> stop{false};
  std::thread host([&] {
    // RTT traffic on the same realm (its RD and root RTT locks): a level-2
    // table at 1 GiB created and destroyed, which only this thread touches.
    while (!stop.load()) {
      EXPECT_EQ(rmi(RmiCommand::kRttCreate, realm_.rd.value(), table.value(), 0x4000'0000, 2).x[0], kRmiSuccess);
      EXPECT_EQ(rmi(RmiCommand::kRttDestroy, realm_.rd.value(), 0x4000'0000, 2).x[0], kRmiSuccess);
    }
  });
  std::thread a(worker, 0, 1, 0x1111);
  std::thread b(worker, 2, 2, 0x2222);
  a.join();
  b.join();
  stop = true;
  host.join();

  // The chains each REC's calls produce on their own.
  const RealmInfo concurrent = realm_info();
  std::array<uint8_t, 64> rem1{}, rem2{};
  auto chain = [&](std::array<uint8_t, 64>& slot, uint64_t data) {
    for (unsigned n = 0; n < kEntries * kExtendsPerEntry; ++n) {
      PlatformInterface::HashContext h;
      platform_.hash_init(h, HashAlgo::kSha256);
      platform_.hash_update(h, slot.data(), 32);
      platform_.hash_update(h, &data, 8);
      uint8_t out[64];
      platform_.hash_finish(h, out);
      std::memcpy(slot.data(), out, 64);
    }
  };
  chain(rem1, 0x1111);
  chain(rem2, 0x2222);
  EXPECT_EQ(0, std::memcmp(concurrent.measurements[1], rem1.data(), 64));
  EXPECT_EQ(0, std::memcmp(concurrent.measurements[2], rem2.data(), 64));
}

}  // namespace
}  // namespace mica::monitor::testing
