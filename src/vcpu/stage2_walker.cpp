#include "vcpu/stage2_walker.h"

#include <cstring>
#include <utility>

namespace mica::vcpu {
namespace {

constexpr uint64_t kGranule = 4096;
constexpr unsigned kEntriesPerTable = 512;

// VMSAv8-64 stage-2 descriptor, 4 KiB granule, 48-bit output addresses.
class Descriptor {
 public:
  explicit Descriptor(uint64_t raw) : raw_(raw) {}
  bool valid() const { return (raw_ & 1) != 0; }
  bool table_or_page() const { return (raw_ & 2) != 0; }
  uint64_t next_table() const { return raw_ & 0x0000'FFFF'FFFF'F000ull; }
  uint64_t output(uint64_t leaf_size) const {
    return raw_ & 0x0000'FFFF'FFFF'F000ull & ~(leaf_size - 1);
  }
  bool access_flag() const { return (raw_ >> 10) & 1; }
  bool s2ap_read() const { return (raw_ >> 6) & 1; }
  bool s2ap_write() const { return (raw_ >> 7) & 1; }
  bool execute_never() const { return (raw_ >> 54) & 1; }
  bool non_secure() const { return (raw_ >> 55) & 1; }

 private:
  uint64_t raw_;
};

constexpr unsigned level_shift(int level) { return static_cast<unsigned>(12 + 9 * (3 - level)); }

// Number of concatenated root tables the hardware derives from the IPA width
// and the start level; 0 if the combination cannot be walked.
unsigned implied_root_tables(unsigned ipa_width, int start_level) {
  const unsigned root_shift = level_shift(start_level);
  if (ipa_width <= root_shift) return 0;
  const unsigned root_bits = ipa_width - root_shift;
  if (root_bits <= 9) return 1;
  if (root_bits > 13) return 0;
  return 1u << (root_bits - 9);
}

}  // namespace

Stage2Walker::Stage2Walker(const uint8_t* dram, uint64_t dram_base, uint64_t dram_size,
                           std::function<Pas(uint64_t)> pas_of)
    : dram_(dram), base_(dram_base), size_(dram_size), pas_of_(std::move(pas_of)) {}

const char* Stage2Walker::check_config(const monitor::Stage2Config& s2) {
  if (s2.start_level < 0 || s2.start_level > 2) {
    return "stage-2 start level must be 0..2 (this PE has no FEAT_LPA2)";
  }
  if (s2.ipa_width < kMinIpaWidth || s2.ipa_width > kMaxIpaWidth) {
    return "stage-2 IPA width must be 32..48 bits";
  }
  const unsigned roots = implied_root_tables(s2.ipa_width, s2.start_level);
  if (roots == 0) return "IPA width and start level do not form a walkable stage 2";
  if (roots != s2.num_root_rtts) {
    return "number of root tables differs from what IPA width and start level imply";
  }
  if (!s2.root_rtt.is_granule_aligned()) return "root RTT is not granule aligned";
  return nullptr;
}

WalkOutcome Stage2Walker::check_output(uint64_t pa, bool ns) const {
  if (!in_dram(pa, kGranule)) return WalkOutcome::kOutputExternalAbort;
  const Pas required = ns ? Pas::kNonSecure : Pas::kRealm;
  return pas_of_(pa) == required ? WalkOutcome::kMapped : WalkOutcome::kOutputGpf;
}

Translation Stage2Walker::translate(const monitor::Stage2Config& s2, uint64_t ipa) const {
  Translation t;
  int level = s2.start_level;
  t.level = 0;
  if (s2.ipa_width >= 64 || (ipa >> s2.ipa_width) != 0) {
    t.outcome = WalkOutcome::kTranslationFault;  // input address beyond the IPA space
    return t;
  }
  const uint64_t root_index = ipa >> level_shift(level);
  uint64_t table = s2.root_rtt.value() + (root_index / kEntriesPerTable) * kGranule;
  unsigned index = static_cast<unsigned>(root_index % kEntriesPerTable);

  for (;; ++level) {
    t.level = level;
    const uint64_t entry_pa = table + uint64_t{index} * 8;
    if (!in_dram(table, kGranule)) {
      t.outcome = WalkOutcome::kWalkExternalAbort;
      return t;
    }
    if (pas_of_(table) != Pas::kRealm) {
      t.outcome = WalkOutcome::kWalkGpf;
      return t;
    }
    uint64_t raw;
    std::memcpy(&raw, dram_ + (entry_pa - base_), sizeof raw);
    const Descriptor d(raw);
    const uint64_t span = uint64_t{1} << level_shift(level);
    t.leaf_ipa = ipa & ~(span - 1);
    t.leaf_size = span;

    if (!d.valid()) {
      t.outcome = WalkOutcome::kTranslationFault;
      return t;
    }
    if (d.table_or_page() && level < 3) {
      table = d.next_table();
      index = static_cast<unsigned>((ipa >> level_shift(level + 1)) % kEntriesPerTable);
      continue;
    }
    // Leaf: a page at level 3, a block at levels 1 and 2. Level-0 blocks and
    // the reserved level-3 encoding are translation faults.
    const bool is_leaf = level == 3 ? d.table_or_page() : level >= 1;
    if (!is_leaf) {
      t.outcome = WalkOutcome::kTranslationFault;
      return t;
    }
    if (!d.access_flag()) {
      t.outcome = WalkOutcome::kAccessFlagFault;
      return t;
    }
    t.leaf_pa = d.output(span);
    t.readable = d.s2ap_read();
    t.writable = d.s2ap_write();
    t.executable = !d.execute_never();
    t.ns = d.non_secure();
    const uint64_t granule_pa = t.leaf_pa + ((ipa - t.leaf_ipa) & ~(kGranule - 1));
    t.outcome = check_output(granule_pa, t.ns);
    return t;
  }
}

}  // namespace mica::vcpu
