// The exits the SDK's examples never make, from the test realms in
// realms/vmm_*.c: MMIO to the VMM's device, RIPAS changes (give back, take
// back, grow with pages populated on first touch), WFI/WFE, GIC register
// traps, CPU_SUSPEND, host calls the VMM refuses, and an SError exit.
#include <gtest/gtest.h>

#include <string>

#include "mica/rsi_abi.h"
#include "vmm_fixture.h"

namespace mica::host::testing {
namespace {

using monitor::RealmState;
using monitor::abi::Ripas;
using monitor::abi::RmiRttEntryState;

TEST(VmmExits, DeviceAccessesAreEmulatedAndAnUnclaimedPageGetsAnAbort) {
  RealmUnderTest r(vmm_realm("vmm_device"), small_realm());
  ASSERT_TRUE(r.error.empty()) << r.error;
  const uint64_t device = r.vmm->test_device_ipa();
  ASSERT_EQ(device, (uint64_t{1} << 39) + 0x0900'0000);
  const RunReport& report = r.vmm->run();

  EXPECT_EQ(report.console.rfind("id 0x315645444143494d high 0x31564544 byte I scratch 0x1122334455668001 "
                                 "half -32767 ticks 1 2 sent 9\n"
                                 "reading the unclaimed page after the device\n"
                                 "realm: synchronous exception EC=0x25 (data abort)",
                                 0),
            0u)
      << report.console;
  EXPECT_EQ(report.exit_status, MICA_EXIT_EXCEPTION_BASE + 0x25);

  // Every access, in program order, as the device saw it.
  struct Expected {
    uint64_t offset;
    unsigned size;
    bool is_write;
    uint64_t value;
  };
  std::vector<Expected> expected = {
      {0x00, 8, false, MicaTestDevice::kIdValue},
      {0x04, 4, false, 0x31564544},
      {0x01, 1, false, 'I'},
      {0x08, 8, true, 0x1122334455667788},
      {0x08, 2, true, 0x8001},
      {0x08, 8, false, 0x1122334455668001},
      {0x08, 2, false, 0x8001},  // the monitor sign-extends it into the register
      {0x10, 8, false, 1},
      {0x10, 8, false, 2},
  };
  for (char c : std::string("via MMIO\n")) expected.push_back({0x18, 1, true, static_cast<uint8_t>(c)});
  expected.push_back({0x20, 8, false, 9});
  ASSERT_EQ(report.mmio.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(report.mmio[i].ipa, device + expected[i].offset);
    EXPECT_EQ(report.mmio[i].size, expected[i].size);
    EXPECT_EQ(report.mmio[i].is_write, expected[i].is_write);
    EXPECT_EQ(report.mmio[i].value, expected[i].value);
    EXPECT_EQ(report.mmio[i].rec, 0u);
  }
  MicaTestDevice& dev = *r.vmm->test_device();
  EXPECT_EQ(dev.output(), "via MMIO\n");
  EXPECT_EQ(dev.scratch(), 0x1122334455668001u);
  EXPECT_EQ(dev.counter(), 2u);
  EXPECT_EQ(dev.ignored_writes(), 0u);

  // What the host saw of the accesses: an emulatable data abort with the
  // size, direction and (for writes) the value; the page offset in FAR.
  const auto writes = r.exits_with(ExitAction::kMmioWrite);
  const auto reads = r.exits_with(ExitAction::kMmioRead);
  EXPECT_EQ(writes.size(), 11u);
  EXPECT_EQ(reads.size(), 8u);
  for (const VmmExit& e : writes) {
    EXPECT_EQ(esr_ec(e.esr), kEcDataAbortLowerEl);
    EXPECT_TRUE(esr_isv(e.esr));
    EXPECT_TRUE(esr_wnr(e.esr));
    EXPECT_EQ(esr_fsc(e.esr), kFscTranslationLevel1);
    EXPECT_EQ(e.hpfar, (device >> 12) << 4);
  }
  EXPECT_EQ(writes[0].gprs[0], 0x1122334455667788u);
  EXPECT_EQ(esr_sas(writes[0].esr), 3u);
  EXPECT_EQ(writes[1].gprs[0], 0x8001u);
  EXPECT_EQ(esr_sas(writes[1].esr), 1u);
  EXPECT_EQ(writes[1].far, 0x008u);
  for (const VmmExit& e : reads) {
    EXPECT_FALSE(esr_wnr(e.esr));
    EXPECT_EQ(e.gprs[0], 0u);  // a read discloses nothing
    EXPECT_FALSE(esr_sse(e.esr));  // SSE and SRT stay with the monitor
    EXPECT_EQ(esr_srt(e.esr), 0u);
  }
  EXPECT_EQ(reads[1].far, 0x004u);
  EXPECT_EQ(esr_sas(reads[1].esr), 2u);
  EXPECT_EQ(reads[2].far, 0x001u);
  EXPECT_EQ(esr_sas(reads[2].esr), 0u);
  EXPECT_TRUE(esr_sf(reads[4].esr));  // LDRSH Xt: a 64-bit destination
  EXPECT_EQ(esr_sas(reads[4].esr), 1u);

  // The access to the page after the window: no device, so an abort.
  const auto seas = r.exits_with(ExitAction::kSeaInjected);
  ASSERT_EQ(seas.size(), 1u);
  EXPECT_EQ(seas[0].ipa(), device + 0x1000);
  EXPECT_TRUE(esr_isv(seas[0].esr));
  EXPECT_FALSE(esr_wnr(seas[0].esr));
  EXPECT_EQ(r.realm_info().state, RealmState::kSystemOff);
}

TEST(VmmExits, RipasChangesAreAcceptedAndNewRamIsPopulatedOnFirstTouch) {
  RealmUnderTest r(vmm_realm("vmm_ripas"), small_realm());
  ASSERT_TRUE(r.error.empty()) << r.error;
  const uint64_t ram_end = r.config.ram_base + r.config.ram_size;
  const size_t loaded_pages = r.realm.data.size();
  const RunReport& report = r.vmm->run();

  EXPECT_EQ(report.console,
            "grew RAM to 0x40210000: 8192 zero words before, 8192 good words after\n"
            "unknown host call: status 0, gprs 0xffffffffffffffff 0x8; console of 241 bytes: 0xffffffffffffffff\n"
            "waited; ICC_IAR1_EL1 read 0x0; CPU_SUSPEND returned 0\n");
  EXPECT_EQ(report.exit_status, 0);
  EXPECT_EQ(report.end, RunEnd::kSystemOff);

  // Three requests: the last page EMPTY, the same page RAM, 64 KiB past RAM RAM.
  const auto changes = r.exits_where([](const VmmExit& e) { return e.reason == RmiRecExitReason::kRipasChange; });
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].ripas_base, ram_end - 0x1000);
  EXPECT_EQ(changes[0].ripas_top, ram_end);
  EXPECT_EQ(changes[0].ripas_value, static_cast<uint8_t>(Ripas::kEmpty));
  EXPECT_EQ(changes[1].ripas_base, ram_end - 0x1000);
  EXPECT_EQ(changes[1].ripas_value, static_cast<uint8_t>(Ripas::kRam));
  EXPECT_EQ(changes[2].ripas_base, ram_end);
  EXPECT_EQ(changes[2].ripas_top, ram_end + 0x10000);
  EXPECT_EQ(changes[2].ripas_value, static_cast<uint8_t>(Ripas::kRam));
  for (const VmmExit& e : changes) EXPECT_EQ(e.action, ExitAction::kRipasAccepted);

  // The grown range needed a level-3 RTT and 16 pages, each added on its
  // first touch (a stage-2 abort in the PAR).
  const auto populated = r.exits_with(ExitAction::kPagePopulated);
  ASSERT_EQ(populated.size(), 16u);
  for (size_t i = 0; i < populated.size(); ++i) {
    EXPECT_EQ(populated[i].ipa() & ~uint64_t{0xFFF}, ram_end + i * 0x1000);
    EXPECT_EQ(esr_ec(populated[i].esr), kEcDataAbortLowerEl);
    EXPECT_EQ(populated[i].far, 0u);  // nothing about the access inside a protected page
  }
  EXPECT_EQ(report.granules_added, 17u);
  EXPECT_EQ(r.realm.data.size(), loaded_pages + 16);
  for (uint64_t ipa : {ram_end - 0x1000, ram_end, ram_end + 0xF000}) {
    const auto entry = r.host.rmi.rtt_read_entry(r.realm.rd, Ipa(ipa), 3);
    ASSERT_TRUE(entry.ok());
    EXPECT_EQ(entry.out.level, 3);
    EXPECT_EQ(entry.out.state, RmiRttEntryState::kAssigned);
    EXPECT_EQ(entry.out.ripas, Ripas::kRam);
  }
  const auto beyond = r.host.rmi.rtt_read_entry(r.realm.rd, Ipa(ram_end + 0x10000), 3);
  ASSERT_TRUE(beyond.ok());
  EXPECT_EQ(beyond.out.state, RmiRttEntryState::kUnassigned);
  EXPECT_EQ(beyond.out.ripas, Ripas::kEmpty);

  // The rest of a kernel's exits.
  const auto refused = r.exits_with(ExitAction::kHostCallRefused);
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0].imm, 0x100u);
  EXPECT_EQ(refused[0].gprs[0], 7u);
  EXPECT_EQ(refused[1].imm, kHostCallConsoleWrite);
  EXPECT_EQ(refused[1].gprs[0], 241u);
  EXPECT_EQ(report.refused_host_calls,
            (std::vector<std::string>{"REC 0: unknown immediate 0x100", "REC 0: CONSOLE_WRITE of 241 bytes"}));
  const auto wfi = r.exits_with(ExitAction::kWfi);
  const auto wfe = r.exits_with(ExitAction::kWfe);
  ASSERT_EQ(wfi.size(), 1u);
  ASSERT_EQ(wfe.size(), 1u);
  EXPECT_EQ(wfi[0].esr, uint64_t{0x01} << 26);
  EXPECT_EQ(wfe[0].esr, (uint64_t{0x01} << 26) | 1);
  const auto sysregs = r.exits_with(ExitAction::kSysRegEmulated);
  ASSERT_EQ(sysregs.size(), 2u);
  EXPECT_EQ(esr_ec(sysregs[0].esr), 0x18u);
  EXPECT_EQ(sysregs[0].esr & 1, 1u);  // MRS
  EXPECT_EQ(sysregs[1].esr & 1, 0u);  // MSR
  EXPECT_EQ(report.count(ExitAction::kPsciCpuSuspend), 1u);

  auto torn = r.teardown();
  ASSERT_TRUE(torn) << torn.error();
  EXPECT_EQ(r.granules_outside_ns(), 0u);
  EXPECT_EQ(r.host.granules.free_granules(), r.machine.dram().granule_count());
}

TEST(VmmExits, RejectedRipasChangeLeavesTheRealmsMemoryAlone) {
  VmmOptions options;
  options.accept_ripas_changes = false;
  RealmUnderTest r(vmm_realm("vmm_ripas"), small_realm(), options);
  ASSERT_TRUE(r.error.empty()) << r.error;
  const uint64_t last = r.config.ram_base + r.config.ram_size - 0x1000;
  const RunReport& report = r.vmm->run();
  // An EMPTY request the host rejects: the realm sees no progress.
  EXPECT_EQ(report.console, "give back: IPA_STATE_SET refused at 0x401ff000 (response 0)\n");
  EXPECT_EQ(report.exit_status, 2);
  EXPECT_EQ(report.count(ExitAction::kRipasRejected), 1u);
  const auto entry = r.host.rmi.rtt_read_entry(r.realm.rd, Ipa(last), 3);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry.out.state, RmiRttEntryState::kAssigned);
  EXPECT_EQ(entry.out.ripas, Ripas::kRam);
}

TEST(VmmExits, PopulationBeyondTheHostsLimitStopsTheRec) {
  VmmOptions options;
  options.max_added_granules = 5;  // one RTT and four pages of the 64 KiB the realm grows by
  RealmUnderTest r(vmm_realm("vmm_ripas"), small_realm(), options);
  ASSERT_TRUE(r.error.empty()) << r.error;
  const uint64_t ram_end = r.config.ram_base + r.config.ram_size;
  const RunReport& report = r.vmm->run();
  EXPECT_EQ(report.count(ExitAction::kPagePopulated), 4u);
  EXPECT_EQ(report.granules_added, 5u);
  EXPECT_EQ(report.end, RunEnd::kNoRunnableRec);
  EXPECT_EQ(r.vmm->rec_state(0), VmmRecState::kStopped);
  EXPECT_EQ(report.recs[0].stop_reason.rfind("could not populate protected IPA 0x40204000: the VMM's limit of 5", 0),
            0u)
      << report.recs[0].stop_reason;
  const VmmExit& last = r.exits.back();
  EXPECT_EQ(last.action, ExitAction::kRecStopped);
  EXPECT_EQ(last.ipa() & ~uint64_t{0xFFF}, ram_end + 0x4000);
  EXPECT_FALSE(report.exit_status.has_value());
  auto torn = r.teardown();
  ASSERT_TRUE(torn) << torn.error();
  EXPECT_EQ(r.granules_outside_ns(), 0u);
}

TEST(VmmExits, TooFragmentedStage2EndsInAnSErrorAndTheRecIsStopped) {
  RealmUnderTest r(vmm_realm("vmm_fragment"), small_realm(uint64_t{12} << 20));
  ASSERT_TRUE(r.error.empty()) << r.error;
  const RunReport& report = r.vmm->run();
  EXPECT_EQ(report.console, "1100 holes made; touching the pages between them\n");
  EXPECT_EQ(report.count(ExitAction::kRipasAccepted), 1100u);

  // The realm CPU cannot map that many separate regions: an SError exit
  // with IDS set and the platform's reason (1: layout too fragmented).
  const auto serrors = r.exits_where([](const VmmExit& e) { return e.reason == RmiRecExitReason::kSerror; });
  ASSERT_EQ(serrors.size(), 1u);
  EXPECT_EQ(serrors[0].esr, (uint64_t{1} << 24) | 1);
  EXPECT_EQ(serrors[0].action, ExitAction::kRecStopped);
  EXPECT_EQ(report.end, RunEnd::kNoRunnableRec);
  EXPECT_EQ(r.vmm->rec_state(0), VmmRecState::kStopped);
  EXPECT_NE(report.recs[0].stop_reason.find("SError"), std::string::npos);
  EXPECT_FALSE(report.exit_status.has_value());
  // The host stopped the REC; the monitor still has it, not running; the realm is active.
  EXPECT_FALSE(r.rec_info(0).running);
  EXPECT_EQ(r.realm_info().state, RealmState::kActive);
  // Nothing is runnable, so another run() enters nothing.
  const uint64_t enters = report.rec_enters;
  EXPECT_EQ(r.vmm->run().rec_enters, enters);
  auto torn = r.teardown();
  ASSERT_TRUE(torn) << torn.error();
  EXPECT_EQ(r.granules_outside_ns(), 0u);
}

}  // namespace
}  // namespace mica::host::testing
