// The RMI client's encoding (FIDs, argument registers) and decoding (status,
// index, outputs), checked against a scripted EL3 entry.
#include "host/rmi_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

#include "host/realm_loader.h"

namespace mica::host {
namespace {

using ::testing::HasSubstr;

// Records every SMC and answers with the next scripted result.
class ScriptedEl3 {
 public:
  SmcFunction function() {
    return [this](const SmcArgs& args) {
      calls.push_back(args);
      if (answers.empty()) return SmcResult{};
      SmcResult r = answers.front();
      answers.pop_front();
      return r;
    };
  }
  std::vector<SmcArgs> calls;
  std::deque<SmcResult> answers;
};

TEST(RmiClient, EncodesFunctionIdsAndArgumentsInOrder) {
  ScriptedEl3 el3;
  RmiClient rmi(el3.function());
  (void)rmi.data_create(PhysAddr(0x8000'1000), PhysAddr(0x8000'2000), Ipa(0x4000'0000), PhysAddr(0x8000'3000),
                        abi::RmiDataFlags::kMeasureContent);
  ASSERT_EQ(el3.calls.size(), 1u);
  const SmcArgs& a = el3.calls[0];
  EXPECT_EQ(a.x[0], 0xC4000153u);
  EXPECT_EQ(a.x[1], 0x8000'1000u);
  EXPECT_EQ(a.x[2], 0x8000'2000u);
  EXPECT_EQ(a.x[3], 0x4000'0000u);
  EXPECT_EQ(a.x[4], 0x8000'3000u);
  EXPECT_EQ(a.x[5], 1u);
  EXPECT_EQ(a.x[6], 0u);
}

TEST(RmiClient, EveryCommandUsesItsFunctionId) {
  ScriptedEl3 el3;
  RmiClient rmi(el3.function());
  const PhysAddr p(0x8000'0000);
  const Ipa i(0);
  (void)rmi.version();
  (void)rmi.granule_delegate(p);
  (void)rmi.granule_undelegate(p);
  (void)rmi.data_create(p, p, i, p, abi::RmiDataFlags::kNoMeasureContent);
  (void)rmi.data_create_unknown(p, p, i);
  (void)rmi.data_destroy(p, i);
  (void)rmi.realm_activate(p);
  (void)rmi.realm_create(p, p);
  (void)rmi.realm_destroy(p);
  (void)rmi.rec_create(p, p, p);
  (void)rmi.rec_destroy(p);
  (void)rmi.rec_enter(p, p);
  (void)rmi.rtt_create(p, p, i, 3);
  (void)rmi.rtt_destroy(p, i, 3);
  (void)rmi.rtt_map_unprotected(p, i, 3, 0);
  (void)rmi.rtt_read_entry(p, i, 3);
  (void)rmi.rtt_unmap_unprotected(p, i, 3);
  (void)rmi.psci_complete(p, p, abi::RmiPsciStatus::kSuccess);
  (void)rmi.features(0);
  (void)rmi.rtt_fold(p, i, 3);
  (void)rmi.rec_aux_count(p);
  (void)rmi.rtt_init_ripas(p, i, i);
  (void)rmi.rtt_set_ripas(p, p, i, i);
  std::vector<uint64_t> fids;
  for (const SmcArgs& a : el3.calls) fids.push_back(a.x[0]);
  EXPECT_THAT(fids, ::testing::ElementsAre(0xC4000150, 0xC4000151, 0xC4000152, 0xC4000153, 0xC4000154, 0xC4000155,
                                           0xC4000157, 0xC4000158, 0xC4000159, 0xC400015A, 0xC400015B, 0xC400015C,
                                           0xC400015D, 0xC400015E, 0xC400015F, 0xC4000161, 0xC4000162, 0xC4000164,
                                           0xC4000165, 0xC4000166, 0xC4000167, 0xC4000168, 0xC4000169));
  EXPECT_EQ(rmi.log().size(), 23u);
  EXPECT_EQ(rmi.calls_made(), 23u);
}

TEST(RmiClient, DecodesStatusAndIndex) {
  ScriptedEl3 el3;
  RmiClient rmi(el3.function());
  el3.answers = {SmcResult{{0x0204}}, SmcResult{{0xFF04}}, SmcResult{{0x0001}}, SmcResult{{~uint64_t{0}}},
                 SmcResult{{0x0102}}};
  auto rtt = rmi.rtt_create(PhysAddr(0x8000'0000), PhysAddr(0x8000'1000), Ipa(0), 3);
  EXPECT_FALSE(rtt.ok());
  EXPECT_EQ(rtt.status.status(), abi::RmiStatus::kErrorRtt);
  EXPECT_EQ(rtt.status.index(), 2);
  EXPECT_EQ(rtt.status.to_string(), "RMI_ERROR_RTT(2)");
  EXPECT_EQ(rmi.data_create_unknown(PhysAddr(0), PhysAddr(0), Ipa(0)).status.to_string(), "RMI_ERROR_RTT(-1)");
  EXPECT_EQ(rmi.granule_delegate(PhysAddr(0)).status.to_string(), "RMI_ERROR_INPUT");
  auto unknown = rmi.version();
  EXPECT_TRUE(unknown.status.unknown_function());
  EXPECT_EQ(unknown.status.to_string(), "SMC_UNKNOWN");
  EXPECT_EQ(rmi.rec_enter(PhysAddr(0), PhysAddr(0)).status.to_string(), "RMI_ERROR_REALM(1)");
  EXPECT_EQ(RmiStatusWord(0x9).to_string(), "invalid status 0x9");
  EXPECT_EQ(RmiStatusWord(0x10000).to_string(), "invalid status 0x10000");
}

TEST(RmiClient, DecodesOutputs) {
  ScriptedEl3 el3;
  RmiClient rmi(el3.function());
  el3.answers = {
      SmcResult{{0, 0x10000, 0x10000}},
      SmcResult{{0, 3, 1, 0x8000'5000, 1}},
      SmcResult{{0, 0x4020'0000}},
      SmcResult{{0, 0x8000'7000, 0x4000'1000}},
      SmcResult{{0, 16}},
  };
  auto v = rmi.version();
  EXPECT_EQ(v.out.lower, 0x10000u);
  EXPECT_EQ(v.out.higher, 0x10000u);
  auto e = rmi.rtt_read_entry(PhysAddr(0x8000'0000), Ipa(0x4000'0000), 3);
  EXPECT_EQ(e.out.level, 3);
  EXPECT_EQ(e.out.state, abi::RmiRttEntryState::kAssigned);
  EXPECT_EQ(e.out.desc, 0x8000'5000u);
  EXPECT_EQ(e.out.ripas, abi::Ripas::kRam);
  EXPECT_EQ(rmi.rtt_init_ripas(PhysAddr(0), Ipa(0x4000'0000), Ipa(0x4020'0000)).out.next, 0x4020'0000u);
  auto d = rmi.data_destroy(PhysAddr(0x8000'0000), Ipa(0x4000'0000));
  EXPECT_EQ(d.out.pa, PhysAddr(0x8000'7000));
  EXPECT_EQ(d.out.top, 0x4000'1000u);
  EXPECT_EQ(rmi.rec_aux_count(PhysAddr(0)).out.value, 16u);
}

TEST(RmiClient, NegativeArgumentsAreSignExtended) {
  ScriptedEl3 el3;
  RmiClient rmi(el3.function());
  (void)rmi.rtt_read_entry(PhysAddr(0), Ipa(0), -1);
  (void)rmi.psci_complete(PhysAddr(0x1000), PhysAddr(0x2000), abi::RmiPsciStatus::kDenied);
  EXPECT_EQ(el3.calls[0].x[3], ~uint64_t{0});
  EXPECT_EQ(el3.calls[1].x[3], static_cast<uint64_t>(-3));
}

TEST(RmiClient, LogRecordsReadLikeTheCall) {
  ScriptedEl3 el3;
  RmiClient rmi(el3.function());
  el3.answers = {SmcResult{{0x0304}}, SmcResult{{0, 0x4000'2000}}};
  (void)rmi.rtt_create(PhysAddr(0x8000'0000), PhysAddr(0x8000'1000), Ipa(0x4000'0000), 3);
  (void)rmi.rtt_init_ripas(PhysAddr(0x8000'0000), Ipa(0x4000'0000), Ipa(0x4000'2000));
  ASSERT_EQ(rmi.log().size(), 2u);
  EXPECT_EQ(rmi.log()[0].to_string(),
            "RMI_RTT_CREATE rd=0x80000000 rtt=0x80001000 ipa=0x40000000 level=0x3 -> RMI_ERROR_RTT(3)");
  EXPECT_EQ(rmi.log()[1].to_string(),
            "RMI_RTT_INIT_RIPAS rd=0x80000000 base=0x40000000 top=0x40002000 -> RMI_SUCCESS next=0x40002000");
  EXPECT_EQ(rmi.last_call().to_string(), rmi.log()[1].to_string());
}

TEST(RmiClient, LoggingCanBeTurnedOffButObserverSeesEveryCall) {
  ScriptedEl3 el3;
  RmiClient rmi(el3.function());
  std::vector<std::string> seen;
  rmi.set_observer([&](const RmiCallRecord& r) { seen.push_back(std::string(rmi_command_name(r.command))); });
  rmi.set_logging(false);
  (void)rmi.granule_delegate(PhysAddr(0x8000'0000));
  (void)rmi.realm_activate(PhysAddr(0x8000'0000));
  EXPECT_TRUE(rmi.log().empty());
  EXPECT_THAT(seen, ::testing::ElementsAre("RMI_GRANULE_DELEGATE", "RMI_REALM_ACTIVATE"));
  EXPECT_THAT(rmi.last_call().to_string(), HasSubstr("RMI_REALM_ACTIVATE rd=0x80000000"));
}

TEST(RangeGranuleAllocator, AllocatesAlignedRunsAndReusesReleasedGranules) {
  RangeGranuleAllocator granules(PhysAddr(0x8000'1000), 16 * 0x1000);
  EXPECT_EQ(granules.allocate(), PhysAddr(0x8000'1000));
  EXPECT_EQ(granules.allocate(2), PhysAddr(0x8000'2000));  // 8 KiB aligned
  EXPECT_EQ(granules.allocate(4), PhysAddr(0x8000'4000));  // 16 KiB aligned
  EXPECT_EQ(granules.free_granules(), 16u - 7);
  granules.release(PhysAddr(0x8000'1000));
  EXPECT_EQ(granules.free_granules(), 16u - 6);
  EXPECT_EQ(granules.allocate(16), std::nullopt);
  // Single granules continue after the last run, then wrap to the released one.
  std::vector<PhysAddr> singles;
  while (auto g = granules.allocate()) singles.push_back(*g);
  EXPECT_EQ(singles.size(), 10u);
  EXPECT_EQ(singles.front(), PhysAddr(0x8000'8000));
  EXPECT_EQ(singles.back(), PhysAddr(0x8000'1000));
  EXPECT_EQ(granules.free_granules(), 0u);
}

}  // namespace
}  // namespace mica::host
