#include "vcpu/realm_cpus.h"

#include <sys/mman.h>

#include <stdexcept>
#include <utility>

#include "realm_cpu.h"

namespace mica::vcpu {

namespace {

const uint8_t* map_dram_for_walker(const PhysicalMemory& memory) {
  if (memory.memfd < 0 || memory.size == 0 || (memory.base & 0xFFF) != 0 ||
      (memory.size & 0xFFF) != 0) {
    throw std::runtime_error("vcpu: DRAM must be a non-empty, granule-aligned memfd range");
  }
  if (!memory.pas_of) throw std::runtime_error("vcpu: PhysicalMemory.pas_of is required");
  void* view = mmap(nullptr, memory.size, PROT_READ, MAP_SHARED, memory.memfd, 0);
  if (view == MAP_FAILED) throw std::runtime_error("vcpu: cannot map DRAM for the table walker");
  return static_cast<const uint8_t*>(view);
}

}  // namespace

RealmCpus::RealmCpus(PhysicalMemory memory, Limits limits) {
  const uint8_t* view = map_dram_for_walker(memory);
  memory_ = std::make_unique<MemorySystem>(std::move(memory), view, limits);
}

RealmCpus::~RealmCpus() {
  cpus_.clear();  // engines unmap their regions before the DRAM view goes
  munmap(const_cast<uint8_t*>(memory_->dram_view), memory_->phys.size);
}

monitor::RealmTrap RealmCpus::run(monitor::PhysAddr rec, monitor::RealmCpuContext& ctx,
                                  const monitor::Stage2Config& s2, uint64_t instruction_budget) {
  std::lock_guard lock(mutex_);
  last_run_ = RunInfo{};
  auto fatal = [&](FatalReason reason, const char* detail) {
    last_run_.fatal = reason;
    last_run_.detail = detail;
    return monitor::RealmTrap{monitor::RealmTrap::Kind::kFatal, static_cast<uint64_t>(reason), 0, 0};
  };
  if (const char* why = Stage2Walker::check_config(s2)) {
    return fatal(FatalReason::kInvalidStage2Config, why);
  }
  auto it = cpus_.find(rec.value());
  if (it == cpus_.end()) {
    const char* why = "";
    auto cpu = RealmCpu::create(*memory_, &why);
    if (!cpu) return fatal(FatalReason::kHostResources, why);
    it = cpus_.emplace(rec.value(), std::move(cpu)).first;
  }
  const monitor::RealmTrap trap = it->second->run(ctx, s2, instruction_budget, last_run_);
  instructions_by_vmid_[s2.vmid] += last_run_.instructions;
  return trap;
}

uint64_t RealmCpus::instructions(uint16_t vmid) const {
  std::lock_guard lock(mutex_);
  const auto it = instructions_by_vmid_.find(vmid);
  return it == instructions_by_vmid_.end() ? 0 : it->second;
}

void RealmCpus::forget(monitor::PhysAddr rec) {
  std::lock_guard lock(mutex_);
  cpus_.erase(rec.value());
}

void RealmCpus::tlbi_ipa(uint16_t vmid, monitor::Ipa ipa, uint64_t size) {
  std::lock_guard lock(mutex_);
  for (auto& [rec, cpu] : cpus_) {
    if (cpu->vmid() == vmid) cpu->invalidate_range(ipa.value(), size);
  }
}

void RealmCpus::tlbi_vmid(uint16_t vmid) {
  std::lock_guard lock(mutex_);
  for (auto& [rec, cpu] : cpus_) {
    if (cpu->vmid() == vmid) cpu->invalidate_all();
  }
}

RunInfo RealmCpus::last_run() const {
  std::lock_guard lock(mutex_);
  return last_run_;
}

size_t RealmCpus::cpu_count() const {
  std::lock_guard lock(mutex_);
  return cpus_.size();
}

size_t RealmCpus::mapped_regions(monitor::PhysAddr rec) const {
  std::lock_guard lock(mutex_);
  auto it = cpus_.find(rec.value());
  return it == cpus_.end() ? 0 : it->second->region_count();
}

size_t RealmCpus::host_mappings_in_use() const {
  std::lock_guard lock(mutex_);
  return memory_->host_mappings;
}

}  // namespace mica::vcpu
