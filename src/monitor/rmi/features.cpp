// RMI_VERSION and RMI_FEATURES, and the PE features the monitor offers realms.
#include "rmi/handlers.h"

namespace mica::monitor::rmi {

namespace {

// The emulated PE (src/vcpu): a 48-bit PA space without FEAT_LPA2, no SVE,
// 6 breakpoints and 4 watchpoints, no PMU that could be handed to realms,
// and a virtual GIC CPU interface with 16 list registers.
constexpr PlatformFeatures kFeatures{
    .pa_bits = 48,
    .lpa2 = false,
    .sve = false,
    .sve_max_vl = 0,
    .num_bps = 5,
    .num_wps = 3,
    .pmu = false,
    .pmu_num_ctrs = 0,
    .hpmn0 = false,
    .gicv3_num_lrs = 15,
};

constexpr uint64_t put_field(uint64_t value, unsigned shift) { return value << shift; }

}  // namespace

const PlatformFeatures& platform_features() { return kFeatures; }

uint64_t feature_register0() {
  namespace f = abi::feature0;
  const PlatformFeatures& p = kFeatures;
  return put_field(p.pa_bits, f::kS2szShift) | put_field(p.lpa2 ? 1 : 0, f::kLpa2Shift) |
         put_field(p.sve ? 1 : 0, f::kSveEnShift) | put_field(p.sve_max_vl, f::kSveVlShift) |
         put_field(p.num_bps, f::kNumBpsShift) | put_field(p.num_wps, f::kNumWpsShift) |
         put_field(p.pmu ? 1 : 0, f::kPmuEnShift) | put_field(p.pmu_num_ctrs, f::kPmuNumCtrsShift) |
         put_field(1, f::kHashSha256Shift) | put_field(1, f::kHashSha512Shift) |
         put_field(p.gicv3_num_lrs, f::kGicv3NumLrsShift) |
         put_field(abi::kMaxRecsOrder, f::kMaxRecsOrderShift);
}

Status rmi_version(Context&, const SmcArgs& in, Outputs& out) {
  const uint64_t requested = in.x[1];
  // Lowest and highest implemented revision: only 1.0.
  out.x1 = abi::kRmiVersion_1_0;
  out.x2 = abi::kRmiVersion_1_0;
  return requested == abi::kRmiVersion_1_0 ? success() : error_input();
}

Status rmi_features(Context&, const SmcArgs& in, Outputs& out) {
  const uint64_t index = in.x[1];
  out.x1 = index == 0 ? feature_register0() : 0;
  return success();
}

}  // namespace mica::monitor::rmi
