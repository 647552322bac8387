// The granule protection table: the physical address space (PAS) of every
// DRAM granule. The granule protection check (GPC) consults it on every
// access from the normal world, from realms mapped as NS, and from the
// monitor's NS accesses.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "platform/dram.h"

namespace mica::platform {

enum class Pas : uint8_t { kNonSecure = 0, kSecure = 1, kRealm = 2, kRoot = 3 };
const char* pas_name(Pas pas);

class Gpt {
 public:
  explicit Gpt(const Dram& dram);

  // PAS of the granule holding pa. Addresses outside DRAM are reported as
  // Root: nothing but the platform itself may touch them.
  Pas pas(PhysAddr pa) const;
  // Only EL3 (the Machine) changes the PAS.
  void set(PhysAddr pa, Pas pas);
  // Bumped on every change so that cached translations (the realm CPU's
  // memory map) know to re-check the PAS of what they map.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // True if every granule of [pa, pa + len) is in `pas` (and inside DRAM).
  bool range_is(PhysAddr pa, uint64_t len, Pas pas) const;

 private:
  const Dram& dram_;
  std::vector<std::atomic<uint8_t>> table_;
  std::atomic<uint64_t> generation_{0};
};

}  // namespace mica::platform
