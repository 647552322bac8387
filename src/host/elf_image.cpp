#include "host/elf_image.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

namespace mica::host {
namespace {

// Unaligned, endian-explicit reads: the file buffer has no alignment guarantee
// and the image is little-endian whatever the host is.
uint64_t read_le(const uint8_t* p, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) value |= uint64_t{p[i]} << (8 * i);
  return value;
}

// Mirror of Elf64_Ehdr / Elf64_Phdr decoded field by field (offsets from <elf.h>).
Elf64_Ehdr decode_header(const uint8_t* p) {
  Elf64_Ehdr h{};
  std::memcpy(h.e_ident, p, EI_NIDENT);
  h.e_type = static_cast<Elf64_Half>(read_le(p + offsetof(Elf64_Ehdr, e_type), 2));
  h.e_machine = static_cast<Elf64_Half>(read_le(p + offsetof(Elf64_Ehdr, e_machine), 2));
  h.e_version = static_cast<Elf64_Word>(read_le(p + offsetof(Elf64_Ehdr, e_version), 4));
  h.e_entry = read_le(p + offsetof(Elf64_Ehdr, e_entry), 8);
  h.e_phoff = read_le(p + offsetof(Elf64_Ehdr, e_phoff), 8);
  h.e_shoff = read_le(p + offsetof(Elf64_Ehdr, e_shoff), 8);
  h.e_flags = static_cast<Elf64_Word>(read_le(p + offsetof(Elf64_Ehdr, e_flags), 4));
  h.e_ehsize = static_cast<Elf64_Half>(read_le(p + offsetof(Elf64_Ehdr, e_ehsize), 2));
  h.e_phentsize = static_cast<Elf64_Half>(read_le(p + offsetof(Elf64_Ehdr, e_phentsize), 2));
  h.e_phnum = static_cast<Elf64_Half>(read_le(p + offsetof(Elf64_Ehdr, e_phnum), 2));
  return h;
}

Elf64_Phdr decode_program_header(const uint8_t* p) {
  Elf64_Phdr h{};
  h.p_type = static_cast<Elf64_Word>(read_le(p + offsetof(Elf64_Phdr, p_type), 4));
  h.p_flags = static_cast<Elf64_Word>(read_le(p + offsetof(Elf64_Phdr, p_flags), 4));
  h.p_offset = read_le(p + offsetof(Elf64_Phdr, p_offset), 8);
  h.p_vaddr = read_le(p + offsetof(Elf64_Phdr, p_vaddr), 8);
  h.p_paddr = read_le(p + offsetof(Elf64_Phdr, p_paddr), 8);
  h.p_filesz = read_le(p + offsetof(Elf64_Phdr, p_filesz), 8);
  h.p_memsz = read_le(p + offsetof(Elf64_Phdr, p_memsz), 8);
  h.p_align = read_le(p + offsetof(Elf64_Phdr, p_align), 8);
  return h;
}

// a + b without wrapping; false if it would exceed `limit`.
bool add_within(uint64_t a, uint64_t b, uint64_t limit, uint64_t* sum) {
  if (a > limit || b > limit - a) return false;
  *sum = a + b;
  return true;
}

bool is_power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

Result<bool> check_identification(const Elf64_Ehdr& h) {
  if (std::memcmp(h.e_ident, ELFMAG, SELFMAG) != 0) {
    return fail("not an ELF file: bad magic in e_ident[0..3]");
  }
  if (h.e_ident[EI_CLASS] != ELFCLASS64) {
    return fail("e_ident[EI_CLASS] is ", dec(h.e_ident[EI_CLASS]), ", expected ELFCLASS64 (2)");
  }
  if (h.e_ident[EI_DATA] != ELFDATA2LSB) {
    return fail("e_ident[EI_DATA] is ", dec(h.e_ident[EI_DATA]),
                ", expected ELFDATA2LSB (1): realm images are little-endian");
  }
  if (h.e_ident[EI_VERSION] != EV_CURRENT) {
    return fail("e_ident[EI_VERSION] is ", dec(h.e_ident[EI_VERSION]), ", expected EV_CURRENT (1)");
  }
  const uint8_t abi = h.e_ident[EI_OSABI];
  if (abi != ELFOSABI_NONE && abi != ELFOSABI_GNU) {
    return fail("e_ident[EI_OSABI] is ", dec(abi), ", expected ELFOSABI_NONE (0) or ELFOSABI_GNU (3)");
  }
  if (h.e_type != ET_EXEC) {
    return fail("e_type is ", dec(h.e_type), ", expected ET_EXEC (2): realm images are static executables",
                h.e_type == ET_DYN ? " (position-independent executables are not loaded)" : "");
  }
  if (h.e_machine != EM_AARCH64) {
    return fail("e_machine is ", dec(h.e_machine), ", expected EM_AARCH64 (183)");
  }
  if (h.e_version != EV_CURRENT) {
    return fail("e_version is ", dec(h.e_version), ", expected EV_CURRENT (1)");
  }
  if (h.e_ehsize != sizeof(Elf64_Ehdr)) {
    return fail("e_ehsize is ", dec(h.e_ehsize), ", expected ", dec(sizeof(Elf64_Ehdr)));
  }
  return true;
}

Result<ElfSegment> check_load_segment(const Elf64_Phdr& ph, uint32_t index, uint64_t file_size,
                                      const ElfLimits& limits) {
  const std::string where = "program header " + dec(index) + " (PT_LOAD): ";
  if (ph.p_filesz > ph.p_memsz) {
    return fail(where, "p_filesz ", hex(ph.p_filesz), " exceeds p_memsz ", hex(ph.p_memsz));
  }
  uint64_t file_end = 0;
  if (!add_within(ph.p_offset, ph.p_filesz, file_size, &file_end)) {
    return fail(where, "p_offset ", hex(ph.p_offset), " + p_filesz ", hex(ph.p_filesz),
                " lies outside the file (", dec(file_size), " bytes)");
  }
  if (ph.p_vaddr != ph.p_paddr) {
    return fail(where, "p_paddr ", hex(ph.p_paddr), " differs from p_vaddr ", hex(ph.p_vaddr),
                ": realm code runs with stage 1 off, so the link address must be the load address");
  }
  if (ph.p_memsz > limits.max_total_memory) {
    return fail(where, "p_memsz ", hex(ph.p_memsz), " exceeds the image size limit ",
                hex(limits.max_total_memory));
  }
  uint64_t memory_end = 0;
  if (!add_within(ph.p_vaddr, ph.p_memsz, limits.max_address, &memory_end)) {
    return fail(where, "p_vaddr ", hex(ph.p_vaddr), " + p_memsz ", hex(ph.p_memsz),
                " exceeds the addressable IPA limit ", hex(limits.max_address));
  }
  if (ph.p_align > 1) {
    if (!is_power_of_two(ph.p_align)) {
      return fail(where, "p_align ", hex(ph.p_align), " is not a power of two");
    }
    if ((ph.p_vaddr - ph.p_offset) % ph.p_align != 0) {
      return fail(where, "p_vaddr ", hex(ph.p_vaddr), " and p_offset ", hex(ph.p_offset),
                  " are not congruent modulo p_align ", hex(ph.p_align));
    }
  }
  if ((ph.p_flags & ~static_cast<Elf64_Word>(PF_R | PF_W | PF_X)) != 0) {
    return fail(where, "p_flags ", hex(ph.p_flags), " has bits other than PF_R, PF_W, PF_X");
  }
  ElfSegment segment;
  segment.address = ph.p_vaddr;
  segment.file_offset = ph.p_offset;
  segment.file_size = ph.p_filesz;
  segment.memory_size = ph.p_memsz;
  segment.flags = ph.p_flags;
  segment.header_index = index;
  return segment;
}

}  // namespace

bool ElfSegment::executable() const { return (flags & PF_X) != 0; }

std::span<const uint8_t> ElfImage::file_bytes(const ElfSegment& segment) const {
  return std::span<const uint8_t>(file_).subspan(segment.file_offset, segment.file_size);
}

Result<ElfImage> ElfImage::parse(std::vector<uint8_t> file, const ElfLimits& limits) {
  if (file.size() > limits.max_file_size) {
    return fail("file is ", dec(file.size()), " bytes, above the limit of ", dec(limits.max_file_size));
  }
  if (file.size() < sizeof(Elf64_Ehdr)) {
    return fail("truncated: file is ", dec(file.size()), " bytes, an ELF64 header needs ",
                dec(sizeof(Elf64_Ehdr)));
  }
  const Elf64_Ehdr header = decode_header(file.data());
  if (auto ident = check_identification(header); !ident) return Error{ident.error()};

  if (header.e_phentsize != sizeof(Elf64_Phdr)) {
    return fail("e_phentsize is ", dec(header.e_phentsize), ", expected ", dec(sizeof(Elf64_Phdr)));
  }
  if (header.e_phnum == 0) return fail("e_phnum is 0: the image has no program headers");
  if (header.e_phnum == PN_XNUM) {
    return fail("e_phnum is PN_XNUM (0xffff): extended program header counts are not accepted");
  }
  if (header.e_phnum > limits.max_program_headers) {
    return fail("e_phnum is ", dec(header.e_phnum), ", above the limit of ", dec(limits.max_program_headers));
  }
  uint64_t table_end = 0;
  const uint64_t table_size = uint64_t{header.e_phnum} * sizeof(Elf64_Phdr);
  if (!add_within(header.e_phoff, table_size, file.size(), &table_end)) {
    return fail("program header table (e_phoff ", hex(header.e_phoff), ", ", dec(header.e_phnum),
                " entries) lies outside the file (", dec(file.size()), " bytes)");
  }

  ElfImage image;
  uint64_t total_memory = 0;
  for (uint32_t i = 0; i < header.e_phnum; ++i) {
    const Elf64_Phdr ph = decode_program_header(file.data() + header.e_phoff + i * sizeof(Elf64_Phdr));
    if (ph.p_type == PT_DYNAMIC || ph.p_type == PT_INTERP) {
      return fail("program header ", dec(i), " is ", ph.p_type == PT_DYNAMIC ? "PT_DYNAMIC" : "PT_INTERP",
                  ": realm images must be statically linked");
    }
    if (ph.p_type != PT_LOAD) continue;  // notes, GNU_STACK, TLS templates: nothing to load
    auto segment = check_load_segment(ph, i, file.size(), limits);
    if (!segment) return Error{segment.error()};
    if (segment->memory_size == 0) continue;
    if (!add_within(total_memory, segment->memory_size, limits.max_total_memory, &total_memory)) {
      return fail("PT_LOAD segments occupy more than the image size limit of ", hex(limits.max_total_memory),
                  " bytes (reached at program header ", dec(i), ")");
    }
    image.segments_.push_back(*segment);
  }
  if (image.segments_.empty()) return fail("the image has no PT_LOAD segment with a non-zero p_memsz");

  std::sort(image.segments_.begin(), image.segments_.end(),
            [](const ElfSegment& a, const ElfSegment& b) { return a.address < b.address; });
  for (size_t i = 1; i < image.segments_.size(); ++i) {
    const ElfSegment& lower = image.segments_[i - 1];
    const ElfSegment& upper = image.segments_[i];
    if (lower.end() > upper.address) {
      return fail("program headers ", dec(lower.header_index), " and ", dec(upper.header_index),
                  " overlap: [", hex(lower.address), ", ", hex(lower.end()), ") and [", hex(upper.address),
                  ", ", hex(upper.end()), ")");
    }
  }

  const uint64_t entry = header.e_entry;
  if (entry % 4 != 0) return fail("e_entry ", hex(entry), " is not 4-byte aligned (AArch64 instructions)");
  const auto holder = std::find_if(image.segments_.begin(), image.segments_.end(), [&](const ElfSegment& s) {
    return entry >= s.address && entry - s.address < s.file_size;
  });
  if (holder == image.segments_.end()) {
    return fail("e_entry ", hex(entry), " is not inside the file-backed part of any PT_LOAD segment");
  }
  if (!holder->executable()) {
    return fail("e_entry ", hex(entry), " lies in program header ", dec(holder->header_index),
                ", which is not executable (no PF_X)");
  }
  if (entry - holder->address + 4 > holder->file_size) {
    return fail("e_entry ", hex(entry), " leaves less than one instruction before the end of program header ",
                dec(holder->header_index));
  }
  image.entry_ = entry;
  image.file_ = std::move(file);
  return image;
}

Result<ElfImage> ElfImage::load(const std::string& path, const ElfLimits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot open '", path, "'");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return fail("cannot read '", path, "'");
  if (static_cast<uint64_t>(size) > limits.max_file_size) {
    return fail("'", path, "' is ", dec(static_cast<uint64_t>(size)), " bytes, above the limit of ",
                dec(limits.max_file_size));
  }
  in.seekg(0, std::ios::beg);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) return fail("cannot read '", path, "'");
  auto image = parse(std::move(bytes), limits);
  if (!image) return fail(path, ": ", image.error());
  return image;
}

}  // namespace mica::host
