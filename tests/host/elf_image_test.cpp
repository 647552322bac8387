// The ELF loader against real cross-compiled images and hostile variants.
#include "host/elf_image.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "elf_builder.h"

namespace mica::host {
namespace {

using ::testing::HasSubstr;
using testing::bytes_of;
using testing::ElfBuilder;
using testing::header_of;
using testing::program_header;

constexpr uint64_t kBase = 0x4000'0000;

std::vector<uint8_t> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Code page at kBase (entry inside it), data + BSS two pages further.
std::vector<uint8_t> valid_image() {
  return ElfBuilder()
      .entry(kBase + 0x10)
      .segment({kBase, bytes_of(0x100), 0, PF_R | PF_X})
      .segment({kBase + 0x2000, bytes_of(0x40), 0x3000, PF_R | PF_W})
      .build();
}

std::string parse_error(std::vector<uint8_t> file, const ElfLimits& limits = {}) {
  auto image = ElfImage::parse(std::move(file), limits);
  if (image) return "parsed successfully";
  return image.error();
}

TEST(ElfImage, LoadsTheCrossCompiledRealm) {
  auto image = ElfImage::load(MICA_TEST_REALM);
  ASSERT_TRUE(image) << image.error();
  EXPECT_EQ(image->entry(), kBase);  // _start is the first thing in .text.boot
  ASSERT_EQ(image->segments().size(), 3u);
  const auto& text = image->segments()[0];
  const auto& rodata = image->segments()[1];
  const auto& data = image->segments()[2];
  EXPECT_EQ(text.address, kBase);
  EXPECT_TRUE(text.executable());
  EXPECT_EQ(rodata.address, kBase + 0x1000);
  EXPECT_FALSE(rodata.executable());
  EXPECT_EQ(data.address, kBase + 0x2000);
  EXPECT_EQ(data.file_size, 8u);               // counter
  EXPECT_EQ(data.memory_size, 0x5010u);        // counter, padding, scratch (BSS)
  const auto counter = image->file_bytes(data);
  EXPECT_EQ(counter[0], 42);
  const auto banner = image->file_bytes(rodata);
  EXPECT_EQ(std::string(banner.begin(), banner.end() - 1), "tiny realm");
  // The first instruction is `add x9, x0, x1` (0x8b010009, little-endian).
  const auto code = image->file_bytes(text);
  EXPECT_EQ(code[0], 0x09);
  EXPECT_EQ(code[3], 0x8b);
  EXPECT_EQ(image->lowest_address(), kBase);
  EXPECT_EQ(image->highest_address(), kBase + 0x2000 + 0x5010);
}

TEST(ElfImage, LoadsTheDefaultLinkedRealm) {
  auto image = ElfImage::load(MICA_TEST_REALM_DEFAULT_LINK);
  ASSERT_TRUE(image) << image.error();
  EXPECT_EQ(image->segments().size(), 2u);
  EXPECT_LT(image->highest_address(), kBase);
}

TEST(ElfImage, MissingFileIsAnError) {
  auto image = ElfImage::load("/nonexistent/realm.elf");
  ASSERT_FALSE(image);
  EXPECT_THAT(image.error(), HasSubstr("cannot open '/nonexistent/realm.elf'"));
}

TEST(ElfImage, AcceptsTheBuilderImage) {
  auto image = ElfImage::parse(valid_image());
  ASSERT_TRUE(image) << image.error();
  EXPECT_EQ(image->entry(), kBase + 0x10);
  EXPECT_EQ(image->segments()[1].memory_size, 0x3000u);
}

TEST(ElfImage, SortsSegmentsByAddress) {
  auto file = ElfBuilder()
                  .entry(kBase)
                  .segment({kBase + 0x5000, bytes_of(0x10), 0, PF_R})
                  .segment({kBase, bytes_of(0x10), 0, PF_R | PF_X})
                  .build();
  auto image = ElfImage::parse(file);
  ASSERT_TRUE(image) << image.error();
  EXPECT_EQ(image->segments()[0].address, kBase);
  EXPECT_EQ(image->segments()[0].header_index, 1u);
  EXPECT_EQ(image->segments()[1].address, kBase + 0x5000);
}

TEST(ElfImage, SegmentsMaySharePageWithoutOverlapping) {
  auto file = ElfBuilder()
                  .entry(kBase)
                  .segment({kBase, bytes_of(0x100), 0, PF_R | PF_X})
                  .segment({kBase + 0x100, bytes_of(0x100), 0, PF_R | PF_W})
                  .build();
  EXPECT_EQ(parse_error(file), "parsed successfully");
}

TEST(ElfImage, IgnoresNonLoadHeadersAndEmptyLoads) {
  auto file = ElfBuilder()
                  .entry(kBase)
                  .segment({kBase, bytes_of(0x10), 0, PF_R | PF_X})
                  .segment({0, bytes_of(0x20), 0, PF_R, PT_NOTE})
                  .segment({kBase + 0x9000, {}, 0, PF_R, PT_LOAD})
                  .build();
  auto image = ElfImage::parse(file);
  ASSERT_TRUE(image) << image.error();
  EXPECT_EQ(image->segments().size(), 1u);
}

// --- hostile headers -------------------------------------------------------

TEST(ElfImageHostile, TruncatedHeader) {
  auto file = valid_image();
  file.resize(63);
  EXPECT_EQ(parse_error(file), "truncated: file is 63 bytes, an ELF64 header needs 64");
}

TEST(ElfImageHostile, EmptyFile) {
  EXPECT_THAT(parse_error({}), HasSubstr("file is 0 bytes"));
}

TEST(ElfImageHostile, BadMagic) {
  auto file = valid_image();
  file[1] = 'X';
  EXPECT_THAT(parse_error(file), HasSubstr("bad magic"));
}

TEST(ElfImageHostile, Elf32) {
  auto file = valid_image();
  file[EI_CLASS] = ELFCLASS32;
  EXPECT_THAT(parse_error(file), HasSubstr("e_ident[EI_CLASS] is 1, expected ELFCLASS64"));
}

TEST(ElfImageHostile, BigEndian) {
  auto file = valid_image();
  file[EI_DATA] = ELFDATA2MSB;
  EXPECT_THAT(parse_error(file), HasSubstr("e_ident[EI_DATA] is 2, expected ELFDATA2LSB"));
}

TEST(ElfImageHostile, IdentVersion) {
  auto file = valid_image();
  file[EI_VERSION] = 7;
  EXPECT_THAT(parse_error(file), HasSubstr("e_ident[EI_VERSION] is 7"));
}

TEST(ElfImageHostile, ForeignOsAbi) {
  auto file = valid_image();
  file[EI_OSABI] = ELFOSABI_FREEBSD;
  EXPECT_THAT(parse_error(file), HasSubstr("e_ident[EI_OSABI] is 9"));
}

TEST(ElfImageHostile, WrongMachine) {
  auto file = valid_image();
  header_of(file)->e_machine = EM_X86_64;
  EXPECT_THAT(parse_error(file), HasSubstr("e_machine is 62, expected EM_AARCH64 (183)"));
}

TEST(ElfImageHostile, SharedObject) {
  auto file = valid_image();
  header_of(file)->e_type = ET_DYN;
  EXPECT_THAT(parse_error(file), HasSubstr("e_type is 3, expected ET_EXEC (2)"));
  EXPECT_THAT(parse_error(file), HasSubstr("position-independent"));
}

TEST(ElfImageHostile, RelocatableObject) {
  auto file = valid_image();
  header_of(file)->e_type = ET_REL;
  EXPECT_THAT(parse_error(file), HasSubstr("e_type is 1"));
}

TEST(ElfImageHostile, ElfVersion) {
  auto file = valid_image();
  header_of(file)->e_version = 2;
  EXPECT_THAT(parse_error(file), HasSubstr("e_version is 2"));
}

TEST(ElfImageHostile, HeaderSize) {
  auto file = valid_image();
  header_of(file)->e_ehsize = 52;
  EXPECT_THAT(parse_error(file), HasSubstr("e_ehsize is 52, expected 64"));
}

TEST(ElfImageHostile, ProgramHeaderEntrySize) {
  auto file = valid_image();
  header_of(file)->e_phentsize = 32;
  EXPECT_THAT(parse_error(file), HasSubstr("e_phentsize is 32, expected 56"));
}

TEST(ElfImageHostile, NoProgramHeaders) {
  auto file = valid_image();
  header_of(file)->e_phnum = 0;
  EXPECT_THAT(parse_error(file), HasSubstr("e_phnum is 0"));
}

TEST(ElfImageHostile, ExtendedProgramHeaderCount) {
  auto file = valid_image();
  header_of(file)->e_phnum = PN_XNUM;
  EXPECT_THAT(parse_error(file), HasSubstr("PN_XNUM"));
}

TEST(ElfImageHostile, TooManyProgramHeaders) {
  auto file = valid_image();
  header_of(file)->e_phnum = 65;
  EXPECT_THAT(parse_error(file), HasSubstr("e_phnum is 65, above the limit of 64"));
}

TEST(ElfImageHostile, ProgramHeaderTableBeyondFile) {
  auto file = valid_image();
  header_of(file)->e_phoff = file.size() - 60;
  EXPECT_THAT(parse_error(file), HasSubstr("program header table (e_phoff"));
}

TEST(ElfImageHostile, ProgramHeaderTableOffsetWraps) {
  auto file = valid_image();
  header_of(file)->e_phoff = ~uint64_t{0} - 8;
  EXPECT_THAT(parse_error(file), HasSubstr("lies outside the file"));
}

TEST(ElfImageHostile, FileAboveSizeLimit) {
  ElfLimits limits;
  limits.max_file_size = 1000;
  EXPECT_THAT(parse_error(valid_image(), limits), HasSubstr("above the limit of 1000"));
}

// --- hostile segments ------------------------------------------------------

TEST(ElfImageHostile, SegmentBytesBeyondFile) {
  auto file = valid_image();
  program_header(file, 1)->p_filesz = 0x10000;
  program_header(file, 1)->p_memsz = 0x10000;
  EXPECT_THAT(parse_error(file), HasSubstr("program header 1 (PT_LOAD): p_offset"));
  EXPECT_THAT(parse_error(file), HasSubstr("lies outside the file"));
}

TEST(ElfImageHostile, SegmentOffsetWraps) {
  auto file = valid_image();
  program_header(file, 0)->p_offset = ~uint64_t{0} - 0x10;
  EXPECT_THAT(parse_error(file), HasSubstr("program header 0 (PT_LOAD): p_offset 0xffffffffffffffef"));
}

TEST(ElfImageHostile, FileSizeAboveMemorySize) {
  auto file = valid_image();
  program_header(file, 0)->p_memsz = 0x80;
  EXPECT_THAT(parse_error(file), HasSubstr("p_filesz 0x100 exceeds p_memsz 0x80"));
}

TEST(ElfImageHostile, HugeMemorySize) {
  auto file = valid_image();
  program_header(file, 1)->p_memsz = uint64_t{1} << 40;
  EXPECT_THAT(parse_error(file), HasSubstr("p_memsz 0x10000000000 exceeds the image size limit"));
}

TEST(ElfImageHostile, TotalMemoryAboveLimit) {
  ElfLimits limits;
  limits.max_total_memory = 0x3000;  // each segment fits, both together do not
  EXPECT_THAT(parse_error(valid_image(), limits), HasSubstr("PT_LOAD segments occupy more than"));
}

TEST(ElfImageHostile, AddressPlusSizeWraps) {
  auto file = valid_image();
  program_header(file, 1)->p_vaddr = ~uint64_t{0} - 0xFFF;
  program_header(file, 1)->p_paddr = ~uint64_t{0} - 0xFFF;
  EXPECT_THAT(parse_error(file), HasSubstr("exceeds the addressable IPA limit"));
}

TEST(ElfImageHostile, AddressAbove48Bits) {
  auto file = valid_image();
  program_header(file, 1)->p_vaddr = uint64_t{1} << 48;
  program_header(file, 1)->p_paddr = uint64_t{1} << 48;
  EXPECT_THAT(parse_error(file), HasSubstr("exceeds the addressable IPA limit 0x1000000000000"));
}

TEST(ElfImageHostile, PhysicalDiffersFromVirtual) {
  auto file = valid_image();
  program_header(file, 1)->p_paddr = kBase + 0x8000;
  EXPECT_THAT(parse_error(file), HasSubstr("p_paddr 0x40008000 differs from p_vaddr 0x40002000"));
}

TEST(ElfImageHostile, AlignmentNotPowerOfTwo) {
  auto file = valid_image();
  program_header(file, 0)->p_align = 0x3000;
  EXPECT_THAT(parse_error(file), HasSubstr("p_align 0x3000 is not a power of two"));
}

TEST(ElfImageHostile, OffsetNotCongruentWithAddress) {
  auto file = valid_image();
  program_header(file, 1)->p_vaddr += 0x10;
  program_header(file, 1)->p_paddr += 0x10;
  EXPECT_THAT(parse_error(file), HasSubstr("are not congruent modulo p_align 0x1000"));
}

TEST(ElfImageHostile, UnknownSegmentFlags) {
  auto file = valid_image();
  program_header(file, 1)->p_flags |= 0x100000;
  EXPECT_THAT(parse_error(file), HasSubstr("p_flags 0x100006 has bits other than"));
}

TEST(ElfImageHostile, OverlappingSegments) {
  auto file = ElfBuilder()
                  .entry(kBase)
                  .segment({kBase, bytes_of(0x100), 0x2000, PF_R | PF_X})
                  .segment({kBase + 0x1800, bytes_of(0x10), 0, PF_R | PF_W})
                  .build();
  EXPECT_THAT(parse_error(file),
              HasSubstr("program headers 0 and 1 overlap: [0x40000000, 0x40002000) and [0x40001800, 0x40001810)"));
}

TEST(ElfImageHostile, IdenticalSegments) {
  auto file = ElfBuilder()
                  .entry(kBase)
                  .segment({kBase, bytes_of(0x100), 0, PF_R | PF_X})
                  .segment({kBase, bytes_of(0x100), 0, PF_R | PF_X})
                  .build();
  EXPECT_THAT(parse_error(file), HasSubstr("overlap"));
}

TEST(ElfImageHostile, DynamicImage) {
  auto file = valid_image();
  program_header(file, 1)->p_type = PT_DYNAMIC;
  EXPECT_THAT(parse_error(file), HasSubstr("program header 1 is PT_DYNAMIC: realm images must be statically linked"));
}

TEST(ElfImageHostile, InterpreterRequested) {
  auto file = valid_image();
  program_header(file, 1)->p_type = PT_INTERP;
  EXPECT_THAT(parse_error(file), HasSubstr("PT_INTERP"));
}

TEST(ElfImageHostile, NoLoadableSegment) {
  auto file = valid_image();
  program_header(file, 0)->p_type = PT_NOTE;
  program_header(file, 1)->p_type = PT_NOTE;
  EXPECT_THAT(parse_error(file), HasSubstr("no PT_LOAD segment"));
}

// --- hostile entry points ----------------------------------------------------

TEST(ElfImageHostile, EntryOutsideEverySegment) {
  auto file = valid_image();
  header_of(file)->e_entry = kBase + 0x10'0000;
  EXPECT_THAT(parse_error(file), HasSubstr("e_entry 0x40100000 is not inside the file-backed part"));
}

TEST(ElfImageHostile, EntryInBss) {
  auto file = valid_image();
  header_of(file)->e_entry = kBase + 0x2800;  // past p_filesz of the data segment
  EXPECT_THAT(parse_error(file), HasSubstr("not inside the file-backed part"));
}

TEST(ElfImageHostile, EntryInDataSegment) {
  auto file = valid_image();
  header_of(file)->e_entry = kBase + 0x2000;
  EXPECT_THAT(parse_error(file), HasSubstr("lies in program header 1, which is not executable"));
}

TEST(ElfImageHostile, EntryMisaligned) {
  auto file = valid_image();
  header_of(file)->e_entry = kBase + 0x12;
  EXPECT_THAT(parse_error(file), HasSubstr("e_entry 0x40000012 is not 4-byte aligned"));
}

TEST(ElfImageHostile, EntryInLastBytesOfCode) {
  auto file = valid_image();
  program_header(file, 0)->p_filesz = 0x102 - 0x2;  // 0x100 bytes of code
  header_of(file)->e_entry = kBase + 0xFC;         // last full instruction: fine
  EXPECT_EQ(parse_error(file), "parsed successfully");
  program_header(file, 0)->p_filesz = 0xFE;
  EXPECT_THAT(parse_error(file), HasSubstr("leaves less than one instruction"));
}

// --- robustness ---------------------------------------------------------------

// Every prefix of a real image either parses or is refused; none may crash
// (ASan/UBSan builds check the reads).
TEST(ElfImageHostile, EveryTruncationOfARealImage) {
  const auto full = read_file(MICA_TEST_REALM);
  ASSERT_GT(full.size(), 0x3000u);
  size_t accepted = 0;
  for (size_t length = 0; length < full.size(); ++length) {
    auto image = ElfImage::parse(std::vector<uint8_t>(full.begin(), full.begin() + static_cast<ptrdiff_t>(length)));
    if (image) ++accepted;
  }
  // The segments end at 0x3008: any prefix shorter than that lacks data.
  EXPECT_EQ(accepted, full.size() - 0x3008);
}

TEST(ElfImageHostile, RandomHeaderCorruptionNeverCrashes) {
  const auto original = valid_image();
  std::mt19937_64 rng(20240611);
  const size_t headers_end = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
  size_t refused = 0;
  for (int round = 0; round < 20000; ++round) {
    auto file = original;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) file[rng() % headers_end] ^= static_cast<uint8_t>(1u << (rng() % 8));
    auto image = ElfImage::parse(std::move(file));
    if (!image) {
      ++refused;
      EXPECT_FALSE(image.error().empty());
      continue;
    }
    // Whatever was accepted satisfies the loader's promises.
    const auto& segments = image->segments();
    for (size_t i = 1; i < segments.size(); ++i) EXPECT_LE(segments[i - 1].end(), segments[i].address);
    for (const auto& s : segments) EXPECT_LE(s.file_offset + s.file_size, image->file_size());
  }
  EXPECT_GT(refused, 10000u);
}

}  // namespace
}  // namespace mica::host
