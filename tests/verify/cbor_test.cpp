// The strict CBOR decoder: what it accepts, and every way it refuses.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "verify/cbor.h"

namespace mica::verify::cbor {
namespace {

Result<Item> decode_hex(const std::string& hex) {
  auto bytes = from_hex(hex);
  if (!bytes) throw std::invalid_argument("bad hex in test: " + hex);
  return decode(*bytes);
}

// Asserts that `hex` is refused and the message mentions `why`.
void expect_refused(const std::string& hex, const std::string& why) {
  auto result = decode_hex(hex);
  ASSERT_FALSE(result.ok()) << hex << " decoded as " << diagnostic(result.value());
  EXPECT_NE(result.error().message.find(why), std::string::npos)
      << hex << ": message \"" << result.error().message << "\" does not mention \"" << why << "\"";
}

TEST(CborDecode, DecodesEveryKind) {
  auto item = decode_hex("a6" "00" "1903e8" "20" "3903e7" "42cafe" "6161" "63" "616263"
                         "82f5f6" "d2" "a0" "f93c00" "01" "fb3ff8000000000000");
  ASSERT_TRUE(item.ok()) << item.error().message;
  EXPECT_EQ(diagnostic(item.value()),
            "{0: 1000, -1: -1000, h'cafe': \"a\", \"abc\": [true, null], 18({}): 1.0, 1: 1.5}");
}

TEST(CborDecode, DiagnosticOfUnevenMapFailsCleanly) {
  // 6 entries declared, fewer present: truncated.
  expect_refused("a6" "00" "01", "truncated");
}

TEST(CborDecode, IntegersAtTheEdges) {
  auto max = decode_hex("1bffffffffffffffff");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->kind(), Item::Kind::kUnsigned);
  EXPECT_EQ(max->argument(), ~uint64_t{0});
  EXPECT_FALSE(max->to_int64().has_value());
  auto min = decode_hex("3bffffffffffffffff");
  ASSERT_TRUE(min.ok());
  EXPECT_EQ(diagnostic(min.value()), "-18446744073709551616");
  auto int64_min = decode_hex("3b7fffffffffffffff");
  ASSERT_TRUE(int64_min.ok());
  EXPECT_EQ(int64_min->to_int64(), std::numeric_limits<int64_t>::min());
}

TEST(CborDecode, AcceptsIntegerHeadsNotInShortestForm) {
  auto item = decode_hex("1a00000001");
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->to_int64(), 1);
}

TEST(CborDecode, HalfFloats) {
  auto item = decode_hex("83f93e00f9fc00f90001");
  ASSERT_TRUE(item.ok());
  const auto& values = item->array_items();
  EXPECT_DOUBLE_EQ(values[0].float_value(), 1.5);
  EXPECT_TRUE(std::isinf(values[1].float_value()) && values[1].float_value() < 0);
  EXPECT_DOUBLE_EQ(values[2].float_value(), 5.960464477539063e-8);
}

TEST(CborDecode, RefusesEmptyAndTruncatedInput) {
  expect_refused("", "truncated");
  expect_refused("19", "truncated");              // head missing its 2 bytes
  expect_refused("1a0000", "truncated");
  expect_refused("4401", "exceeds");              // 4-byte string, 1 byte present
  expect_refused("8201", "truncated");            // array of 2, one element
  expect_refused("a101", "truncated");            // map entry without its value
  expect_refused("d2", "truncated");              // tag without content
  expect_refused("f9", "truncated");
}

TEST(CborDecode, RefusesTrailingBytes) { expect_refused("0000", "trailing"); }

TEST(CborDecode, RefusesIndefiniteLengths) {
  for (const char* hex : {"5f4101ff", "7f6161ff", "9f01ff", "bf0101ff", "1f", "3f", "df00"}) {
    expect_refused(hex, "indefinite");
  }
  expect_refused("ff", "break");
}

TEST(CborDecode, RefusesReservedAdditionalInformation) {
  for (const char* hex : {"1c", "3d", "5e", "7c", "9d", "be", "dc", "fc"}) expect_refused(hex, "reserved");
}

TEST(CborDecode, RefusesAbsurdLengthsBeforeAllocating) {
  // Lengths near 2^64 must be rejected by comparison with the input size,
  // not by an allocation failure (ASan would flag a huge allocation).
  expect_refused("5bffffffffffffffff00", "exceeds");
  expect_refused("7b7fffffffffffffff00", "exceeds");
  expect_refused("9bffffffffffffffff00", "cannot fit");
  expect_refused("bbffffffffffffffff0000", "cannot fit");
  expect_refused("9a0000000201", "cannot fit");  // 2 elements, 1 byte left
  expect_refused("a2000000", "cannot fit");      // 2 entries need at least 4 bytes
}

TEST(CborDecode, RefusesDuplicateMapKeys) {
  expect_refused("a2010101" "02", "duplicate map key 1");
  expect_refused("a2616101616102", "duplicate map key \"a\"");
  // Same value, different encodings: still a duplicate.
  expect_refused("a201001801" "00", "duplicate map key 1");
  expect_refused("a2" "420102" "00" "420102" "01", "duplicate map key h'0102'");
}

TEST(CborDecode, RefusesDuplicateKeysNestedInAnArray) { expect_refused("81a2393e8800393e8800", "duplicate map key -16009"); }

TEST(CborDecode, DistinctKeysOfDifferentKindsAreNotDuplicates) {
  // 1, -1, "1" and h'31' are four different keys.
  auto ok = decode_hex("a4" "0100" "2000" "613100" "413100");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->map_entries().size(), 4u);
}

TEST(CborDecode, RefusesInvalidUtf8) {
  expect_refused("62c328", "UTF-8");    // bad continuation byte
  expect_refused("62c080", "UTF-8");    // overlong NUL
  expect_refused("63eda080", "UTF-8");  // surrogate
  expect_refused("64f4908080", "UTF-8");  // above U+10FFFF
  auto ok = decode_hex("64f09f9880");   // U+1F600
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->text_value(), "\xF0\x9F\x98\x80");
}

TEST(CborDecode, RefusesDeepNesting) {
  std::string deep(2 * 40, '8');
  for (size_t i = 1; i < deep.size(); i += 2) deep[i] = '1';  // 0x81 repeated: [[[[...]]]]
  expect_refused(deep + "00", "nesting deeper than 32");
  std::string fine(2 * 31, '8');
  for (size_t i = 1; i < fine.size(); i += 2) fine[i] = '1';
  EXPECT_TRUE(decode_hex(fine + "00").ok());
}

TEST(CborDecode, RefusesTwoByteSimpleValuesBelow32) {
  expect_refused("f810", "simple value 16");
  auto ok = decode_hex("f820");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(diagnostic(ok.value()), "simple(32)");
}

TEST(CborEncode, ShortestHeadsAndRoundTrip) {
  Writer w;
  w.array_header(7).unsigned_int(23).unsigned_int(24).unsigned_int(0x100).unsigned_int(0x10000).integer(-1)
      .integer(std::numeric_limits<int64_t>::min()).text("Signature1");
  EXPECT_EQ(to_hex(w.data()), "87" "17" "1818" "190100" "1a00010000" "20" "3b7fffffffffffffff" "6a5369676e617475726531");
  auto back = decode(w.data());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(encode(back.value()), w.data());
}

TEST(CborEncode, ItemRoundTripPreservesOrderAndTags) {
  Item original = Item::tag(907, Item::map({{Item::integer(44234), Item::array({Item::unsigned_int(263), Item::bytes(Bytes{1, 2})})},
                                            {Item::text("k"), Item::floating(-2.5)},
                                            {Item::integer(-7), Item::boolean(false)}}));
  Bytes encoded = encode(original);
  auto decoded = decode(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded.value(), original);
  EXPECT_EQ(diagnostic(decoded.value()), "907({44234: [263, h'0102'], \"k\": -2.5, -7: false})");
}

TEST(CborItem, FindAndAccessors) {
  Item map = Item::map({{Item::integer(-35), Item::text("x")}, {Item::text("a"), Item::unsigned_int(3)}});
  ASSERT_NE(map.find(-35), nullptr);
  EXPECT_EQ(map.find(-35)->text_value(), "x");
  EXPECT_EQ(map.find("a")->argument(), 3u);
  EXPECT_EQ(map.find(35), nullptr);
  EXPECT_EQ(Item::unsigned_int(1).find(1), nullptr);
  EXPECT_THROW((void)map.bytes_value(), std::logic_error);
}

TEST(Hex, RoundTripAndRejects) {
  EXPECT_EQ(to_hex(Bytes{0x00, 0xab, 0xFF}), "00abff");
  EXPECT_EQ(from_hex("00ABff"), (Bytes{0x00, 0xab, 0xff}));
  EXPECT_FALSE(from_hex("abc").has_value());
  EXPECT_FALSE(from_hex("zz").has_value());
}

}  // namespace
}  // namespace mica::verify::cbor
