// The built-in device's register map (docs/vmm.md), and the VMM's checks on
// device windows and unprotected mappings a host program asks for.
#include <gtest/gtest.h>

#include "vmm_fixture.h"

namespace mica::host::testing {
namespace {

TEST(MicaTestDevice, RegistersBehaveAsDocumented) {
  MicaTestDevice dev;
  EXPECT_EQ(dev.read(MicaTestDevice::kId, 8), MicaTestDevice::kIdValue);
  EXPECT_EQ(dev.read(MicaTestDevice::kId + 2, 2), 0x4143u);  // "CA"
  EXPECT_EQ(dev.read(MicaTestDevice::kId + 7, 1), static_cast<uint64_t>('1'));
  dev.write(MicaTestDevice::kId, 8, 5);  // read-only: ignored
  EXPECT_EQ(dev.read(MicaTestDevice::kId, 8), MicaTestDevice::kIdValue);
  EXPECT_EQ(dev.ignored_writes(), 1u);

  dev.write(MicaTestDevice::kScratch, 8, 0xAAAA'BBBB'CCCC'DDDD);
  dev.write(MicaTestDevice::kScratch + 4, 4, 0x1234'5678);
  dev.write(MicaTestDevice::kScratch + 1, 1, 0xEE);
  EXPECT_EQ(dev.scratch(), 0x1234'5678'CCCC'EEDDu);
  EXPECT_EQ(dev.read(MicaTestDevice::kScratch + 4, 4), 0x1234'5678u);

  EXPECT_EQ(dev.read(MicaTestDevice::kCounter, 8), 1u);
  EXPECT_EQ(dev.read(MicaTestDevice::kCounter, 4), 2u);
  EXPECT_EQ(dev.counter(), 2u);

  dev.write(MicaTestDevice::kTx, 4, 0x4142);  // transmits the low byte only
  dev.write(MicaTestDevice::kTx, 1, 'c');
  dev.write(MicaTestDevice::kTx + 1, 1, 'x');  // not the low byte: ignored
  EXPECT_EQ(dev.output(), "Bc");
  EXPECT_EQ(dev.read(MicaTestDevice::kTx, 8), 0u);
  EXPECT_EQ(dev.read(MicaTestDevice::kTxCount, 8), 2u);

  EXPECT_EQ(dev.read(0x28, 8), 0u);  // unused: reads as zero, ignores writes
  dev.write(0xFF8, 8, 1);
  EXPECT_EQ(dev.ignored_writes(), 3u);
}

TEST(MicaTestDevice, OutputIsBoundedButCounted) {
  MicaTestDevice dev;
  for (size_t i = 0; i < MicaTestDevice::kMaxOutput + 10; ++i) dev.write(MicaTestDevice::kTx, 1, 'a');
  EXPECT_EQ(dev.output().size(), MicaTestDevice::kMaxOutput);
  EXPECT_EQ(dev.tx_count(), MicaTestDevice::kMaxOutput + 10);
}

class CountingDevice final : public MmioDevice {
 public:
  std::string_view name() const override { return "counting"; }
  uint64_t read(uint64_t offset, unsigned) override { return offset; }
  void write(uint64_t, unsigned, uint64_t) override {}
};

TEST(VmmSetup, DeviceWindowsAndUnprotectedPagesAreChecked) {
  RealmUnderTest r(sdk_program("hello"), small_realm());
  ASSERT_TRUE(r.error.empty()) << r.error;
  Vmm& vmm = *r.vmm;
  CountingDevice device;
  const uint64_t base = vmm.unprotected_base();

  EXPECT_FALSE(vmm.attach_device(0x5000'0000, 0x1000, device));          // protected
  EXPECT_FALSE(vmm.attach_device(base + 0x10, 0x1000, device));          // unaligned
  EXPECT_FALSE(vmm.attach_device(base, 0x800, device));                  // not whole pages
  EXPECT_FALSE(vmm.attach_device(base * 2 - 0x1000, 0x2000, device));    // past the IPA space
  EXPECT_FALSE(vmm.attach_device(base * 2, 0x1000, device));             // beyond the IPA space
  EXPECT_FALSE(vmm.attach_device(vmm.test_device_ipa(), 0x1000, device));  // the built-in device's window
  auto attached = vmm.attach_device(base, 0x2000, device);
  EXPECT_TRUE(attached) << attached.error();

  const std::array<uint8_t, 4> content{1, 2, 3, 4};
  EXPECT_FALSE(vmm.map_unprotected_page(base + 0x1000, content, true));  // inside the new window
  EXPECT_FALSE(vmm.map_unprotected_page(0x4000'0000, content, true));    // protected
  EXPECT_FALSE(vmm.map_unprotected_page(base * 2, content, true));       // beyond the IPA space
  const std::vector<uint8_t> too_big(4097, 0);
  EXPECT_FALSE(vmm.map_unprotected_page(base + 0x3000, too_big, true));
  auto pa = vmm.map_unprotected_page(base + 0x3000, content, true);
  ASSERT_TRUE(pa) << pa.error();
  EXPECT_FALSE(vmm.map_unprotected_page(base + 0x3000, content, true));  // already mapped
  const auto entry = r.host.rmi.rtt_read_entry(r.realm.rd, Ipa(base + 0x3000), 3);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ((entry.out.desc >> 6) & 3, 0b11u);  // read-write

  // Mapping it needed RTTs at levels 2 and 3 for the unprotected half; they
  // are the realm's now and go with it.
  EXPECT_EQ(r.vmm->report().granules_added, 2u);
  auto torn = r.teardown();
  ASSERT_TRUE(torn) << torn.error();
  EXPECT_EQ(r.granules_outside_ns(), 0u);
  EXPECT_EQ(r.host.granules.free_granules(), r.machine.dram().granule_count());
}

TEST(VmmSetup, OnlyAnActiveRealmRuns) {
  RealmUnderTest r(sdk_program("hello"), small_realm());
  ASSERT_TRUE(r.error.empty()) << r.error;
  LoadedRealm inactive = r.realm;
  inactive.active = false;
  auto refused = Vmm::create(r.host.rmi, r.host.memory, r.host.granules, inactive, r.config);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("activated"), std::string::npos);
}

TEST(VmmSetup, WithoutTheTestDeviceItsWindowIsUnclaimed) {
  VmmOptions options;
  options.test_device = false;
  RealmUnderTest r(vmm_realm("vmm_device"), small_realm(), options);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.vmm->test_device(), nullptr);
  const RunReport& report = r.vmm->run();
  // The very first device read is answered with an abort.
  EXPECT_EQ(report.console.rfind("realm: synchronous exception EC=0x25", 0), 0u) << report.console;
  EXPECT_EQ(report.count(ExitAction::kSeaInjected), 1u);
  EXPECT_TRUE(report.mmio.empty());
}

}  // namespace
}  // namespace mica::host::testing
