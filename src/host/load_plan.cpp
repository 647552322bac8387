#include "host/load_plan.h"

#include <algorithm>

namespace mica::host {
namespace {

uint64_t align_down(uint64_t value, uint64_t alignment) { return value & ~(alignment - 1); }

Result<bool> check_config(const RealmConfig& c) {
  if (c.ipa_width < kMinIpaWidth || c.ipa_width > kMaxIpaWidth) {
    return fail("IPA width ", dec(c.ipa_width), " is outside ", dec(kMinIpaWidth), "..", dec(kMaxIpaWidth));
  }
  if (c.hash_algo != HashAlgo::kSha256 && c.hash_algo != HashAlgo::kSha512) {
    return fail("hash algorithm ", dec(static_cast<uint8_t>(c.hash_algo)), " is neither SHA-256 nor SHA-512");
  }
  if (c.num_recs < 1 || c.num_recs > kMaxRecs) {
    return fail("number of RECs ", dec(c.num_recs), " is outside 1..", dec(kMaxRecs));
  }
  if (c.num_bps < 1 || c.num_wps < 1) {
    return fail("num_bps and num_wps must be at least 1 (RMM 1.0), got ", dec(c.num_bps), " and ", dec(c.num_wps));
  }
  if (c.ram_size == 0 || c.ram_size % kGranuleSize != 0) {
    return fail("RAM size ", hex(c.ram_size), " is not a non-zero multiple of 4 KiB");
  }
  if (c.ram_size > kMaxRealmRam) {
    return fail("RAM size ", hex(c.ram_size), " exceeds the limit of ", hex(kMaxRealmRam));
  }
  if (c.ram_base % kGranuleSize != 0) return fail("RAM base ", hex(c.ram_base), " is not 4 KiB aligned");
  const uint64_t par_size = uint64_t{1} << (c.ipa_width - 1);
  if (c.ram_base >= par_size || c.ram_size > par_size - c.ram_base) {
    return fail("realm RAM [", hex(c.ram_base), ", ", hex(c.ram_base + c.ram_size),
                ") does not fit in the protected IPA range [0, ", hex(par_size), ") of a ", dec(c.ipa_width),
                "-bit IPA space");
  }
  return true;
}

// IPAs of the pages that hold file-backed bytes, ascending and distinct
// (segments are sorted and disjoint, but two may share a page).
std::vector<uint64_t> file_backed_pages(const ElfImage& image) {
  std::vector<uint64_t> pages;
  for (const ElfSegment& s : image.segments()) {
    if (s.file_size == 0) continue;
    for (uint64_t ipa = align_down(s.address, kGranuleSize); ipa < s.address + s.file_size; ipa += kGranuleSize) {
      if (pages.empty() || pages.back() != ipa) pages.push_back(ipa);
    }
  }
  return pages;
}

// The page at `ipa` as the realm sees it at first entry: the file-backed
// bytes of every segment that touches it, zero elsewhere.
GranuleBytes compose_page(const ElfImage& image, uint64_t ipa) {
  GranuleBytes page{};
  for (const ElfSegment& s : image.segments()) {
    const uint64_t begin = std::max(ipa, s.address);
    const uint64_t end = std::min(ipa + kGranuleSize, s.address + s.file_size);
    if (begin >= end) continue;
    const auto bytes = image.file_bytes(s).subspan(begin - s.address, end - begin);
    std::copy(bytes.begin(), bytes.end(), page.begin() + static_cast<ptrdiff_t>(begin - ipa));
  }
  return page;
}

}  // namespace

Result<RttGeometry> rtt_geometry(uint32_t ipa_width) {
  if (ipa_width < kMinIpaWidth || ipa_width > kMaxIpaWidth) {
    return fail("IPA width ", dec(ipa_width), " is outside ", dec(kMinIpaWidth), "..", dec(kMaxIpaWidth));
  }
  if (ipa_width <= 43) {
    // Level 1 resolves 39 bits with one table; wider spaces concatenate roots.
    return RttGeometry{1, ipa_width <= 39 ? 1u : 1u << (ipa_width - 39)};
  }
  return RttGeometry{0, 1};
}

uint64_t rec_mpidr(uint32_t index) {
  const uint64_t aff0 = index & 0xF;
  const uint64_t aff1 = (index >> 4) & 0xFF;
  const uint64_t aff2 = (index >> 12) & 0xFF;
  const uint64_t aff3 = (index >> 20) & 0xFF;
  return aff0 | (aff1 << 8) | (aff2 << 16) | (aff3 << 24);
}

std::string_view rmi_command_name(const LoadStep& step) {
  struct Namer {
    std::string_view operator()(const step::RealmCreate&) const { return "RMI_REALM_CREATE"; }
    std::string_view operator()(const step::RttCreate&) const { return "RMI_RTT_CREATE"; }
    std::string_view operator()(const step::InitRipas&) const { return "RMI_RTT_INIT_RIPAS"; }
    std::string_view operator()(const step::DataCreate&) const { return "RMI_DATA_CREATE"; }
    std::string_view operator()(const step::DataCreateUnknown&) const { return "RMI_DATA_CREATE_UNKNOWN"; }
    std::string_view operator()(const step::RecCreate&) const { return "RMI_REC_CREATE"; }
    std::string_view operator()(const step::RealmActivate&) const { return "RMI_REALM_ACTIVATE"; }
  };
  return std::visit(Namer{}, step);
}

uint64_t LoadPlan::granules_to_delegate(uint64_t aux_per_rec) const {
  uint64_t count = 1 + geometry.num_root_rtts;  // RD and root RTTs
  for (const LoadStep& s : steps) {
    if (std::holds_alternative<step::RttCreate>(s)) ++count;
  }
  count += config.ram_size / kGranuleSize;
  count += uint64_t{config.num_recs} * (1 + aux_per_rec);
  return count;
}

Result<LoadPlan> build_load_plan(const ElfImage& image, const RealmConfig& config) {
  if (auto valid = check_config(config); !valid) return Error{valid.error()};
  auto geometry = rtt_geometry(config.ipa_width);
  if (!geometry) return Error{geometry.error()};

  LoadPlan plan;
  plan.config = config;
  plan.geometry = *geometry;
  plan.entry = image.entry();
  const uint64_t ram_base = config.ram_base;
  const uint64_t ram_end = plan.ram_end();
  for (const ElfSegment& s : image.segments()) {
    if (s.address < ram_base || s.end() > ram_end) {
      return fail("program header ", dec(s.header_index), " loads at [", hex(s.address), ", ", hex(s.end()),
                  "), outside realm RAM [", hex(ram_base), ", ", hex(ram_end), ")");
    }
  }

  step::RealmCreate create;
  create.params.flags = 0;  // no LPA2, SVE or PMU
  create.params.s2sz = config.ipa_width;
  create.params.sve_vl = 0;
  create.params.num_bps = config.num_bps;
  create.params.num_wps = config.num_wps;
  create.params.pmu_num_ctrs = 0;
  create.params.hash_algo = config.hash_algo;
  create.rpv = config.rpv;
  create.rtt_level_start = geometry->start_level;
  create.rtt_num_start = geometry->num_root_rtts;
  plan.steps.emplace_back(create);

  // Tables level by level, so that each table's parent exists when it is created.
  for (int level = geometry->start_level + 1; level <= 3; ++level) {
    const uint64_t span = rtt_map_size(level - 1);
    for (uint64_t ipa = align_down(ram_base, span); ipa < ram_end; ipa += span) {
      plan.steps.emplace_back(step::RttCreate{ipa, level});
    }
  }

  // INIT_RIPAS stops at the end of the level-3 table it works in: one call per table.
  const uint64_t l3_span = rtt_map_size(2);
  for (uint64_t base = ram_base; base < ram_end;) {
    const uint64_t top = std::min(align_down(base, l3_span) + l3_span, ram_end);
    plan.steps.emplace_back(step::InitRipas{base, top, 3});
    base = top;
  }

  // Ascending IPA order over all of RAM: measured pages where the file has
  // bytes, runs of DATA_CREATE_UNKNOWN between them.
  const std::vector<uint64_t> measured = file_backed_pages(image);
  auto next_measured = measured.begin();
  for (uint64_t ipa = ram_base; ipa < ram_end;) {
    if (next_measured != measured.end() && *next_measured == ipa) {
      plan.steps.emplace_back(step::DataCreate{ipa, kDataFlagMeasureContent, plan.pages.size()});
      plan.pages.push_back(compose_page(image, ipa));
      ++next_measured;
      ipa += kGranuleSize;
      continue;
    }
    const uint64_t top = next_measured != measured.end() ? *next_measured : ram_end;
    plan.steps.emplace_back(step::DataCreateUnknown{ipa, top});
    ipa = top;
  }

  for (uint32_t index = 0; index < config.num_recs; ++index) {
    step::RecCreate rec;
    rec.index = index;
    rec.mpidr = rec_mpidr(index);
    if (index == 0) {
      rec.params.flags = kRecFlagRunnable;
      rec.params.pc = image.entry();
      rec.params.gprs[kBootRegRamBase] = ram_base;
      rec.params.gprs[kBootRegRamSize] = config.ram_size;
      rec.params.gprs[kBootRegNumRecs] = config.num_recs;
    }
    plan.steps.emplace_back(rec);
  }
  plan.steps.emplace_back(step::RealmActivate{});
  return plan;
}

}  // namespace mica::host
