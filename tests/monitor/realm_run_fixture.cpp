#include "realm_run_fixture.h"

#include <cstring>

namespace mica::monitor::testing {

namespace {

namespace run = abi::rec_run;

platform::MachineConfig machine_config() {
  platform::MachineConfig config;
  config.dram_base = kRunDramBase;
  config.dram_size = kRunDramSize;
  config.state_dir = ::testing::TempDir() + "mica-monitor-run-test-state";
  return config;
}

template <class T>
void put(std::vector<uint8_t>& page, uint64_t offset, T value) {
  std::memcpy(page.data() + offset, &value, sizeof value);
}

template <class T>
T get(const std::vector<uint8_t>& page, uint64_t offset) {
  T value;
  std::memcpy(&value, page.data() + offset, sizeof value);
  return value;
}

}  // namespace

RealmRunTest::RealmRunTest()
    : machine_(machine_config()), platform_(machine_), monitor_(std::make_unique<Monitor>(platform_)) {}

SmcResult RealmRunTest::rmi(RmiCommand command, uint64_t x1, uint64_t x2, uint64_t x3, uint64_t x4, uint64_t x5) {
  SmcArgs args;
  args.x[0] = abi::rmi_fid(command);
  args.x[1] = x1;
  args.x[2] = x2;
  args.x[3] = x3;
  args.x[4] = x4;
  args.x[5] = x5;
  ++rmi_depth_;
  const SmcResult result = monitor_->handle_rmi(args);
  --rmi_depth_;
  if (rmi_depth_ == 0 && after_smc_) after_smc_(args, result);
  return result;
}

PhysAddr RealmRunTest::ns_granule() {
  const PhysAddr pa(next_free_);
  next_free_ += kGranuleSize;
  EXPECT_LE(next_free_, kRunDramBase + kRunDramSize) << "test ran out of DRAM";
  return pa;
}

PhysAddr RealmRunTest::delegated() {
  const PhysAddr pa = ns_granule();
  EXPECT_EQ(rmi(RmiCommand::kGranuleDelegate, pa.value()).x[0], kRmiSuccess);
  return pa;
}

void RealmRunTest::host_write(PhysAddr pa, const void* bytes, size_t len) {
  ASSERT_EQ(machine_.host_write(pa, bytes, len), platform::AccessResult::kOk);
}

void RealmRunTest::build_realm(const RealmOptions& options) {
  namespace rp = abi::realm_params;
  realm_.rd = delegated();
  realm_.root = delegated();
  for (unsigned i = 0; i < 64; ++i) realm_.rpv[i] = static_cast<uint8_t>(0xA0 + i);
  std::vector<uint8_t> params(kGranuleSize, 0);
  put<uint32_t>(params, rp::kS2sz, layout::kS2sz);
  put<uint32_t>(params, rp::kNumBps, 1);
  put<uint32_t>(params, rp::kNumWps, 1);
  put<uint8_t>(params, rp::kHashAlgo, options.hash_algo);
  std::memcpy(params.data() + rp::kRpv, realm_.rpv.data(), realm_.rpv.size());
  put<uint16_t>(params, rp::kVmid, next_vmid_++);
  put<uint64_t>(params, rp::kRttBase, realm_.root.value());
  put<int64_t>(params, rp::kRttLevelStart, 1);
  put<uint32_t>(params, rp::kRttNumStart, 1);
  const PhysAddr params_pa = ns_granule();
  host_write(params_pa, params.data(), params.size());
  ASSERT_EQ(rmi(RmiCommand::kRealmCreate, realm_.rd.value(), params_pa.value()).x[0], kRmiSuccess);

  const uint64_t rd = realm_.rd.value();
  ASSERT_EQ(rmi(RmiCommand::kRttCreate, rd, delegated().value(), 0, 2).x[0], kRmiSuccess);
  ASSERT_EQ(rmi(RmiCommand::kRttCreate, rd, delegated().value(), 0, 3).x[0], kRmiSuccess);
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, rd, 0, layout::kRamEnd).x[0], kRmiSuccess);
  ASSERT_EQ(rmi(RmiCommand::kRttInitRipas, rd, layout::kL2RamBlock, 2 * layout::kL2RamBlock).x[0], kRmiSuccess);
  const PhysAddr source = ns_granule();
  for (unsigned i = 0; i < layout::kMappedPages; ++i) {
    const uint64_t ipa = layout::kMappedFirst + i * kGranuleSize;
    std::vector<uint8_t> content(kGranuleSize, static_cast<uint8_t>(i + 1));
    host_write(source, content.data(), content.size());
    const PhysAddr data = delegated();
    ASSERT_EQ(rmi(RmiCommand::kDataCreate, rd, data.value(), ipa, source.value(), 1).x[0], kRmiSuccess);
    realm_.data[ipa] = data;
  }
  const PhysAddr empty_page = delegated();
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, rd, empty_page.value(), layout::kAssignedEmpty).x[0], kRmiSuccess);
  // DESTROYED: a RAM page the host took back.
  const PhysAddr destroyed = delegated();
  ASSERT_EQ(rmi(RmiCommand::kDataCreate, rd, destroyed.value(), layout::kDestroyed, source.value(), 0).x[0],
            kRmiSuccess);
  ASSERT_EQ(rmi(RmiCommand::kDataDestroy, rd, layout::kDestroyed).x[0], kRmiSuccess);

  for (unsigned index = 0; index < options.recs; ++index) {
    namespace rcp = abi::rec_params;
    std::vector<uint8_t> rec_params(kGranuleSize, 0);
    put<uint64_t>(rec_params, rcp::kFlags, index == 1 ? 0 : rcp::kFlagRunnable);
    put<uint64_t>(rec_params, rcp::kMpidr, index);
    put<uint64_t>(rec_params, rcp::kPc, layout::kEntryPc);
    for (unsigned g = 0; g < rcp::kGprCount; ++g) put<uint64_t>(rec_params, rcp::kGprs + 8 * g, 0x100 * index + g);
    put<uint64_t>(rec_params, rcp::kNumAux, abi::kRecAuxCount);
    for (unsigned a = 0; a < abi::kRecAuxCount; ++a) put<uint64_t>(rec_params, rcp::kAux + 8 * a, delegated().value());
    const PhysAddr rec_params_pa = ns_granule();
    host_write(rec_params_pa, rec_params.data(), rec_params.size());
    const PhysAddr rec_pa = delegated();
    ASSERT_EQ(rmi(RmiCommand::kRecCreate, rd, rec_pa.value(), rec_params_pa.value()).x[0], kRmiSuccess);
    realm_.recs.push_back(rec_pa);
  }
  if (options.activate) {
    ASSERT_EQ(rmi(RmiCommand::kRealmActivate, rd).x[0], kRmiSuccess);
  }
  run_page_ = ns_granule();
}

RecInfo RealmRunTest::rec_info(PhysAddr rec_pa) {
  RecInfo info;
  EXPECT_TRUE(monitor_->rec_info(rec_pa, info));
  return info;
}

RealmInfo RealmRunTest::realm_info() {
  RealmInfo info;
  EXPECT_TRUE(monitor_->realm_info(realm_.rd, info));
  return info;
}

std::pair<abi::RmiRttEntryState, Ripas> RealmRunTest::entry(uint64_t ipa, int level) {
  const SmcResult r = rmi(RmiCommand::kRttReadEntry, realm_.rd.value(), ipa, static_cast<uint64_t>(level));
  EXPECT_EQ(r.x[0], kRmiSuccess);
  return {static_cast<abi::RmiRttEntryState>(r.x[2]), static_cast<Ripas>(r.x[4])};
}

uint8_t* RealmRunTest::page(uint64_t ipa) {
  const auto it = realm_.data.find(ipa);
  if (it == realm_.data.end()) {
    ADD_FAILURE() << "no DATA page at IPA 0x" << std::hex << ipa;
    return nullptr;
  }
  return machine_.dram().at(it->second);
}

void RealmRunTest::write_enter(const EnterArgs& args) {
  std::vector<uint8_t> enter(run::kExit, 0);
  put<uint64_t>(enter, run::kEnterFlags, args.flags);
  for (unsigned i = 0; i < 31; ++i) put<uint64_t>(enter, run::kEnterGprs + 8 * i, args.gprs[i]);
  put<uint64_t>(enter, run::kEnterGicv3Hcr, args.gicv3_hcr);
  for (unsigned i = 0; i < 16; ++i) put<uint64_t>(enter, run::kEnterGicv3Lrs + 8 * i, args.gicv3_lrs[i]);
  host_write(run_page_, enter.data(), enter.size());
}

uint64_t RealmRunTest::enter(PhysAddr rec_pa, const EnterArgs& args) {
  write_enter(args);
  return rmi(RmiCommand::kRecEnter, rec_pa.value(), run_page_.value()).x[0];
}

ExitView RealmRunTest::exit_view() {
  std::vector<uint8_t> page_bytes(kGranuleSize);
  EXPECT_EQ(machine_.host_read(run_page_, page_bytes.data(), page_bytes.size()), platform::AccessResult::kOk);
  ExitView v;
  v.reason = get<uint64_t>(page_bytes, run::kExitReason);
  v.esr = get<uint64_t>(page_bytes, run::kExitEsr);
  v.far = get<uint64_t>(page_bytes, run::kExitFar);
  v.hpfar = get<uint64_t>(page_bytes, run::kExitHpfar);
  for (unsigned i = 0; i < 31; ++i) v.gprs[i] = get<uint64_t>(page_bytes, run::kExitGprs + 8 * i);
  v.gicv3_hcr = get<uint64_t>(page_bytes, run::kExitGicv3Hcr);
  for (unsigned i = 0; i < 16; ++i) v.gicv3_lrs[i] = get<uint64_t>(page_bytes, run::kExitGicv3Lrs + 8 * i);
  v.gicv3_misr = get<uint64_t>(page_bytes, run::kExitGicv3Misr);
  v.gicv3_vmcr = get<uint64_t>(page_bytes, run::kExitGicv3Vmcr);
  v.cntp_ctl = get<uint64_t>(page_bytes, run::kExitCntpCtl);
  v.cntp_cval = get<uint64_t>(page_bytes, run::kExitCntpCval);
  v.cntv_ctl = get<uint64_t>(page_bytes, run::kExitCntvCtl);
  v.cntv_cval = get<uint64_t>(page_bytes, run::kExitCntvCval);
  v.ripas_base = get<uint64_t>(page_bytes, run::kExitRipasBase);
  v.ripas_top = get<uint64_t>(page_bytes, run::kExitRipasTop);
  v.ripas_value = get<uint8_t>(page_bytes, run::kExitRipasValue);
  v.imm = get<uint32_t>(page_bytes, run::kExitImm);
  v.pmu_ovf_status = get<uint64_t>(page_bytes, run::kExitPmuOvfStatus);
  v.raw.assign(page_bytes.begin() + run::kExit, page_bytes.end());
  return v;
}

Snapshot RealmRunTest::snapshot() {
  Snapshot s;
  const uint64_t count = monitor_->granule_count();
  s.granules.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    EXPECT_TRUE(monitor_->granule_info(PhysAddr(kRunDramBase + i * kGranuleSize), s.granules[i]));
  }
  const uint8_t* dram = machine_.dram().at(PhysAddr(kRunDramBase));
  s.dram.assign(dram, dram + kRunDramSize);
  s.runs = platform_.run_count();
  return s;
}

void RealmRunTest::expect_unchanged(const Snapshot& before) {
  const Snapshot after = snapshot();
  EXPECT_EQ(before.runs, after.runs) << "the realm CPU ran";
  for (size_t i = 0; i < before.granules.size(); ++i) {
    if (before.granules[i].state != after.granules[i].state ||
        before.granules[i].refcount != after.granules[i].refcount) {
      ADD_FAILURE() << "granule 0x" << std::hex << kRunDramBase + i * kGranuleSize << " changed";
      return;
    }
  }
  for (size_t i = 0; i < before.dram.size(); ++i) {
    if (before.dram[i] != after.dram[i]) {
      ADD_FAILURE() << "DRAM byte at 0x" << std::hex << kRunDramBase + i << " changed";
      return;
    }
  }
}

void RealmRunTest::expect_refused(uint64_t expected, PhysAddr rec_pa, const EnterArgs& args) {
  write_enter(args);
  const Snapshot before = snapshot();
  EXPECT_EQ(rmi(RmiCommand::kRecEnter, rec_pa.value(), run_page_.value()).x[0], expected);
  expect_unchanged(before);
}

}  // namespace mica::monitor::testing
