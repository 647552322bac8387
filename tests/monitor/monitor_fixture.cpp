#include "monitor_fixture.h"

#include <cstdio>

namespace mica::monitor::testing {

namespace {

platform::MachineConfig test_machine_config(uint64_t dram_size) {
  platform::MachineConfig config;
  config.dram_base = kDramBase;
  config.dram_size = dram_size;
  config.state_dir = ::testing::TempDir() + "mica-monitor-test-state";
  return config;
}

template <class T>
void put(std::vector<uint8_t>& page, uint64_t offset, T value) {
  std::memcpy(page.data() + offset, &value, sizeof value);
}

}  // namespace

MonitorTest::MonitorTest(uint64_t dram_size)
    : dram_size_(dram_size), machine_(test_machine_config(dram_size)) {}

SmcResult MonitorTest::smc(uint64_t fid, uint64_t x1, uint64_t x2, uint64_t x3, uint64_t x4, uint64_t x5,
                           uint64_t x6) {
  SmcArgs args;
  args.x[0] = fid;
  args.x[1] = x1;
  args.x[2] = x2;
  args.x[3] = x3;
  args.x[4] = x4;
  args.x[5] = x5;
  args.x[6] = x6;
  const SmcResult result = machine_.smc(args);
  if (after_smc_) after_smc_(args, result);
  return result;
}

PhysAddr MonitorTest::ns_granule() { return ns_granules(1); }

PhysAddr MonitorTest::ns_granules(unsigned count) {
  const PhysAddr pa(next_free_);
  next_free_ += uint64_t{count} * kGranuleSize;
  EXPECT_LE(next_free_, kDramBase + dram_size_) << "test ran out of DRAM";
  return pa;
}

PhysAddr MonitorTest::delegated() { return delegated_run(1); }

PhysAddr MonitorTest::delegated_aligned_run(unsigned count, uint64_t alignment) {
  next_free_ = (next_free_ + alignment - 1) & ~(alignment - 1);
  return delegated_run(count);
}

PhysAddr MonitorTest::delegated_run(unsigned count) {
  const PhysAddr first = ns_granules(count);
  for (unsigned i = 0; i < count; ++i) {
    const PhysAddr pa = first.plus(uint64_t{i} * kGranuleSize);
    EXPECT_EQ(rmi(RmiCommand::kGranuleDelegate, pa.value()).x[0], kSuccess);
  }
  return first;
}

uint16_t MonitorTest::refcount(PhysAddr pa) {
  GranuleInfo info;
  EXPECT_TRUE(monitor().granule_info(pa, info));
  return info.refcount;
}

std::vector<uint8_t> MonitorTest::raw_granule(PhysAddr pa) {
  std::vector<uint8_t> bytes(kGranuleSize);
  if (!machine_.dram().contains(pa, kGranuleSize)) {
    ADD_FAILURE() << "raw_granule outside DRAM: 0x" << std::hex << pa.value();
    return bytes;
  }
  std::memcpy(bytes.data(), machine_.dram().at(pa), kGranuleSize);
  return bytes;
}

uint64_t MonitorTest::raw_u64(PhysAddr pa, uint64_t offset) {
  uint64_t value = 0;
  if (!machine_.dram().contains(pa.plus(offset), sizeof value)) {
    ADD_FAILURE() << "raw_u64 outside DRAM: 0x" << std::hex << pa.value() + offset;
    return value;
  }
  std::memcpy(&value, machine_.dram().at(pa) + offset, sizeof value);
  return value;
}

PhysAddr MonitorTest::write_realm_params(const RealmParams& p) {
  namespace rp = abi::realm_params;
  std::vector<uint8_t> page(kGranuleSize, 0);
  put(page, rp::kFlags, p.flags);
  put(page, rp::kS2sz, p.s2sz);
  put(page, rp::kSveVl, p.sve_vl);
  put(page, rp::kNumBps, p.num_bps);
  put(page, rp::kNumWps, p.num_wps);
  put(page, rp::kPmuNumCtrs, p.pmu_num_ctrs);
  put(page, rp::kHashAlgo, p.hash_algo);
  std::memcpy(page.data() + rp::kRpv, p.rpv.data(), p.rpv.size());
  put(page, rp::kVmid, static_cast<uint16_t>(p.vmid));
  put(page, rp::kRttBase, p.rtt_base);
  put(page, rp::kRttLevelStart, p.rtt_level_start);
  put(page, rp::kRttNumStart, p.rtt_num_start);
  for (const auto& [offset, byte] : p.extra_bytes) page[offset] = byte;
  const PhysAddr pa = ns_granule();
  EXPECT_EQ(machine_.host_write(pa, page.data(), page.size()), platform::AccessResult::kOk);
  return pa;
}

uint64_t MonitorTest::try_create_realm(PhysAddr rd, const RealmParams& params) {
  return rmi(RmiCommand::kRealmCreate, rd.value(), write_realm_params(params).value()).x[0];
}

Realm MonitorTest::create_realm(RealmParams params) {
  Realm realm;
  realm.rd = delegated();
  if (params.rtt_base == 0) params.rtt_base = delegated_run(params.rtt_num_start).value();
  if (params.vmid < 0) params.vmid = next_vmid_++;
  realm.rtt_base = PhysAddr(params.rtt_base);
  realm.num_roots = params.rtt_num_start;
  realm.start_level = static_cast<int>(params.rtt_level_start);
  realm.s2sz = params.s2sz;
  realm.vmid = static_cast<uint16_t>(params.vmid);
  EXPECT_EQ(try_create_realm(realm.rd, params), kSuccess);
  return realm;
}

RealmInfo MonitorTest::realm_info(const Realm& realm) {
  RealmInfo info;
  EXPECT_TRUE(monitor().realm_info(realm.rd, info));
  return info;
}

std::vector<uint8_t> MonitorTest::rim(const Realm& realm) {
  const RealmInfo info = realm_info(realm);
  return std::vector<uint8_t>(info.rim(), info.rim() + info.measurement_size());
}

PhysAddr MonitorTest::write_rec_params(const RecParams& p) {
  namespace rcp = abi::rec_params;
  std::vector<uint8_t> page(kGranuleSize, 0);
  put(page, rcp::kFlags, p.flags);
  put(page, rcp::kMpidr, p.mpidr);
  put(page, rcp::kPc, p.pc);
  for (unsigned i = 0; i < 8; ++i) put(page, rcp::kGprs + 8 * i, p.gprs[i]);
  put(page, rcp::kNumAux, p.num_aux);
  for (unsigned i = 0; i < 16; ++i) put(page, rcp::kAux + 8 * i, p.aux[i]);
  const PhysAddr pa = ns_granule();
  EXPECT_EQ(machine_.host_write(pa, page.data(), page.size()), platform::AccessResult::kOk);
  return pa;
}

Rec MonitorTest::create_rec(const Realm& realm, uint64_t mpidr, RecParams params) {
  Rec rec;
  rec.pa = delegated();
  params.mpidr = mpidr;
  if (params.num_aux > 0 && params.aux[0] == 0) {
    for (uint64_t i = 0; i < params.num_aux && i < 16; ++i) params.aux[i] = delegated().value();
  }
  rec.aux = params.aux;
  EXPECT_EQ(rmi(RmiCommand::kRecCreate, realm.rd.value(), rec.pa.value(), write_rec_params(params).value()).x[0],
            kSuccess);
  return rec;
}

PhysAddr MonitorTest::create_rtt(const Realm& realm, uint64_t ipa, int level) {
  const PhysAddr rtt = delegated();
  const uint64_t aligned = ipa & ~(abi::rtt_map_size(level - 1) - 1);
  EXPECT_EQ(rmi(RmiCommand::kRttCreate, realm.rd.value(), rtt.value(), aligned, static_cast<uint64_t>(level)).x[0],
            kSuccess)
      << "RTT_CREATE ipa=0x" << std::hex << aligned << " level=" << level;
  return rtt;
}

void MonitorTest::create_rtts_down_to(const Realm& realm, uint64_t ipa, int level) {
  for (int l = realm.start_level + 1; l <= level; ++l) {
    const EntryRead parent = read_entry(realm, ipa & ~(abi::rtt_map_size(l - 1) - 1), l - 1);
    if (parent.level == l - 1 && parent.state == abi::RmiRttEntryState::kTable) continue;
    create_rtt(realm, ipa, l);
  }
}

EntryRead MonitorTest::read_entry(const Realm& realm, uint64_t ipa, int level) {
  const SmcResult r = rmi(RmiCommand::kRttReadEntry, realm.rd.value(), ipa, static_cast<uint64_t>(level));
  EntryRead e;
  e.x0 = r.x[0];
  e.level = static_cast<int>(static_cast<int64_t>(r.x[1]));
  e.state = static_cast<abi::RmiRttEntryState>(r.x[2]);
  e.desc = r.x[3];
  e.ripas = static_cast<Ripas>(r.x[4]);
  return e;
}

PhysAddr MonitorTest::rtt_at(const Realm& realm, uint64_t ipa, int level) {
  const uint64_t aligned = ipa & ~(abi::rtt_map_size(level - 1) - 1);
  const EntryRead parent = read_entry(realm, aligned, level - 1);
  EXPECT_EQ(parent.x0, kSuccess);
  EXPECT_EQ(parent.level, level - 1);
  EXPECT_EQ(parent.state, abi::RmiRttEntryState::kTable) << "no RTT at level " << level << " for IPA 0x" << std::hex << ipa;
  return PhysAddr(parent.desc);
}

PhysAddr MonitorTest::populate_page(const Realm& realm, uint64_t ipa, uint8_t fill, bool measure) {
  create_rtts_down_to(realm, ipa, 3);
  EXPECT_EQ(rmi(RmiCommand::kRttInitRipas, realm.rd.value(), ipa, ipa + kGranuleSize).x[0], kSuccess);
  const PhysAddr src = ns_granule();
  std::vector<uint8_t> bytes(kGranuleSize, fill);
  EXPECT_EQ(machine_.host_write(src, bytes.data(), bytes.size()), platform::AccessResult::kOk);
  const PhysAddr data = delegated();
  EXPECT_EQ(rmi(RmiCommand::kDataCreate, realm.rd.value(), data.value(), ipa, src.value(), measure ? 1 : 0).x[0],
            kSuccess);
  return data;
}

MachineSnapshot MonitorTest::snapshot() {
  MachineSnapshot s;
  const uint64_t count = dram_size_ / kGranuleSize;
  s.granules.resize(count);
  s.pas.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    const PhysAddr pa(kDramBase + i * kGranuleSize);
    EXPECT_TRUE(monitor().granule_info(pa, s.granules[i]));
    s.pas[i] = static_cast<uint8_t>(machine_.gpt().pas(pa));
  }
  s.dram.assign(machine_.dram().host_view(), machine_.dram().host_view() + dram_size_);
  return s;
}

void expect_same(const MachineSnapshot& before, const MachineSnapshot& after) {
  ASSERT_EQ(before.granules.size(), after.granules.size());
  for (size_t i = 0; i < before.granules.size(); ++i) {
    EXPECT_EQ(before.granules[i].state, after.granules[i].state) << "granule state changed at index " << i;
    EXPECT_EQ(before.granules[i].refcount, after.granules[i].refcount) << "refcount changed at index " << i;
    EXPECT_EQ(before.pas[i], after.pas[i]) << "PAS changed at index " << i;
  }
  ASSERT_EQ(before.dram.size(), after.dram.size());
  if (std::memcmp(before.dram.data(), after.dram.data(), before.dram.size()) == 0) return;
  for (size_t offset = 0; offset < before.dram.size(); offset += 8) {
    if (std::memcmp(&before.dram[offset], &after.dram[offset], 8) != 0) {
      ADD_FAILURE() << "DRAM changed at PA 0x" << std::hex << (kDramBase + offset);
      return;
    }
  }
}

SmcResult MonitorTest::expect_refused(uint64_t expected_x0, RmiCommand command, uint64_t x1, uint64_t x2,
                                      uint64_t x3, uint64_t x4, uint64_t x5) {
  const MachineSnapshot before = snapshot();
  const SmcResult result = rmi(command, x1, x2, x3, x4, x5);
  EXPECT_EQ(result.x[0], expected_x0) << "command 0x" << std::hex << static_cast<unsigned>(command)
                                      << " returned 0x" << result.x[0];
  expect_same(before, snapshot());
  return result;
}

std::string MonitorTest::hex(const uint8_t* bytes, size_t len) {
  std::string out;
  char buf[3];
  for (size_t i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", bytes[i]);
    out += buf;
  }
  return out;
}

}  // namespace mica::monitor::testing
