// VMSAv8-64 stage-2 descriptors (4 KiB granule, no LPA2) as the monitor
// stores them in RTT granules, and the host's descriptor for an unprotected
// mapping. Every bit position is declared once, here.
//
// Stored formats (bits [1:0] select the format):
//   0b00 invalid: the RMM keeps its software state in the ignored bits:
//        HIPAS [4:2], RIPAS [6:5], NS [55], and for ASSIGNED entries the PA.
//   0b01 block (levels 1, 2)  / 0b11 page (level 3): a valid mapping,
//        ASSIGNED/RAM in the PAR or ASSIGNED_NS outside it (NS bit set).
//   0b11 table (levels 0..2): the PA of the next-level RTT.
// A level-3 page with the software bit MICA_SHARED maps a SHARED granule of a
// Mica channel (read-only for readers, never executable); the RMM core treats
// it as neither DATA nor NS, so DATA_DESTROY, RTT_FOLD and RIPAS changes leave
// it alone and only MICA_SHARE_UNMAP removes it.
#pragma once

#include <cstdint>

#include "monitor/abi/rmi.h"
#include "monitor/types.h"

namespace mica::monitor::s2tt {

using abi::Ripas;

// A field of a 64-bit descriptor.
struct BitField {
  unsigned lsb;
  unsigned width;
  constexpr uint64_t mask() const { return ((width == 64 ? 0 : (uint64_t{1} << width)) - 1) << lsb; }
  constexpr uint64_t get(uint64_t raw) const { return (raw & mask()) >> lsb; }
  constexpr uint64_t put(uint64_t raw, uint64_t value) const {
    return (raw & ~mask()) | ((value << lsb) & mask());
  }
};

namespace field {
inline constexpr BitField kType{0, 2};
// Software state of invalid descriptors.
inline constexpr BitField kHipas{2, 3};
inline constexpr BitField kRipas{5, 2};
// Attributes of valid block/page descriptors.
inline constexpr BitField kMemAttr{2, 4};
inline constexpr BitField kHostMemAttr{2, 3};  // the part of MemAttr the host chooses
inline constexpr BitField kS2ap{6, 2};
inline constexpr BitField kSh{8, 2};
inline constexpr BitField kAf{10, 1};
inline constexpr BitField kXn{53, 2};
// Both formats: the entry belongs to the unprotected (NS) half of the IPA space.
inline constexpr BitField kNs{55, 1};
// Valid pages: a Mica shared page (bit 56, ignored by the table walker).
inline constexpr BitField kMicaShared{56, 1};
}  // namespace field

namespace value {
inline constexpr uint64_t kTypeInvalid = 0b00;
inline constexpr uint64_t kTypeBlock = 0b01;
inline constexpr uint64_t kTypeTableOrPage = 0b11;
inline constexpr uint64_t kHipasUnassigned = 0;
inline constexpr uint64_t kHipasAssigned = 1;
inline constexpr uint64_t kMemAttrNormalWriteBackFwb = 0b0110;
inline constexpr uint64_t kHostMemAttrRejected = 0b100;
inline constexpr uint64_t kS2apReadWrite = 0b11;
inline constexpr uint64_t kS2apReadOnly = 0b01;
inline constexpr uint64_t kS2apWriteBit = 0b10;
inline constexpr uint64_t kShInnerShareable = 0b11;
inline constexpr uint64_t kXnNoExecute = 0b10;
}  // namespace value

inline constexpr unsigned kOutputAddressTopBit = 47;  // 48-bit PAs without LPA2

// Output-address bits of a descriptor at `level`: [47 : level shift].
constexpr uint64_t output_address_mask(int level) {
  const unsigned lsb = abi::rtt_level_shift(level);
  return ((uint64_t{1} << (kOutputAddressTopBit + 1)) - 1) & ~((uint64_t{1} << lsb) - 1);
}

// What an RTT entry means to the RMM (HIPAS and RIPAS together).
enum class EntryState : uint8_t {
  kUnassignedEmpty,
  kUnassignedRam,
  kUnassignedDestroyed,
  kAssignedEmpty,
  kAssignedRam,
  kAssignedDestroyed,
  kUnassignedNs,
  kAssignedNs,
  kTable,
  kAssignedShared,  // a Mica shared page: RIPAS RAM, not DATA
};

constexpr bool is_unassigned(EntryState s) {
  return s == EntryState::kUnassignedEmpty || s == EntryState::kUnassignedRam ||
         s == EntryState::kUnassignedDestroyed;
}
// Assigned protected entries are the ones an RTT's reference count counts.
constexpr bool is_assigned_protected(EntryState s) {
  return s == EntryState::kAssignedEmpty || s == EntryState::kAssignedRam ||
         s == EntryState::kAssignedDestroyed;
}
Ripas ripas_of(EntryState s);
EntryState unassigned_with(Ripas ripas);
EntryState assigned_with(Ripas ripas);

// One stored RTT entry.
class Rtte {
 public:
  constexpr explicit Rtte(uint64_t raw = 0) : raw_(raw) {}
  constexpr uint64_t raw() const { return raw_; }
  constexpr bool operator==(const Rtte&) const = default;

  static Rtte unassigned(Ripas ripas);
  static Rtte unassigned_ns();
  // ASSIGNED with the given RIPAS: RAM is a valid block/page mapping of pa,
  // EMPTY and DESTROYED are invalid descriptors that remember pa.
  static Rtte assigned(Ripas ripas, PhysAddr pa, int level);
  // ASSIGNED_NS: a valid mapping of the NS pa with the host's attributes
  // (host_attributes holds MemAttr[4:2] and S2AP[7:6] in descriptor position).
  static Rtte assigned_ns(uint64_t host_attributes, PhysAddr pa, int level);
  static Rtte table(PhysAddr next_level);
  // A level-3 page mapping the SHARED granule pa of a Mica channel: writable
  // only if `writable`, never executable.
  static Rtte assigned_shared(PhysAddr pa, bool writable);
  // For kAssignedShared entries: the stage-2 write permission.
  bool shared_writable() const { return (field::kS2ap.get(raw_) & value::kS2apWriteBit) != 0; }

  // Decodes the entry; `level` is the level of the table holding it.
  EntryState state(int level) const;
  // PA of an assigned entry (protected or NS) or of the next-level table.
  PhysAddr output_address(int level) const;
  // MemAttr[4:2] and S2AP[7:6] of an ASSIGNED_NS entry, in descriptor position.
  uint64_t host_attributes() const;
  // Live entries have a PA: valid descriptors and ASSIGNED/EMPTY, ASSIGNED/DESTROYED.
  bool is_live(int level) const;
  bool is_valid_descriptor() const { return field::kType.get(raw_) != value::kTypeInvalid; }

 private:
  uint64_t raw_;
};

// The descriptor a host passes to RMI_RTT_MAP_UNPROTECTED (X4).
class HostNsDescriptor {
 public:
  constexpr explicit HostNsDescriptor(uint64_t raw) : raw_(raw) {}
  // Only the PA bits for `level`, MemAttr[4:2] and S2AP[7:6] may be set, and
  // MemAttr must not be 0b100.
  bool is_valid(int level) const;
  PhysAddr output_address(int level) const { return PhysAddr(raw_ & output_address_mask(level)); }
  uint64_t attributes() const { return raw_ & (field::kHostMemAttr.mask() | field::kS2ap.mask()); }

 private:
  uint64_t raw_;
};

// The host-visible bits of an ASSIGNED_NS entry (what RTT_READ_ENTRY returns).
uint64_t host_view_of_assigned_ns(Rtte entry, int level);

}  // namespace mica::monitor::s2tt
