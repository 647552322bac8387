#include "test_machine.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace mica::vcpu::test {

TestMachine::TestMachine(uint64_t dram_size, uint64_t dram_base)
    : base_(dram_base), size_(dram_size), gpt_(dram_size / kGranule, Pas::kNonSecure) {
  fd_ = memfd_create("vcpu-test-dram", MFD_CLOEXEC);
  if (fd_ < 0 || ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
    throw std::runtime_error("memfd for test DRAM");
  }
  void* view = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (view == MAP_FAILED) throw std::runtime_error("mmap of test DRAM");
  view_ = static_cast<uint8_t*>(view);
}

TestMachine::~TestMachine() {
  munmap(view_, size_);
  close(fd_);
}

PhysicalMemory TestMachine::physical_memory() {
  PhysicalMemory memory;
  memory.memfd = fd_;
  memory.base = base_;
  memory.size = size_;
  memory.pas_of = [this](uint64_t pa) { return pas(pa); };
  memory.gpt_generation = [this] { return generation_; };
  return memory;
}

uint64_t TestMachine::alloc(Pas pas) { return alloc_contiguous(1, pas); }

uint64_t TestMachine::alloc_contiguous(uint64_t count, Pas pas) {
  if (next_ + count * kGranule > size_) throw std::runtime_error("test DRAM exhausted");
  const uint64_t pa = base_ + next_;
  next_ += count * kGranule;
  std::memset(at(pa), 0, count * kGranule);
  for (uint64_t i = 0; i < count; ++i) set_pas(pa + i * kGranule, pas);
  return pa;
}

void TestMachine::set_pas(uint64_t pa, Pas pas) {
  gpt_[(pa - base_) / kGranule] = pas;
  ++generation_;
}

// --- Stage-2 builder --------------------------------------------------------------------

namespace {
constexpr unsigned level_shift(int level) { return static_cast<unsigned>(12 + 9 * (3 - level)); }
constexpr uint64_t kTableDesc = 0x3;
constexpr uint64_t kPageDesc = 0x3;
constexpr uint64_t kBlockDesc = 0x1;
constexpr uint64_t kAddrMask = 0x0000'FFFF'FFFF'F000ull;
}  // namespace

Stage2Builder::Stage2Builder(TestMachine& machine, uint8_t ipa_width, int8_t start_level,
                             uint16_t vmid)
    : m_(machine), ipa_width_(ipa_width), start_level_(start_level), vmid_(vmid) {
  const unsigned root_bits = ipa_width - level_shift(start_level);
  num_roots_ = root_bits <= 9 ? 1 : static_cast<uint8_t>(1u << (root_bits - 9));
  root_ = m_.alloc_contiguous(num_roots_, Pas::kRealm);
}

monitor::Stage2Config Stage2Builder::config() const {
  monitor::Stage2Config s2{};
  s2.root_rtt = monitor::PhysAddr(root_);
  s2.start_level = start_level_;
  s2.ipa_width = ipa_width_;
  s2.num_root_rtts = num_roots_;
  s2.vmid = vmid_;
  return s2;
}

uint64_t Stage2Builder::table_for(uint64_t ipa, int level) {
  const uint64_t root_index = ipa >> level_shift(start_level_);
  uint64_t table = root_ + (root_index / 512) * kGranule;
  for (int l = start_level_; l < level; ++l) {
    const uint64_t slot = table + ((ipa >> level_shift(l)) % 512) * 8;
    uint64_t desc = m_.read<uint64_t>(slot);
    if ((desc & 3) != kTableDesc) {
      desc = m_.alloc(Pas::kRealm) | kTableDesc;
      m_.write<uint64_t>(slot, desc);
    }
    table = desc & kAddrMask;
  }
  return table;
}

uint64_t Stage2Builder::entry_pa(uint64_t ipa, int level) {
  return table_for(ipa, level) + ((ipa >> level_shift(level)) % 512) * 8;
}

uint64_t Stage2Builder::leaf_bits(Perm perm, bool ns, bool access_flag) {
  uint64_t bits = (uint64_t{0b0110} << 2) | (uint64_t{3} << 8);  // Normal WB (FWB), inner shareable
  if (access_flag) bits |= uint64_t{1} << 10;
  if (perm.read) bits |= uint64_t{1} << 6;
  if (perm.write) bits |= uint64_t{1} << 7;
  if (!perm.exec) bits |= uint64_t{2} << 53;  // XN[1:0] = 0b10
  if (ns) bits |= uint64_t{1} << 55;
  return bits;
}

void Stage2Builder::map_page(uint64_t ipa, uint64_t pa, Perm perm, bool ns, bool access_flag) {
  m_.write<uint64_t>(entry_pa(ipa, 3), (pa & kAddrMask) | leaf_bits(perm, ns, access_flag) | kPageDesc);
}

void Stage2Builder::map_block(uint64_t ipa, uint64_t pa, int level, Perm perm, bool ns) {
  m_.write<uint64_t>(entry_pa(ipa, level), (pa & kAddrMask) | leaf_bits(perm, ns, true) | kBlockDesc);
}

void Stage2Builder::unmap(uint64_t ipa) { m_.write<uint64_t>(entry_pa(ipa, 3), 0); }

void Stage2Builder::load(uint64_t ipa, const std::vector<uint8_t>& bytes, Perm perm) {
  for (uint64_t off = 0; off < bytes.size(); off += kGranule) {
    const uint64_t pa = m_.alloc(Pas::kRealm);
    std::memcpy(m_.at(pa), bytes.data() + off, std::min<uint64_t>(kGranule, bytes.size() - off));
    map_page(ipa + off, pa, perm);
  }
}

void Stage2Builder::map_ram(uint64_t ipa, uint64_t pages, Perm perm) {
  for (uint64_t i = 0; i < pages; ++i) map_page(ipa + i * kGranule, m_.alloc(Pas::kRealm), perm);
}

std::vector<uint8_t> program(const std::string& name) {
  const std::string path = std::string(MICA_VCPU_TEST_PROGRAMS) + "/" + name + ".bin";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing test program " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

monitor::RealmCpuContext context_at(uint64_t pc, uint64_t sp_el1) {
  monitor::RealmCpuContext ctx{};
  ctx.pc = pc;
  ctx.pstate = kPstateEl1h;
  ctx.sp_el1 = sp_el1;
  ctx.sctlr_el1 = 0x30D00800;  // RES1 bits, MMU and caches off
  ctx.cpacr_el1 = 3u << 20;    // FP/SIMD enabled
  ctx.mpidr_el1 = 0x80000000;
  return ctx;
}

}  // namespace mica::vcpu::test
