// What the realm CPU needs to know about the machine's physical memory.
//
// The vcpu library is the CPU hardware of the emulated machine: it reads
// stage-2 translation tables from DRAM and maps DRAM pages into the emulated
// CPU. It deliberately knows nothing of src/platform (the platform depends on
// it): the platform describes its DRAM and its granule protection table with
// this struct.
#pragma once

#include <cstdint>
#include <functional>

namespace mica::vcpu {

// Physical address space of a granule, as the granule protection table says.
enum class Pas : uint8_t { kNonSecure = 0, kSecure = 1, kRealm = 2, kRoot = 3 };

struct PhysicalMemory {
  // DRAM lives in this memfd: byte (pa - base) of the file is physical
  // address pa. The vcpu maps pieces of it with MAP_SHARED; it never resizes
  // or closes it. The fd must stay open while the RealmCpus object lives.
  int memfd = -1;
  uint64_t base = 0;  // granule aligned
  uint64_t size = 0;  // granule multiple, > 0
  // PAS of the granule holding pa (pa inside DRAM).
  std::function<Pas(uint64_t pa)> pas_of;
  // Changes whenever any granule changes PAS, so that the CPU knows its
  // cached memory map may no longer pass the granule protection check.
  std::function<uint64_t()> gpt_generation;
};

}  // namespace mica::vcpu
