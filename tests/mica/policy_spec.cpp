#include "policy_spec.h"

#include <gtest/gtest.h>
#include <mbedtls/sha256.h>

#include <algorithm>

#include "cbor/writer.h"
#include "monitor/abi/mica.h"

namespace mica::monitor::testing {

namespace {

std::vector<std::string> sorted_names(const std::vector<ComponentSpec>& components) {
  std::vector<std::string> names;
  for (const ComponentSpec& c : components) names.push_back(c.name);
  std::sort(names.begin(), names.end());
  return names;
}

// Writes with the monitor's canonical CBOR writer; any misuse fails the test.
class PolicyWriter {
 public:
  PolicyWriter() : buffer_(abi::kMaxPolicyBytes * 2), w_(buffer_.data(), buffer_.size()) {}
  cbor::Writer& w() { return w_; }
  void text(const std::string& s) { EXPECT_TRUE(w_.write_text(s.data(), s.size())); }
  std::vector<uint8_t> finish() {
    EXPECT_TRUE(w_.finish()) << cbor::error_name(w_.error());
    return std::vector<uint8_t>(buffer_.begin(), buffer_.begin() + static_cast<ptrdiff_t>(w_.size()));
  }

 private:
  std::vector<uint8_t> buffer_;
  cbor::Writer w_;
};

}  // namespace

uint32_t PolicySpec::component(const std::string& name) const {
  const std::vector<std::string> names = sorted_names(components);
  const auto it = std::find(names.begin(), names.end(), name);
  EXPECT_NE(it, names.end()) << "no component " << name;
  return static_cast<uint32_t>(it - names.begin());
}

uint32_t PolicySpec::channel(const std::string& name) const {
  std::vector<std::string> names;
  for (const ChannelSpec& c : channels) names.push_back(c.name);
  std::sort(names.begin(), names.end());
  const auto it = std::find(names.begin(), names.end(), name);
  EXPECT_NE(it, names.end()) << "no channel " << name;
  return static_cast<uint32_t>(it - names.begin());
}

std::vector<uint8_t> PolicySpec::encode() const {
  PolicyWriter out;
  cbor::Writer& w = out.w();
  w.write_map(6);
  w.write_uint(0);
  w.write_uint(1);
  w.write_uint(1);
  out.text(workflow);

  std::vector<ComponentSpec> comps = components;
  std::sort(comps.begin(), comps.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  w.write_uint(2);
  w.write_array(comps.size());
  for (const ComponentSpec& c : comps) {
    w.write_map(9);
    w.write_uint(0);
    out.text(c.name);
    w.write_uint(1);
    if (c.measurements.empty()) {
      w.write_null();
    } else {
      std::vector<std::vector<uint8_t>> m = c.measurements;
      std::sort(m.begin(), m.end(), [](const auto& a, const auto& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;
      });
      w.write_array(m.size());
      for (const auto& digest : m) w.write_bytes(digest.data(), digest.size());
    }
    w.write_uint(2);
    w.write_uint(c.memory);
    w.write_uint(3);
    w.write_uint(c.recs);
    std::vector<WindowSpec> windows = c.windows;
    std::sort(windows.begin(), windows.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    w.write_uint(4);
    w.write_array(windows.size());
    for (const WindowSpec& win : windows) {
      w.write_map(4);
      w.write_uint(0);
      out.text(win.name);
      w.write_uint(1);
      w.write_uint(win.in ? 0 : 1);
      w.write_uint(2);
      w.write_uint(win.offset);
      w.write_uint(3);
      w.write_uint(win.size);
    }
    w.write_uint(5);
    w.write_bool(c.host_calls);
    w.write_uint(6);
    w.write_bool(c.mmio);
    w.write_uint(7);
    w.write_bool(c.ripas);
    w.write_uint(8);
    w.write_uint(c.psci);
  }

  std::vector<ChannelSpec> chans = channels;
  std::sort(chans.begin(), chans.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  w.write_uint(3);
  w.write_array(chans.size());
  for (const ChannelSpec& ch : chans) {
    w.write_map(5);
    w.write_uint(0);
    out.text(ch.name);
    w.write_uint(1);
    w.write_uint(component(ch.writer));
    std::vector<uint32_t> readers;
    for (const std::string& r : ch.readers) readers.push_back(component(r));
    std::sort(readers.begin(), readers.end());
    w.write_uint(2);
    w.write_array(readers.size());
    for (uint32_t r : readers) w.write_uint(r);
    w.write_uint(3);
    w.write_uint(ch.size);
    w.write_uint(4);
    w.write_bool(ch.bidirectional);
  }

  std::vector<std::pair<uint32_t, uint32_t>> gate_pairs;
  for (const GateSpec& g : gates) gate_pairs.emplace_back(component(g.caller), component(g.callee));
  std::sort(gate_pairs.begin(), gate_pairs.end());
  w.write_uint(4);
  w.write_array(gate_pairs.size());
  for (const auto& [caller, callee] : gate_pairs) {
    w.write_map(2);
    w.write_uint(0);
    w.write_uint(caller);
    w.write_uint(1);
    w.write_uint(callee);
  }
  w.write_uint(5);
  w.write_array(0);
  return out.finish();
}

std::vector<uint8_t> sha256(const uint8_t* data, size_t size) {
  std::vector<uint8_t> digest(32);
  mbedtls_sha256_ret(data, size, digest.data(), 0);
  return digest;
}

}  // namespace mica::monitor::testing
