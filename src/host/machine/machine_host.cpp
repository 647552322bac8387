#include "host/machine_host.h"

namespace mica::host {

bool MachineMemory::write(PhysAddr pa, std::span<const uint8_t> bytes) {
  return machine_.host_write(pa, bytes.data(), bytes.size()) == platform::AccessResult::kOk;
}

bool MachineMemory::read(PhysAddr pa, std::span<uint8_t> bytes) {
  return machine_.host_read(pa, bytes.data(), bytes.size()) == platform::AccessResult::kOk;
}

MachineHost::MachineHost(platform::Machine& m)
    : machine(m),
      memory(m),
      rmi([&m](const monitor::SmcArgs& args) { return m.smc(args); }),
      granules(PhysAddr(m.dram().base()), m.dram().size()) {}

}  // namespace mica::host
