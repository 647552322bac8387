// The untrusted host bound to one emulated machine: its RMI client goes
// through the machine's EL3, its memory accesses through the GPC-checked
// accessors, and it hands out the machine's NS granules. This is the only
// place the host side meets the platform, and it meets it as hardware.
#pragma once

#include <span>

#include "host/realm_loader.h"
#include "host/rmi_client.h"
#include "platform/machine.h"

namespace mica::host {

class MachineMemory final : public PhysicalMemory {
 public:
  explicit MachineMemory(platform::Machine& machine) : machine_(machine) {}
  bool write(PhysAddr pa, std::span<const uint8_t> bytes) override;
  bool read(PhysAddr pa, std::span<uint8_t> bytes) override;

 private:
  platform::Machine& machine_;
};

struct MachineHost {
  explicit MachineHost(platform::Machine& machine);

  platform::Machine& machine;
  MachineMemory memory;
  RmiClient rmi;
  RangeGranuleAllocator granules;  // all of DRAM: the host owns it at boot
};

}  // namespace mica::host
