// Realm memory as the monitor reaches it on behalf of a running REC: a
// protected IPA is looked up in the realm's RTTs (RD locked, then the walk
// hand over hand), and only an ASSIGNED/RAM page -- a valid mapping of a
// DATA granule -- is ever read or written. A Mica channel page is mapped
// (RIPAS RAM) but is never such a page: a call that names one is refused
// like one naming an EMPTY page, since no host action could ever make it
// the realm's own memory.
#pragma once

#include <cstdint>

#include "monitor/abi/rmi.h"
#include "monitor/granule_table.h"
#include "monitor/types.h"
#include "s2tt/rtt.h"

namespace mica::monitor {

// One protected page, looked up. Holds the locks that keep the answer true
// while it lives: the RD, the last-level RTT reached, and (when mapped) the
// DATA granule, which no command can unmap or destroy meanwhile.
struct ProtectedPage {
  GranuleLock rd;
  s2tt::RttWalk where{};
  GranuleLock data;
  abi::Ripas ripas = abi::Ripas::kEmpty;  // ASSIGNED/RAM counts as RAM
  bool channel = false;                   // a Mica shared page

  // The page is ASSIGNED/RAM: its bytes are the DATA granule's.
  bool mapped() const { return static_cast<bool>(data); }
  // Not mapped, and the realm's own error (RIPAS EMPTY, or a channel page):
  // the call is refused. Any other unmapped page is the host's to map.
  bool refused() const { return !mapped() && (ripas == abi::Ripas::kEmpty || channel); }
  // The level at which the walk stopped (for an emulated stage-2 abort).
  int level() const { return where.level; }
  // The 4 KiB of the page (only when mapped).
  uint8_t* bytes() const { return data.memory(); }
};

// Looks up the 4 KiB page at page_ipa, which must be granule aligned and in
// the realm's PAR (the caller has checked both). rd is the running REC's realm.
ProtectedPage lookup_protected_page(GranuleTable& granules, PhysAddr rd, Ipa page_ipa);

}  // namespace mica::monitor
