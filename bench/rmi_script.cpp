// The fixed RMI sequence whose instruction counts `make bench` reports
// (scripts/bench runs this under valgrind's callgrind; the counts are
// comparable with other monitors running the same sequence):
//
//   GRANULE_DELEGATE of every granule the realm will use (38)
//   REALM_CREATE (s2sz 40, start level 1, two concatenated root RTTs, SHA-256)
//   RTT_CREATE level 2 and level 3 at IPA 0
//   RTT_INIT_RIPAS [0, 64 KiB)
//   DATA_CREATE of 16 pages, measured (RMI_MEASURE_CONTENT); page 0 holds `wfi; b .-4`
//   REC_CREATE (runnable, PC 0, 16 auxiliary granules)
//   REALM_ACTIVATE
//   REC_ENTER with TRAP_WFI: the realm's first instruction exits (SYNC, EC WFx)
//   REC_DESTROY, DATA_DESTROY x16, RTT_DESTROY level 3 and 2, REALM_DESTROY
//   GRANULE_UNDELEGATE of every granule (38)
//
// Around each SMC it zeroes callgrind's counters and dumps them afterwards
// with the command's name (client requests, which do nothing outside
// valgrind), so each dump holds one command. What is counted inside the
// command is chosen on valgrind's command line (--toggle-collect), see
// scripts/bench. Every command must succeed; the exit status says whether
// they did.
#include <valgrind/callgrind.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench_host.h"

namespace mica::bench {
namespace {

constexpr unsigned kDataPages = 16;

class Script {
 public:
  Script() : machine_(bench_machine_config(16)), host_([this](const SmcArgs& a) { return machine_.smc(a); }, machine_) {}

  // One command: counters zeroed before, dumped after as "NN COMMAND".
  SmcResult call(const char* name, uint64_t fid, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0,
                 uint64_t x5 = 0) {
    SmcArgs args;
    args.x[0] = fid;
    args.x[1] = x1;
    args.x[2] = x2;
    args.x[3] = x3;
    args.x[4] = x4;
    args.x[5] = x5;
    char label[64];
    std::snprintf(label, sizeof label, "%03u %s", ++count_, name);
    CALLGRIND_ZERO_STATS;
    const SmcResult result = machine_.smc(args);
    CALLGRIND_DUMP_STATS_AT(label);
    if (result.x[0] != 0) {
      std::fprintf(stderr, "rmi_script: %s failed: X0 = 0x%llx\n", label, static_cast<unsigned long long>(result.x[0]));
      ok_ = false;
    }
    std::printf("%s\n", label);
    return result;
  }
  SmcResult rmi(RmiCommand command, const char* name, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0,
                uint64_t x5 = 0) {
    return call(name, abi::rmi_fid(command), x1, x2, x3, x4, x5);
  }

  PhysAddr delegated() {
    const PhysAddr pa = host_.ns_granule();
    rmi(RmiCommand::kGranuleDelegate, "RMI_GRANULE_DELEGATE", pa.value());
    granules_.push_back(pa);
    return pa;
  }

  bool run() {
    // Everything the realm needs, delegated first: RD, root RTTs, RTTs, DATA, REC, aux.
    const PhysAddr rd = delegated();
    const PhysAddr roots = host_.ns_granules(kRawRootRtts);
    for (uint32_t i = 0; i < kRawRootRtts; ++i) {
      rmi(RmiCommand::kGranuleDelegate, "RMI_GRANULE_DELEGATE", roots.value() + i * kGranuleSize);
      granules_.push_back(roots.plus(i * kGranuleSize));
    }
    const PhysAddr l2 = delegated();
    const PhysAddr l3 = delegated();
    std::vector<PhysAddr> data;
    for (unsigned i = 0; i < kDataPages; ++i) data.push_back(delegated());
    const PhysAddr rec = delegated();
    std::vector<PhysAddr> aux;
    for (unsigned i = 0; i < abi::kRecAuxCount; ++i) aux.push_back(delegated());

    // Parameters and contents in NS memory (host work, not counted).
    const PhysAddr realm_params = host_.realm_params(1, roots);
    const PhysAddr rec_params = rec_params_page(aux);
    const PhysAddr source = host_.ns_granule();
    const PhysAddr run = host_.ns_granule();
    std::vector<uint8_t> enter(kGranuleSize, 0);
    const uint64_t flags = abi::rec_run::kFlagTrapWfi;
    std::memcpy(enter.data() + abi::rec_run::kEnterFlags, &flags, sizeof flags);
    host_.write(run, enter.data(), enter.size());

    const uint64_t rd_pa = rd.value();
    rmi(RmiCommand::kRealmCreate, "RMI_REALM_CREATE", rd_pa, realm_params.value());
    rmi(RmiCommand::kRttCreate, "RMI_RTT_CREATE", rd_pa, l2.value(), 0, 2);
    rmi(RmiCommand::kRttCreate, "RMI_RTT_CREATE", rd_pa, l3.value(), 0, 3);
    rmi(RmiCommand::kRttInitRipas, "RMI_RTT_INIT_RIPAS", rd_pa, 0, kDataPages * kGranuleSize);
    for (unsigned i = 0; i < kDataPages; ++i) {
      std::vector<uint8_t> content(kGranuleSize, static_cast<uint8_t>(i));
      if (i == 0) {
        const uint32_t code[] = {0xD503207F /* wfi */, 0x17FFFFFF /* b .-4 */};
        std::memcpy(content.data(), code, sizeof code);
      }
      host_.write(source, content.data(), content.size());
      rmi(RmiCommand::kDataCreate, "RMI_DATA_CREATE", rd_pa, data[i].value(), i * kGranuleSize, source.value(),
          static_cast<uint64_t>(abi::RmiDataFlags::kMeasureContent));
    }
    rmi(RmiCommand::kRecCreate, "RMI_REC_CREATE", rd_pa, rec.value(), rec_params.value());
    rmi(RmiCommand::kRealmActivate, "RMI_REALM_ACTIVATE", rd_pa);
    rmi(RmiCommand::kRecEnter, "RMI_REC_ENTER", rec.value(), run.value());
    uint64_t reason = ~uint64_t{0}, esr = 0;
    host_.read(run.plus(abi::rec_run::kExitReason), &reason, sizeof reason);
    host_.read(run.plus(abi::rec_run::kExitEsr), &esr, sizeof esr);
    if (reason != static_cast<uint64_t>(abi::RmiRecExitReason::kSync) || (esr >> 26) != 0x01) {
      std::fprintf(stderr, "rmi_script: REC_ENTER did not exit with WFI (reason %llu, ESR 0x%llx)\n",
                   static_cast<unsigned long long>(reason), static_cast<unsigned long long>(esr));
      ok_ = false;
    }

    rmi(RmiCommand::kRecDestroy, "RMI_REC_DESTROY", rec.value());
    for (unsigned i = 0; i < kDataPages; ++i) rmi(RmiCommand::kDataDestroy, "RMI_DATA_DESTROY", rd_pa, i * kGranuleSize);
    rmi(RmiCommand::kRttDestroy, "RMI_RTT_DESTROY", rd_pa, 0, 3);
    rmi(RmiCommand::kRttDestroy, "RMI_RTT_DESTROY", rd_pa, 0, 2);
    rmi(RmiCommand::kRealmDestroy, "RMI_REALM_DESTROY", rd_pa);
    for (PhysAddr pa : granules_) rmi(RmiCommand::kGranuleUndelegate, "RMI_GRANULE_UNDELEGATE", pa.value());
    return ok_;
  }

 private:
  PhysAddr rec_params_page(std::vector<PhysAddr>& aux) {
    namespace rcp = abi::rec_params;
    std::vector<uint8_t> params(kGranuleSize, 0);
    auto put = [&params](uint64_t offset, uint64_t value) { std::memcpy(params.data() + offset, &value, sizeof value); };
    put(rcp::kFlags, rcp::kFlagRunnable);
    put(rcp::kMpidr, 0);
    put(rcp::kPc, 0);
    put(rcp::kNumAux, aux.size());
    for (size_t i = 0; i < aux.size(); ++i) put(rcp::kAux + 8 * i, aux[i].value());
    const PhysAddr pa = host_.ns_granule();
    host_.write(pa, params.data(), params.size());
    return pa;
  }

  platform::Machine machine_;
  BenchHost host_;
  std::vector<PhysAddr> granules_;
  unsigned count_ = 0;
  bool ok_ = true;
};

}  // namespace
}  // namespace mica::bench

int main() {
  try {
    mica::bench::Script script;
    return script.run() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rmi_script: %s\n", e.what());
    return 1;
  }
}
