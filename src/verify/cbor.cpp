#include "verify/cbor.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>
#include <stdexcept>

namespace mica::verify::cbor {

// --- Item -------------------------------------------------------------------

Item Item::unsigned_int(uint64_t value) {
  Item item;
  item.kind_ = Kind::kUnsigned;
  item.argument_ = value;
  return item;
}

Item Item::negative(uint64_t n) {
  Item item;
  item.kind_ = Kind::kNegative;
  item.argument_ = n;
  return item;
}

Item Item::integer(int64_t value) {
  if (value >= 0) return unsigned_int(static_cast<uint64_t>(value));
  // -1 - value, computed without overflow for INT64_MIN.
  return negative(~static_cast<uint64_t>(value));
}

Item Item::bytes(Bytes value) {
  Item item;
  item.kind_ = Kind::kBytes;
  item.bytes_ = std::move(value);
  return item;
}

Item Item::text(std::string value) {
  Item item;
  item.kind_ = Kind::kText;
  item.text_ = std::move(value);
  return item;
}

Item Item::array(std::vector<Item> items) {
  Item item;
  item.kind_ = Kind::kArray;
  item.items_ = std::move(items);
  return item;
}

Item Item::map(std::vector<Entry> entries) {
  Item item;
  item.kind_ = Kind::kMap;
  item.entries_ = std::move(entries);
  return item;
}

Item Item::tag(uint64_t number, Item content) {
  Item item;
  item.kind_ = Kind::kTag;
  item.argument_ = number;
  item.items_.push_back(std::move(content));
  return item;
}

Item Item::simple(uint8_t value) {
  Item item;
  item.kind_ = Kind::kSimple;
  item.argument_ = value;
  return item;
}

Item Item::floating(double value) {
  Item item;
  item.kind_ = Kind::kFloat;
  item.float_ = value;
  return item;
}

std::optional<int64_t> Item::to_int64() const {
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (kind_ == Kind::kUnsigned && argument_ <= kMax) return static_cast<int64_t>(argument_);
  if (kind_ == Kind::kNegative && argument_ <= kMax) return -1 - static_cast<int64_t>(argument_);
  return std::nullopt;
}

namespace {
[[noreturn]] void wrong_kind(const char* wanted) {
  throw std::logic_error(std::string("cbor::Item accessed as ") + wanted + " but it is not one");
}
}  // namespace

const Bytes& Item::bytes_value() const {
  if (kind_ != Kind::kBytes) wrong_kind("a byte string");
  return bytes_;
}
const std::string& Item::text_value() const {
  if (kind_ != Kind::kText) wrong_kind("a text string");
  return text_;
}
const std::vector<Item>& Item::array_items() const {
  if (kind_ != Kind::kArray) wrong_kind("an array");
  return items_;
}
const std::vector<Item::Entry>& Item::map_entries() const {
  if (kind_ != Kind::kMap) wrong_kind("a map");
  return entries_;
}
uint64_t Item::tag_number() const {
  if (kind_ != Kind::kTag) wrong_kind("a tag");
  return argument_;
}
const Item& Item::tag_content() const {
  if (kind_ != Kind::kTag) wrong_kind("a tag");
  return items_.front();
}
double Item::float_value() const {
  if (kind_ != Kind::kFloat) wrong_kind("a float");
  return float_;
}
bool Item::bool_value() const {
  if (!is_bool()) wrong_kind("a boolean");
  return argument_ == kTrue;
}

const Item* Item::find(int64_t key) const {
  if (kind_ != Kind::kMap) return nullptr;
  for (const auto& [k, v] : entries_) {
    if (k.is_integer() && k.to_int64() == key) return &v;
  }
  return nullptr;
}

const Item* Item::find(std::string_view key) const {
  if (kind_ != Kind::kMap) return nullptr;
  for (const auto& [k, v] : entries_) {
    if (k.kind_ == Kind::kText && k.text_ == key) return &v;
  }
  return nullptr;
}

std::strong_ordering operator<=>(const Item& a, const Item& b) {
  if (a.kind_ != b.kind_) return a.kind_ <=> b.kind_;
  switch (a.kind_) {
    case Item::Kind::kUnsigned:
    case Item::Kind::kNegative:
    case Item::Kind::kSimple:
      return a.argument_ <=> b.argument_;
    case Item::Kind::kFloat:
      // Bit patterns give a total order (NaN included); -0.0 and 0.0 differ.
      return std::bit_cast<uint64_t>(a.float_) <=> std::bit_cast<uint64_t>(b.float_);
    case Item::Kind::kBytes:
      return std::lexicographical_compare_three_way(a.bytes_.begin(), a.bytes_.end(),
                                                    b.bytes_.begin(), b.bytes_.end());
    case Item::Kind::kText:
      return a.text_.compare(b.text_) <=> 0;
    case Item::Kind::kTag:
      if (a.argument_ != b.argument_) return a.argument_ <=> b.argument_;
      return a.items_.front() <=> b.items_.front();
    case Item::Kind::kArray:
      return std::lexicographical_compare_three_way(a.items_.begin(), a.items_.end(),
                                                    b.items_.begin(), b.items_.end());
    case Item::Kind::kMap:
      return std::lexicographical_compare_three_way(a.entries_.begin(), a.entries_.end(),
                                                    b.entries_.begin(), b.entries_.end());
  }
  return std::strong_ordering::equal;
}

// --- UTF-8 and hex ------------------------------------------------------------

bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t extra;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) <= extra) return false;
    for (size_t i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra]) return false;        // overlong
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;     // surrogate
    if (cp > 0x10FFFF) return false;
    p += extra + 1;
  }
  return true;
}

std::string to_hex(std::span<const uint8_t> data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

std::string to_hex(std::span<const uint8_t> data, size_t max_bytes) {
  if (data.size() <= max_bytes) return to_hex(data);
  return to_hex(data.first(max_bytes)) + "...";
}

std::optional<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Bytes out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]);
    int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>((hi << 4) | lo));
  }
  return out;
}

// --- Decoder ------------------------------------------------------------------

namespace {

double half_to_double(uint16_t half) {
  int exponent = (half >> 10) & 0x1F;
  int mantissa = half & 0x3FF;
  double value;
  if (exponent == 0) {
    value = std::ldexp(mantissa, -24);
  } else if (exponent != 31) {
    value = std::ldexp(mantissa + 1024, exponent - 25);
  } else {
    value = mantissa == 0 ? std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::quiet_NaN();
  }
  return (half & 0x8000) ? -value : value;
}

// Containers grow as elements actually decode; a declared count only bounds
// the loop, so a short input cannot make the decoder reserve much memory.
constexpr uint64_t kInitialReserve = 16;

std::string short_diagnostic(const Item& item) {
  std::string text = diagnostic(item);
  if (text.size() > 64) text = text.substr(0, 61) + "...";
  return text;
}

class Decoder {
 public:
  Decoder(std::span<const uint8_t> input, DecodeLimits limits) : in_(input), limits_(limits) {}

  Result<Item> decode_all() {
    Item item;
    if (!decode_item(item, 0)) return error();
    if (pos_ != in_.size()) {
      fail(pos_, std::to_string(in_.size() - pos_) + " trailing byte(s) after the data item");
      return error();
    }
    return item;
  }

 private:
  Error error() const { return Error{"CBOR at offset " + std::to_string(error_offset_) + ": " + message_}; }

  bool fail(size_t offset, std::string message) {
    error_offset_ = offset;
    message_ = std::move(message);
    return false;
  }

  size_t remaining() const { return in_.size() - pos_; }

  bool read_argument(size_t head_offset, uint8_t info, uint64_t& argument) {
    if (info < 24) {
      argument = info;
      return true;
    }
    if (info == 31) return fail(head_offset, "indefinite-length items are not accepted");
    if (info > 27) return fail(head_offset, "reserved additional information value " + std::to_string(info));
    size_t width = size_t{1} << (info - 24);
    if (remaining() < width) return fail(head_offset, "truncated: the head needs " + std::to_string(width) + " more byte(s)");
    argument = 0;
    for (size_t i = 0; i < width; ++i) argument = (argument << 8) | in_[pos_ + i];
    pos_ += width;
    return true;
  }

  bool decode_item(Item& out, size_t depth) {
    size_t start = pos_;
    if (remaining() == 0) return fail(start, "truncated: a data item was expected");
    uint8_t initial = in_[pos_++];
    uint8_t major = initial >> 5;
    uint8_t info = initial & 0x1F;

    if (major == 7) return decode_simple_or_float(out, start, info);

    uint64_t argument;
    if (!read_argument(start, info, argument)) return false;

    switch (major) {
      case 0:
        out = Item::unsigned_int(argument);
        return true;
      case 1:
        out = Item::negative(argument);
        return true;
      case 2:
      case 3: {
        // Checked against the bytes left before anything is allocated.
        if (argument > remaining()) {
          return fail(start, "declared length " + std::to_string(argument) + " exceeds the " +
                                 std::to_string(remaining()) + " byte(s) left (truncated or absurd length)");
        }
        auto first = in_.begin() + static_cast<std::ptrdiff_t>(pos_);
        auto last = first + static_cast<std::ptrdiff_t>(argument);
        pos_ += argument;
        if (major == 2) {
          out = Item::bytes(Bytes(first, last));
        } else {
          std::string text(first, last);
          if (!is_valid_utf8(text)) return fail(start, "text string is not valid UTF-8");
          out = Item::text(std::move(text));
        }
        return true;
      }
      case 4: {
        if (depth >= limits_.max_depth) return fail(start, "nesting deeper than " + std::to_string(limits_.max_depth));
        // Every element takes at least one byte.
        if (argument > remaining()) {
          return fail(start, "array of " + std::to_string(argument) + " element(s) cannot fit in the " +
                                 std::to_string(remaining()) + " byte(s) left (truncated or absurd length)");
        }
        std::vector<Item> items;
        items.reserve(static_cast<size_t>(std::min<uint64_t>(argument, kInitialReserve)));
        for (uint64_t i = 0; i < argument; ++i) {
          Item element;
          if (!decode_item(element, depth + 1)) return false;
          items.push_back(std::move(element));
        }
        out = Item::array(std::move(items));
        return true;
      }
      case 5: {
        if (depth >= limits_.max_depth) return fail(start, "nesting deeper than " + std::to_string(limits_.max_depth));
        // Every entry takes at least two bytes.
        if (argument > remaining() / 2) {
          return fail(start, "map of " + std::to_string(argument) + " entries cannot fit in the " +
                                 std::to_string(remaining()) + " byte(s) left (truncated or absurd length)");
        }
        std::vector<Item::Entry> entries;
        entries.reserve(static_cast<size_t>(std::min<uint64_t>(argument, kInitialReserve)));
        std::set<Item> keys;
        for (uint64_t i = 0; i < argument; ++i) {
          size_t key_offset = pos_;
          Item key, value;
          if (!decode_item(key, depth + 1)) return false;
          if (keys.contains(key)) return fail(key_offset, "duplicate map key " + short_diagnostic(key));
          if (!decode_item(value, depth + 1)) return false;
          keys.insert(key);
          entries.emplace_back(std::move(key), std::move(value));
        }
        out = Item::map(std::move(entries));
        return true;
      }
      case 6: {
        if (depth >= limits_.max_depth) return fail(start, "nesting deeper than " + std::to_string(limits_.max_depth));
        Item content;
        if (!decode_item(content, depth + 1)) return false;
        out = Item::tag(argument, std::move(content));
        return true;
      }
    }
    return fail(start, "unreachable major type");
  }

  bool decode_simple_or_float(Item& out, size_t start, uint8_t info) {
    if (info < 24) {
      out = Item::simple(info);
      return true;
    }
    if (info == 24) {
      if (remaining() < 1) return fail(start, "truncated: simple value byte missing");
      uint8_t value = in_[pos_++];
      if (value < 32) return fail(start, "simple value " + std::to_string(value) + " in two-byte form is not well-formed");
      out = Item::simple(value);
      return true;
    }
    if (info == 31) return fail(start, "unexpected break outside an indefinite-length item");
    if (info > 27) return fail(start, "reserved additional information value " + std::to_string(info));
    size_t width = size_t{1} << (info - 24);
    if (remaining() < width) return fail(start, "truncated: float needs " + std::to_string(width) + " more byte(s)");
    uint64_t bits = 0;
    for (size_t i = 0; i < width; ++i) bits = (bits << 8) | in_[pos_ + i];
    pos_ += width;
    double value;
    if (width == 2) {
      value = half_to_double(static_cast<uint16_t>(bits));
    } else if (width == 4) {
      value = std::bit_cast<float>(static_cast<uint32_t>(bits));
    } else {
      value = std::bit_cast<double>(bits);
    }
    out = Item::floating(value);
    return true;
  }

  std::span<const uint8_t> in_;
  DecodeLimits limits_;
  size_t pos_ = 0;
  size_t error_offset_ = 0;
  std::string message_;
};

}  // namespace

Result<Item> decode(std::span<const uint8_t> input, DecodeLimits limits) {
  return Decoder(input, limits).decode_all();
}

// --- Encoder ------------------------------------------------------------------

void Writer::head(uint8_t major, uint64_t argument) {
  uint8_t type = static_cast<uint8_t>(major << 5);
  if (argument < 24) {
    out_.push_back(static_cast<uint8_t>(type | argument));
    return;
  }
  int width;
  uint8_t info;
  if (argument <= 0xFF) {
    width = 1;
    info = 24;
  } else if (argument <= 0xFFFF) {
    width = 2;
    info = 25;
  } else if (argument <= 0xFFFFFFFF) {
    width = 4;
    info = 26;
  } else {
    width = 8;
    info = 27;
  }
  out_.push_back(static_cast<uint8_t>(type | info));
  for (int i = width - 1; i >= 0; --i) out_.push_back(static_cast<uint8_t>(argument >> (8 * i)));
}

Writer& Writer::unsigned_int(uint64_t value) {
  head(0, value);
  return *this;
}
Writer& Writer::negative(uint64_t n) {
  head(1, n);
  return *this;
}
Writer& Writer::integer(int64_t value) {
  if (value >= 0) return unsigned_int(static_cast<uint64_t>(value));
  return negative(~static_cast<uint64_t>(value));
}
Writer& Writer::bytes(std::span<const uint8_t> value) {
  head(2, value.size());
  out_.insert(out_.end(), value.begin(), value.end());
  return *this;
}
Writer& Writer::text(std::string_view value) {
  head(3, value.size());
  out_.insert(out_.end(), value.begin(), value.end());
  return *this;
}
Writer& Writer::array_header(uint64_t count) {
  head(4, count);
  return *this;
}
Writer& Writer::map_header(uint64_t count) {
  head(5, count);
  return *this;
}
Writer& Writer::tag(uint64_t number) {
  head(6, number);
  return *this;
}
Writer& Writer::boolean(bool value) { return simple(value ? Item::kTrue : Item::kFalse); }
Writer& Writer::null() { return simple(Item::kNull); }
Writer& Writer::simple(uint8_t value) {
  if (value < 24) {
    out_.push_back(static_cast<uint8_t>(0xE0 | value));
  } else {
    out_.push_back(0xF8);
    out_.push_back(value);
  }
  return *this;
}
Writer& Writer::floating(double value) {
  out_.push_back(0xFB);
  uint64_t bits = std::bit_cast<uint64_t>(value);
  for (int i = 7; i >= 0; --i) out_.push_back(static_cast<uint8_t>(bits >> (8 * i)));
  return *this;
}
Writer& Writer::raw(std::span<const uint8_t> encoded) {
  out_.insert(out_.end(), encoded.begin(), encoded.end());
  return *this;
}

Writer& Writer::item(const Item& value) {
  switch (value.kind()) {
    case Item::Kind::kUnsigned: return unsigned_int(value.argument());
    case Item::Kind::kNegative: return negative(value.argument());
    case Item::Kind::kBytes: return bytes(value.bytes_value());
    case Item::Kind::kText: return text(value.text_value());
    case Item::Kind::kArray:
      array_header(value.array_items().size());
      for (const auto& element : value.array_items()) item(element);
      return *this;
    case Item::Kind::kMap:
      map_header(value.map_entries().size());
      for (const auto& [k, v] : value.map_entries()) {
        item(k);
        item(v);
      }
      return *this;
    case Item::Kind::kTag:
      tag(value.tag_number());
      return item(value.tag_content());
    case Item::Kind::kSimple: return simple(static_cast<uint8_t>(value.argument()));
    case Item::Kind::kFloat: return floating(value.float_value());
  }
  return *this;
}

Bytes encode(const Item& value) {
  Writer writer;
  writer.item(value);
  return writer.take();
}

// --- Diagnostic notation --------------------------------------------------------

namespace {

void append_quoted(std::string& out, const std::string& text) {
  out.push_back('"');
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7F) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", u);
      out += escaped;
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

void append_diagnostic(std::string& out, const Item& value) {
  switch (value.kind()) {
    case Item::Kind::kUnsigned:
      out += std::to_string(value.argument());
      return;
    case Item::Kind::kNegative:
      if (value.argument() == std::numeric_limits<uint64_t>::max()) {
        out += "-18446744073709551616";
      } else {
        out += "-" + std::to_string(value.argument() + 1);
      }
      return;
    case Item::Kind::kBytes:
      out += "h'" + to_hex(value.bytes_value()) + "'";
      return;
    case Item::Kind::kText:
      append_quoted(out, value.text_value());
      return;
    case Item::Kind::kArray: {
      out.push_back('[');
      bool first = true;
      for (const auto& element : value.array_items()) {
        if (!first) out += ", ";
        first = false;
        append_diagnostic(out, element);
      }
      out.push_back(']');
      return;
    }
    case Item::Kind::kMap: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, v] : value.map_entries()) {
        if (!first) out += ", ";
        first = false;
        append_diagnostic(out, k);
        out += ": ";
        append_diagnostic(out, v);
      }
      out.push_back('}');
      return;
    }
    case Item::Kind::kTag:
      out += std::to_string(value.tag_number()) + "(";
      append_diagnostic(out, value.tag_content());
      out.push_back(')');
      return;
    case Item::Kind::kSimple:
      switch (value.argument()) {
        case Item::kFalse: out += "false"; return;
        case Item::kTrue: out += "true"; return;
        case Item::kNull: out += "null"; return;
        case Item::kUndefined: out += "undefined"; return;
        default: out += "simple(" + std::to_string(value.argument()) + ")"; return;
      }
    case Item::Kind::kFloat: {
      double f = value.float_value();
      if (std::isnan(f)) {
        out += "NaN";
      } else if (std::isinf(f)) {
        out += f > 0 ? "Infinity" : "-Infinity";
      } else {
        char buffer[64];
        std::snprintf(buffer, sizeof(buffer), "%.17g", f);
        out += buffer;
        if (std::strpbrk(buffer, ".eE") == nullptr) out += ".0";
      }
      return;
    }
  }
}

}  // namespace

std::string diagnostic(const Item& value) {
  std::string out;
  append_diagnostic(out, value);
  return out;
}

}  // namespace mica::verify::cbor
