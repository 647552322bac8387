// The VMM's deterministic realm load plan.
//
// From an ELF image and the realm's configuration, the plan lists, in order,
// every RMI command the VMM issues to build the realm, with the arguments
// that matter to the RIM. The same plan is replayed by the RIM calculator
// (host/rim.h) and executed over RMI by the loader (host/realm_loader.h), so
// the reference value a tenant computes and the RIM the monitor computes come
// from one description. docs/load-plan.md specifies it for other tools.
//
// Fixed decisions (each changes the RIM, so none is configurable silently):
// * RTTs: the root tables at the start level, then every table below it down
//   to level 3 for all of realm RAM. RAM is therefore mapped by 4 KiB level-3
//   entries only, and RTT_INIT_RIPAS measures one RIPAS descriptor per 4 KiB
//   entry, in ascending IPA order, one RMI call per level-3 table.
// * RTT_INIT_RIPAS covers all of RAM before any data is created.
// * Every RAM page holding bytes from the file (p_filesz part of a PT_LOAD) is
//   created with DATA_CREATE, flags MEASURE_CONTENT, in ascending IPA order;
//   bytes of the page not covered by the file are zero. Every other RAM page
//   (BSS, stack, heap) is created with DATA_CREATE_UNKNOWN: unmeasured,
//   zero-filled by the monitor at delegation, its content never chosen by the
//   host.
// * REC 0 is runnable at the ELF entry with the boot registers below; RECs 1..
//   n-1 are not runnable (PC 0, registers 0): the realm starts them with PSCI
//   CPU_ON, and REC_CREATE does not measure non-runnable RECs.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "host/elf_image.h"
#include "host/measurement.h"
#include "host/result.h"

namespace mica::host {

// What the VMM is asked to build. Everything here except rpv is measured,
// directly (REALM_CREATE) or through the layout it implies.
struct RealmConfig {
  HashAlgo hash_algo = HashAlgo::kSha256;
  uint32_t ipa_width = 40;             // s2sz
  uint64_t ram_base = 0x4000'0000;     // IPA of realm RAM (1 GiB: inside the PAR for any s2sz >= 32)
  uint64_t ram_size = uint64_t{16} << 20;
  uint32_t num_recs = 1;
  uint32_t num_bps = 1;                // RmiRealmParams; must not exceed RMI_FEATURES
  uint32_t num_wps = 1;
  std::array<uint8_t, 64> rpv{};       // Realm Personalization Value: in the token, not in the RIM
};

inline constexpr uint64_t kMaxRealmRam = uint64_t{4} << 30;
inline constexpr uint32_t kMaxRecs = 1023;
inline constexpr uint32_t kMinIpaWidth = 32;
inline constexpr uint32_t kMaxIpaWidth = 48;  // LPA2 is never requested

// Boot ABI: REC 0's X0..X7 at its first entry (measured by REC_CREATE).
inline constexpr size_t kBootRegRamBase = 0;  // X0: IPA of the first byte of RAM
inline constexpr size_t kBootRegRamSize = 1;  // X1: RAM size in bytes
inline constexpr size_t kBootRegNumRecs = 2;  // X2: number of RECs (1..1023); X3..X7 are 0

// Start level and concatenated root tables the VMM uses for an IPA width:
// level 1 for s2sz 32..43 (2^(s2sz-39) roots above 39), level 0 for 44..48.
struct RttGeometry {
  int start_level = 1;
  uint32_t num_root_rtts = 1;
};
Result<RttGeometry> rtt_geometry(uint32_t ipa_width);

// Bytes mapped by one RTT entry at `level` (4 KiB at 3, 2 MiB at 2, 1 GiB at 1).
constexpr uint64_t rtt_map_size(int level) { return uint64_t{1} << ((3 - level) * 9 + 12); }

// RmiRecMpidr of the REC with linear index `index` (Aff0[3:0], Aff1, Aff2, Aff3).
uint64_t rec_mpidr(uint32_t index);

namespace step {
struct RealmCreate {
  MeasuredRealmParams params;
  std::array<uint8_t, 64> rpv{};
  int rtt_level_start = 1;
  uint32_t rtt_num_start = 1;
};
struct RttCreate {  // a table of `level` for the IPA range starting at `ipa`
  uint64_t ipa = 0;
  int level = 0;
};
struct InitRipas {  // one RMI call; one RIPAS descriptor per map_size(level) entry
  uint64_t base = 0;
  uint64_t top = 0;
  int level = 3;
};
struct DataCreate {  // measured: content is LoadPlan::pages[page]
  uint64_t ipa = 0;
  uint64_t flags = kDataFlagMeasureContent;
  size_t page = 0;
};
struct DataCreateUnknown {  // one RMI call per 4 KiB granule in [base, top)
  uint64_t base = 0;
  uint64_t top = 0;
};
struct RecCreate {
  uint32_t index = 0;
  uint64_t mpidr = 0;
  MeasuredRecParams params;
};
struct RealmActivate {};
}  // namespace step

using LoadStep = std::variant<step::RealmCreate, step::RttCreate, step::InitRipas, step::DataCreate,
                              step::DataCreateUnknown, step::RecCreate, step::RealmActivate>;

// The RMI command a step issues ("RMI_DATA_CREATE", ...).
std::string_view rmi_command_name(const LoadStep& step);

struct LoadPlan {
  RealmConfig config;
  RttGeometry geometry;
  uint64_t entry = 0;
  std::vector<LoadStep> steps;
  std::vector<GranuleBytes> pages;  // contents of the measured DATA_CREATE pages

  uint64_t ram_end() const { return config.ram_base + config.ram_size; }
  // Granules the VMM must delegate: RD, root and child RTTs, every RAM page,
  // and each REC with its auxiliary granules (`aux_per_rec`, RMI_REC_AUX_COUNT).
  uint64_t granules_to_delegate(uint64_t aux_per_rec) const;
};

Result<LoadPlan> build_load_plan(const ElfImage& image, const RealmConfig& config);

}  // namespace mica::host
