// A validated AArch64 ELF64 realm image.
//
// Realm images come from tenants and travel through the untrusted host, so the
// parser treats every byte as hostile: each field is checked before it is
// used, every offset and size is checked for overflow and against the file,
// and the first violation is reported with the offending field and value.
// Realm programs run with the stage-1 MMU off, so a segment's link address is
// its IPA: p_vaddr must equal p_paddr.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "host/result.h"

namespace mica::host {

struct ElfLimits {
  uint64_t max_file_size = uint64_t{256} << 20;
  uint32_t max_program_headers = 64;
  uint64_t max_total_memory = uint64_t{1} << 30;  // sum of PT_LOAD p_memsz
  // IPAs above 2^48 cannot exist without LPA2 (which the host never requests).
  uint64_t max_address = uint64_t{1} << 48;
};

struct ElfSegment {
  uint64_t address = 0;      // p_vaddr == p_paddr: the IPA it loads at
  uint64_t file_offset = 0;  // p_offset
  uint64_t file_size = 0;    // bytes taken from the file
  uint64_t memory_size = 0;  // bytes in memory; the tail past file_size is zero
  uint32_t flags = 0;        // PF_R | PF_W | PF_X
  uint32_t header_index = 0; // index in the program header table, for messages

  uint64_t end() const { return address + memory_size; }
  bool executable() const;
};

class ElfImage {
 public:
  static Result<ElfImage> parse(std::vector<uint8_t> file, const ElfLimits& limits = {});
  static Result<ElfImage> load(const std::string& path, const ElfLimits& limits = {});

  uint64_t entry() const { return entry_; }
  // PT_LOAD segments with a non-zero memory size, sorted by address,
  // pairwise disjoint.
  const std::vector<ElfSegment>& segments() const { return segments_; }
  // The file-backed bytes of a segment (file_size bytes).
  std::span<const uint8_t> file_bytes(const ElfSegment& segment) const;
  uint64_t lowest_address() const { return segments_.front().address; }
  uint64_t highest_address() const { return segments_.back().end(); }  // exclusive
  size_t file_size() const { return file_.size(); }

 private:
  ElfImage() = default;
  std::vector<uint8_t> file_;
  std::vector<ElfSegment> segments_;
  uint64_t entry_ = 0;
};

}  // namespace mica::host
