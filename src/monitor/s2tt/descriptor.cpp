#include "s2tt/descriptor.h"

#include "core/assert.h"

namespace mica::monitor::s2tt {

namespace {

uint64_t leaf_type(int level) {
  MICA_MONITOR_ASSERT(level >= abi::kRttMinBlockLevel && level <= abi::kRttPageLevel);
  return level == abi::kRttPageLevel ? value::kTypeTableOrPage : value::kTypeBlock;
}

// Attributes every valid leaf the monitor writes carries: access flag set,
// inner shareable.
uint64_t common_leaf_bits(int level) {
  uint64_t raw = field::kType.put(0, leaf_type(level));
  raw = field::kAf.put(raw, 1);
  raw = field::kSh.put(raw, value::kShInnerShareable);
  return raw;
}

}  // namespace

Ripas ripas_of(EntryState s) {
  switch (s) {
    case EntryState::kUnassignedRam:
    case EntryState::kAssignedRam:
    case EntryState::kAssignedShared:
      return Ripas::kRam;
    case EntryState::kUnassignedDestroyed:
    case EntryState::kAssignedDestroyed:
      return Ripas::kDestroyed;
    default:
      return Ripas::kEmpty;
  }
}

EntryState unassigned_with(Ripas ripas) {
  switch (ripas) {
    case Ripas::kEmpty: return EntryState::kUnassignedEmpty;
    case Ripas::kRam: return EntryState::kUnassignedRam;
    case Ripas::kDestroyed: return EntryState::kUnassignedDestroyed;
  }
  MICA_MONITOR_ASSERT(false);
  return EntryState::kUnassignedEmpty;
}

EntryState assigned_with(Ripas ripas) {
  switch (ripas) {
    case Ripas::kEmpty: return EntryState::kAssignedEmpty;
    case Ripas::kRam: return EntryState::kAssignedRam;
    case Ripas::kDestroyed: return EntryState::kAssignedDestroyed;
  }
  MICA_MONITOR_ASSERT(false);
  return EntryState::kAssignedEmpty;
}

Rtte Rtte::unassigned(Ripas ripas) {
  uint64_t raw = field::kHipas.put(0, value::kHipasUnassigned);
  raw = field::kRipas.put(raw, static_cast<uint64_t>(ripas));
  return Rtte(raw);
}

Rtte Rtte::unassigned_ns() { return Rtte(field::kNs.put(0, 1)); }

Rtte Rtte::assigned(Ripas ripas, PhysAddr pa, int level) {
  MICA_MONITOR_ASSERT((pa.value() & ~output_address_mask(level)) == 0);
  if (ripas == Ripas::kRam) {
    uint64_t raw = common_leaf_bits(level) | pa.value();
    raw = field::kS2ap.put(raw, value::kS2apReadWrite);
    raw = field::kMemAttr.put(raw, value::kMemAttrNormalWriteBackFwb);
    return Rtte(raw);
  }
  uint64_t raw = field::kHipas.put(pa.value(), value::kHipasAssigned);
  raw = field::kRipas.put(raw, static_cast<uint64_t>(ripas));
  return Rtte(raw);
}

Rtte Rtte::assigned_ns(uint64_t host_attributes, PhysAddr pa, int level) {
  MICA_MONITOR_ASSERT((pa.value() & ~output_address_mask(level)) == 0);
  MICA_MONITOR_ASSERT((host_attributes & ~(field::kHostMemAttr.mask() | field::kS2ap.mask())) == 0);
  uint64_t raw = common_leaf_bits(level) | pa.value() | host_attributes;
  raw = field::kXn.put(raw, value::kXnNoExecute);
  raw = field::kNs.put(raw, 1);
  return Rtte(raw);
}

Rtte Rtte::assigned_shared(PhysAddr pa, bool writable) {
  uint64_t raw = common_leaf_bits(abi::kRttPageLevel) | pa.value();
  raw = field::kS2ap.put(raw, writable ? value::kS2apReadWrite : value::kS2apReadOnly);
  raw = field::kMemAttr.put(raw, value::kMemAttrNormalWriteBackFwb);
  raw = field::kXn.put(raw, value::kXnNoExecute);
  raw = field::kMicaShared.put(raw, 1);
  return Rtte(raw);
}

Rtte Rtte::table(PhysAddr next_level) {
  MICA_MONITOR_ASSERT(next_level.is_granule_aligned());
  return Rtte(field::kType.put(next_level.value(), value::kTypeTableOrPage));
}

EntryState Rtte::state(int level) const {
  const uint64_t type = field::kType.get(raw_);
  if (type == value::kTypeInvalid) {
    if (field::kNs.get(raw_) != 0) return EntryState::kUnassignedNs;
    const auto ripas = static_cast<Ripas>(field::kRipas.get(raw_));
    MICA_MONITOR_ASSERT(ripas == Ripas::kEmpty || ripas == Ripas::kRam || ripas == Ripas::kDestroyed);
    if (field::kHipas.get(raw_) == value::kHipasUnassigned) return unassigned_with(ripas);
    MICA_MONITOR_ASSERT(field::kHipas.get(raw_) == value::kHipasAssigned && ripas != Ripas::kRam);
    return assigned_with(ripas);
  }
  if (type == value::kTypeTableOrPage && level < abi::kRttPageLevel) return EntryState::kTable;
  // A block (levels 1, 2) or a page (level 3).
  MICA_MONITOR_ASSERT(type == value::kTypeTableOrPage ||
                      (level >= abi::kRttMinBlockLevel && level < abi::kRttPageLevel));
  if (field::kNs.get(raw_) != 0) return EntryState::kAssignedNs;
  if (field::kMicaShared.get(raw_) != 0) {
    MICA_MONITOR_ASSERT(level == abi::kRttPageLevel);
    return EntryState::kAssignedShared;
  }
  return EntryState::kAssignedRam;
}

PhysAddr Rtte::output_address(int level) const {
  const EntryState s = state(level);
  const int address_level = s == EntryState::kTable ? abi::kRttPageLevel : level;
  return PhysAddr(raw_ & output_address_mask(address_level));
}

uint64_t Rtte::host_attributes() const {
  return raw_ & (field::kHostMemAttr.mask() | field::kS2ap.mask());
}

bool Rtte::is_live(int level) const {
  if (is_valid_descriptor()) return true;
  const EntryState s = state(level);
  return s == EntryState::kAssignedEmpty || s == EntryState::kAssignedDestroyed;
}

bool HostNsDescriptor::is_valid(int level) const {
  const uint64_t allowed = output_address_mask(level) | field::kHostMemAttr.mask() | field::kS2ap.mask();
  if ((raw_ & ~allowed) != 0) return false;
  return field::kHostMemAttr.get(raw_) != value::kHostMemAttrRejected;
}

uint64_t host_view_of_assigned_ns(Rtte entry, int level) {
  return entry.output_address(level).value() | entry.host_attributes();
}

}  // namespace mica::monitor::s2tt
