#include "monitor/granule_table.h"

#include "core/assert.h"
#include "core/bytes.h"

namespace mica::monitor {

namespace {

constexpr uint64_t kMaxPhysAddrBits = 48;

// The RMM granule state machine: every granule moves between UNDELEGATED and
// DELEGATED, and from DELEGATED into exactly one object kind and back. The
// Mica objects (WORKFLOW, SHARED, WORKFLOW_AUX) follow the same rule.
bool transition_allowed(GranuleState from, GranuleState to) {
  switch (from) {
    case GranuleState::kUndelegated:
      return to == GranuleState::kDelegated;
    case GranuleState::kDelegated:
      return to == GranuleState::kUndelegated || to == GranuleState::kRd ||
             to == GranuleState::kRec || to == GranuleState::kRecAux ||
             to == GranuleState::kData || to == GranuleState::kRtt || to == GranuleState::kWorkflow ||
             to == GranuleState::kShared || to == GranuleState::kWorkflowAux;
    case GranuleState::kRd:
    case GranuleState::kRec:
    case GranuleState::kRecAux:
    case GranuleState::kData:
    case GranuleState::kRtt:
    case GranuleState::kWorkflow:
    case GranuleState::kShared:
    case GranuleState::kWorkflowAux:
      return to == GranuleState::kDelegated;
  }
  return false;
}

[[maybe_unused]] bool all_zero(const uint8_t* bytes) {
  const uint8_t* end = bytes + kGranuleSize;
  for (; bytes != end; bytes += sizeof(uint64_t)) {
    if (load_le<uint64_t>(bytes) != 0) return false;
  }
  return true;
}

}  // namespace

const char* granule_state_name(GranuleState state) {
  switch (state) {
    case GranuleState::kUndelegated: return "UNDELEGATED";
    case GranuleState::kDelegated: return "DELEGATED";
    case GranuleState::kRd: return "RD";
    case GranuleState::kRec: return "REC";
    case GranuleState::kRecAux: return "REC_AUX";
    case GranuleState::kData: return "DATA";
    case GranuleState::kRtt: return "RTT";
    case GranuleState::kWorkflow: return "WORKFLOW";
    case GranuleState::kShared: return "SHARED";
    case GranuleState::kWorkflowAux: return "WORKFLOW_AUX";
  }
  return "?";
}

// --- GranuleLock ----------------------------------------------------------------

GranuleLock::GranuleLock(GranuleLock&& other) noexcept : table_(other.table_), index_(other.index_) {
  other.table_ = nullptr;
}

GranuleLock& GranuleLock::operator=(GranuleLock&& other) noexcept {
  if (this != &other) {
    release();
    table_ = other.table_;
    index_ = other.index_;
    other.table_ = nullptr;
  }
  return *this;
}

PhysAddr GranuleLock::pa() const {
  MICA_MONITOR_ASSERT(table_ != nullptr);
  return table_->address_of(index_);
}

GranuleState GranuleLock::state() const {
  MICA_MONITOR_ASSERT(table_ != nullptr);
  return static_cast<GranuleState>(table_->entries_[index_].state.load(std::memory_order_relaxed));
}

void GranuleLock::transition(GranuleState to) {
  MICA_MONITOR_ASSERT(transition_allowed(state(), to));
  table_->entries_[index_].state.store(static_cast<uint8_t>(to), std::memory_order_relaxed);
}

uint16_t GranuleLock::refcount() const {
  MICA_MONITOR_ASSERT(table_ != nullptr);
  return table_->entries_[index_].refcount.load(std::memory_order_relaxed);
}

void GranuleLock::refcount_add(uint16_t n) {
  const uint16_t before = refcount();
  MICA_MONITOR_ASSERT(uint32_t{before} + n <= 0xFFFF);
  table_->entries_[index_].refcount.fetch_add(n, std::memory_order_relaxed);
}

void GranuleLock::refcount_sub(uint16_t n) {
  MICA_MONITOR_ASSERT(refcount() >= n);
  table_->entries_[index_].refcount.fetch_sub(n, std::memory_order_relaxed);
}

uint8_t* GranuleLock::memory() const {
  MICA_MONITOR_ASSERT(table_ != nullptr);
  uint8_t* bytes = table_->platform_.granule_memory(pa());
  MICA_MONITOR_ASSERT(bytes != nullptr);
  return bytes;
}

void GranuleLock::zero() const { zero_bytes(memory(), kGranuleSize); }

void GranuleLock::release() {
  if (table_ == nullptr) return;
  const GranuleState current = state();
  // Invariants checked whenever a granule is let go: a granule that is not an
  // object holds no references, and a DELEGATED granule holds no data.
  if (current == GranuleState::kUndelegated || current == GranuleState::kDelegated) {
    MICA_MONITOR_ASSERT(refcount() == 0);
  }
#ifndef NDEBUG
  if (current == GranuleState::kDelegated) {
    MICA_MONITOR_ASSERT(all_zero(memory()));
  }
#endif
  table_->unlock(index_);
  table_ = nullptr;
}

// --- GranuleTable ---------------------------------------------------------------

GranuleTable::GranuleTable(PlatformInterface& platform) : platform_(platform) {
  const PhysAddr base = platform.dram_base();
  const uint64_t size = platform.dram_size();
  const uint64_t granules = size >> kGranuleShift;
  const bool geometry_ok = base.is_granule_aligned() && (size % kGranuleSize) == 0 && granules != 0 &&
                           granules <= kCapacity && base.value() < (uint64_t{1} << kMaxPhysAddrBits) &&
                           size <= (uint64_t{1} << kMaxPhysAddrBits) - base.value();
  if (geometry_ok) {
    base_ = base;
    count_ = granules;
  }
}

bool GranuleTable::index_of(PhysAddr pa, uint32_t& index) const {
  if (!pa.is_granule_aligned() || pa < base_) return false;
  const uint64_t offset = (pa.value() - base_.value()) >> kGranuleShift;
  if (offset >= count_) return false;
  index = static_cast<uint32_t>(offset);
  return true;
}

bool GranuleTable::tracks(PhysAddr pa) const {
  uint32_t index;
  return index_of(pa, index);
}

void GranuleTable::acquire(uint32_t index) {
  std::atomic<uint8_t>& lock = entries_[index].lock;
  // Another PE holds the lock only for the length of one RMI/RSI command.
  while (lock.exchange(1, std::memory_order_acquire) != 0) {
    while (lock.load(std::memory_order_relaxed) != 0) {
    }
  }
}

void GranuleTable::unlock(uint32_t index) { entries_[index].lock.store(0, std::memory_order_release); }

GranuleLock GranuleTable::find_lock(PhysAddr pa, GranuleState expected) {
  uint32_t index;
  if (!index_of(pa, index)) return {};
  acquire(index);
  if (entries_[index].state.load(std::memory_order_relaxed) != static_cast<uint8_t>(expected)) {
    unlock(index);
    return {};
  }
  return GranuleLock(this, index);
}

bool GranuleTable::find_lock_two(PhysAddr a, GranuleState a_state, GranuleLock& a_lock, PhysAddr b,
                                 GranuleState b_state, GranuleLock& b_lock) {
  a_lock.release();
  b_lock.release();
  if (a == b) return false;
  const bool a_first = a < b;
  GranuleLock first = find_lock(a_first ? a : b, a_first ? a_state : b_state);
  if (!first) return false;
  GranuleLock second = find_lock(a_first ? b : a, a_first ? b_state : a_state);
  if (!second) return false;  // `first` is released on return
  if (a_first) {
    a_lock = static_cast<GranuleLock&&>(first);
    b_lock = static_cast<GranuleLock&&>(second);
  } else {
    a_lock = static_cast<GranuleLock&&>(second);
    b_lock = static_cast<GranuleLock&&>(first);
  }
  return true;
}

GranuleLock GranuleTable::lock_owned(PhysAddr pa, GranuleState expected) {
  GranuleLock lock = find_lock(pa, expected);
  MICA_MONITOR_ASSERT(static_cast<bool>(lock));
  return lock;
}

bool GranuleTable::peek(PhysAddr pa, GranuleState& state, uint16_t& refcount) const {
  uint32_t index;
  if (!index_of(pa, index)) return false;
  state = static_cast<GranuleState>(entries_[index].state.load(std::memory_order_relaxed));
  refcount = entries_[index].refcount.load(std::memory_order_relaxed);
  return true;
}

void GranuleTable::refcount_sub_unlocked(PhysAddr pa, uint16_t n) {
  uint32_t index;
  MICA_MONITOR_ASSERT(index_of(pa, index));
  const uint16_t before = entries_[index].refcount.fetch_sub(n, std::memory_order_acq_rel);
  MICA_MONITOR_ASSERT(before >= n);
}

}  // namespace mica::monitor
