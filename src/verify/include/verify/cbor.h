// A strict CBOR (RFC 8949) decoder and a definite-length encoder.
//
// The decoder is deliberately independent of the monitor's heap-free CBOR
// code: tokens the monitor encodes are read back by a second implementation.
// It accepts only what an attestation token needs and refuses, with the byte
// offset, everything else a hostile input could use:
//   * truncated input and bytes after the top-level item,
//   * indefinite lengths and the reserved head values 28..30,
//   * lengths or element counts larger than the bytes left (checked before
//     anything is allocated, so a declared length never sizes an allocation),
//   * duplicate map keys (compared by value, not by encoding),
//   * text strings that are not valid UTF-8,
//   * nesting deeper than a fixed bound.
// Integer heads need not be in shortest form (that is still well-formed
// CBOR and signatures cover the bytes as sent).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "verify/result.h"

namespace mica::verify::cbor {

using Bytes = std::vector<uint8_t>;

class Item {
 public:
  enum class Kind : uint8_t {
    kUnsigned,  // major type 0
    kNegative,  // major type 1: the value is -1 - argument()
    kBytes,
    kText,
    kArray,
    kMap,
    kTag,
    kSimple,  // false (20), true (21), null (22), undefined (23), other simple values
    kFloat,
  };
  using Entry = std::pair<Item, Item>;

  static constexpr uint8_t kFalse = 20, kTrue = 21, kNull = 22, kUndefined = 23;

  Item() = default;  // the unsigned integer 0
  static Item unsigned_int(uint64_t value);
  static Item negative(uint64_t n);  // the integer -1 - n
  static Item integer(int64_t value);
  static Item bytes(Bytes value);
  static Item bytes(std::span<const uint8_t> value) { return bytes(Bytes(value.begin(), value.end())); }
  static Item text(std::string value);
  static Item array(std::vector<Item> items);
  static Item map(std::vector<Entry> entries);
  static Item tag(uint64_t number, Item content);
  static Item simple(uint8_t value);
  static Item boolean(bool value) { return simple(value ? kTrue : kFalse); }
  static Item null() { return simple(kNull); }
  static Item floating(double value);

  Kind kind() const { return kind_; }
  bool is_integer() const { return kind_ == Kind::kUnsigned || kind_ == Kind::kNegative; }
  bool is_bytes() const { return kind_ == Kind::kBytes; }
  bool is_text() const { return kind_ == Kind::kText; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_map() const { return kind_ == Kind::kMap; }
  bool is_tag() const { return kind_ == Kind::kTag; }
  bool is_bool() const { return kind_ == Kind::kSimple && (argument_ == kFalse || argument_ == kTrue); }

  // The head's argument: the unsigned value, n of a negative integer -1-n,
  // the tag number, or the simple value.
  uint64_t argument() const { return argument_; }
  // The integer if it fits in int64_t.
  std::optional<int64_t> to_int64() const;

  // Accessors; each throws std::logic_error when called on another kind.
  const Bytes& bytes_value() const;
  const std::string& text_value() const;
  const std::vector<Item>& array_items() const;
  const std::vector<Entry>& map_entries() const;
  uint64_t tag_number() const;
  const Item& tag_content() const;
  double float_value() const;
  bool bool_value() const;

  // Map lookup; nullptr when this is not a map or the key is absent.
  const Item* find(int64_t key) const;
  const Item* find(std::string_view key) const;

  // A total order by value (kind first), used to find duplicate map keys.
  friend std::strong_ordering operator<=>(const Item& a, const Item& b);
  friend bool operator==(const Item& a, const Item& b) { return (a <=> b) == 0; }

 private:
  Kind kind_ = Kind::kUnsigned;
  uint64_t argument_ = 0;
  double float_ = 0;
  Bytes bytes_;
  std::string text_;
  std::vector<Item> items_;  // array elements, or the tag content as the only element
  std::vector<Entry> entries_;
};

struct DecodeLimits {
  size_t max_depth = 32;  // arrays, maps and tags nested deeper are refused
};

// Decodes exactly one data item that spans the whole input.
Result<Item> decode(std::span<const uint8_t> input, DecodeLimits limits = {});

// Definite-length, shortest-form encoder.
class Writer {
 public:
  Writer& unsigned_int(uint64_t value);
  Writer& negative(uint64_t n);  // -1 - n
  Writer& integer(int64_t value);
  Writer& bytes(std::span<const uint8_t> value);
  Writer& text(std::string_view value);
  Writer& array_header(uint64_t count);
  Writer& map_header(uint64_t count);
  Writer& tag(uint64_t number);
  Writer& boolean(bool value);
  Writer& null();
  Writer& simple(uint8_t value);
  Writer& floating(double value);  // always as a 64-bit float
  // Appends bytes that already are one encoded item (e.g. a nested token).
  Writer& raw(std::span<const uint8_t> encoded);
  Writer& item(const Item& value);

  const Bytes& data() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  void head(uint8_t major, uint64_t argument);
  Bytes out_;
};

Bytes encode(const Item& value);

// RFC 8949 §8 diagnostic notation, for humans (mica inspect).
std::string diagnostic(const Item& value);

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates).
bool is_valid_utf8(std::string_view text);

std::string to_hex(std::span<const uint8_t> data);
// The first `max_bytes` of `data` in hex, then "..." if there were more
// (digests and keys in messages for people).
std::string to_hex(std::span<const uint8_t> data, size_t max_bytes);
// Parses an even-length hex string (upper or lower case); nullopt otherwise.
std::optional<Bytes> from_hex(std::string_view hex);

}  // namespace mica::verify::cbor
