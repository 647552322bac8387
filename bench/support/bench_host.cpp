#include "bench_host.h"

#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "host/elf_image.h"
#include "monitor/monitor.h"

namespace mica::bench {

namespace {

template <class T>
void put(std::vector<uint8_t>& page, uint64_t offset, T value) {
  std::memcpy(page.data() + offset, &value, sizeof value);
}

std::string hex(uint64_t value) { return host::hex(value); }

}  // namespace

platform::MachineConfig bench_machine_config(uint64_t dram_mib) {
  platform::MachineConfig config;
  config.dram_size = dram_mib << 20;
  config.state_dir = (std::filesystem::temp_directory_path() / "mica-bench-state").string();
  return config;
}

std::string realm_program_path(const std::string& name) {
  return std::string(MICA_REALM_PROGRAMS) + "/" + name + ".elf";
}

BenchHost::BenchHost(host::SmcFunction smc, platform::Machine& machine)
    : smc_(std::move(smc)),
      machine_(machine),
      memory_(machine),
      granules_(PhysAddr(machine.dram().base()), machine.dram().size()),
      rmi_(smc_) {
  rmi_.set_logging(false);
  // The emulated DRAM is a shared memory file mapped on demand: the first
  // touch of each page costs the host a page fault (microseconds). Touch it
  // all now, so that no command pays for the emulator's first use of a page.
  std::memset(machine.dram().at(PhysAddr(machine.dram().base())), 0, machine.dram().size());
}

void BenchHost::expect_success(const SmcResult& result, const std::string& what) {
  if (result.x[0] != 0) {
    throw std::runtime_error(what + " failed: " + host::RmiStatusWord(result.x[0]).to_string() + " (X1 " +
                             hex(result.x[1]) + ")");
  }
}

PhysAddr BenchHost::ns_granule() { return ns_granules(1); }

PhysAddr BenchHost::ns_granules(uint64_t count) {
  const auto pa = granules_.allocate(count);
  if (!pa) throw std::runtime_error("the benchmark machine ran out of NS granules");
  return *pa;
}

void BenchHost::write(PhysAddr pa, const void* bytes, size_t size) {
  if (machine_.host_write(pa, bytes, size) != platform::AccessResult::kOk) {
    throw std::runtime_error("host write to " + hex(pa.value()) + " faulted");
  }
}

void BenchHost::read(PhysAddr pa, void* bytes, size_t size) {
  if (machine_.host_read(pa, bytes, size) != platform::AccessResult::kOk) {
    throw std::runtime_error("host read of " + hex(pa.value()) + " faulted");
  }
}

PhysAddr BenchHost::delegated() { return delegated_run(1); }

PhysAddr BenchHost::delegated_run(uint64_t count) {
  const PhysAddr first = ns_granules(count);
  for (uint64_t i = 0; i < count; ++i) {
    expect_success(rmi(RmiCommand::kGranuleDelegate, first.value() + i * kGranuleSize), "GRANULE_DELEGATE");
  }
  return first;
}

void BenchHost::undelegate(PhysAddr pa) {
  expect_success(rmi(RmiCommand::kGranuleUndelegate, pa.value()), "GRANULE_UNDELEGATE " + hex(pa.value()));
  granules_.release(pa);
}

PhysAddr BenchHost::realm_params(uint16_t vmid, PhysAddr roots) {
  namespace rp = abi::realm_params;
  std::vector<uint8_t> params(kGranuleSize, 0);
  put<uint32_t>(params, rp::kS2sz, kRawS2sz);
  put<uint32_t>(params, rp::kNumBps, 1);
  put<uint32_t>(params, rp::kNumWps, 1);
  for (unsigned i = 0; i < rp::kRpvSize; ++i) params[rp::kRpv + i] = static_cast<uint8_t>(i);
  put<uint16_t>(params, rp::kVmid, vmid);
  put<uint64_t>(params, rp::kRttBase, roots.value());
  put<int64_t>(params, rp::kRttLevelStart, kRawStartLevel);
  put<uint32_t>(params, rp::kRttNumStart, kRawRootRtts);
  const PhysAddr pa = ns_granule();
  write(pa, params.data(), params.size());
  return pa;
}

PhysAddr BenchHost::rec_params(uint64_t mpidr, uint64_t pc, std::vector<PhysAddr>& aux, bool runnable) {
  namespace rcp = abi::rec_params;
  std::vector<uint8_t> params(kGranuleSize, 0);
  put<uint64_t>(params, rcp::kFlags, runnable ? rcp::kFlagRunnable : 0);
  put<uint64_t>(params, rcp::kMpidr, mpidr);
  put<uint64_t>(params, rcp::kPc, pc);
  put<uint64_t>(params, rcp::kNumAux, abi::kRecAuxCount);
  aux.clear();
  for (unsigned a = 0; a < abi::kRecAuxCount; ++a) {
    aux.push_back(delegated());
    put<uint64_t>(params, rcp::kAux + 8 * a, aux.back().value());
  }
  const PhysAddr pa = ns_granule();
  write(pa, params.data(), params.size());
  return pa;
}

RawRealm BenchHost::create_realm() {
  RawRealm realm;
  realm.rd = delegated();
  realm.roots = delegated_run(kRawRootRtts);
  realm.vmid = next_vmid();
  const PhysAddr params = realm_params(realm.vmid, realm.roots);
  expect_success(rmi(RmiCommand::kRealmCreate, realm.rd.value(), params.value()), "REALM_CREATE");
  release(params);
  return realm;
}

void BenchHost::create_rtts(RawRealm& realm, uint64_t ipa, int level) {
  for (int l = kRawStartLevel + 1; l <= level; ++l) {
    const uint64_t base = ipa & ~(host::rtt_map_size(l - 1) - 1);
    bool exists = false;
    for (const RawRealm::Rtt& rtt : realm.rtts) exists = exists || (rtt.level == l && rtt.ipa == base);
    if (exists) continue;
    const PhysAddr rtt = delegated();
    expect_success(rmi(RmiCommand::kRttCreate, realm.rd.value(), rtt.value(), base, static_cast<uint64_t>(l)),
                   "RTT_CREATE");
    realm.rtts.push_back({base, l, rtt});
  }
}

void BenchHost::destroy_realm(RawRealm& realm) {
  for (auto rtt = realm.rtts.rbegin(); rtt != realm.rtts.rend(); ++rtt) {
    expect_success(rmi(RmiCommand::kRttDestroy, realm.rd.value(), rtt->ipa, static_cast<uint64_t>(rtt->level)),
                   "RTT_DESTROY");
    undelegate(rtt->pa);
  }
  realm.rtts.clear();
  expect_success(rmi(RmiCommand::kRealmDestroy, realm.rd.value()), "REALM_DESTROY");
  undelegate(realm.rd);
  for (uint32_t i = 0; i < kRawRootRtts; ++i) undelegate(realm.roots.plus(i * kGranuleSize));
}

BenchHost::Loaded BenchHost::load(const std::string& program, uint64_t ram_size, unsigned recs, bool activate) {
  host::RealmConfig config;
  config.ram_size = ram_size;
  config.num_recs = recs;
  auto image = host::ElfImage::load(realm_program_path(program));
  if (!image) throw std::runtime_error(program + ": " + image.error());
  auto plan = host::build_load_plan(*image, config);
  if (!plan) throw std::runtime_error(program + ": " + plan.error());
  // Binding to a workflow comes before activation: the plan stops short of it.
  plan->steps.pop_back();
  host::LoaderOptions options;
  options.vmid = next_vmid();
  auto realm = host::load_realm(rmi_, memory_, granules_, *plan, options);
  if (!realm) throw std::runtime_error(program + ": " + realm.error());
  Loaded loaded;
  loaded.realm = std::move(realm).value();
  loaded.run = ns_granule();
  if (activate) this->activate(loaded);
  return loaded;
}

void BenchHost::activate(Loaded& loaded) {
  expect_success(rmi(RmiCommand::kRealmActivate, loaded.realm.rd.value()), "REALM_ACTIVATE");
  loaded.realm.active = true;
}

void BenchHost::create_rtts(host::LoadedRealm& realm, uint64_t ipa, int level) {
  // Realms the load plan builds have s2sz 40: start level 1, like RawRealm.
  for (int l = kRawStartLevel + 1; l <= level; ++l) {
    const uint64_t base = ipa & ~(host::rtt_map_size(l - 1) - 1);
    const auto entry = rmi_.rtt_read_entry(realm.rd, Ipa(base), l - 1);
    if (entry.ok() && entry.out.level == l - 1 && entry.out.state == abi::RmiRttEntryState::kTable) continue;
    const PhysAddr rtt = delegated();
    expect_success(rmi(RmiCommand::kRttCreate, realm.rd.value(), rtt.value(), base, static_cast<uint64_t>(l)),
                   "RTT_CREATE");
    realm.rtts.push_back({base, l, rtt});
  }
}

void BenchHost::destroy(Loaded& loaded) {
  auto done = host::destroy_realm(rmi_, granules_, loaded.realm);
  if (!done) throw std::runtime_error("destroying a realm: " + done.error());
  release(loaded.run);
}

BenchHost::Workflow BenchHost::prepare_workflow(const std::vector<uint8_t>& policy) {
  namespace wp = abi::workflow_params;
  Workflow workflow;
  std::vector<uint8_t> params(kGranuleSize, 0);
  put<uint64_t>(params, wp::kPolicySize, policy.size());
  for (size_t offset = 0; offset < policy.size(); offset += kGranuleSize) {
    const PhysAddr source = ns_granule();
    std::vector<uint8_t> chunk(kGranuleSize, 0);
    std::memcpy(chunk.data(), policy.data() + offset, std::min<size_t>(kGranuleSize, policy.size() - offset));
    write(source, chunk.data(), chunk.size());
    put<uint64_t>(params, wp::kSources + 8 * workflow.sources.size(), source.value());
    workflow.sources.push_back(source);
  }
  put<uint64_t>(params, wp::kNumSources, workflow.sources.size());
  put<uint64_t>(params, wp::kNumAux, abi::kWorkflowAuxCount);
  for (uint64_t i = 0; i < abi::kWorkflowAuxCount; ++i) {
    workflow.aux.push_back(delegated());
    put<uint64_t>(params, wp::kAux + 8 * i, workflow.aux.back().value());
  }
  workflow.params = ns_granule();
  write(workflow.params, params.data(), params.size());
  workflow.wf = delegated();
  return workflow;
}

BenchHost::Workflow BenchHost::make_workflow(const std::vector<uint8_t>& policy) {
  Workflow workflow = prepare_workflow(policy);
  const SmcResult created = create_workflow(workflow);
  expect_success(created, "MICA_WORKFLOW_CREATE (policy error " + std::to_string(created.x[1]) + " at byte " +
                              std::to_string(created.x[2]) + ")");
  return workflow;
}

void BenchHost::discard_workflow(Workflow& workflow, bool created) {
  if (created) expect_success(mica(MicaRmiCommand::kWorkflowDestroy, workflow.wf.value()), "MICA_WORKFLOW_DESTROY");
  undelegate(workflow.wf);
  for (PhysAddr aux : workflow.aux) undelegate(aux);
  for (PhysAddr source : workflow.sources) release(source);
  release(workflow.params);
  workflow = Workflow{};
}

}  // namespace mica::bench
