#include "platform/gpt.h"

namespace mica::platform {

const char* pas_name(Pas pas) {
  switch (pas) {
    case Pas::kNonSecure: return "NS";
    case Pas::kSecure: return "Secure";
    case Pas::kRealm: return "Realm";
    case Pas::kRoot: return "Root";
  }
  return "?";
}

// Every granule boots in the NS PAS: the host owns all of DRAM until it
// delegates granules to the realm world.
Gpt::Gpt(const Dram& dram) : dram_(dram), table_(dram.granule_count()) {
  for (auto& entry : table_) entry.store(static_cast<uint8_t>(Pas::kNonSecure), std::memory_order_relaxed);
}

Pas Gpt::pas(PhysAddr pa) const {
  if (!dram_.contains(pa, 1)) return Pas::kRoot;
  return static_cast<Pas>(table_[dram_.granule_index(pa)].load(std::memory_order_acquire));
}

void Gpt::set(PhysAddr pa, Pas pas) {
  table_[dram_.granule_index(pa)].store(static_cast<uint8_t>(pas), std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

bool Gpt::range_is(PhysAddr pa, uint64_t len, Pas expected) const {
  if (len == 0) return dram_.contains(pa, 0) && pas(pa) == expected;
  if (!dram_.contains(pa, len)) return false;
  const uint64_t first = dram_.granule_index(pa);
  const uint64_t last = dram_.granule_index(pa.plus(len - 1));
  for (uint64_t i = first; i <= last; ++i) {
    if (static_cast<Pas>(table_[i].load(std::memory_order_acquire)) != expected) return false;
  }
  return true;
}

}  // namespace mica::platform
