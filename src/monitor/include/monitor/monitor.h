// The Realm Management Monitor (RMM 1.0 core): the object the platform's
// EL3 hands RMI calls to. It owns the granule table and the VMID set; realm
// and REC state live in the granules the host donated (RD, REC, RTT).
//
// Storage is fixed: the granule table covers up to GranuleTable::kCapacity
// granules (1 GiB). A platform with more DRAM is refused (ready() is false).
// The object is about 1 MiB (4 bytes per granule), so the platform
// allocates it statically or on its own heap, not on a small stack.
#pragma once

#include <cstddef>
#include <cstdint>

#include "monitor/abi/rmi.h"
#include "monitor/abi/rsi.h"
#include "monitor/granule_table.h"
#include "monitor/mica_extension.h"
#include "monitor/objects.h"
#include "monitor/platform.h"
#include "monitor/realm_run.h"
#include "monitor/types.h"
#include "monitor/vmid_set.h"

namespace mica::monitor {

// Snapshot of one tracked granule.
struct GranuleInfo {
  GranuleState state = GranuleState::kUndelegated;
  uint16_t refcount = 0;
};

// Snapshot of a realm, read from its RD under the RD lock.
struct RealmInfo {
  RealmState state = RealmState::kNew;
  HashAlgo hash_algo = HashAlgo::kSha256;
  uint16_t vmid = 0;
  uint8_t s2sz = 0;
  int8_t start_level = 0;
  uint8_t num_root_rtts = 0;
  PhysAddr rtt_base;
  uint64_t rec_count = 0;   // RECs created so far (the next REC's index)
  uint16_t live_recs = 0;   // the RD's reference count
  uint8_t rpv[64] = {};
  // measurements[0] is the RIM, [1..4] the REMs; hash_size(hash_algo) bytes used, rest 0.
  uint8_t measurements[abi::kMeasurementSlots][abi::kMeasurementSlotSize] = {};
  Stage2Config stage2{};

  const uint8_t* rim() const { return measurements[0]; }
  size_t measurement_size() const { return hash_size(hash_algo); }
};

// Snapshot of a REC, read from its granule under the REC lock.
struct RecInfo {
  PhysAddr rd;
  uint64_t index = 0;
  uint64_t mpidr = 0;
  bool runnable = false;
  bool running = false;
  bool psci_pending = false;
  bool host_call_pending = false;  // an RSI_HOST_CALL awaits the host's answer
  uint32_t num_aux = 0;
  PhysAddr aux[abi::rec_params::kMaxAux];
  RipasChangeRequest ripas;
  RealmCpuContext cpu{};
};

class Monitor {
 public:
  explicit Monitor(PlatformInterface& platform);
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // False if the platform's DRAM cannot be tracked (unaligned, empty, more
  // than 1 GiB, or above 2^48). A monitor that is not ready answers every
  // call with SMC_UNKNOWN.
  bool ready() const { return granules_.configured(); }

  // One RMI call from the host: X0 = FID, X1..X6 arguments. Returns X0 =
  // status (or SMC_UNKNOWN), X1..X4 outputs; X4 is the caller's unless the
  // command outputs into it. FIDs in the Mica range go to the Mica extension.
  SmcResult handle_rmi(const SmcArgs& args);

  // The Mica extension (workflows, bindings, shares, gates): introspection.
  const MicaExtension& mica() const { return mica_; }

  // Attaches the handler of Mica's own RSI commands (kMicaRsiFidFirst..
  // kMicaRsiFidLast, monitor/realm_run.h). Without one they answer SMC_UNKNOWN.
  // Set before any REC runs.
  void set_rsi_extension(const RsiExtension& extension) { rsi_extension_ = extension; }

  // --- Read-only introspection (tests, tools, the demo) -----------------------
  // The tracked DRAM: [dram_base, dram_base + granule_count * 4 KiB).
  PhysAddr dram_base() const { return granules_.base(); }
  uint64_t granule_count() const { return granules_.count(); }
  // False if pa is not a tracked granule address.
  bool granule_info(PhysAddr pa, GranuleInfo& info) const;
  // The state of a tracked granule; anything the monitor does not track
  // reads as UNDELEGATED (the monitor never owns it).
  GranuleState granule_state(PhysAddr pa) const;
  // False if rd is not a granule in state RD.
  bool realm_info(PhysAddr rd, RealmInfo& info) const;
  // False if rec is not a granule in state REC.
  bool rec_info(PhysAddr rec, RecInfo& info) const;
  // The value RMI_FEATURES reports for index 0.
  static uint64_t feature_register0();

  // --- Test hooks ----------------------------------------------------------------
  // Put a REC into states that only REC_ENTER and RSI calls (the realm-CPU
  // work) produce, so that the RMI commands that depend on them can be
  // tested now. Each returns false (changing nothing) if rec is not a REC or
  // the request is not one a realm could have made.
  //
  // A RIPAS change request as RSI_IPA_STATE_SET records it: [base, top)
  // 4 KiB aligned inside the realm's PAR, value EMPTY or RAM.
  bool test_set_ripas_request(PhysAddr rec, Ipa base, Ipa top, Ripas value, bool change_destroyed);
  // A pending PSCI CPU_ON or AFFINITY_INFO: the REC's X0..X3 hold the FID,
  // the target MPIDR, the entry point and the context id.
  bool test_set_psci_request(PhysAddr rec, uint64_t fid, uint64_t target_mpidr, uint64_t entry,
                             uint64_t context_id);
  // Marks the REC as running on a PE (its reference count), or not.
  bool test_set_rec_running(PhysAddr rec, bool running);

 private:
  friend class debug::MonitorView;
  PlatformInterface& platform_;
  // Locks are taken by read-only introspection too.
  mutable GranuleTable granules_;
  VmidSet vmids_;
  MicaExtension mica_;
  RsiExtension rsi_extension_;
};

}  // namespace mica::monitor
