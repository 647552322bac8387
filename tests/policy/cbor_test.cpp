// The monitor's CBOR reader and canonical writer: RFC 8949 Appendix A
// vectors (the supported subset), and every refusal the reader promises.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cbor/reader.h"
#include "cbor/writer.h"

namespace mica::monitor::cbor {
namespace {

std::vector<uint8_t> hex(const std::string& text) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < text.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16)));
  return out;
}

template <class Write>
std::vector<uint8_t> encode(Write write, bool canonical = true) {
  Writer measure(nullptr, 0, canonical);
  write(measure);
  EXPECT_TRUE(measure.finish()) << error_name(measure.error());
  std::vector<uint8_t> out(measure.size());
  Writer writer(out.data(), out.size(), canonical);
  write(writer);
  EXPECT_TRUE(writer.finish()) << error_name(writer.error());
  return out;
}

// Skips one item and requires the whole input to be exactly that item.
Error check(const std::vector<uint8_t>& bytes, Limits limits = {}) {
  Reader reader(bytes.data(), bytes.size(), limits);
  if (reader.skip() && reader.finish()) return Error::kNone;
  return reader.error();
}

struct UintVector {
  uint64_t value;
  const char* encoding;
};

TEST(Cbor, UnsignedIntegersOfAppendixA) {
  const UintVector vectors[] = {{0, "00"},         {1, "01"},         {10, "0a"},
                                {23, "17"},        {24, "1818"},      {25, "1819"},
                                {100, "1864"},     {1000, "1903e8"},  {1000000, "1a000f4240"},
                                {1000000000000, "1b000000e8d4a51000"}, {UINT64_MAX, "1bffffffffffffffff"}};
  for (const UintVector& v : vectors) {
    EXPECT_EQ(encode([&](Writer& w) { w.write_uint(v.value); }), hex(v.encoding)) << v.value;
    const std::vector<uint8_t> bytes = hex(v.encoding);
    Reader reader(bytes.data(), bytes.size());
    uint64_t decoded = 0;
    ASSERT_TRUE(reader.read_uint(decoded));
    EXPECT_TRUE(reader.finish());
    EXPECT_EQ(decoded, v.value);
  }
}

TEST(Cbor, NegativeIntegersOfAppendixA) {
  EXPECT_EQ(encode([](Writer& w) { w.write_int(-1); }), hex("20"));
  EXPECT_EQ(encode([](Writer& w) { w.write_int(-10); }), hex("29"));
  EXPECT_EQ(encode([](Writer& w) { w.write_int(-100); }), hex("3863"));
  EXPECT_EQ(encode([](Writer& w) { w.write_int(-1000); }), hex("3903e7"));
  EXPECT_EQ(encode([](Writer& w) { w.write_nint(UINT64_MAX); }), hex("3bffffffffffffffff"));
  EXPECT_EQ(encode([](Writer& w) { w.write_int(INT64_MIN); }), hex("3b7fffffffffffffff"));

  const std::vector<uint8_t> minus_1000 = hex("3903e7");
  Reader reader(minus_1000.data(), minus_1000.size());
  int64_t value = 0;
  ASSERT_TRUE(reader.read_int(value));
  EXPECT_EQ(value, -1000);

  const std::vector<uint8_t> too_negative = hex("3b8000000000000000");  // -2^63 - 1
  Reader out_of_range(too_negative.data(), too_negative.size());
  EXPECT_FALSE(out_of_range.read_int(value));
  EXPECT_EQ(out_of_range.error(), Error::kOutOfRange);
  uint64_t n = 0;
  Reader raw(too_negative.data(), too_negative.size());
  ASSERT_TRUE(raw.read_nint(n));
  EXPECT_EQ(n, uint64_t{1} << 63);
}

TEST(Cbor, SimpleValuesOfAppendixA) {
  EXPECT_EQ(encode([](Writer& w) { w.write_bool(false); }), hex("f4"));
  EXPECT_EQ(encode([](Writer& w) { w.write_bool(true); }), hex("f5"));
  EXPECT_EQ(encode([](Writer& w) { w.write_null(); }), hex("f6"));
  EXPECT_EQ(encode([](Writer& w) { w.write_simple(kSimpleUndefined); }), hex("f7"));
  EXPECT_EQ(encode([](Writer& w) { w.write_simple(16); }), hex("f0"));
  EXPECT_EQ(encode([](Writer& w) { w.write_simple(255); }), hex("f8ff"));
  Writer writer(nullptr, 0);
  EXPECT_FALSE(writer.write_simple(24));
  EXPECT_EQ(writer.error(), Error::kBadSimpleValue);

  const std::vector<uint8_t> bytes = hex("f8ff");
  Reader reader(bytes.data(), bytes.size());
  uint8_t simple = 0;
  ASSERT_TRUE(reader.read_simple(simple));
  EXPECT_EQ(simple, 255);
}

TEST(Cbor, StringsOfAppendixA) {
  EXPECT_EQ(encode([](Writer& w) { w.write_bytes(nullptr, 0); }), hex("40"));
  const uint8_t four[] = {1, 2, 3, 4};
  EXPECT_EQ(encode([&](Writer& w) { w.write_bytes(four, 4); }), hex("4401020304"));
  EXPECT_EQ(encode([](Writer& w) { w.write_text("", 0); }), hex("60"));
  EXPECT_EQ(encode([](Writer& w) { w.write_text("IETF", 4); }), hex("6449455446"));
  EXPECT_EQ(encode([](Writer& w) { w.write_text("\"\\", 2); }), hex("62225c"));
  EXPECT_EQ(encode([](Writer& w) { w.write_text("\xc3\xbc", 2); }), hex("62c3bc"));
  EXPECT_EQ(encode([](Writer& w) { w.write_text("\xe6\xb0\xb4", 3); }), hex("63e6b0b4"));
  EXPECT_EQ(encode([](Writer& w) { w.write_text("\xf0\x90\x85\x91", 4); }), hex("64f0908591"));

  const std::vector<uint8_t> bytes = hex("6449455446");
  Reader reader(bytes.data(), bytes.size());
  ByteView text;
  ASSERT_TRUE(reader.read_text(text));
  EXPECT_TRUE(equal_bytes(text, "IETF", 4));
  EXPECT_TRUE(reader.finish());
}

TEST(Cbor, ContainersAndTagsOfAppendixA) {
  EXPECT_EQ(encode([](Writer& w) { w.write_array(0); }), hex("80"));
  EXPECT_EQ(encode([](Writer& w) {
              w.write_array(3);
              w.write_uint(1);
              w.write_uint(2);
              w.write_uint(3);
            }),
            hex("83010203"));
  EXPECT_EQ(encode([](Writer& w) {
              w.write_array(3);
              w.write_uint(1);
              w.write_array(2);
              w.write_uint(2);
              w.write_uint(3);
              w.write_array(2);
              w.write_uint(4);
              w.write_uint(5);
            }),
            hex("8301820203820405"));
  EXPECT_EQ(encode([](Writer& w) {
              w.write_array(25);
              for (uint64_t i = 1; i <= 25; ++i) w.write_uint(i);
            }),
            hex("98190102030405060708090a0b0c0d0e0f101112131415161718181819"));
  EXPECT_EQ(encode([](Writer& w) { w.write_map(0); }), hex("a0"));
  EXPECT_EQ(encode([](Writer& w) {
              w.write_map(2);
              w.write_uint(1);
              w.write_uint(2);
              w.write_uint(3);
              w.write_uint(4);
            }),
            hex("a201020304"));
  EXPECT_EQ(encode([](Writer& w) {
              w.write_map(2);
              w.write_text("a", 1);
              w.write_uint(1);
              w.write_text("b", 1);
              w.write_array(2);
              w.write_uint(2);
              w.write_uint(3);
            }),
            hex("a26161016162820203"));
  EXPECT_EQ(encode([](Writer& w) {
              w.write_array(2);
              w.write_text("a", 1);
              w.write_map(1);
              w.write_text("b", 1);
              w.write_text("c", 1);
            }),
            hex("826161a161626163"));
  EXPECT_EQ(encode([](Writer& w) {
              w.write_tag(1);
              w.write_uint(1363896240);
            }),
            hex("c11a514b67b0"));
  EXPECT_EQ(encode([](Writer& w) {
              w.write_tag(0);
              w.write_text("2013-03-21T20:04:00Z", 20);
            }),
            hex("c074323031332d30332d32315432303a30343a30305a"));

  // Reading them back: tags, nesting and skip().
  const std::vector<uint8_t> nested = hex("a26161016162820203");
  Reader reader(nested.data(), nested.size());
  uint64_t pairs = 0;
  ASSERT_TRUE(reader.read_map(pairs));
  EXPECT_EQ(pairs, 2u);
  ByteView key;
  ASSERT_TRUE(reader.read_text(key));
  ASSERT_TRUE(reader.skip());
  ASSERT_TRUE(reader.read_text(key));
  EXPECT_EQ(reader.depth(), 1u);
  ASSERT_TRUE(reader.skip());  // the whole [2, 3]
  EXPECT_EQ(reader.depth(), 0u);
  EXPECT_TRUE(reader.finish());

  const std::vector<uint8_t> tagged = hex("c11a514b67b0");
  Reader tag_reader(tagged.data(), tagged.size());
  uint64_t tag = 0;
  uint64_t value = 0;
  ASSERT_TRUE(tag_reader.read_tag(tag));
  ASSERT_TRUE(tag_reader.read_uint(value));
  EXPECT_EQ(tag, 1u);
  EXPECT_EQ(value, 1363896240u);
  EXPECT_TRUE(tag_reader.finish());
}

TEST(Cbor, RefusesMalformedInput) {
  EXPECT_EQ(check(hex("1817")), Error::kNonShortestHead);  // 23 in a one-byte argument
  EXPECT_EQ(check(hex("190017")), Error::kNonShortestHead);
  EXPECT_EQ(check(hex("1a0000ffff")), Error::kNonShortestHead);
  EXPECT_EQ(check(hex("1b00000000ffffffff")), Error::kNonShortestHead);
  EXPECT_EQ(check(hex("5801ff")), Error::kNonShortestHead);  // length 1 in a long head
  EXPECT_EQ(check(hex("9f01ff")), Error::kIndefiniteLength);
  EXPECT_EQ(check(hex("5f4101ff")), Error::kIndefiniteLength);
  EXPECT_EQ(check(hex("ff")), Error::kIndefiniteLength);  // a lone "break"
  EXPECT_EQ(check(hex("1c")), Error::kReservedHead);
  EXPECT_EQ(check(hex("1a0000")), Error::kTruncated);
  EXPECT_EQ(check(hex("4401")), Error::kTruncated);
  EXPECT_EQ(check(hex("8301")), Error::kTruncated);
  EXPECT_EQ(check(hex("0000")), Error::kTrailingBytes);
  EXPECT_EQ(check(hex("f93c00")), Error::kUnsupported);  // half-precision 1.0
  EXPECT_EQ(check(hex("f818")), Error::kBadSimpleValue);
  EXPECT_EQ(check(hex("62c328")), Error::kInvalidUtf8);
  EXPECT_EQ(check(hex("63eda080")), Error::kInvalidUtf8);  // a surrogate
  EXPECT_EQ(check(hex("62c0af")), Error::kInvalidUtf8);    // an overlong '/'
  EXPECT_EQ(check({}), Error::kTruncated);
}

TEST(Cbor, RefusesAbsurdLengthsBeforeLookingAtThem) {
  // A 2^64-1 element array or byte string in a 9-byte input.
  EXPECT_EQ(check(hex("9bffffffffffffffff")), Error::kTooLong);
  EXPECT_EQ(check(hex("5bffffffffffffffff")), Error::kTooLong);
  Limits generous;
  generous.max_container_items = UINT64_MAX;
  generous.max_string_bytes = UINT64_MAX;
  EXPECT_EQ(check(hex("9bffffffffffffffff"), generous), Error::kTruncated);
  EXPECT_EQ(check(hex("bbffffffffffffffff"), generous), Error::kTruncated);
  EXPECT_EQ(check(hex("5bffffffffffffffff"), generous), Error::kTruncated);
  Limits small;
  small.max_string_bytes = 3;
  EXPECT_EQ(check(hex("6449455446"), small), Error::kTooLong);
  small.max_container_items = 2;
  EXPECT_EQ(check(hex("83010203"), small), Error::kTooLong);
}

TEST(Cbor, RefusesNestingBeyondTheDepthLimit) {
  std::vector<uint8_t> deep(kMaxDepth + 1, 0x81);  // [[[[...0...]]]]
  deep.push_back(0x00);
  EXPECT_EQ(check(deep), Error::kTooDeep);
  std::vector<uint8_t> fits(kMaxDepth, 0x81);
  fits.push_back(0x00);
  EXPECT_EQ(check(fits), Error::kNone);
  Limits shallow;
  shallow.max_depth = 2;
  EXPECT_EQ(check(hex("8181810a"), shallow), Error::kTooDeep);
  EXPECT_EQ(check(hex("81810a"), shallow), Error::kNone);
  // Tags do not nest containers and need no depth.
  EXPECT_EQ(check(hex("c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c100")), Error::kNone);
}

TEST(Cbor, CanonicalModeRefusesUnsortedKeys) {
  const std::vector<uint8_t> unsorted = hex("a202010101");  // {2: 1, 1: 1}
  EXPECT_EQ(check(unsorted), Error::kUnsortedKeys);
  Limits relaxed;
  relaxed.canonical = false;
  EXPECT_EQ(check(unsorted, relaxed), Error::kNone);
  // Bytewise order of encodings: 10 (0x0a) < 100 (0x1864) < -1 (0x20) < "z" < "aa" < [].
  EXPECT_EQ(check(hex("a6" "0a00" "186400" "2000" "617a00" "62616100" "8000")), Error::kNone);
  EXPECT_EQ(check(hex("a6" "186400" "0a00" "2000" "617a00" "62616100" "8000")), Error::kUnsortedKeys);
  // "aa" before "z" is lexicographic order of the text, not of the encodings (length first).
  EXPECT_EQ(check(hex("a262616100617a00")), Error::kUnsortedKeys);
  EXPECT_EQ(check(hex("a262616100617a00"), relaxed), Error::kNone);
}

TEST(Cbor, RefusesDuplicateKeysInEveryMode) {
  const std::vector<uint8_t> duplicate = hex("a201010102");  // {1: 1, 1: 2}
  EXPECT_EQ(check(duplicate), Error::kDuplicateKey);
  Limits relaxed;
  relaxed.canonical = false;
  EXPECT_EQ(check(duplicate, relaxed), Error::kDuplicateKey);
  // Unsorted, and the duplicate is not next to its twin: {"b": 0, "a": 0, "b": 1}.
  EXPECT_EQ(check(hex("a3616200616100616201"), relaxed), Error::kDuplicateKey);
  // Complex keys compare by encoding: {[1]: 0, [2]: 0, [1]: 1}.
  EXPECT_EQ(check(hex("a3810100810200810101"), relaxed), Error::kDuplicateKey);
  EXPECT_EQ(check(hex("a2810100810200"), relaxed), Error::kNone);
  // Nested maps keep their own keys: {1: {1: 0}, 2: {1: 0}}.
  EXPECT_EQ(check(hex("a201a1010002a10100")), Error::kNone);
}

TEST(Cbor, ReaderStopsAtTheFirstErrorAndReportsWhere) {
  const std::vector<uint8_t> bytes = hex("8201f93c00");
  Reader reader(bytes.data(), bytes.size());
  uint64_t count = 0;
  uint64_t value = 0;
  ASSERT_TRUE(reader.read_array(count));
  ASSERT_TRUE(reader.read_uint(value));
  EXPECT_FALSE(reader.read_uint(value));
  EXPECT_EQ(reader.error(), Error::kUnsupported);
  EXPECT_EQ(reader.error_offset(), 2u);
  EXPECT_FALSE(reader.read_uint(value));  // sticky
  EXPECT_FALSE(reader.finish());

  const std::vector<uint8_t> text = hex("6161");
  Reader mismatch(text.data(), text.size());
  EXPECT_FALSE(mismatch.read_uint(value));
  EXPECT_EQ(mismatch.error(), Error::kTypeMismatch);
  EXPECT_EQ(mismatch.offset(), 0u);  // nothing consumed

  const std::vector<uint8_t> unfinished = hex("820102");
  Reader partial(unfinished.data(), unfinished.size());
  ASSERT_TRUE(partial.read_array(count));
  ASSERT_TRUE(partial.read_uint(value));
  EXPECT_EQ(partial.remaining(), 1u);
  EXPECT_FALSE(partial.finish());
  EXPECT_EQ(partial.error(), Error::kMisuse);
}

TEST(Cbor, CanonicalWriterRefusesKeysOutOfOrder) {
  std::vector<uint8_t> buffer(32);
  Writer unsorted(buffer.data(), buffer.size());
  unsorted.write_map(2);
  unsorted.write_uint(2);
  unsorted.write_uint(0);
  EXPECT_FALSE(unsorted.write_uint(1));
  EXPECT_EQ(unsorted.error(), Error::kUnsortedKeys);

  Writer duplicate(buffer.data(), buffer.size());
  duplicate.write_map(2);
  duplicate.write_text("k", 1);
  duplicate.write_uint(0);
  EXPECT_FALSE(duplicate.write_text("k", 1));
  EXPECT_EQ(duplicate.error(), Error::kDuplicateKey);

  Writer relaxed(buffer.data(), buffer.size(), false);
  relaxed.write_map(2);
  relaxed.write_uint(2);
  relaxed.write_uint(0);
  relaxed.write_uint(1);
  relaxed.write_uint(0);
  EXPECT_TRUE(relaxed.finish());
}

TEST(Cbor, WriterCountsItemsItWasPromised) {
  std::vector<uint8_t> buffer(32);
  Writer short_array(buffer.data(), buffer.size());
  short_array.write_array(2);
  short_array.write_uint(1);
  EXPECT_FALSE(short_array.finish());
  EXPECT_EQ(short_array.error(), Error::kMisuse);

  Writer extra(buffer.data(), buffer.size());
  extra.write_uint(1);
  EXPECT_FALSE(extra.write_uint(2));  // a second top-level item
  EXPECT_EQ(extra.error(), Error::kMisuse);

  Writer bad_text(buffer.data(), buffer.size());
  EXPECT_FALSE(bad_text.write_text("\xff", 1));
  EXPECT_EQ(bad_text.error(), Error::kInvalidUtf8);
}

TEST(Cbor, WriterReportsTheSizeItNeedsWhenTheBufferIsTooSmall) {
  const std::string text(100, 'x');
  std::vector<uint8_t> buffer(10, 0xEE);
  Writer writer(buffer.data(), buffer.size());
  writer.write_array(2);
  writer.write_text(text.data(), text.size());
  writer.write_uint(1);
  EXPECT_FALSE(writer.finish());
  EXPECT_EQ(writer.error(), Error::kBufferFull);
  EXPECT_EQ(writer.size(), 1u + 2u + 100u + 1u);
  EXPECT_EQ(buffer[0], 0x82);  // what fit was written
  EXPECT_EQ(buffer[1], 0x78);
}

TEST(Cbor, WriterOutputReadsBackExactly) {
  const std::vector<uint8_t> bytes = encode([](Writer& w) {
    w.write_map(3);
    w.write_uint(0);
    w.write_tag(55799);
    w.write_array(2);
    w.write_int(-5);
    w.write_bytes(reinterpret_cast<const uint8_t*>("ab"), 2);
    w.write_uint(1);
    w.write_null();
    w.write_text("k", 1);
    w.write_bool(true);
  });
  Reader reader(bytes.data(), bytes.size());
  uint64_t pairs = 0, key = 0, tag = 0, count = 0;
  int64_t number = 0;
  ByteView view;
  bool flag = false;
  ASSERT_TRUE(reader.read_map(pairs));
  ASSERT_TRUE(reader.read_uint(key));
  ASSERT_TRUE(reader.read_tag(tag));
  ASSERT_TRUE(reader.read_array(count));
  ASSERT_TRUE(reader.read_int(number));
  ASSERT_TRUE(reader.read_bytes(view));
  ASSERT_TRUE(reader.read_uint(key));
  ASSERT_TRUE(reader.read_null());
  ASSERT_TRUE(reader.read_text(view));
  ASSERT_TRUE(reader.read_bool(flag));
  EXPECT_TRUE(reader.finish());
  EXPECT_EQ(pairs, 3u);
  EXPECT_EQ(tag, 55799u);
  EXPECT_EQ(number, -5);
  EXPECT_TRUE(flag);
}

}  // namespace
}  // namespace mica::monitor::cbor
