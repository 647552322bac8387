// Granule tracking: the state, lock and reference count of every 4 KiB
// granule of the DRAM the monitor manages.
//
// GRANULE STATES (what each one means, what its lock protects)
//
//   UNDELEGATED (NS)  owned by the normal world; the monitor never maps it
//                     except to copy parameters with a faulting NS access.
//   DELEGATED         in the Realm PAS, owned by nobody, always all zeros
//                     while unlocked (checked on unlock in debug builds).
//   RD                a Realm Descriptor (RealmDescriptor lives in it). The
//                     lock protects the whole descriptor, including the
//                     measurements. Reference count = number of live RECs.
//   REC               a REC (RecState lives in it). The lock protects RecState.
//                     Reference count = 1 while the REC runs on a PE, else 0.
//   REC_AUX           an auxiliary granule of one REC, reachable only through
//                     that REC.
//   DATA              realm memory mapped by exactly one protected RTT entry.
//   RTT               a stage-2 translation table of 512 descriptors. The lock
//                     protects its entries. Reference count = number of entries
//                     that are TABLE or assigned protected (EMPTY, RAM,
//                     DESTROYED); ASSIGNED_NS entries are not counted.
//   WORKFLOW          Mica: one workflow instance (mica/workflow.h). The lock
//                     protects the descriptor: bindings, counters, gate state.
//   SHARED            Mica: one page of shared protected memory of one channel
//                     of one workflow. Reference count = number of RTT entries
//                     mapping it (one per endpoint realm at most).
//   WORKFLOW_AUX      Mica: storage of a workflow's decoded policy, reachable
//                     only through its WORKFLOW granule; immutable from
//                     MICA_WORKFLOW_CREATE until MICA_WORKFLOW_DESTROY.
//
// The state and the reference count change only while the granule's lock is
// held, and the state changes only through GranuleLock::transition().
// Exception: an RD's reference count is changed atomically by REC_DESTROY
// without the RD lock (the REC lock keeps the RD alive: REALM_DESTROY refuses
// while the count is not zero), as TF-RMM does.
//
// LOCK ORDER (a thread holding a lock may only take locks later in this list)
//
//   1. Granules named by the caller's arguments, found with find_lock(). When
//      one command takes several of them (two, or an RD with its root RTTs),
//      they are taken in ascending physical address order.
//   2. RTTs, from the root downwards (parent before child), hand over hand:
//      a child is locked before its parent is released. A walk starts with
//      the RD (or a REC of the realm) already locked.
//   3. Granules reachable only through an object locked above: a REC's
//      REC_AUX granules (after the REC), a DATA granule mapped by an RTT
//      entry (after that RTT), a child RTT (after its parent).
//
// The Mica extension adds, after the classes above: RD -> RTTs -> SHARED ->
// WORKFLOW -> WORKFLOW_AUX. A command holding a WORKFLOW lock never waits for
// an RD, RTT or SHARED granule, and one holding a SHARED lock never waits for
// an RD or RTT (mica/workflow.h gives the details).
//
// find_lock() checks the state as soon as it holds the lock and lets go at
// once on a mismatch, so a class-1 lock is only ever held while waiting when
// its granule is in the state the command expects (NS, DELEGATED, RD, REC);
// no walk of classes 2 and 3 can be waiting for such a granule.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "monitor/platform.h"
#include "monitor/types.h"

namespace mica::monitor {

namespace debug {
// The host build's read-only debug view (src/monitor_debug): tests and
// fuzzers read the monitor's private tables through it. It is not part of
// the monitor library, and the freestanding aarch64 build never compiles it.
class MonitorView;
}  // namespace debug

enum class GranuleState : uint8_t {
  kUndelegated = 0,  // spec UNDELEGATED, TF-RMM "NS"
  kDelegated = 1,
  kRd = 2,
  kRec = 3,
  kRecAux = 4,
  kData = 5,
  kRtt = 6,
  // The Mica extension's objects (src/monitor/mica).
  kWorkflow = 7,
  kShared = 8,
  kWorkflowAux = 9,
};
const char* granule_state_name(GranuleState state);

class GranuleTable;

// A granule locked by this thread: the only handle through which a granule's
// state, reference count or memory may be touched. Released on destruction.
class GranuleLock {
 public:
  GranuleLock() = default;
  GranuleLock(GranuleLock&& other) noexcept;
  GranuleLock& operator=(GranuleLock&& other) noexcept;
  GranuleLock(const GranuleLock&) = delete;
  GranuleLock& operator=(const GranuleLock&) = delete;
  ~GranuleLock() { release(); }

  // False for the handle of a lookup that failed.
  explicit operator bool() const { return table_ != nullptr; }
  PhysAddr pa() const;
  GranuleState state() const;

  // The single place where a granule changes state. Asserts that the move is
  // one the RMM state machine allows.
  void transition(GranuleState to);

  uint16_t refcount() const;
  void refcount_add(uint16_t n);
  void refcount_sub(uint16_t n);

  // The granule's 4 KiB in the monitor's view.
  uint8_t* memory() const;
  // The object the granule holds (RealmDescriptor, RecState, an RTT, ...).
  template <class T>
  T& as() const {
    static_assert(sizeof(T) <= kGranuleSize);
    static_assert(std::is_trivially_copyable_v<T> && std::is_standard_layout_v<T>);
    return *reinterpret_cast<T*>(memory());
  }
  // Fills the granule with zeros (before it returns to DELEGATED).
  void zero() const;

  // Unlocks now; the handle becomes empty.
  void release();

 private:
  friend class GranuleTable;
  GranuleLock(GranuleTable* table, uint32_t index) : table_(table), index_(index) {}
  GranuleTable* table_ = nullptr;
  uint32_t index_ = 0;
};

class GranuleTable {
 public:
  // Largest DRAM the monitor tracks: 2^18 granules = 1 GiB.
  static constexpr size_t kCapacity = size_t{1} << 18;

  explicit GranuleTable(PlatformInterface& platform);
  GranuleTable(const GranuleTable&) = delete;
  GranuleTable& operator=(const GranuleTable&) = delete;

  // False if the platform's DRAM is not granule-aligned, larger than
  // kCapacity granules, or reaches beyond a 48-bit physical address.
  bool configured() const { return count_ != 0; }
  PhysAddr base() const { return base_; }
  uint64_t count() const { return count_; }

  // True if pa is granule-aligned and inside the tracked DRAM.
  bool tracks(PhysAddr pa) const;

  // THE lookup primitive: finds the granule at pa, locks it and checks that
  // it is in `expected`. Returns an empty handle (after unlocking) if pa is
  // unaligned, untracked or in another state.
  GranuleLock find_lock(PhysAddr pa, GranuleState expected);

  // Locks two distinct granules in ascending address order, each checked as
  // find_lock does. On failure (including a == b) nothing stays locked and
  // both handles are empty.
  bool find_lock_two(PhysAddr a, GranuleState a_state, GranuleLock& a_lock, PhysAddr b,
                     GranuleState b_state, GranuleLock& b_lock);

  // Locks a granule the monitor itself references (an RTT from a table
  // descriptor, a REC's aux granule, a DATA granule from an RTT entry).
  // Its state is a monitor invariant: a mismatch is a monitor bug (asserts).
  GranuleLock lock_owned(PhysAddr pa, GranuleState expected);

  // State without taking the lock: a snapshot, used only where TF-RMM does the
  // same (NS parameter granules, whose reads are fault-tolerant anyway) and
  // for introspection. Returns false if pa is not tracked.
  bool peek(PhysAddr pa, GranuleState& state, uint16_t& refcount) const;

  // Atomic reference-count change without the lock (see the header comment).
  void refcount_sub_unlocked(PhysAddr pa, uint16_t n);

  PlatformInterface& platform() const { return platform_; }

 private:
  friend class GranuleLock;
  friend class debug::MonitorView;
  struct Entry {
    std::atomic<uint8_t> lock{0};
    std::atomic<uint8_t> state{0};
    std::atomic<uint16_t> refcount{0};
  };
  static_assert(std::atomic<uint8_t>::is_always_lock_free);
  static_assert(std::atomic<uint16_t>::is_always_lock_free);

  bool index_of(PhysAddr pa, uint32_t& index) const;
  void acquire(uint32_t index);
  void unlock(uint32_t index);
  PhysAddr address_of(uint32_t index) const { return base_.plus(uint64_t{index} << kGranuleShift); }

  PlatformInterface& platform_;
  PhysAddr base_;
  uint64_t count_ = 0;
  Entry entries_[kCapacity];
};

}  // namespace mica::monitor
