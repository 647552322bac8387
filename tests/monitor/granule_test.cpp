// RMI_GRANULE_DELEGATE / RMI_GRANULE_UNDELEGATE, and the host's view of
// delegated memory: a granule protection fault, never data.
#include "monitor_fixture.h"

namespace mica::monitor::testing {
namespace {

using platform::AccessResult;
using platform::Pas;

class GranuleTest : public MonitorTest {
 protected:
  void fill(PhysAddr pa, uint8_t byte) {
    std::vector<uint8_t> bytes(kGranuleSize, byte);
    ASSERT_EQ(machine().host_write(pa, bytes.data(), bytes.size()), AccessResult::kOk);
  }
};

TEST_F(GranuleTest, DelegateMovesAnNsGranuleToTheRealmPasAndScrubsIt) {
  const PhysAddr pa = ns_granule();
  fill(pa, 0xA5);
  ASSERT_EQ(rmi(RmiCommand::kGranuleDelegate, pa.value()).x[0], kSuccess);
  EXPECT_EQ(state(pa), GranuleState::kDelegated);
  EXPECT_EQ(refcount(pa), 0u);
  EXPECT_EQ(machine().gpt().pas(pa), Pas::kRealm);
  EXPECT_EQ(raw_granule(pa), std::vector<uint8_t>(kGranuleSize, 0));
}

TEST_F(GranuleTest, HostTouchingADelegatedGranuleFaultsAndSeesNothing) {
  const PhysAddr neighbour = ns_granule();
  const PhysAddr pa = ns_granule();
  fill(pa, 0x3C);
  ASSERT_EQ(rmi(RmiCommand::kGranuleDelegate, pa.value()).x[0], kSuccess);
  // Plant a secret the way only the realm world could.
  std::memset(machine().dram().at(pa), 0x77, kGranuleSize);

  std::vector<uint8_t> buffer(kGranuleSize, 0xEE);
  EXPECT_EQ(machine().host_read(pa, buffer.data(), buffer.size()), AccessResult::kGranuleProtectionFault);
  EXPECT_EQ(buffer, std::vector<uint8_t>(kGranuleSize, 0xEE)) << "a faulting read must not deliver data";
  uint8_t one = 0xEE;
  EXPECT_EQ(machine().host_read(pa.plus(100), &one, 1), AccessResult::kGranuleProtectionFault);
  EXPECT_EQ(one, 0xEE);
  // A read that straddles an NS granule and the delegated one fails as a whole.
  std::vector<uint8_t> straddle(16, 0xEE);
  EXPECT_EQ(machine().host_read(neighbour.plus(kGranuleSize - 8), straddle.data(), straddle.size()),
            AccessResult::kGranuleProtectionFault);
  EXPECT_EQ(straddle, std::vector<uint8_t>(16, 0xEE));

  const std::vector<uint8_t> attempt(kGranuleSize, 0x11);
  EXPECT_EQ(machine().host_write(pa, attempt.data(), attempt.size()), AccessResult::kGranuleProtectionFault);
  EXPECT_EQ(raw_granule(pa), std::vector<uint8_t>(kGranuleSize, 0x77)) << "a faulting write must not land";
  std::memset(machine().dram().at(pa), 0, kGranuleSize);  // restore the DELEGATED invariant
}

TEST_F(GranuleTest, HostCannotReadARealmDescriptor) {
  const Realm realm = create_realm();
  uint8_t byte = 0;
  EXPECT_EQ(machine().host_read(realm.rd, &byte, 1), AccessResult::kGranuleProtectionFault);
  EXPECT_EQ(machine().host_read(realm.rtt_base, &byte, 1), AccessResult::kGranuleProtectionFault);
}

TEST_F(GranuleTest, UndelegateReturnsTheGranuleZeroed) {
  const PhysAddr pa = delegated();
  ASSERT_EQ(rmi(RmiCommand::kGranuleUndelegate, pa.value()).x[0], kSuccess);
  EXPECT_EQ(state(pa), GranuleState::kUndelegated);
  EXPECT_EQ(machine().gpt().pas(pa), Pas::kNonSecure);
  std::vector<uint8_t> buffer(kGranuleSize, 0xEE);
  ASSERT_EQ(machine().host_read(pa, buffer.data(), buffer.size()), AccessResult::kOk);
  EXPECT_EQ(buffer, std::vector<uint8_t>(kGranuleSize, 0));
  // And it can go round again.
  EXPECT_EQ(rmi(RmiCommand::kGranuleDelegate, pa.value()).x[0], kSuccess);
  EXPECT_EQ(rmi(RmiCommand::kGranuleUndelegate, pa.value()).x[0], kSuccess);
}

TEST_F(GranuleTest, DelegateRefusesAddressesItDoesNotTrack) {
  const PhysAddr pa = ns_granule();
  for (uint64_t bad : {pa.value() + 1, pa.value() + 0x800, uint64_t{0}, kDramBase - kGranuleSize,
                       kDramBase + kDramSize, kDramBase + kDramSize + kGranuleSize, ~uint64_t{0} & ~uint64_t{0xFFF},
                       ~uint64_t{0}}) {
    expect_refused(kErrorInput, RmiCommand::kGranuleDelegate, bad);
    expect_refused(kErrorInput, RmiCommand::kGranuleUndelegate, bad);
  }
}

TEST_F(GranuleTest, DelegateRefusesEveryStateButNs) {
  const Realm realm = create_realm();
  const Rec rec = create_rec(realm, 0);
  create_rtts_down_to(realm, 0, 3);
  const PhysAddr data = populate_page(realm, 0x1000, 0x42);
  const PhysAddr delegated_pa = delegated();
  for (PhysAddr pa : {delegated_pa, realm.rd, realm.rtt_base, rec.pa, PhysAddr(rec.aux[0]), data}) {
    expect_refused(kErrorInput, RmiCommand::kGranuleDelegate, pa.value());
  }
}

TEST_F(GranuleTest, UndelegateRefusesEveryStateButDelegated) {
  const Realm realm = create_realm();
  const Rec rec = create_rec(realm, 0);
  const PhysAddr data = populate_page(realm, 0x1000, 0x42);
  for (PhysAddr pa : {ns_granule(), realm.rd, realm.rtt_base, rec.pa, PhysAddr(rec.aux[0]), data}) {
    expect_refused(kErrorInput, RmiCommand::kGranuleUndelegate, pa.value());
  }
}

TEST_F(GranuleTest, DelegateFailsWhenEl3RefusesTheTransition) {
  // The GPT says Secure although the monitor tracks the granule as NS: EL3
  // refuses to move it, and the monitor must not pretend it did.
  const PhysAddr pa = ns_granule();
  machine().gpt().set(pa, Pas::kSecure);
  expect_refused(kErrorInput, RmiCommand::kGranuleDelegate, pa.value());
  EXPECT_EQ(state(pa), GranuleState::kUndelegated);
  machine().gpt().set(pa, Pas::kNonSecure);
  EXPECT_EQ(rmi(RmiCommand::kGranuleDelegate, pa.value()).x[0], kSuccess);
}

TEST_F(GranuleTest, EveryGranuleBootsUndelegated) {
  for (uint64_t pa = kDramBase; pa < kDramBase + kDramSize; pa += kGranuleSize) {
    GranuleInfo info;
    ASSERT_TRUE(monitor().granule_info(PhysAddr(pa), info));
    ASSERT_EQ(info.state, GranuleState::kUndelegated);
  }
  GranuleInfo info;
  EXPECT_FALSE(monitor().granule_info(PhysAddr(kDramBase + kDramSize), info));
  EXPECT_FALSE(monitor().granule_info(PhysAddr(kDramBase + 8), info));
}

}  // namespace
}  // namespace mica::monitor::testing
