// Compiled Mica policies for tests, written with the monitor's own
// canonical CBOR writer exactly as the policy compiler lays them out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "monitor/types.h"

namespace mica::monitor::testing {

struct WindowSpec {
  std::string name;
  bool in = false;  // host -> realm (read-only at stage 2)
  uint64_t offset = 0;
  uint64_t size = kGranuleSize;
};

struct ComponentSpec {
  std::string name;
  std::vector<std::vector<uint8_t>> measurements;  // empty: `any`
  uint64_t memory = 64 * kGranuleSize;
  uint32_t recs = 1;
  std::vector<WindowSpec> windows;
  bool host_calls = false;
  bool mmio = false;
  bool ripas = false;
  uint8_t psci = 0;
};

struct ChannelSpec {
  std::string name;
  std::string writer;
  std::vector<std::string> readers;
  uint64_t size = kGranuleSize;
  bool bidirectional = false;
};

struct GateSpec {
  std::string caller;
  std::string callee;
};

inline ComponentSpec make_component(std::string name, std::vector<std::vector<uint8_t>> measurements = {}) {
  ComponentSpec c;
  c.name = std::move(name);
  c.measurements = std::move(measurements);
  return c;
}
inline ChannelSpec make_channel(std::string name, std::string writer, std::vector<std::string> readers,
                                uint64_t size = kGranuleSize, bool bidirectional = false) {
  ChannelSpec c;
  c.name = std::move(name);
  c.writer = std::move(writer);
  c.readers = std::move(readers);
  c.size = size;
  c.bidirectional = bidirectional;
  return c;
}
inline WindowSpec make_window(std::string name, bool in, uint64_t offset, uint64_t size) {
  WindowSpec w;
  w.name = std::move(name);
  w.in = in;
  w.offset = offset;
  w.size = size;
  return w;
}

struct PolicySpec {
  std::string workflow = "test_workflow";
  std::vector<ComponentSpec> components;
  std::vector<ChannelSpec> channels;
  std::vector<GateSpec> gates;

  // Canonical CBOR as the compiler writes it (components, channels and
  // windows by name, gates by index pair, no requirements).
  std::vector<uint8_t> encode() const;
  // Index of a component in the compiled policy (by name order).
  uint32_t component(const std::string& name) const;
  uint32_t channel(const std::string& name) const;
};

std::vector<uint8_t> sha256(const uint8_t* data, size_t size);

}  // namespace mica::monitor::testing
