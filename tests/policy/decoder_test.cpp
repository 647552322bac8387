// The monitor's bounded policy decoder (src/monitor/mica/policy.h): what the
// compiler produces decodes to the same policy, and everything else - every
// non-canonical, duplicate, oversize or out-of-range variant - is refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>

#include "cbor/writer.h"
#include "mica/policy.h"
#include "policy/compiled.h"
#include "test_support.h"

namespace mica::policy {
namespace {

namespace mon = monitor::policy;
namespace schema = monitor::policy::schema;
using mon::DecodeError;
using testing::digest_of;

const std::string kPolicy = R"(
workflow pipeline;

realm ingest {
  measurement )" + digest_of("ingest") + ", sha512:" + std::string(128, 'a') + R"(;
  memory 64 MiB;
  recs 2;
  untrusted {
    window inbox in 1 MiB;
    window status out 4 KiB at 0x200000;
    psci cpu_on, cpu_off;
  }
}

realm model {
  measurement )" + digest_of("model") + R"(;
  memory 256 MiB;
  recs 4;
}

realm audit {
  measurement any;
  memory 8 MiB;
  recs 1;
  untrusted { host_calls allow; mmio allow; ripas allow; }
}

channel records : ingest -> model, audit size 4 MiB;
channel talk : model <-> ingest size 8 KiB;
gate ingest -> model;
gate model -> audit;
require ingest !-> audit except via model;
require model !-> untrusted;
)";

// The requirements are only encoded here; whether they hold is the prover's
// business (flow_test.cpp).
Policy compiled_model() {
  CompileOptions options;
  options.prove = false;
  Compilation compilation = testing::compile_text(kPolicy, options);
  EXPECT_TRUE(compilation.ok()) << testing::rendered(compilation);
  return compilation.checked->policy;
}

struct Decoded {
  std::unique_ptr<mon::Policy> policy = std::make_unique<mon::Policy>();
  mon::DecodeResult result;
};

Decoded decode(const std::vector<uint8_t>& bytes) {
  Decoded decoded;
  decoded.result = mon::decode_policy(bytes.data(), bytes.size(), *decoded.policy);
  return decoded;
}

DecodeError decode_error(const Policy& policy) { return decode(encode_compiled(policy)).result.error; }

TEST(PolicyDecoder, DecodesWhatTheCompilerProduces) {
  const Policy policy = compiled_model();
  const std::vector<uint8_t> bytes = encode_compiled(policy);
  const Decoded decoded = decode(bytes);
  ASSERT_TRUE(decoded.result.ok()) << mon::decode_error_name(decoded.result.error) << " at " << decoded.result.offset;
  const mon::Policy& p = *decoded.policy;
  EXPECT_TRUE(p.workflow.equals("pipeline", 8));
  ASSERT_EQ(p.component_count, 3u);
  ASSERT_EQ(p.channel_count, 2u);
  ASSERT_EQ(p.gate_count, 2u);
  EXPECT_EQ(p.requirement_count, 2u);

  // Components by name: audit, ingest, model.
  EXPECT_TRUE(p.components[0].name.equals("audit", 5));
  EXPECT_TRUE(p.components[1].name.equals("ingest", 6));
  EXPECT_TRUE(p.components[2].name.equals("model", 5));
  EXPECT_EQ(p.find_component("model", 5), 2);
  EXPECT_EQ(p.find_component("nobody", 6), -1);

  const mon::Component& audit = p.components[0];
  EXPECT_TRUE(audit.any_measurement);
  EXPECT_TRUE(audit.host_calls && audit.mmio && audit.ripas_change);
  EXPECT_EQ(audit.memory_bytes, 8u << 20);

  const mon::Component& ingest = p.components[1];
  EXPECT_FALSE(ingest.any_measurement);
  ASSERT_EQ(ingest.measurement_count, 2);
  EXPECT_EQ(ingest.measurements[0].algo, HashAlgo::kSha256);  // SHA-256 sorts first
  EXPECT_EQ(ingest.measurements[1].algo, HashAlgo::kSha512);
  EXPECT_EQ(ingest.max_recs, 2u);
  EXPECT_EQ(ingest.psci, schema::kPsciCpuOn | schema::kPsciCpuOff);
  EXPECT_TRUE(ingest.allows_psci(schema::kPsciCpuOn));
  EXPECT_FALSE(ingest.allows_psci(schema::kPsciSystemReset));
  EXPECT_FALSE(ingest.host_calls || ingest.mmio || ingest.ripas_change);
  ASSERT_EQ(ingest.window_count, 2);
  // Windows by name: inbox (placed at 0), status (at 0x200000).
  EXPECT_EQ(ingest.windows[0].direction, schema::WindowDirection::kIn);
  EXPECT_EQ(ingest.windows[0].offset, 0u);
  EXPECT_EQ(ingest.windows[0].size, 1u << 20);
  EXPECT_EQ(ingest.windows[1].direction, schema::WindowDirection::kOut);
  EXPECT_EQ(ingest.windows[1].offset, 0x200000u);
  EXPECT_EQ(ingest.find_window(0x1000, 0x2000), &ingest.windows[0]);
  EXPECT_EQ(ingest.find_window(0xFF000, 0x2000), nullptr);  // runs past the end of inbox
  EXPECT_EQ(ingest.find_window(0x100000, 0x1000), nullptr);  // between the windows
  EXPECT_EQ(ingest.find_window(0x200000, 0x1000), &ingest.windows[1]);

  // RIM checks.
  const Measurement& allowed = policy.components[1].measurements[0];
  EXPECT_TRUE(ingest.allows_measurement(HashAlgo::kSha256, allowed.digest.data()));
  std::vector<uint8_t> other = allowed.digest;
  other[31] ^= 1;
  EXPECT_FALSE(ingest.allows_measurement(HashAlgo::kSha256, other.data()));
  const std::vector<uint8_t> sha512(64, 0xaa);
  EXPECT_TRUE(ingest.allows_measurement(HashAlgo::kSha512, sha512.data()));
  EXPECT_FALSE(ingest.allows_measurement(HashAlgo::kSha256, sha512.data()));  // algorithm matters
  EXPECT_TRUE(audit.allows_measurement(HashAlgo::kSha256, other.data()));

  // Channels by name: records (ingest -> model, audit), talk (ingest <-> model).
  const mon::Channel& records = p.channels[0];
  EXPECT_EQ(records.writer, 1);
  EXPECT_EQ(records.reader_mask, (1u << 0) | (1u << 2));
  EXPECT_TRUE(records.can_write(1));
  EXPECT_FALSE(records.can_write(2));
  EXPECT_TRUE(records.can_read(0) && records.can_read(2));
  EXPECT_FALSE(records.can_read(1));
  EXPECT_EQ(records.size, 4u << 20);
  const mon::Channel& talk = p.channels[1];
  EXPECT_TRUE(talk.bidirectional);
  EXPECT_TRUE(talk.can_write(1) && talk.can_write(2) && talk.can_read(1) && talk.can_read(2));
  EXPECT_FALSE(talk.is_endpoint(0));

  EXPECT_TRUE(p.gate_allowed(1, 2));
  EXPECT_TRUE(p.gate_allowed(2, 0));
  EXPECT_FALSE(p.gate_allowed(2, 1));  // a gate has a direction
}

TEST(PolicyDecoder, HostSideDecodeGivesBackTheSamePolicy) {
  const Policy policy = compiled_model();
  const auto decoded = decode_compiled(encode_compiled(policy));
  ASSERT_TRUE(std::holds_alternative<Policy>(decoded)) << std::get<DecodeFailure>(decoded).message;
  EXPECT_EQ(std::get<Policy>(decoded), policy);
}

TEST(PolicyDecoder, RefusesEveryTruncation) {
  const std::vector<uint8_t> bytes = encode_compiled(compiled_model());
  for (size_t length = 0; length < bytes.size(); ++length) {
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length));
    const Decoded decoded = decode(prefix);
    EXPECT_FALSE(decoded.result.ok()) << "prefix of " << length << " bytes accepted";
    EXPECT_EQ(decoded.policy->component_count, 0u);
  }
}

TEST(PolicyDecoder, RefusesTrailingBytesAndOversizeBlobs) {
  std::vector<uint8_t> bytes = encode_compiled(compiled_model());
  bytes.push_back(0x00);
  const Decoded trailing = decode(bytes);
  EXPECT_EQ(trailing.result.error, DecodeError::kCbor);
  EXPECT_EQ(trailing.result.cbor, monitor::cbor::Error::kTrailingBytes);
  EXPECT_EQ(trailing.result.offset, bytes.size() - 1);

  std::vector<uint8_t> huge(mon::kMaxPolicyBytes + 1, 0);
  EXPECT_EQ(decode(huge).result.error, DecodeError::kTooLarge);
}

// Flipping any one byte either makes the blob invalid or gives another
// valid policy whose canonical encoding is exactly the flipped blob: there is
// never a second encoding of the same policy.
TEST(PolicyDecoder, EveryOneByteChangeIsRefusedOrCanonical) {
  const std::vector<uint8_t> bytes = encode_compiled(compiled_model());
  size_t accepted = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (const uint8_t flip : {0x01, 0x02, 0x10, 0x20, 0x80, 0xFF}) {
      std::vector<uint8_t> changed = bytes;
      changed[i] ^= flip;
      const auto decoded = decode_compiled(changed);
      if (std::holds_alternative<DecodeFailure>(decoded)) continue;
      ++accepted;
      EXPECT_EQ(encode_compiled(std::get<Policy>(decoded)), changed) << "byte " << i << " ^ " << int{flip};
    }
  }
  EXPECT_GT(accepted, 0u);  // e.g. a different digest byte is still a valid policy
}

TEST(PolicyDecoder, RefusesSetsOutOfOrderOrRepeated) {
  Policy policy = compiled_model();
  {
    Policy p = policy;
    std::swap(p.components[0].name, p.components[1].name);
    EXPECT_EQ(decode_error(p), DecodeError::kNotSorted);
    p.components[0].name = p.components[1].name;
    EXPECT_EQ(decode_error(p), DecodeError::kDuplicate);
  }
  {
    Policy p = policy;
    std::swap(p.components[1].measurements[0], p.components[1].measurements[1]);
    EXPECT_EQ(decode_error(p), DecodeError::kNotSorted);
    p.components[1].measurements[1] = p.components[1].measurements[0];
    EXPECT_EQ(decode_error(p), DecodeError::kDuplicate);
  }
  {
    Policy p = policy;
    std::swap(p.components[1].windows[0].name, p.components[1].windows[1].name);
    EXPECT_EQ(decode_error(p), DecodeError::kNotSorted);
  }
  {
    Policy p = policy;
    std::swap(p.channels[0].name, p.channels[1].name);
    EXPECT_EQ(decode_error(p), DecodeError::kNotSorted);
  }
  {
    Policy p = policy;
    p.channels[0].readers = {2, 0};
    EXPECT_EQ(decode_error(p), DecodeError::kNotSorted);
    p.channels[0].readers = {2, 2};
    EXPECT_EQ(decode_error(p), DecodeError::kDuplicate);
  }
  {
    Policy p = policy;
    std::swap(p.gates[0], p.gates[1]);
    EXPECT_EQ(decode_error(p), DecodeError::kNotSorted);
    p.gates[1] = p.gates[0];
    EXPECT_EQ(decode_error(p), DecodeError::kDuplicate);
  }
  {
    Policy p = policy;
    std::swap(p.requirements[0], p.requirements[1]);
    EXPECT_EQ(decode_error(p), DecodeError::kNotSorted);
    p.requirements[1] = p.requirements[0];
    EXPECT_EQ(decode_error(p), DecodeError::kDuplicate);
  }
}

TEST(PolicyDecoder, RefusesValuesOutOfRange) {
  const Policy policy = compiled_model();
  auto with = [&](auto change) {
    Policy p = policy;
    change(p);
    return decode_error(p);
  };
  EXPECT_EQ(with([](Policy& p) { p.components[1].memory_bytes = 4097; }), DecodeError::kOutOfRange);
  EXPECT_EQ(with([](Policy& p) { p.components[1].memory_bytes = 0; }), DecodeError::kOutOfRange);
  EXPECT_EQ(with([](Policy& p) { p.components[1].memory_bytes = schema::kMaxMemoryBytes + 4096; }), DecodeError::kOutOfRange);
  EXPECT_EQ(with([](Policy& p) { p.components[1].recs = 0; }), DecodeError::kOutOfRange);
  EXPECT_EQ(with([](Policy& p) { p.components[1].recs = schema::kMaxRecs + 1; }), DecodeError::kOutOfRange);
  EXPECT_EQ(with([](Policy& p) { p.components[1].psci = 0x20; }), DecodeError::kOutOfRange);
  EXPECT_EQ(with([](Policy& p) { p.components[1].measurements[0].digest.push_back(0); }), DecodeError::kOutOfRange);
  EXPECT_EQ(with([](Policy& p) { p.components[1].windows[0].size = 6144; }), DecodeError::kOutOfRange);
  EXPECT_EQ(with([](Policy& p) { p.components[1].windows[1].offset = 0x200800; }), DecodeError::kOutOfRange);
  EXPECT_EQ(with([](Policy& p) { p.components[1].windows[1].offset = schema::kUnprotectedSpan; }), DecodeError::kOutOfRange);
  EXPECT_EQ(with([](Policy& p) { p.components[1].windows[1].offset = 0x80000; }), DecodeError::kBadReference);  // overlap
  EXPECT_EQ(with([](Policy& p) { p.components[1].windows[0].direction = static_cast<WindowDirection>(2); }),
            DecodeError::kOutOfRange);
  EXPECT_EQ(with([](Policy& p) { p.channels[0].size = schema::kMaxChannelBytes + 4096; }), DecodeError::kOutOfRange);
  EXPECT_EQ(with([](Policy& p) { p.components[1].name = "1st"; }), DecodeError::kBadName);
  EXPECT_EQ(with([](Policy& p) { p.components[1].name = ""; }), DecodeError::kBadName);
  EXPECT_EQ(with([](Policy& p) { p.workflow = "has space"; }), DecodeError::kBadName);
  EXPECT_EQ(with([](Policy& p) { p.components[1].measurements.clear(); }), DecodeError::kSchema);
}

TEST(PolicyDecoder, RefusesInconsistentReferences) {
  const Policy policy = compiled_model();
  auto with = [&](auto change) {
    Policy p = policy;
    change(p);
    return decode_error(p);
  };
  EXPECT_EQ(with([](Policy& p) { p.channels[0].writer = 3; }), DecodeError::kBadReference);
  EXPECT_EQ(with([](Policy& p) { p.channels[0].readers = {0, 1}; }), DecodeError::kBadReference);  // writer reads
  EXPECT_EQ(with([](Policy& p) { p.channels[0].readers = {0, 9}; }), DecodeError::kBadReference);
  EXPECT_EQ(with([](Policy& p) { p.channels[0].readers.clear(); }), DecodeError::kSchema);
  EXPECT_EQ(with([](Policy& p) { p.channels[1].readers = {0, 2}; }), DecodeError::kBadReference);  // bidirectional: one reader
  EXPECT_EQ(with([](Policy& p) { std::swap(p.channels[1].writer, p.channels[1].readers[0]); }),
            DecodeError::kBadReference);  // bidirectional pair out of index order
  EXPECT_EQ(with([](Policy& p) { p.gates[0].callee = p.gates[0].caller; }), DecodeError::kBadReference);
  EXPECT_EQ(with([](Policy& p) { p.gates[1].callee = 7; }), DecodeError::kBadReference);
  EXPECT_EQ(with([](Policy& p) { p.requirements[0].from = 0; }), DecodeError::kBadReference);  // audit is `any`
  EXPECT_EQ(with([](Policy& p) { p.requirements[0].to = p.requirements[0].from; }), DecodeError::kBadReference);
  EXPECT_EQ(with([](Policy& p) { p.requirements[0].via = {0}; }), DecodeError::kBadReference);  // the target
  EXPECT_EQ(with([](Policy& p) { p.requirements[0].via = {1}; }), DecodeError::kBadReference);  // the source
}

TEST(PolicyDecoder, RefusesMoreThanItsCapacities) {
  Policy policy = compiled_model();
  {
    Policy p = policy;
    for (int i = 0; i < 7; ++i) {
      Measurement m{HashAlgo::kSha512, std::vector<uint8_t>(64, static_cast<uint8_t>(0xb0 + i))};
      p.components[1].measurements.push_back(m);
    }
    EXPECT_EQ(decode_error(p), DecodeError::kCapacity);  // 9 measurements
    p.components[1].measurements.pop_back();
    EXPECT_EQ(decode_error(p), DecodeError::kNone);  // 8 fit
  }
  {
    Policy p;
    p.workflow = "many";
    for (uint32_t i = 0; i <= mon::kMaxComponents; ++i) {
      Component c;
      char name[8];
      std::snprintf(name, sizeof name, "c%03u", i);
      c.name = name;
      c.any_measurement = true;
      c.memory_bytes = 4096;
      c.recs = 1;
      p.components.push_back(c);
    }
    EXPECT_EQ(decode_error(p), DecodeError::kCapacity);
    p.components.pop_back();
    EXPECT_EQ(decode_error(p), DecodeError::kNone);
  }
}

// Schema violations that the encoder cannot produce, written by hand.
std::vector<uint8_t> raw(const std::function<void(monitor::cbor::Writer&)>& write, bool canonical = true) {
  monitor::cbor::Writer measure(nullptr, 0, canonical);
  write(measure);
  std::vector<uint8_t> out(measure.size());
  monitor::cbor::Writer writer(out.data(), out.size(), canonical);
  write(writer);
  EXPECT_TRUE(writer.finish());
  return out;
}

void top_level(monitor::cbor::Writer& w, uint64_t pairs, uint64_t version) {
  w.write_map(pairs);
  w.write_uint(0);
  w.write_uint(version);
  w.write_uint(1);
  w.write_text("w", 1);
  w.write_uint(2);
  w.write_array(1);
  w.write_map(9);
  w.write_uint(0);
  w.write_text("a", 1);
  w.write_uint(1);
  w.write_null();
  w.write_uint(2);
  w.write_uint(4096);
  w.write_uint(3);
  w.write_uint(1);
  w.write_uint(4);
  w.write_array(0);
  for (uint64_t key = 5; key <= 7; ++key) {
    w.write_uint(key);
    w.write_bool(false);
  }
  w.write_uint(8);
  w.write_uint(0);
  for (uint64_t key = 3; key <= 5; ++key) {
    w.write_uint(key);
    w.write_array(0);
  }
}

TEST(PolicyDecoder, RefusesSchemaViolations) {
  EXPECT_TRUE(decode(raw([](auto& w) { top_level(w, 6, 1); })).result.ok());
  EXPECT_EQ(decode(raw([](auto& w) { top_level(w, 6, 2); })).result.error, DecodeError::kSchema);  // version
  const auto extra = decode(raw([](auto& w) {
    top_level(w, 7, 1);
    w.write_uint(6);
    w.write_uint(0);
  }));
  EXPECT_EQ(extra.result.error, DecodeError::kSchema);  // an unknown key
  EXPECT_EQ(decode(raw([](auto& w) { w.write_array(0); })).result.error, DecodeError::kSchema);
  // A float where the version belongs; indefinite-length maps.
  EXPECT_EQ(decode({0xa6, 0x00, 0xf9, 0x3c, 0x00}).result.error, DecodeError::kCbor);
  EXPECT_EQ(decode({0xbf, 0x00, 0x01, 0xff}).result.error, DecodeError::kCbor);
  EXPECT_EQ(decode({}).result.error, DecodeError::kCbor);
  // Keys out of order: the decoder expects key 0 first, so this is a schema
  // violation before the reader's order check gets to see it.
  const auto unsorted = decode(raw(
      [](auto& w) {
        w.write_map(6);
        w.write_uint(1);
        w.write_text("w", 1);
        w.write_uint(0);
        w.write_uint(1);
        for (uint64_t key = 2; key <= 5; ++key) {
          w.write_uint(key);
          w.write_array(0);
        }
      },
      false));
  EXPECT_EQ(unsorted.result.error, DecodeError::kSchema);
  EXPECT_EQ(unsorted.result.offset, 1u);
  // A duplicate key is refused by the reader wherever it is.
  const auto duplicate = decode({0xa6, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(duplicate.result.error, DecodeError::kCbor);
  EXPECT_EQ(duplicate.result.cbor, monitor::cbor::Error::kDuplicateKey);
}

// Any policy within the capacities fits kMaxPolicyBytes: fill every one of
// them with the longest names and digests.
TEST(PolicyDecoder, TheLargestPolicyFitsTheBlobLimit) {
  Policy p;
  p.workflow = std::string(schema::kMaxNameBytes, 'w');
  auto name = [](char first, uint32_t i) {
    std::string text(schema::kMaxNameBytes, 'x');
    text[0] = first;
    text[schema::kMaxNameBytes - 2] = static_cast<char>('a' + i / 26);
    text[schema::kMaxNameBytes - 1] = static_cast<char>('a' + i % 26);
    return text;
  };
  for (uint32_t i = 0; i < mon::kMaxComponents; ++i) {
    Component c;
    c.name = name('c', i);
    for (uint32_t m = 0; m < mon::kMaxMeasurements; ++m) {
      c.measurements.push_back({HashAlgo::kSha512, std::vector<uint8_t>(64, static_cast<uint8_t>(m))});
    }
    c.memory_bytes = schema::kMaxMemoryBytes;
    c.recs = schema::kMaxRecs;
    for (uint32_t w = 0; w < mon::kMaxWindows; ++w) {
      c.windows.push_back({name('w', w), WindowDirection::kOut, (uint64_t{1} << 40) + w * schema::kMaxWindowBytes,
                           schema::kMaxWindowBytes});
    }
    c.host_calls = c.mmio = c.ripas = true;
    c.psci = schema::kPsciAll;
    p.components.push_back(std::move(c));
  }
  for (uint32_t i = 0; i < mon::kMaxChannels; ++i) {
    Channel ch;
    ch.name = name('k', i);
    ch.writer = 0;
    for (uint32_t r = 1; r < mon::kMaxComponents; ++r) ch.readers.push_back(r);
    ch.size = schema::kMaxChannelBytes;
    p.channels.push_back(std::move(ch));
  }
  for (uint32_t caller = 0; caller < mon::kMaxComponents && p.gates.size() < mon::kMaxGates; ++caller) {
    for (uint32_t callee = 0; callee < mon::kMaxComponents && p.gates.size() < mon::kMaxGates; ++callee) {
      if (callee != caller) p.gates.push_back({caller, callee});
    }
  }
  for (uint32_t i = 0; i < mon::kMaxRequirements; ++i) {
    Requirement r;
    r.from = i % 64;
    if (i >= 64) r.to = (i + 1) % 64;
    for (uint32_t v = 0; v < 64; ++v) {
      if (v != r.from && (!r.to || v != *r.to) && r.via.size() < 62) r.via.push_back(v);
    }
    p.requirements.push_back(std::move(r));
  }
  std::sort(p.requirements.begin(), p.requirements.end(), [](const Requirement& a, const Requirement& b) {
    return encode_compiled(Policy{"w", {}, {}, {}, {a}}) < encode_compiled(Policy{"w", {}, {}, {}, {b}});
  });
  const std::vector<uint8_t> bytes = encode_compiled(p);
  EXPECT_LE(bytes.size(), mon::kMaxPolicyBytes);
  const Decoded decoded = decode(bytes);
  EXPECT_TRUE(decoded.result.ok()) << mon::decode_error_name(decoded.result.error) << " at " << decoded.result.offset;
  EXPECT_EQ(decoded.policy->component_count, mon::kMaxComponents);
  EXPECT_EQ(decoded.policy->channel_count, mon::kMaxChannels);
  EXPECT_EQ(decoded.policy->requirement_count, mon::kMaxRequirements);
  RecordProperty("largest_policy_bytes", static_cast<int>(bytes.size()));
}

}  // namespace
}  // namespace mica::policy
