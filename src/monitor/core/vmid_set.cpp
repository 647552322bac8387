#include "monitor/vmid_set.h"

#include "core/assert.h"

namespace mica::monitor {

bool VmidSet::reserve(uint64_t vmid) {
  if (vmid >= kVmidCount) return false;
  const uint64_t bit = uint64_t{1} << (vmid % 64);
  const uint64_t before = words_[vmid / 64].fetch_or(bit, std::memory_order_acq_rel);
  return (before & bit) == 0;
}

void VmidSet::release(uint16_t vmid) {
  const uint64_t bit = uint64_t{1} << (vmid % 64);
  const uint64_t before = words_[vmid / 64].fetch_and(~bit, std::memory_order_acq_rel);
  MICA_MONITOR_ASSERT((before & bit) != 0);
}

bool VmidSet::in_use(uint16_t vmid) const {
  return (words_[vmid / 64].load(std::memory_order_acquire) & (uint64_t{1} << (vmid % 64))) != 0;
}

}  // namespace mica::monitor
