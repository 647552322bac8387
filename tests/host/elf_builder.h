// Builds ELF64 files byte by byte for tests: valid AArch64 images with chosen
// segments, and, by editing fields afterwards, every kind of hostile image.
#pragma once

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace mica::host::testing {

struct SegmentSpec {
  uint64_t address = 0;
  std::vector<uint8_t> bytes;  // file-backed part
  uint64_t memory_size = 0;    // 0 means bytes.size()
  uint32_t flags = PF_R;
  uint32_t type = PT_LOAD;
};

class ElfBuilder {
 public:
  ElfBuilder& entry(uint64_t address) {
    entry_ = address;
    return *this;
  }
  ElfBuilder& segment(SegmentSpec spec) {
    segments_.push_back(std::move(spec));
    return *this;
  }

  // Layout: header, program headers, then each segment's bytes at a file
  // offset congruent to its address modulo 4 KiB (p_align = 4 KiB).
  std::vector<uint8_t> build() const {
    const uint64_t table_end = sizeof(Elf64_Ehdr) + segments_.size() * sizeof(Elf64_Phdr);
    std::vector<Elf64_Phdr> headers;
    uint64_t offset = table_end;
    for (const SegmentSpec& s : segments_) {
      uint64_t file_offset = (offset & ~uint64_t{0xFFF}) + (s.address & 0xFFF);
      if (file_offset < offset) file_offset += 0x1000;
      Elf64_Phdr ph{};
      ph.p_type = s.type;
      ph.p_flags = s.flags;
      ph.p_offset = file_offset;
      ph.p_vaddr = s.address;
      ph.p_paddr = s.address;
      ph.p_filesz = s.bytes.size();
      ph.p_memsz = s.memory_size != 0 ? s.memory_size : s.bytes.size();
      ph.p_align = 0x1000;
      headers.push_back(ph);
      offset = file_offset + s.bytes.size();
    }
    std::vector<uint8_t> file(offset, 0);
    Elf64_Ehdr h{};
    std::memcpy(h.e_ident, ELFMAG, SELFMAG);
    h.e_ident[EI_CLASS] = ELFCLASS64;
    h.e_ident[EI_DATA] = ELFDATA2LSB;
    h.e_ident[EI_VERSION] = EV_CURRENT;
    h.e_ident[EI_OSABI] = ELFOSABI_NONE;
    h.e_type = ET_EXEC;
    h.e_machine = EM_AARCH64;
    h.e_version = EV_CURRENT;
    h.e_entry = entry_;
    h.e_phoff = sizeof(Elf64_Ehdr);
    h.e_ehsize = sizeof(Elf64_Ehdr);
    h.e_phentsize = sizeof(Elf64_Phdr);
    h.e_phnum = static_cast<Elf64_Half>(segments_.size());
    std::memcpy(file.data(), &h, sizeof h);  // the test host is little-endian like the image
    for (size_t i = 0; i < headers.size(); ++i) {
      std::memcpy(file.data() + sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr), &headers[i], sizeof(Elf64_Phdr));
      const auto& bytes = segments_[i].bytes;
      if (!bytes.empty()) std::memcpy(file.data() + headers[i].p_offset, bytes.data(), bytes.size());
    }
    return file;
  }

 private:
  uint64_t entry_ = 0;
  std::vector<SegmentSpec> segments_;
};

// Field editors for hostile variants of a built file.
inline Elf64_Ehdr* header_of(std::vector<uint8_t>& file) { return reinterpret_cast<Elf64_Ehdr*>(file.data()); }
inline Elf64_Phdr* program_header(std::vector<uint8_t>& file, size_t index) {
  return reinterpret_cast<Elf64_Phdr*>(file.data() + header_of(file)->e_phoff + index * sizeof(Elf64_Phdr));
}

inline std::vector<uint8_t> bytes_of(size_t count, uint8_t first = 1) {
  std::vector<uint8_t> bytes(count);
  for (size_t i = 0; i < count; ++i) bytes[i] = static_cast<uint8_t>(first + i * 7);
  return bytes;
}

}  // namespace mica::host::testing
