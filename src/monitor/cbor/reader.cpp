#include "cbor/reader.h"

namespace mica::monitor::cbor {

using detail::Head;

Reader::Reader(const uint8_t* data, size_t size, const Limits& limits)
    : data_(data), size_(size), limits_(limits) {
  if (limits_.max_depth > kMaxDepth) limits_.max_depth = kMaxDepth;
}

bool Reader::fail(Error error, size_t at) {
  if (error_ == Error::kNone) {
    error_ = error;
    error_offset_ = at;
  }
  return false;
}

bool Reader::scalar_done() {
  const Error error = nesting_.end_scalar(data_, offset_, limits_.canonical);
  return error == Error::kNone || fail(error);
}

bool Reader::peek(Major& major, uint64_t& argument) {
  if (!ok()) return false;
  if (nesting_.top_level_done() && nesting_.depth() == 0) {
    return fail(offset_ < size_ ? Error::kTrailingBytes : Error::kMisuse);
  }
  Head head;
  const Error error = detail::decode_head(data_, size_, offset_, head);
  if (error != Error::kNone) return fail(error);
  major = head.major;
  argument = head.argument;
  return true;
}

bool Reader::next_is(Major major) {
  Major next;
  uint64_t argument;
  return peek(next, argument) && next == major;
}

bool Reader::next_is_null() {
  Major next;
  uint64_t argument;
  return peek(next, argument) && next == Major::kSimple && argument == kSimpleNull;
}

bool Reader::take_head(Head& head, const Major* expected) {
  if (!ok()) return false;
  const Error decoded = detail::decode_head(data_, size_, offset_, head);
  if (decoded != Error::kNone) return fail(decoded);
  if (expected != nullptr && head.major != *expected) return fail(Error::kTypeMismatch);
  const Error structural = nesting_.begin_item(offset_);
  if (structural != Error::kNone) return fail(structural);
  offset_ += head.length;
  return true;
}

bool Reader::take_string(const Head& head, ByteView& out) {
  if (head.argument > limits_.max_string_bytes) return fail(Error::kTooLong, offset_ - head.length);
  if (head.argument > size_ - offset_) return fail(Error::kTruncated);
  out.data = data_ + offset_;
  out.size = static_cast<size_t>(head.argument);
  if (head.major == Major::kText && !is_valid_utf8(out.data, out.size)) {
    return fail(Error::kInvalidUtf8);
  }
  offset_ += out.size;
  return scalar_done();
}

bool Reader::read_uint(uint64_t& value) {
  constexpr Major kExpected = Major::kUnsigned;
  Head head;
  if (!take_head(head, &kExpected)) return false;
  value = head.argument;
  return scalar_done();
}

bool Reader::read_nint(uint64_t& n) {
  constexpr Major kExpected = Major::kNegative;
  Head head;
  if (!take_head(head, &kExpected)) return false;
  n = head.argument;
  return scalar_done();
}

bool Reader::read_int(int64_t& value) {
  Major major;
  uint64_t argument;
  if (!peek(major, argument)) return false;
  constexpr uint64_t kMaxPositive = uint64_t{1} << 63;  // exclusive bound for both signs
  if (major == Major::kUnsigned) {
    if (argument >= kMaxPositive) return fail(Error::kOutOfRange);
    uint64_t raw;
    if (!read_uint(raw)) return false;
    value = static_cast<int64_t>(raw);
    return true;
  }
  if (major == Major::kNegative) {
    if (argument >= kMaxPositive) return fail(Error::kOutOfRange);
    uint64_t n;
    if (!read_nint(n)) return false;
    value = -1 - static_cast<int64_t>(n);
    return true;
  }
  return fail(Error::kTypeMismatch);
}

bool Reader::read_bytes(ByteView& bytes) {
  constexpr Major kExpected = Major::kBytes;
  Head head;
  return take_head(head, &kExpected) && take_string(head, bytes);
}

bool Reader::read_text(ByteView& text) {
  constexpr Major kExpected = Major::kText;
  Head head;
  return take_head(head, &kExpected) && take_string(head, text);
}

bool Reader::read_array(uint64_t& count) {
  constexpr Major kExpected = Major::kArray;
  Head head;
  if (!take_head(head, &kExpected)) return false;
  const size_t head_offset = offset_ - head.length;
  if (head.argument > limits_.max_container_items) return fail(Error::kTooLong, head_offset);
  // Every element needs at least one byte: a cheap bound against absurd counts.
  if (head.argument > size_ - offset_) return fail(Error::kTruncated, head_offset);
  const Error error = nesting_.open(false, head.argument, limits_.max_depth, data_, offset_, limits_.canonical);
  if (error != Error::kNone) return fail(error, head_offset);
  count = head.argument;
  return true;
}

bool Reader::read_map(uint64_t& pairs) {
  constexpr Major kExpected = Major::kMap;
  Head head;
  if (!take_head(head, &kExpected)) return false;
  const size_t head_offset = offset_ - head.length;
  if (head.argument > limits_.max_container_items) return fail(Error::kTooLong, head_offset);
  if (head.argument > (size_ - offset_) / 2) return fail(Error::kTruncated, head_offset);
  const Error error = nesting_.open(true, 2 * head.argument, limits_.max_depth, data_, offset_, limits_.canonical);
  if (error != Error::kNone) return fail(error, head_offset);
  pairs = head.argument;
  return true;
}

bool Reader::read_tag(uint64_t& tag) {
  constexpr Major kExpected = Major::kTag;
  Head head;
  if (!take_head(head, &kExpected)) return false;
  nesting_.tag_prefix();
  tag = head.argument;
  return true;
}

bool Reader::read_simple(uint8_t& value) {
  constexpr Major kExpected = Major::kSimple;
  Head head;
  if (!take_head(head, &kExpected)) return false;
  value = static_cast<uint8_t>(head.argument);
  return scalar_done();
}

bool Reader::read_bool(bool& value) {
  Major major;
  uint64_t argument;
  if (!peek(major, argument)) return false;
  if (major != Major::kSimple || (argument != kSimpleFalse && argument != kSimpleTrue)) {
    return fail(Error::kTypeMismatch);
  }
  uint8_t simple;
  if (!read_simple(simple)) return false;
  value = simple == kSimpleTrue;
  return true;
}

bool Reader::read_null() {
  if (!next_is_null()) return ok() ? fail(Error::kTypeMismatch) : false;
  uint8_t simple;
  return read_simple(simple);
}

bool Reader::skip() {
  if (!ok()) return false;
  const uint32_t start_depth = nesting_.depth();
  do {
    Head head;
    if (!take_head(head, nullptr)) return false;
    const size_t head_offset = offset_ - head.length;
    switch (head.major) {
      case Major::kUnsigned:
      case Major::kNegative:
      case Major::kSimple:
        if (!scalar_done()) return false;
        break;
      case Major::kBytes:
      case Major::kText: {
        ByteView ignored;
        if (!take_string(head, ignored)) return false;
        break;
      }
      case Major::kArray:
      case Major::kMap: {
        const bool is_map = head.major == Major::kMap;
        const uint64_t items = is_map ? 2 * head.argument : head.argument;
        if (head.argument > limits_.max_container_items) return fail(Error::kTooLong, head_offset);
        if (items > size_ - offset_) return fail(Error::kTruncated, head_offset);
        const Error error = nesting_.open(is_map, items, limits_.max_depth, data_, offset_, limits_.canonical);
        if (error != Error::kNone) return fail(error, head_offset);
        break;
      }
      case Major::kTag:
        nesting_.tag_prefix();
        break;
    }
  } while (nesting_.in_tag_prefix() || nesting_.depth() > start_depth);
  return true;
}

bool Reader::finish() {
  if (!ok()) return false;
  if (!nesting_.top_level_done() || nesting_.depth() != 0) return fail(Error::kMisuse);
  if (offset_ != size_) return fail(Error::kTrailingBytes);
  return true;
}

}  // namespace mica::monitor::cbor
