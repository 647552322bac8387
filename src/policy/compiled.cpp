#include "policy/compiled.h"

#include <mbedtls/sha256.h>

#include <memory>
#include <stdexcept>

#include "cbor/reader.h"
#include "cbor/writer.h"
#include "mica/policy.h"

namespace mica::policy {

namespace {

namespace schema = monitor::policy::schema;
namespace cbor = monitor::cbor;

// Writes the schema; called twice (measure, then write). The writer checks
// canonical key order itself, so a mistake here cannot go unnoticed.
void write_policy(cbor::Writer& out, const Policy& policy) {
  auto text = [&](const std::string& value) { out.write_text(value.data(), value.size()); };
  out.write_map(schema::kTopKeyCount);
  out.write_uint(schema::kTopVersion);
  out.write_uint(schema::kFormatVersion);
  out.write_uint(schema::kTopWorkflow);
  text(policy.workflow);

  out.write_uint(schema::kTopComponents);
  out.write_array(policy.components.size());
  for (const Component& component : policy.components) {
    out.write_map(schema::kComponentKeyCount);
    out.write_uint(schema::kComponentName);
    text(component.name);
    out.write_uint(schema::kComponentMeasurements);
    if (component.any_measurement) {
      out.write_null();
    } else {
      out.write_array(component.measurements.size());
      for (const Measurement& measurement : component.measurements) {
        out.write_bytes(measurement.digest.data(), measurement.digest.size());
      }
    }
    out.write_uint(schema::kComponentMemory);
    out.write_uint(component.memory_bytes);
    out.write_uint(schema::kComponentRecs);
    out.write_uint(component.recs);
    out.write_uint(schema::kComponentWindows);
    out.write_array(component.windows.size());
    for (const Window& window : component.windows) {
      out.write_map(schema::kWindowKeyCount);
      out.write_uint(schema::kWindowName);
      text(window.name);
      out.write_uint(schema::kWindowDirection);
      out.write_uint(static_cast<uint64_t>(window.direction));
      out.write_uint(schema::kWindowOffset);
      out.write_uint(window.offset);
      out.write_uint(schema::kWindowSize);
      out.write_uint(window.size);
    }
    out.write_uint(schema::kComponentHostCalls);
    out.write_bool(component.host_calls);
    out.write_uint(schema::kComponentMmio);
    out.write_bool(component.mmio);
    out.write_uint(schema::kComponentRipas);
    out.write_bool(component.ripas);
    out.write_uint(schema::kComponentPsci);
    out.write_uint(component.psci);
  }

  out.write_uint(schema::kTopChannels);
  out.write_array(policy.channels.size());
  for (const Channel& channel : policy.channels) {
    out.write_map(schema::kChannelKeyCount);
    out.write_uint(schema::kChannelName);
    text(channel.name);
    out.write_uint(schema::kChannelWriter);
    out.write_uint(channel.writer);
    out.write_uint(schema::kChannelReaders);
    out.write_array(channel.readers.size());
    for (const uint32_t reader : channel.readers) out.write_uint(reader);
    out.write_uint(schema::kChannelSize);
    out.write_uint(channel.size);
    out.write_uint(schema::kChannelBidirectional);
    out.write_bool(channel.bidirectional);
  }

  out.write_uint(schema::kTopGates);
  out.write_array(policy.gates.size());
  for (const Gate& gate : policy.gates) {
    out.write_map(schema::kGateKeyCount);
    out.write_uint(schema::kGateCaller);
    out.write_uint(gate.caller);
    out.write_uint(schema::kGateCallee);
    out.write_uint(gate.callee);
  }

  out.write_uint(schema::kTopRequirements);
  out.write_array(policy.requirements.size());
  for (const Requirement& requirement : policy.requirements) {
    out.write_map(schema::kRequirementKeyCount);
    out.write_uint(schema::kRequirementFrom);
    out.write_uint(requirement.from);
    out.write_uint(schema::kRequirementTo);
    if (requirement.to) {
      out.write_uint(*requirement.to);
    } else {
      out.write_null();
    }
    out.write_uint(schema::kRequirementVia);
    out.write_array(requirement.via.size());
    for (const uint32_t via : requirement.via) out.write_uint(via);
  }
}

// Reads the already validated encoding again for what the monitor's
// decoder does not keep. Any failure here is a bug (validation came first).
class Extractor {
 public:
  explicit Extractor(std::span<const uint8_t> bytes) : reader_(bytes.data(), bytes.size(), limits()) {}

  Policy run() {
    Policy policy;
    map();
    key();
    uint();
    key();
    policy.workflow = text();
    key();
    const uint64_t components = array();
    for (uint64_t i = 0; i < components; ++i) policy.components.push_back(component());
    key();
    const uint64_t channels = array();
    for (uint64_t i = 0; i < channels; ++i) policy.channels.push_back(channel());
    key();
    const uint64_t gates = array();
    for (uint64_t i = 0; i < gates; ++i) {
      Gate gate;
      map();
      key();
      gate.caller = static_cast<uint32_t>(uint());
      key();
      gate.callee = static_cast<uint32_t>(uint());
      policy.gates.push_back(gate);
    }
    key();
    const uint64_t requirements = array();
    for (uint64_t i = 0; i < requirements; ++i) {
      Requirement requirement;
      map();
      key();
      requirement.from = static_cast<uint32_t>(uint());
      key();
      if (reader_.next_is_null()) {
        must(reader_.read_null());
      } else {
        requirement.to = static_cast<uint32_t>(uint());
      }
      key();
      const uint64_t via = array();
      for (uint64_t k = 0; k < via; ++k) requirement.via.push_back(static_cast<uint32_t>(uint()));
      policy.requirements.push_back(std::move(requirement));
    }
    must(reader_.finish());
    return policy;
  }

 private:
  static cbor::Limits limits() {
    cbor::Limits limits;
    limits.canonical = true;
    return limits;
  }
  void must(bool ok) {
    if (!ok) throw std::logic_error("compiled policy changed between validation and extraction");
  }
  void map() {
    uint64_t pairs = 0;
    must(reader_.read_map(pairs));
  }
  void key() { uint(); }
  uint64_t uint() {
    uint64_t value = 0;
    must(reader_.read_uint(value));
    return value;
  }
  uint64_t array() {
    uint64_t count = 0;
    must(reader_.read_array(count));
    return count;
  }
  std::string text() {
    cbor::ByteView view;
    must(reader_.read_text(view));
    return std::string(reinterpret_cast<const char*>(view.data), view.size);
  }
  bool boolean() {
    bool value = false;
    must(reader_.read_bool(value));
    return value;
  }

  Component component() {
    Component component;
    map();
    key();
    component.name = text();
    key();
    if (reader_.next_is_null()) {
      must(reader_.read_null());
      component.any_measurement = true;
    } else {
      const uint64_t count = array();
      for (uint64_t i = 0; i < count; ++i) {
        cbor::ByteView digest;
        must(reader_.read_bytes(digest));
        component.measurements.push_back(Measurement{digest.size == 32 ? HashAlgo::kSha256 : HashAlgo::kSha512,
                                                     std::vector<uint8_t>(digest.data, digest.data + digest.size)});
      }
    }
    key();
    component.memory_bytes = uint();
    key();
    component.recs = static_cast<uint32_t>(uint());
    key();
    const uint64_t windows = array();
    for (uint64_t i = 0; i < windows; ++i) {
      Window window;
      map();
      key();
      window.name = text();
      key();
      window.direction = static_cast<WindowDirection>(uint());
      key();
      window.offset = uint();
      key();
      window.size = uint();
      component.windows.push_back(std::move(window));
    }
    key();
    component.host_calls = boolean();
    key();
    component.mmio = boolean();
    key();
    component.ripas = boolean();
    key();
    component.psci = static_cast<uint8_t>(uint());
    return component;
  }

  Channel channel() {
    Channel channel;
    map();
    key();
    channel.name = text();
    key();
    channel.writer = static_cast<uint32_t>(uint());
    key();
    const uint64_t readers = array();
    for (uint64_t i = 0; i < readers; ++i) channel.readers.push_back(static_cast<uint32_t>(uint()));
    key();
    channel.size = uint();
    key();
    channel.bidirectional = boolean();
    return channel;
  }

  cbor::Reader reader_;
};

}  // namespace

std::vector<uint8_t> encode_compiled(const Policy& policy) {
  cbor::Writer measure(nullptr, 0, true);
  write_policy(measure, policy);
  if (!measure.finish()) {
    throw std::logic_error(std::string("policy encoding failed: ") + cbor::error_name(measure.error()));
  }
  std::vector<uint8_t> bytes(measure.size());
  cbor::Writer out(bytes.data(), bytes.size(), true);
  write_policy(out, policy);
  if (!out.finish() || out.size() != bytes.size()) {
    throw std::logic_error(std::string("policy encoding failed: ") + cbor::error_name(out.error()));
  }
  return bytes;
}

PolicyDigest digest_compiled(std::span<const uint8_t> compiled) {
  PolicyDigest digest{};
  if (mbedtls_sha256_ret(compiled.data(), compiled.size(), digest.data(), 0) != 0) {
    throw std::runtime_error("SHA-256 failed");
  }
  return digest;
}

std::string digest_hex(const PolicyDigest& digest) {
  return hex_string(std::vector<uint8_t>(digest.begin(), digest.end()));
}

std::variant<Policy, DecodeFailure> decode_compiled(std::span<const uint8_t> compiled) {
  auto validated = std::make_unique<monitor::policy::Policy>();
  const monitor::policy::DecodeResult result =
      monitor::policy::decode_policy(compiled.data(), compiled.size(), *validated);
  if (!result.ok()) {
    std::string message = monitor::policy::decode_error_name(result.error);
    if (result.error == monitor::policy::DecodeError::kCbor) {
      message += std::string(" (") + cbor::error_name(result.cbor) + ")";
    }
    message += std::string(" at byte ") + std::to_string(result.offset);
    return DecodeFailure{std::move(message)};
  }
  return Extractor(compiled).run();
}

}  // namespace mica::policy
