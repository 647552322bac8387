// A minimal physical machine for the realm CPU tests: DRAM in a memfd, a
// granule protection table, and a builder that writes real VMSAv8-64
// stage-2 descriptors into RTT granules the way the monitor does.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "monitor/platform.h"
#include "vcpu/physical_memory.h"
#include "vcpu/realm_cpus.h"

namespace mica::vcpu::test {

inline constexpr uint64_t kGranule = 4096;
inline constexpr uint64_t kPstateEl1h = 0x3C5;  // EL1h, DAIF masked

class TestMachine {
 public:
  explicit TestMachine(uint64_t dram_size = 64ull << 20, uint64_t dram_base = 0x8000'0000);
  ~TestMachine();
  TestMachine(const TestMachine&) = delete;
  TestMachine& operator=(const TestMachine&) = delete;

  PhysicalMemory physical_memory();
  uint64_t base() const { return base_; }
  uint64_t size() const { return size_; }
  uint8_t* at(uint64_t pa) { return view_ + (pa - base_); }
  template <class T>
  T read(uint64_t pa) {
    T value;
    std::memcpy(&value, at(pa), sizeof value);
    return value;
  }
  template <class T>
  void write(uint64_t pa, T value) {
    std::memcpy(at(pa), &value, sizeof value);
  }

  // Next free granule (zeroed), given to `pas`.
  uint64_t alloc(Pas pas = Pas::kRealm);
  // `count` physically contiguous granules.
  uint64_t alloc_contiguous(uint64_t count, Pas pas = Pas::kRealm);
  void set_pas(uint64_t pa, Pas pas);
  Pas pas(uint64_t pa) const { return gpt_[(pa - base_) / kGranule]; }
  uint64_t generation() const { return generation_; }

 private:
  uint64_t base_;
  uint64_t size_;
  int fd_ = -1;
  uint8_t* view_ = nullptr;
  std::vector<Pas> gpt_;
  uint64_t generation_ = 0;
  uint64_t next_ = 0;
};

// Stage-2 permissions of a leaf.
struct Perm {
  bool read = true;
  bool write = true;
  bool exec = true;
};
inline constexpr Perm kRw{true, true, false};
inline constexpr Perm kRwx{true, true, true};
inline constexpr Perm kRo{true, false, false};
inline constexpr Perm kRx{true, false, true};

class Stage2Builder {
 public:
  Stage2Builder(TestMachine& machine, uint8_t ipa_width = 40, int8_t start_level = 1,
                uint16_t vmid = 7);

  monitor::Stage2Config config() const;
  // Maps one 4 KiB page (creating tables as needed).
  void map_page(uint64_t ipa, uint64_t pa, Perm perm, bool ns = false, bool access_flag = true);
  // A 2 MiB (level 2) or 1 GiB (level 1) block.
  void map_block(uint64_t ipa, uint64_t pa, int level, Perm perm, bool ns = false);
  // Writes an invalid descriptor at the leaf level for ipa (no TLBI).
  void unmap(uint64_t ipa);
  // Raw descriptor slot for ipa at `level` (tables must exist).
  uint64_t entry_pa(uint64_t ipa, int level);

  // Allocates granules, fills them from `bytes` and maps them at `ipa`.
  void load(uint64_t ipa, const std::vector<uint8_t>& bytes, Perm perm);
  // Maps `pages` fresh zeroed Realm granules at ipa.
  void map_ram(uint64_t ipa, uint64_t pages, Perm perm = kRw);

 private:
  uint64_t table_for(uint64_t ipa, int level);  // creates missing tables down to `level`
  static uint64_t leaf_bits(Perm perm, bool ns, bool access_flag);

  TestMachine& m_;
  uint8_t ipa_width_;
  int8_t start_level_;
  uint16_t vmid_;
  uint8_t num_roots_;
  uint64_t root_;
};

// Reads a flat binary built from tests/vcpu/programs.
std::vector<uint8_t> program(const std::string& name);

// A fresh EL1h context starting at pc.
monitor::RealmCpuContext context_at(uint64_t pc, uint64_t sp_el1 = 0);

}  // namespace mica::vcpu::test
