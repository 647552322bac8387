#include "realm/rec_exit.h"

#include "core/bytes.h"

namespace mica::monitor {

namespace {

namespace run = abi::rec_run;

// Offsets in the ABI header are from the start of RmiRecRun.
constexpr uint64_t at(uint64_t rec_run_offset) { return rec_run_offset - run::kExit; }
static_assert(run::kExitPmuOvfStatus + sizeof(uint64_t) <= run::kExit + kRecExitSize);

}  // namespace

void encode_rec_exit(const RecExit& exit, uint8_t (&out)[kRecExitSize]) {
  zero_bytes(out, sizeof out);
  store_le<uint64_t>(out + at(run::kExitReason), static_cast<uint64_t>(exit.reason));
  store_le<uint64_t>(out + at(run::kExitEsr), exit.esr);
  store_le<uint64_t>(out + at(run::kExitFar), exit.far);
  store_le<uint64_t>(out + at(run::kExitHpfar), exit.hpfar);
  for (unsigned i = 0; i < run::kGprCount; ++i) {
    store_le<uint64_t>(out + at(run::kExitGprs) + i * sizeof(uint64_t), exit.gprs[i]);
  }
  store_le<uint64_t>(out + at(run::kExitGicv3Hcr), exit.gicv3_hcr);
  for (unsigned i = 0; i < run::kGicv3LrCount; ++i) {
    store_le<uint64_t>(out + at(run::kExitGicv3Lrs) + i * sizeof(uint64_t), exit.gicv3_lrs[i]);
  }
  store_le<uint64_t>(out + at(run::kExitGicv3Misr), exit.gicv3_misr);
  store_le<uint64_t>(out + at(run::kExitGicv3Vmcr), exit.gicv3_vmcr);
  store_le<uint64_t>(out + at(run::kExitCntpCtl), exit.cntp_ctl);
  store_le<uint64_t>(out + at(run::kExitCntpCval), exit.cntp_cval);
  store_le<uint64_t>(out + at(run::kExitCntvCtl), exit.cntv_ctl);
  store_le<uint64_t>(out + at(run::kExitCntvCval), exit.cntv_cval);
  store_le<uint64_t>(out + at(run::kExitRipasBase), exit.ripas_base);
  store_le<uint64_t>(out + at(run::kExitRipasTop), exit.ripas_top);
  store_le<uint8_t>(out + at(run::kExitRipasValue), exit.ripas_value);
  store_le<uint32_t>(out + at(run::kExitImm), exit.imm);
  store_le<uint64_t>(out + at(run::kExitPmuOvfStatus), exit.pmu_ovf_status);
}

}  // namespace mica::monitor
