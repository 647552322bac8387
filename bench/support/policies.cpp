#include "policies.h"

#include <cstdio>
#include <string>

namespace mica::bench {

using monitor::testing::ComponentSpec;
using monitor::testing::GateSpec;
using monitor::testing::make_channel;
using monitor::testing::make_component;

PolicySpec chain_policy(unsigned components, uint64_t channel_pages) {
  PolicySpec spec;
  spec.workflow = "bench_chain";
  auto name = [](unsigned i) {
    char text[16];
    std::snprintf(text, sizeof text, "c%03u", i);
    return std::string(text);
  };
  for (unsigned i = 0; i < components; ++i) {
    ComponentSpec c = make_component(name(i), {std::vector<uint8_t>(32, static_cast<uint8_t>(i + 1))});
    c.host_calls = true;
    spec.components.push_back(c);
  }
  for (unsigned i = 0; i + 1 < components; ++i) {
    spec.channels.push_back(make_channel("k" + name(i), name(i), {name(i + 1)}, channel_pages * monitor::kGranuleSize));
    spec.gates.push_back(GateSpec{name(i), name(i + 1)});
  }
  return spec;
}

PolicySpec pair_policy(uint64_t channel_pages, uint64_t memory) {
  PolicySpec spec;
  spec.workflow = "bench_pair";
  for (const char* name : {"callee", "caller"}) {
    ComponentSpec c = make_component(name);
    c.host_calls = true;
    c.memory = memory;
    c.recs = 2;
    c.ripas = true;
    c.psci = 0x1F;  // every PSCI call that exits to the host
    spec.components.push_back(c);
  }
  spec.channels.push_back(make_channel("link", "caller", {"callee"}, channel_pages * monitor::kGranuleSize));
  spec.gates.push_back(GateSpec{"caller", "callee"});
  return spec;
}

}  // namespace mica::bench
