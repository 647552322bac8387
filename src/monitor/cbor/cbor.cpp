#include "cbor/cbor.h"

#include "cbor/head.h"

namespace mica::monitor::cbor {

const char* error_name(Error error) {
  switch (error) {
    case Error::kNone: return "none";
    case Error::kTruncated: return "truncated";
    case Error::kTrailingBytes: return "trailing bytes";
    case Error::kIndefiniteLength: return "indefinite length";
    case Error::kReservedHead: return "reserved head";
    case Error::kNonShortestHead: return "non-shortest head";
    case Error::kBadSimpleValue: return "bad simple value";
    case Error::kUnsupported: return "unsupported (floating point)";
    case Error::kTooDeep: return "nesting too deep";
    case Error::kTooLong: return "string or container too long";
    case Error::kTypeMismatch: return "type mismatch";
    case Error::kOutOfRange: return "integer out of range";
    case Error::kUnsortedKeys: return "map keys not sorted";
    case Error::kDuplicateKey: return "duplicate map key";
    case Error::kInvalidUtf8: return "invalid UTF-8";
    case Error::kBufferFull: return "buffer full";
    case Error::kMisuse: return "misuse";
  }
  return "unknown";
}

int compare_bytes(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size) {
  const size_t common = a_size < b_size ? a_size : b_size;
  for (size_t i = 0; i < common; ++i) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  if (a_size == b_size) return 0;
  return a_size < b_size ? -1 : 1;
}

bool equal_bytes(ByteView a, const char* text, size_t text_size) {
  if (a.size != text_size) return false;
  for (size_t i = 0; i < text_size; ++i) {
    if (a.data[i] != static_cast<uint8_t>(text[i])) return false;
  }
  return true;
}

bool is_valid_utf8(const uint8_t* data, size_t size) {
  size_t i = 0;
  while (i < size) {
    const uint8_t lead = data[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    uint32_t code = 0;
    uint32_t minimum = 0;
    if ((lead & 0xE0) == 0xC0) {
      length = 2, code = lead & 0x1F, minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, code = lead & 0x0F, minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, code = lead & 0x07, minimum = 0x10000;
    } else {
      return false;  // continuation byte or 0xF8.. as a lead
    }
    if (size - i < length) return false;
    for (size_t k = 1; k < length; ++k) {
      const uint8_t next = data[i + k];
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if (code < minimum) return false;                    // overlong
    if (code > 0x10FFFF) return false;                   // beyond Unicode
    if (code >= 0xD800 && code <= 0xDFFF) return false;  // surrogate
    i += length;
  }
  return true;
}

namespace detail {

Error decode_head(const uint8_t* data, size_t size, size_t offset, Head& head) {
  if (offset >= size) return Error::kTruncated;
  const uint8_t initial = data[offset];
  head.major = static_cast<Major>(initial >> 5);
  const uint8_t info = initial & 0x1F;
  head.length = 1;
  if (info < 24) {
    head.argument = info;
    return Error::kNone;
  }
  if (info == 31) return Error::kIndefiniteLength;
  if (info >= 28) return Error::kReservedHead;
  const size_t extra = size_t{1} << (info - 24);  // 1, 2, 4 or 8 bytes
  if (head.major == Major::kSimple && info != 24) return Error::kUnsupported;  // floats
  if (size - offset - 1 < extra) return Error::kTruncated;
  uint64_t value = 0;
  for (size_t i = 0; i < extra; ++i) value = (value << 8) | data[offset + 1 + i];
  head.argument = value;
  head.length = 1 + extra;
  if (head.major == Major::kSimple) {
    // One-byte simple values below 32 are not well-formed (RFC 8949 §3.3).
    return value < 32 ? Error::kBadSimpleValue : Error::kNone;
  }
  const uint64_t shorter_limit = info == 24 ? 24 : (uint64_t{1} << (8 * (extra / 2)));
  if (value < shorter_limit) return Error::kNonShortestHead;
  return Error::kNone;
}

size_t encode_head(Major major, uint64_t argument, uint8_t out[9]) {
  const uint8_t type = static_cast<uint8_t>(static_cast<uint8_t>(major) << 5);
  if (argument < 24) {
    out[0] = static_cast<uint8_t>(type | argument);
    return 1;
  }
  size_t extra = 8;
  uint8_t info = 27;
  if (argument <= 0xFF) {
    extra = 1, info = 24;
  } else if (argument <= 0xFFFF) {
    extra = 2, info = 25;
  } else if (argument <= 0xFFFFFFFF) {
    extra = 4, info = 26;
  }
  out[0] = static_cast<uint8_t>(type | info);
  for (size_t i = 0; i < extra; ++i) {
    out[1 + i] = static_cast<uint8_t>(argument >> (8 * (extra - 1 - i)));
  }
  return 1 + extra;
}

size_t item_end(const uint8_t* data, size_t size, size_t offset) {
  uint64_t pending = 1;
  while (pending > 0) {
    Head head;
    if (decode_head(data, size, offset, head) != Error::kNone) return size;
    offset += head.length;
    --pending;
    switch (head.major) {
      case Major::kBytes:
      case Major::kText:
        if (head.argument > size - offset) return size;
        offset += static_cast<size_t>(head.argument);
        break;
      case Major::kArray:
        if (head.argument > size) return size;
        pending += head.argument;
        break;
      case Major::kMap:
        if (head.argument > size) return size;
        pending += 2 * head.argument;
        break;
      case Major::kTag:
        pending += 1;
        break;
      default:
        break;
    }
  }
  return offset;
}

uint64_t Nesting::remaining() const {
  if (depth_ == 0) return top_started_ ? 0 : 1;
  const Level& level = levels_[depth_ - 1];
  return level.items - level.done;
}

Error Nesting::begin_item(size_t offset) {
  if (in_tag_prefix_) {
    in_tag_prefix_ = false;  // the tagged content belongs to the tag's item
    return Error::kNone;
  }
  if (depth_ == 0) {
    if (top_started_) return Error::kTrailingBytes;
    top_started_ = true;
    return Error::kNone;
  }
  Level& level = levels_[depth_ - 1];
  if (level.is_map && level.done % 2 == 0) level.key_start = offset;
  return Error::kNone;
}

Error Nesting::check_key(const uint8_t* base, Level& level, size_t key_end, bool canonical) {
  const uint64_t earlier_keys = level.done / 2;  // keys before the one ending now
  const size_t key_start = level.key_start;
  Error result = Error::kNone;
  if (earlier_keys > 0 && base != nullptr) {
    const uint8_t* key = base + key_start;
    const size_t key_size = key_end - key_start;
    if (canonical) {
      const int order = compare_bytes(base + level.prev_key_start,
                                      level.prev_key_end - level.prev_key_start, key, key_size);
      if (order == 0) result = Error::kDuplicateKey;
      if (order > 0) result = Error::kUnsortedKeys;
    } else {
      // Without an order, compare against every earlier key of this map.
      size_t cursor = level.entries_start;
      for (uint64_t i = 0; i < earlier_keys && result == Error::kNone; ++i) {
        const size_t earlier_end = item_end(base, key_start, cursor);
        if (compare_bytes(base + cursor, earlier_end - cursor, key, key_size) == 0) {
          result = Error::kDuplicateKey;
        }
        cursor = item_end(base, key_start, earlier_end);
      }
    }
  }
  level.prev_key_start = key_start;
  level.prev_key_end = key_end;
  return result;
}

Error Nesting::open(bool is_map, uint64_t items, uint32_t max_depth, const uint8_t* base, size_t offset,
                    bool canonical) {
  in_tag_prefix_ = false;
  if (items == 0) return complete_item(base, offset, canonical);
  const uint32_t limit = max_depth < kMaxDepth ? max_depth : kMaxDepth;
  if (depth_ >= limit) return Error::kTooDeep;
  Level& level = levels_[depth_++];
  level = Level{};
  level.items = items;
  level.is_map = is_map;
  level.entries_start = offset;
  level.key_start = offset;
  return Error::kNone;
}

Error Nesting::complete_item(const uint8_t* base, size_t offset, bool canonical) {
  in_tag_prefix_ = false;
  while (true) {
    if (depth_ == 0) {
      top_done_ = true;
      return Error::kNone;
    }
    Level& level = levels_[depth_ - 1];
    if (level.is_map && level.done % 2 == 0) {
      const Error error = check_key(base, level, offset, canonical);
      if (error != Error::kNone) return error;
    }
    ++level.done;
    if (level.done < level.items) return Error::kNone;
    --depth_;  // the container is complete: it is one item of its parent
  }
}

}  // namespace detail
}  // namespace mica::monitor::cbor
