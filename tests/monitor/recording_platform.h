// A PlatformInterface for tests that must observe what the monitor asks of
// the platform (TLB invalidations, forgotten RECs) or make EL3 refuse. It
// runs on an emulated Machine (machine_backed_platform.h).
#pragma once

#include <cstdint>
#include <vector>

#include "monitor/monitor.h"
#include "monitor/platform.h"
#include "machine_backed_platform.h"
#include "platform/machine.h"

namespace mica::monitor::testing {

struct TlbiRecord {
  uint16_t vmid;
  uint64_t ipa;   // 0 for a whole-VMID invalidation
  uint64_t size;  // 0 for a whole-VMID invalidation
  bool whole_vmid;
  bool operator==(const TlbiRecord&) const = default;
};

class RecordingPlatform final : public MachineBackedPlatform {
 public:
  explicit RecordingPlatform(platform::Machine& machine) : MachineBackedPlatform(machine, 31, 7) {}

  uint64_t dram_size() const override {
    return dram_size_override_ != 0 ? dram_size_override_ : MachineBackedPlatform::dram_size();
  }
  void tlbi_ipa(uint16_t vmid, Ipa ipa, uint64_t size) override { tlbis.push_back({vmid, ipa.value(), size, false}); }
  void tlbi_vmid(uint16_t vmid) override { tlbis.push_back({vmid, 0, 0, true}); }
  RealmTrap run_realm(PhysAddr, RealmCpuContext&, const Stage2Config&, uint64_t) override {
    return RealmTrap{RealmTrap::Kind::kFatal, 0, 0, 0};
  }
  void forget_rec(PhysAddr rec) override { forgotten_recs.push_back(rec.value()); }

  std::vector<TlbiRecord> tlbis;
  std::vector<uint64_t> forgotten_recs;
  uint64_t dram_size_override_ = 0;
};

}  // namespace mica::monitor::testing
