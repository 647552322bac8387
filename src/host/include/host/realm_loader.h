// Executes a load plan over RMI: the VMM's side of realm construction.
//
// The loader delegates every granule the realm needs, writes the RMI
// parameter structures and the measured page contents into one NS staging
// granule, and issues the plan's commands in the plan's order, so the
// monitor's RIM is the one compute_rim() predicts. destroy_realm() takes a
// loaded realm apart again and returns every granule to the normal world.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "host/load_plan.h"
#include "host/result.h"
#include "host/rmi_client.h"

namespace mica::host {

// The host's view of physical memory: on the emulated machine, its
// GPC-checked host_read/host_write. false = the access faulted.
class PhysicalMemory {
 public:
  virtual ~PhysicalMemory() = default;
  virtual bool write(PhysAddr pa, std::span<const uint8_t> bytes) = 0;
  virtual bool read(PhysAddr pa, std::span<uint8_t> bytes) = 0;
};

// NS granules the host owns and may give to realms.
class GranuleAllocator {
 public:
  virtual ~GranuleAllocator() = default;
  // `count` physically contiguous granules whose first address is aligned
  // to count * 4 KiB (concatenated root RTTs need that); nullopt when full.
  virtual std::optional<PhysAddr> allocate(uint64_t count = 1) = 0;
  // Granules of one allocation may come back one at a time.
  virtual void release(PhysAddr first, uint64_t count = 1) = 0;
};

// A first-fit allocator over one PA range, tracking each granule.
class RangeGranuleAllocator final : public GranuleAllocator {
 public:
  RangeGranuleAllocator(PhysAddr base, uint64_t size);
  std::optional<PhysAddr> allocate(uint64_t count = 1) override;
  void release(PhysAddr first, uint64_t count = 1) override;
  uint64_t free_granules() const { return free_count_; }

 private:
  PhysAddr base_;
  std::vector<bool> used_;
  uint64_t free_count_;
  uint64_t search_hint_ = 0;
};

struct LoadedRealm {
  PhysAddr rd;
  PhysAddr rtt_base;                 // first root RTT
  uint32_t num_root_rtts = 0;
  struct Rtt {
    uint64_t ipa;
    int level;
    PhysAddr pa;
  };
  std::vector<Rtt> rtts;             // in creation order
  struct Data {
    uint64_t ipa;
    PhysAddr pa;
  };
  std::vector<Data> data;            // every RAM granule, ascending IPA
  struct Rec {
    PhysAddr pa;
    uint64_t mpidr;
    std::vector<PhysAddr> aux;
  };
  std::vector<Rec> recs;             // by REC index
  uint16_t vmid = 0;
  bool active = false;
};

struct LoaderOptions {
  uint16_t vmid = 1;  // must be unused by every other live realm
};

// On failure the error names the step, its arguments and the RMI status; the
// granules of a partly built realm are torn down and released.
Result<LoadedRealm> load_realm(RmiClient& rmi, PhysicalMemory& memory, GranuleAllocator& granules,
                               const LoadPlan& plan, const LoaderOptions& options = {});

// REC_DESTROY, DATA_DESTROY, RTT_DESTROY (deepest first), REALM_DESTROY, then
// undelegation of every granule and its release to `granules`.
Result<bool> destroy_realm(RmiClient& rmi, GranuleAllocator& granules, LoadedRealm& realm);

}  // namespace mica::host
