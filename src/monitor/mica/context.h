// What the Mica command handlers work with: the platform, the granule table
// and the extension's fixed storage (monitor/mica_extension.h), plus the
// small locking and result helpers they share.
#pragma once

#include <atomic>
#include <cstdint>

#include "mica/policy.h"
#include "monitor/abi/mica.h"
#include "monitor/granule_table.h"
#include "monitor/mica_extension.h"
#include "monitor/platform.h"
#include "rmi/handlers.h"

namespace mica::monitor::ext {

using rmi::Outputs;
using rmi::Status;

// A spin lock held for the length of one command (scratch, slots).
class SpinGuard {
 public:
  explicit SpinGuard(std::atomic<uint8_t>& lock) : lock_(lock) {
    while (lock_.exchange(1, std::memory_order_acquire) != 0) {
      while (lock_.load(std::memory_order_relaxed) != 0) {
      }
    }
  }
  ~SpinGuard() { lock_.store(0, std::memory_order_release); }
  SpinGuard(const SpinGuard&) = delete;
  SpinGuard& operator=(const SpinGuard&) = delete;

 private:
  std::atomic<uint8_t>& lock_;
};

struct Context {
  PlatformInterface& platform;
  GranuleTable& granules;
  std::atomic<uint8_t>& scratch_lock;
  uint8_t* scratch_blob;            // abi::kMaxPolicyBytes
  policy::Policy& scratch_policy;
  std::atomic<uint8_t>& slots_lock;
  PhysAddr* slots;                  // abi::kMaxWorkflows
  uint32_t* share_tags;             // GranuleTable::kCapacity
  std::atomic<uint64_t>& next_id;

  // A fresh, never-zero id for a wait or a call.
  uint64_t new_id() { return next_id.fetch_add(1, std::memory_order_relaxed); }
  // Index of a tracked granule (the caller holds its lock, so it is tracked).
  uint32_t granule_index(PhysAddr pa) const {
    return static_cast<uint32_t>((pa.value() - granules.base().value()) >> kGranuleShift);
  }
};

}  // namespace mica::monitor::ext

namespace mica::monitor {

struct MicaExtension::Storage {
  static ext::Context context(MicaExtension& e) {
    return ext::Context{e.platform_,
                        e.granules_,
                        e.scratch_lock_,
                        e.scratch_blob_,
                        *reinterpret_cast<policy::Policy*>(e.scratch_policy_),
                        e.slots_lock_,
                        e.slots_,
                        e.share_tags_,
                        e.next_id_};
  }
};

}  // namespace mica::monitor
