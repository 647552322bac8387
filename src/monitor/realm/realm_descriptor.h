// The Realm Descriptor: what the monitor keeps about one realm, stored in
// the realm's RD granule (so its storage is the host-donated granule, as in
// TF-RMM). Protected by the RD granule's lock.
#pragma once

#include <cstdint>

#include "mica/state.h"
#include "monitor/abi/rmi.h"
#include "monitor/abi/rsi.h"
#include "monitor/objects.h"
#include "monitor/platform.h"
#include "monitor/types.h"

namespace mica::monitor {

struct RealmDescriptor {
  RealmState state;
  HashAlgo hash_algo;
  uint8_t s2sz;            // IPA width in bits
  int8_t start_level;      // level of the root RTTs
  uint8_t num_root_rtts;   // concatenated root tables at rtt_base
  bool lpa2;
  bool sve_enabled;
  uint8_t sve_vl;          // VQ - 1
  bool pmu_enabled;
  uint8_t pmu_num_ctrs;
  uint8_t num_bps;
  uint8_t num_wps;
  uint16_t vmid;
  uint16_t reserved0;
  uint32_t num_rec_aux;    // RMI_REC_AUX_COUNT for this realm
  uint32_t rec_count;      // RECs created so far: the index the next REC must have
  PhysAddr rtt_base;
  uint8_t rpv[abi::realm_params::kRpvSize];
  // Slot 0 is the RIM, slots 1..4 the REMs; hash_size(hash_algo) bytes used.
  uint8_t measurements[abi::kMeasurementSlots][abi::kMeasurementSlotSize];
  // The Mica extension's binding of this realm (mica/state.h).
  ext::RealmMica mica;

  uint64_t ipa_size() const { return uint64_t{1} << s2sz; }
  // The protected address range is the lower half of the IPA space.
  bool in_par(Ipa ipa) const { return ipa.value() < ipa_size() / 2; }
  bool below_ipa_size(Ipa ipa) const { return ipa.value() < ipa_size(); }
  uint8_t* rim() { return measurements[0]; }
  const uint8_t* rim() const { return measurements[0]; }
  Stage2Config stage2() const {
    return Stage2Config{rtt_base, start_level, s2sz, num_root_rtts, vmid};
  }
};
static_assert(sizeof(RealmDescriptor) <= kGranuleSize);

}  // namespace mica::monitor
