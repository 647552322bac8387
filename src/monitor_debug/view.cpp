#include "monitor_debug/view.h"

#include <cstring>

namespace mica::monitor::debug {

namespace {

namespace f = s2tt::field;
namespace v = s2tt::value;

constexpr uint64_t kPageBits = s2tt::output_address_mask(abi::kRttPageLevel);

}  // namespace

const char* entry_kind_name(EntryKind kind) {
  switch (kind) {
    case EntryKind::kUnassignedEmpty: return "UNASSIGNED/EMPTY";
    case EntryKind::kUnassignedRam: return "UNASSIGNED/RAM";
    case EntryKind::kUnassignedDestroyed: return "UNASSIGNED/DESTROYED";
    case EntryKind::kAssignedEmpty: return "ASSIGNED/EMPTY";
    case EntryKind::kAssignedRam: return "ASSIGNED/RAM";
    case EntryKind::kAssignedDestroyed: return "ASSIGNED/DESTROYED";
    case EntryKind::kUnassignedNs: return "UNASSIGNED_NS";
    case EntryKind::kAssignedNs: return "ASSIGNED_NS";
    case EntryKind::kTable: return "TABLE";
    case EntryKind::kAssignedShared: return "MICA_SHARED";
    case EntryKind::kMalformed: return "MALFORMED";
  }
  return "?";
}

bool is_assigned_protected(EntryKind kind) {
  return kind == EntryKind::kAssignedEmpty || kind == EntryKind::kAssignedRam ||
         kind == EntryKind::kAssignedDestroyed;
}

// Mirrors s2tt::Rtte::state() but refuses, instead of asserting on, any bit
// pattern the monitor's constructors (s2tt/descriptor.cpp) never produce.
Entry decode_entry(uint64_t raw, int level) {
  Entry e;
  e.raw = raw;
  if (level < -1 || level > abi::kRttPageLevel) return e;
  const uint64_t type = f::kType.get(raw);
  if (type == v::kTypeInvalid) {
    if (f::kNs.get(raw) != 0) {
      if (raw == f::kNs.put(0, 1)) e.kind = EntryKind::kUnassignedNs;
      return e;
    }
    const uint64_t ripas = f::kRipas.get(raw);
    const uint64_t hipas = f::kHipas.get(raw);
    if (ripas > static_cast<uint64_t>(abi::Ripas::kDestroyed)) return e;
    if (hipas == v::kHipasUnassigned) {
      if (raw != f::kRipas.put(0, ripas)) return e;
      e.kind = ripas == 0 ? EntryKind::kUnassignedEmpty
                          : ripas == 1 ? EntryKind::kUnassignedRam : EntryKind::kUnassignedDestroyed;
      return e;
    }
    if (hipas != v::kHipasAssigned || ripas == static_cast<uint64_t>(abi::Ripas::kRam)) return e;
    if (level < abi::kRttMinBlockLevel) return e;
    e.pa = PhysAddr(raw & s2tt::output_address_mask(level));
    if (raw != (e.pa.value() | f::kHipas.put(0, hipas) | f::kRipas.put(0, ripas))) return e;
    e.kind = ripas == 0 ? EntryKind::kAssignedEmpty : EntryKind::kAssignedDestroyed;
    return e;
  }
  if (type == v::kTypeTableOrPage && level < abi::kRttPageLevel) {
    e.pa = PhysAddr(raw & kPageBits);
    if (raw != (e.pa.value() | v::kTypeTableOrPage)) return e;
    e.kind = EntryKind::kTable;
    return e;
  }
  const bool leaf_ok = (type == v::kTypeTableOrPage && level == abi::kRttPageLevel) ||
                       (type == v::kTypeBlock && level >= abi::kRttMinBlockLevel && level < abi::kRttPageLevel);
  if (!leaf_ok) return e;
  e.pa = PhysAddr(raw & s2tt::output_address_mask(level));
  e.writable = (f::kS2ap.get(raw) & v::kS2apWriteBit) != 0;
  e.executable = f::kXn.get(raw) == 0;
  if (f::kAf.get(raw) == 0) return e;
  if (f::kNs.get(raw) != 0) {
    e.kind = f::kMicaShared.get(raw) == 0 ? EntryKind::kAssignedNs : EntryKind::kMalformed;
    return e;
  }
  if (f::kMicaShared.get(raw) != 0) {
    if (level == abi::kRttPageLevel) e.kind = EntryKind::kAssignedShared;
    return e;
  }
  e.kind = EntryKind::kAssignedRam;
  return e;
}

MonitorView::MonitorView(const Monitor& monitor) : monitor_(monitor) {}

PhysAddr MonitorView::dram_base() const { return monitor_.granules_.base(); }
uint64_t MonitorView::granule_count() const { return monitor_.granules_.count(); }
bool MonitorView::tracks(PhysAddr pa) const { return monitor_.granules_.tracks(pa); }

GranuleRecord MonitorView::granule(PhysAddr pa) const {
  GranuleRecord record;
  uint32_t index;
  if (!monitor_.granules_.index_of(pa, index)) return record;
  const GranuleTable::Entry& entry = monitor_.granules_.entries_[index];
  record.state = static_cast<GranuleState>(entry.state.load(std::memory_order_acquire));
  record.refcount = entry.refcount.load(std::memory_order_acquire);
  record.locked = entry.lock.load(std::memory_order_acquire) != 0;
  return record;
}

const uint8_t* MonitorView::bytes(PhysAddr pa) const {
  if (!tracks(pa)) return nullptr;
  return monitor_.platform_.granule_memory(pa);
}

bool MonitorView::realm(PhysAddr rd, RealmDescriptor& out) const {
  if (granule(rd).state != GranuleState::kRd || !tracks(rd)) return false;
  std::memcpy(&out, bytes(rd), sizeof out);
  return true;
}

bool MonitorView::rec(PhysAddr rec_pa, RecState& out) const {
  if (granule(rec_pa).state != GranuleState::kRec || !tracks(rec_pa)) return false;
  std::memcpy(&out, bytes(rec_pa), sizeof out);
  return true;
}

bool MonitorView::workflow(PhysAddr wf, ext::WorkflowDescriptor& out) const {
  if (granule(wf).state != GranuleState::kWorkflow || !tracks(wf)) return false;
  std::memcpy(&out, bytes(wf), sizeof out);
  return true;
}

bool MonitorView::rtt_entry(PhysAddr table, unsigned index, uint64_t& raw) const {
  if (index >= abi::kRttEntriesPerTable || granule(table).state != GranuleState::kRtt || !tracks(table)) {
    return false;
  }
  std::memcpy(&raw, bytes(table) + index * sizeof(uint64_t), sizeof raw);
  return true;
}

std::unique_ptr<policy::Policy> MonitorView::workflow_policy(PhysAddr wf_pa) const {
  ext::WorkflowDescriptor wf;
  if (!workflow(wf_pa, wf)) return nullptr;
  auto policy = std::make_unique<policy::Policy>();
  auto* out = reinterpret_cast<uint8_t*>(policy.get());
  size_t remaining = sizeof(policy::Policy);
  for (uint64_t i = 0; i < abi::kWorkflowAuxCount && remaining > 0; ++i) {
    const PhysAddr aux = wf.aux[i];
    if (!tracks(aux) || granule(aux).state != GranuleState::kWorkflowAux) return nullptr;
    const size_t chunk = remaining < kGranuleSize ? remaining : kGranuleSize;
    std::memcpy(out, bytes(aux), chunk);
    out += chunk;
    remaining -= chunk;
  }
  return policy;
}

bool MonitorView::share_tag(PhysAddr pa, ext::ShareTag& out) const {
  uint32_t index;
  if (!monitor_.granules_.index_of(pa, index) || granule(pa).state != GranuleState::kShared) return false;
  out = ext::ShareTag::decode(monitor_.mica_.share_tags_[index]);
  return true;
}

uint64_t MonitorView::workflow_slot(uint8_t slot) const {
  if (slot == 0 || slot > abi::kMaxWorkflows) return 0;
  return monitor_.mica_.slots_[slot - 1].value();
}

bool MonitorView::vmid_in_use(uint16_t vmid) const { return monitor_.vmids_.in_use(vmid); }

uint64_t MonitorView::vmid_word(uint32_t index) const {
  return index < kVmidWords ? monitor_.vmids_.words_[index].load(std::memory_order_acquire) : 0;
}

bool MonitorView::mica_locks_free() const {
  return monitor_.mica_.scratch_lock_.load(std::memory_order_acquire) == 0 &&
         monitor_.mica_.slots_lock_.load(std::memory_order_acquire) == 0;
}

}  // namespace mica::monitor::debug
