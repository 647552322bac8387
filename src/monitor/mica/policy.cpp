// Bounded decoder of compiled Mica policies (see mica/policy.h).
#include "mica/policy.h"

#include <type_traits>

#include "cbor/reader.h"

namespace mica::monitor::policy {

// The monitor keeps decoded policies in static storage or granule memory.
static_assert(std::is_trivially_copyable_v<Policy> && std::is_standard_layout_v<Policy>);

namespace {

using cbor::ByteView;
namespace s = schema;

bool is_identifier(ByteView text) {
  if (text.size == 0 || text.size > s::kMaxNameBytes) return false;
  for (size_t i = 0; i < text.size; ++i) {
    const uint8_t c = text.data[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!(letter || (digit && i > 0))) return false;
  }
  return true;
}

int compare_views(ByteView a, ByteView b) { return cbor::compare_bytes(a.data, a.size, b.data, b.size); }

bool overlaps(const Window& a, const Window& b) {
  return a.offset < b.offset + b.size && b.offset < a.offset + a.size;
}

cbor::Limits decoder_limits() {
  cbor::Limits limits;
  limits.max_depth = 5;  // top map > array > entry map > array > window map
  limits.max_string_bytes = s::kMaxNameBytes;  // names and digests are at most 64 bytes
  limits.max_container_items = 128;            // the largest capacity
  limits.canonical = true;
  return limits;
}

class Decoder {
 public:
  Decoder(const uint8_t* data, size_t size, Policy& out)
      : reader_(data, size, decoder_limits()), data_(data), out_(out) {}

  DecodeResult run() {
    if (!top() || !check(reader_.finish())) {
      out_.component_count = 0;
      out_.channel_count = 0;
      out_.gate_count = 0;
      out_.requirement_count = 0;
    }
    return result_;
  }

 private:
  bool fail(DecodeError error, size_t offset) {
    if (result_.error == DecodeError::kNone) {
      result_.error = error;
      result_.offset = offset;
    }
    return false;
  }
  bool fail(DecodeError error) { return fail(error, reader_.offset()); }

  // Turns a reader failure into a decode error: a wrong type is a schema
  // problem, anything else is bad CBOR.
  bool check(bool reader_ok) {
    if (reader_ok) return true;
    if (reader_.error() == cbor::Error::kTypeMismatch) {
      return fail(DecodeError::kSchema, reader_.error_offset());
    }
    if (result_.error == DecodeError::kNone) result_.cbor = reader_.error();
    return fail(DecodeError::kCbor, reader_.error_offset());
  }

  bool map_with(uint64_t expected_pairs) {
    uint64_t pairs = 0;
    const size_t at = reader_.offset();
    if (!check(reader_.read_map(pairs))) return false;
    return pairs == expected_pairs || fail(DecodeError::kSchema, at);
  }

  // Canonical order plus "every key present" means the keys are 0, 1, 2, ...
  bool key(uint64_t expected) {
    uint64_t value = 0;
    const size_t at = reader_.offset();
    if (!check(reader_.read_uint(value))) return false;
    return value == expected || fail(DecodeError::kSchema, at);
  }

  bool array(uint64_t& count, uint64_t capacity) {
    const size_t at = reader_.offset();
    if (!check(reader_.read_array(count))) return false;
    return count <= capacity || fail(DecodeError::kCapacity, at);
  }

  bool uint_in(uint64_t& value, uint64_t min, uint64_t max) {
    const size_t at = reader_.offset();
    if (!check(reader_.read_uint(value))) return false;
    return (value >= min && value <= max) || fail(DecodeError::kOutOfRange, at);
  }

  bool granules(uint64_t& value, uint64_t max) {
    const size_t at = reader_.offset();
    if (!uint_in(value, s::kGranule, max)) return false;
    return value % s::kGranule == 0 || fail(DecodeError::kOutOfRange, at);
  }

  bool boolean(bool& value) { return check(reader_.read_bool(value)); }

  bool name(ByteView& raw) {
    const size_t at = reader_.offset();
    if (!check(reader_.read_text(raw))) return false;
    return is_identifier(raw) || fail(DecodeError::kBadName, at);
  }

  bool index(uint64_t& value) {
    const size_t at = reader_.offset();
    if (!check(reader_.read_uint(value))) return false;
    return value < out_.component_count || fail(DecodeError::kBadReference, at);
  }

  static void store(Name& target, ByteView raw) {
    for (size_t i = 0; i < raw.size; ++i) target.bytes[i] = static_cast<char>(raw.data[i]);
    for (size_t i = raw.size; i < s::kMaxNameBytes; ++i) target.bytes[i] = 0;
    target.length = static_cast<uint8_t>(raw.size);
  }

  bool top() {
    if (!map_with(s::kTopKeyCount) || !key(s::kTopVersion)) return false;
    uint64_t version = 0;
    const size_t version_at = reader_.offset();
    if (!check(reader_.read_uint(version))) return false;
    if (version != s::kFormatVersion) return fail(DecodeError::kSchema, version_at);
    ByteView workflow;
    if (!key(s::kTopWorkflow) || !name(workflow)) return false;
    store(out_.workflow, workflow);
    return key(s::kTopComponents) && components() && key(s::kTopChannels) && channels() &&
           key(s::kTopGates) && gates() && key(s::kTopRequirements) && requirements();
  }

  bool components() {
    uint64_t count = 0;
    const size_t at = reader_.offset();
    if (!array(count, kMaxComponents)) return false;
    if (count == 0) return fail(DecodeError::kSchema, at);
    ByteView previous{};
    for (uint64_t i = 0; i < count; ++i) {
      Component& component = out_.components[i];
      if (!map_with(s::kComponentKeyCount) || !key(s::kComponentName)) return false;
      const size_t name_at = reader_.offset();
      ByteView raw;
      if (!name(raw)) return false;
      if (i > 0) {
        const int order = compare_views(previous, raw);
        if (order == 0) return fail(DecodeError::kDuplicate, name_at);
        if (order > 0) return fail(DecodeError::kNotSorted, name_at);
      }
      previous = raw;
      store(component.name, raw);
      if (!component_body(component)) return false;
      out_.component_count = static_cast<uint32_t>(i + 1);
    }
    return true;
  }

  bool component_body(Component& component) {
    if (!key(s::kComponentMeasurements) || !measurements(component)) return false;
    uint64_t value = 0;
    if (!key(s::kComponentMemory) || !granules(value, s::kMaxMemoryBytes)) return false;
    component.memory_bytes = value;
    if (!key(s::kComponentRecs) || !uint_in(value, 1, s::kMaxRecs)) return false;
    component.max_recs = static_cast<uint32_t>(value);
    if (!key(s::kComponentWindows) || !windows(component)) return false;
    if (!key(s::kComponentHostCalls) || !boolean(component.host_calls)) return false;
    if (!key(s::kComponentMmio) || !boolean(component.mmio)) return false;
    if (!key(s::kComponentRipas) || !boolean(component.ripas_change)) return false;
    if (!key(s::kComponentPsci) || !uint_in(value, 0, s::kPsciAll)) return false;
    component.psci = static_cast<uint8_t>(value);
    return true;
  }

  bool measurements(Component& component) {
    component.measurement_count = 0;
    component.any_measurement = false;
    if (reader_.next_is_null()) {
      component.any_measurement = true;
      return check(reader_.read_null());
    }
    uint64_t count = 0;
    const size_t at = reader_.offset();
    if (!array(count, kMaxMeasurements)) return false;
    if (count == 0) return fail(DecodeError::kSchema, at);
    ByteView previous{};
    for (uint64_t i = 0; i < count; ++i) {
      const size_t start = reader_.offset();
      ByteView digest;
      if (!check(reader_.read_bytes(digest))) return false;
      if (digest.size != 32 && digest.size != 64) return fail(DecodeError::kOutOfRange, start);
      // Ascending by encoding: the head (hence the length) decides first.
      const ByteView encoded{data_ + start, reader_.offset() - start};
      if (i > 0) {
        const int order = compare_views(previous, encoded);
        if (order == 0) return fail(DecodeError::kDuplicate, start);
        if (order > 0) return fail(DecodeError::kNotSorted, start);
      }
      previous = encoded;
      Measurement& measurement = component.measurements[i];
      measurement.algo = digest.size == 32 ? HashAlgo::kSha256 : HashAlgo::kSha512;
      for (size_t b = 0; b < kMaxHashSize; ++b) {
        measurement.digest[b] = b < digest.size ? digest.data[b] : 0;
      }
      component.measurement_count = static_cast<uint8_t>(i + 1);
    }
    return true;
  }

  bool windows(Component& component) {
    component.window_count = 0;
    uint64_t count = 0;
    if (!array(count, kMaxWindows)) return false;
    ByteView previous{};
    for (uint64_t i = 0; i < count; ++i) {
      const size_t start = reader_.offset();
      ByteView raw;
      if (!map_with(s::kWindowKeyCount) || !key(s::kWindowName) || !name(raw)) return false;
      if (i > 0) {
        const int order = compare_views(previous, raw);
        if (order == 0) return fail(DecodeError::kDuplicate, start);
        if (order > 0) return fail(DecodeError::kNotSorted, start);
      }
      previous = raw;
      Window& window = component.windows[i];
      uint64_t direction = 0;
      if (!key(s::kWindowDirection) || !uint_in(direction, 0, 1)) return false;
      window.direction = static_cast<WindowDirection>(direction);
      if (!key(s::kWindowOffset)) return false;
      const size_t offset_at = reader_.offset();
      if (!uint_in(window.offset, 0, s::kUnprotectedSpan)) return false;
      if (window.offset % s::kGranule != 0) return fail(DecodeError::kOutOfRange, offset_at);
      if (!key(s::kWindowSize) || !granules(window.size, s::kMaxWindowBytes)) return false;
      if (window.size > s::kUnprotectedSpan - window.offset) {
        return fail(DecodeError::kOutOfRange, offset_at);
      }
      for (uint64_t j = 0; j < i; ++j) {
        if (overlaps(component.windows[j], window)) return fail(DecodeError::kBadReference, start);
      }
      component.window_count = static_cast<uint8_t>(i + 1);
    }
    return true;
  }

  bool channels() {
    uint64_t count = 0;
    if (!array(count, kMaxChannels)) return false;
    ByteView previous{};
    for (uint64_t i = 0; i < count; ++i) {
      const size_t start = reader_.offset();
      ByteView raw;
      if (!map_with(s::kChannelKeyCount) || !key(s::kChannelName) || !name(raw)) return false;
      if (i > 0) {
        const int order = compare_views(previous, raw);
        if (order == 0) return fail(DecodeError::kDuplicate, start);
        if (order > 0) return fail(DecodeError::kNotSorted, start);
      }
      previous = raw;
      Channel& channel = out_.channels[i];
      uint64_t writer = 0;
      if (!key(s::kChannelWriter) || !index(writer)) return false;
      channel.writer = static_cast<uint8_t>(writer);
      if (!key(s::kChannelReaders) || !readers(channel)) return false;
      if (!key(s::kChannelSize) || !granules(channel.size, s::kMaxChannelBytes)) return false;
      const size_t mode_at = reader_.offset();
      if (!key(s::kChannelBidirectional) || !boolean(channel.bidirectional)) return false;
      if (channel.bidirectional) {
        // One reader, and the pair in index order, so each pair has one form.
        const uint64_t mask = channel.reader_mask;
        const bool single = (mask & (mask - 1)) == 0;
        const bool ordered = mask > (uint64_t{1} << channel.writer);
        if (!single || !ordered) return fail(DecodeError::kBadReference, mode_at);
      }
      out_.channel_count = static_cast<uint32_t>(i + 1);
    }
    return true;
  }

  bool readers(Channel& channel) {
    uint64_t count = 0;
    const size_t at = reader_.offset();
    if (!array(count, kMaxComponents)) return false;
    if (count == 0) return fail(DecodeError::kSchema, at);
    channel.reader_mask = 0;
    uint64_t previous = 0;
    for (uint64_t i = 0; i < count; ++i) {
      const size_t reader_at = reader_.offset();
      uint64_t reader = 0;
      if (!index(reader)) return false;
      if (reader == channel.writer) return fail(DecodeError::kBadReference, reader_at);
      if (i > 0 && reader == previous) return fail(DecodeError::kDuplicate, reader_at);
      if (i > 0 && reader < previous) return fail(DecodeError::kNotSorted, reader_at);
      previous = reader;
      channel.reader_mask |= uint64_t{1} << reader;
    }
    return true;
  }

  bool gates() {
    uint64_t count = 0;
    if (!array(count, kMaxGates)) return false;
    for (uint64_t i = 0; i < count; ++i) {
      const size_t start = reader_.offset();
      uint64_t caller = 0;
      uint64_t callee = 0;
      if (!map_with(s::kGateKeyCount) || !key(s::kGateCaller) || !index(caller) ||
          !key(s::kGateCallee) || !index(callee)) {
        return false;
      }
      if (caller == callee) return fail(DecodeError::kBadReference, start);
      if (i > 0) {
        const Gate& before = out_.gates[i - 1];
        if (before.caller == caller && before.callee == callee) {
          return fail(DecodeError::kDuplicate, start);
        }
        if (before.caller > caller || (before.caller == caller && before.callee > callee)) {
          return fail(DecodeError::kNotSorted, start);
        }
      }
      out_.gates[i] = Gate{static_cast<uint8_t>(caller), static_cast<uint8_t>(callee)};
      out_.gate_count = static_cast<uint32_t>(i + 1);
    }
    return true;
  }

  bool requirements() {
    uint64_t count = 0;
    if (!array(count, kMaxRequirements)) return false;
    ByteView previous{};
    for (uint64_t i = 0; i < count; ++i) {
      const size_t start = reader_.offset();
      if (!requirement(start)) return false;
      const ByteView encoded{data_ + start, reader_.offset() - start};
      if (i > 0) {
        const int order = compare_views(previous, encoded);
        if (order == 0) return fail(DecodeError::kDuplicate, start);
        if (order > 0) return fail(DecodeError::kNotSorted, start);
      }
      previous = encoded;
      out_.requirement_count = static_cast<uint32_t>(i + 1);
    }
    return true;
  }

  bool requirement(size_t start) {
    uint64_t from = 0;
    if (!map_with(s::kRequirementKeyCount) || !key(s::kRequirementFrom) || !index(from)) return false;
    // Data of an `any` component is untrusted already: nothing to prove.
    if (out_.components[from].any_measurement) return fail(DecodeError::kBadReference, start);
    if (!key(s::kRequirementTo)) return false;
    bool to_untrusted = false;
    uint64_t to = 0;
    if (reader_.next_is_null()) {
      to_untrusted = true;
      if (!check(reader_.read_null())) return false;
    } else {
      if (!index(to)) return false;
      if (to == from) return fail(DecodeError::kBadReference, start);
    }
    uint64_t count = 0;
    if (!key(s::kRequirementVia) || !array(count, kMaxComponents)) return false;
    uint64_t previous = 0;
    for (uint64_t i = 0; i < count; ++i) {
      const size_t via_at = reader_.offset();
      uint64_t via = 0;
      if (!index(via)) return false;
      if (via == from || (!to_untrusted && via == to) || out_.components[via].any_measurement) {
        return fail(DecodeError::kBadReference, via_at);
      }
      if (i > 0 && via == previous) return fail(DecodeError::kDuplicate, via_at);
      if (i > 0 && via < previous) return fail(DecodeError::kNotSorted, via_at);
      previous = via;
    }
    return true;
  }

  cbor::Reader reader_;
  const uint8_t* data_;
  Policy& out_;
  DecodeResult result_;
};

}  // namespace

bool Name::equals(const char* text, size_t size) const {
  if (size != length) return false;
  for (size_t i = 0; i < size; ++i) {
    if (bytes[i] != text[i]) return false;
  }
  return true;
}

bool Window::contains(uint64_t range_offset, uint64_t range_size) const {
  if (range_size == 0 || range_offset < offset) return false;
  const uint64_t skip = range_offset - offset;
  return skip < size && range_size <= size - skip;
}

bool Component::allows_measurement(HashAlgo algo, const uint8_t* rim) const {
  if (any_measurement) return true;
  const size_t length = hash_size(algo);
  for (uint32_t i = 0; i < measurement_count; ++i) {
    const Measurement& allowed = measurements[i];
    if (allowed.algo != algo) continue;
    bool same = true;
    for (size_t b = 0; b < length && same; ++b) same = allowed.digest[b] == rim[b];
    if (same) return true;
  }
  return false;
}

const Window* Component::find_window(uint64_t offset, uint64_t size) const {
  for (uint32_t i = 0; i < window_count; ++i) {
    if (windows[i].contains(offset, size)) return &windows[i];
  }
  return nullptr;
}

bool Channel::can_write(uint32_t component) const {
  if (component == writer) return true;
  return bidirectional && can_read(component);
}

bool Channel::can_read(uint32_t component) const {
  if (component >= kMaxComponents) return false;
  if ((reader_mask >> component) & 1) return true;
  return bidirectional && component == writer;
}

bool Policy::gate_allowed(uint32_t caller, uint32_t callee) const {
  for (uint32_t i = 0; i < gate_count; ++i) {
    if (gates[i].caller == caller && gates[i].callee == callee) return true;
  }
  return false;
}

int32_t Policy::find_component(const char* name, size_t size) const {
  for (uint32_t i = 0; i < component_count; ++i) {
    if (components[i].name.equals(name, size)) return static_cast<int32_t>(i);
  }
  return -1;
}

const char* decode_error_name(DecodeError error) {
  switch (error) {
    case DecodeError::kNone: return "none";
    case DecodeError::kTooLarge: return "policy too large";
    case DecodeError::kCbor: return "not canonical CBOR";
    case DecodeError::kSchema: return "schema violation";
    case DecodeError::kCapacity: return "beyond the monitor's capacity";
    case DecodeError::kOutOfRange: return "value out of range";
    case DecodeError::kBadName: return "bad name";
    case DecodeError::kNotSorted: return "set not in canonical order";
    case DecodeError::kDuplicate: return "duplicate";
    case DecodeError::kBadReference: return "bad component reference";
  }
  return "unknown";
}

DecodeResult decode_policy(const uint8_t* data, size_t size, Policy& out) {
  out.component_count = 0;
  out.channel_count = 0;
  out.gate_count = 0;
  out.requirement_count = 0;
  if (size > kMaxPolicyBytes) {
    DecodeResult result;
    result.error = DecodeError::kTooLarge;
    result.offset = kMaxPolicyBytes;
    return result;
  }
  Decoder decoder(data, size, out);
  return decoder.run();
}

}  // namespace mica::monitor::policy
