// Emulated DRAM: one contiguous physical range split into 4 KiB granules.
//
// The bytes live in a memfd so that the realm CPU can map a realm's granules
// at their IPAs (one host mapping per IPA-contiguous run) while the platform
// keeps its own linear view. Only platform internals (the GPC-checked
// accessors, the monitor's granule window, the CPU) may use host_view().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "monitor/types.h"

namespace mica::platform {

using monitor::PhysAddr;

class Dram {
 public:
  // base and size must be granule multiples; size > 0.
  Dram(uint64_t base, uint64_t size);
  ~Dram();
  Dram(const Dram&) = delete;
  Dram& operator=(const Dram&) = delete;

  int fd() const { return fd_; }
  uint64_t base() const { return base_; }
  uint64_t size() const { return size_; }
  uint64_t granule_count() const { return size_ >> monitor::kGranuleShift; }
  uint8_t* host_view() { return view_; }
  const uint8_t* host_view() const { return view_; }

  // True if [pa, pa + len) lies entirely inside DRAM (overflow-safe).
  bool contains(PhysAddr pa, size_t len) const;
  // Index of the granule holding pa; pa must be inside DRAM.
  uint64_t granule_index(PhysAddr pa) const { return (pa.value() - base_) >> monitor::kGranuleShift; }
  uint8_t* at(PhysAddr pa) { return view_ + (pa.value() - base_); }

 private:
  uint64_t base_;
  uint64_t size_;
  int fd_ = -1;
  uint8_t* view_ = nullptr;
};

}  // namespace mica::platform
