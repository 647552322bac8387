// The VMIDs in use by live realms. A VMID tags a realm's stage-2 TLB entries,
// so no two live realms may share one.
#pragma once

#include <atomic>
#include <cstdint>

namespace mica::monitor {

namespace debug {
class MonitorView;  // the host build's debug view (monitor/granule_table.h)
}

class VmidSet {
 public:
  // The platform has FEAT_VMID16.
  static constexpr uint32_t kVmidCount = uint32_t{1} << 16;

  // Atomically claims vmid. False if it is out of range or already in use.
  bool reserve(uint64_t vmid);
  // Releases a VMID reserve() returned true for.
  void release(uint16_t vmid);
  bool in_use(uint16_t vmid) const;

 private:
  friend class debug::MonitorView;
  static constexpr uint32_t kWords = kVmidCount / 64;
  std::atomic<uint64_t> words_[kWords] = {};
};

}  // namespace mica::monitor
