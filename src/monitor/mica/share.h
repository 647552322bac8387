// Shared protected memory: SHARED granules, each one page of one channel of
// one workflow instance, mapped into the protected IPA space of realms bound
// to that channel's endpoints.
//
// A channel of size S has pages 0 .. S/4K - 1. MICA_SHARE_CREATE gives the
// next page index to a zeroed granule (pages are created in index order and
// destroyed in reverse order, so each index has exactly one granule at any
// time and a host cannot show two endpoints two different pages under one
// index). Page k is mapped at base + k * 4 KiB in every realm (base chosen
// per realm by its first mapping), writable only for the channel's writers
// and never executable. The granule's reference count is the number of RTT
// entries mapping it; MICA_SHARE_DESTROY needs it to be 0 and scrubs the page.
//
// Which page a SHARED granule is lives in the extension's tag table, one tag
// per tracked granule, changed only under that granule's lock.
//
// LOCKING. MICA_SHARE_MAP locks the RD, then the SHARED granule it names,
// then (briefly) the WORKFLOW for the channel's record, and only then walks
// the realm's RTTs. MICA_SHARE_UNMAP reaches the SHARED granule through an
// RTT entry (RD -> RTTs -> SHARED). Both hold the RD, and a realm's RTTs are
// only ever walked by holders of its RD, so the two orders cannot form a cycle.
#pragma once

#include <cstdint>

#include "mica/context.h"

namespace mica::monitor::ext {

struct ShareTag {
  uint8_t workflow_slot;  // 1..kMaxWorkflows
  uint8_t channel;
  uint32_t page;

  static constexpr unsigned kPageBits = 18;
  static constexpr unsigned kChannelBits = 7;
  uint32_t encode() const {
    return (uint32_t{workflow_slot} << (kPageBits + kChannelBits)) | (uint32_t{channel} << kPageBits) | page;
  }
  static ShareTag decode(uint32_t raw) {
    return ShareTag{static_cast<uint8_t>(raw >> (kPageBits + kChannelBits)),
                    static_cast<uint8_t>((raw >> kPageBits) & ((1u << kChannelBits) - 1)),
                    raw & ((1u << kPageBits) - 1)};
  }
};
static_assert(abi::kMaxWorkflows < (1u << (32 - ShareTag::kPageBits - ShareTag::kChannelBits)));
static_assert(policy::kMaxChannels <= (1u << ShareTag::kChannelBits));
static_assert(policy::schema::kMaxChannelBytes / kGranuleSize <= (uint64_t{1} << ShareTag::kPageBits));

Status share_create(Context& ctx, const SmcArgs& in, Outputs& out);
Status share_destroy(Context& ctx, const SmcArgs& in, Outputs& out);
Status share_map(Context& ctx, const SmcArgs& in, Outputs& out);
Status share_unmap(Context& ctx, const SmcArgs& in, Outputs& out);

}  // namespace mica::monitor::ext
