// Fuzzes the monitor's policy decoder (the TCB's parser of host-supplied
// policies) with arbitrary bytes. What it accepts must be exactly one
// policy's one encoding: the host-side reading of it re-encodes to the very
// same bytes, and the flow prover and explanations run on it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <variant>

#include "mica/policy.h"
#include "policy/compiled.h"
#include "policy/explain.h"
#include "policy/flow.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace mon = mica::monitor::policy;
  auto decoded = std::make_unique<mon::Policy>();
  const mon::DecodeResult result = mon::decode_policy(data, size, *decoded);
  if (!result.ok()) {
    require(decoded->component_count == 0 && decoded->channel_count == 0 && decoded->gate_count == 0);
    require(result.offset <= size || result.error == mon::DecodeError::kTooLarge);
    return 0;
  }
  // Accepted: everything the monitor relies on is in range.
  require(decoded->component_count >= 1 && decoded->component_count <= mon::kMaxComponents);
  for (uint32_t i = 0; i < decoded->channel_count; ++i) {
    const mon::Channel& channel = decoded->channels[i];
    require(channel.writer < decoded->component_count);
    require(channel.reader_mask != 0 && (channel.reader_mask >> decoded->component_count) == 0);
    require(!channel.can_read(channel.writer) || channel.bidirectional);
  }
  for (uint32_t i = 0; i < decoded->gate_count; ++i) {
    require(decoded->gates[i].caller != decoded->gates[i].callee);
  }

  const auto host = mica::policy::decode_compiled({data, size});
  require(std::holds_alternative<mica::policy::Policy>(host));
  const mica::policy::Policy& policy = std::get<mica::policy::Policy>(host);
  const std::vector<uint8_t> again = mica::policy::encode_compiled(policy);
  require(again.size() == size && std::equal(again.begin(), again.end(), data));

  const mica::policy::FlowGraph graph(policy);
  const auto outcomes = mica::policy::prove(policy, graph);
  (void)mica::policy::explain(policy, graph, outcomes, mica::policy::digest_compiled({data, size}));
  return 0;
}
