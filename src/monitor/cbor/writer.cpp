#include "cbor/writer.h"

#include "cbor/head.h"

namespace mica::monitor::cbor {

Writer::Writer(uint8_t* buffer, size_t capacity, bool canonical)
    : buffer_(buffer), capacity_(buffer == nullptr ? 0 : capacity), canonical_(canonical) {}

bool Writer::fail(Error error) {
  if (error_ == Error::kNone) error_ = error;
  return false;
}

void Writer::put(const uint8_t* bytes, size_t count) {
  if (buffer_ != nullptr) {
    if (size_ > capacity_ || count > capacity_ - size_) {
      fail(Error::kBufferFull);
    } else {
      for (size_t i = 0; i < count; ++i) buffer_[size_ + i] = bytes[i];
    }
  }
  size_ += count;
}

bool Writer::head(Major major, uint64_t argument) {
  // A buffer overflow keeps measuring; any other error stops the writer.
  if (!ok() && error_ != Error::kBufferFull) return false;
  const Error structural = nesting_.begin_item(size_);
  if (structural != Error::kNone) {
    return fail(structural == Error::kTrailingBytes ? Error::kMisuse : structural);
  }
  uint8_t encoded[9];
  const size_t length = detail::encode_head(major, argument, encoded);
  put(encoded, length);
  return true;
}

const uint8_t* Writer::written() const {
  // Key order can only be checked while every byte so far is in the buffer.
  return (buffer_ != nullptr && ok()) ? buffer_ : nullptr;
}

bool Writer::scalar_done() {
  const Error error = nesting_.end_scalar(written(), size_, canonical_);
  return error == Error::kNone ? ok() : fail(error);
}

bool Writer::write_uint(uint64_t value) {
  if (!head(Major::kUnsigned, value)) return false;
  return scalar_done();
}

bool Writer::write_nint(uint64_t n) {
  if (!head(Major::kNegative, n)) return false;
  return scalar_done();
}

bool Writer::write_int(int64_t value) {
  if (value >= 0) return write_uint(static_cast<uint64_t>(value));
  return write_nint(static_cast<uint64_t>(-(value + 1)));
}

bool Writer::write_bytes(const uint8_t* data, size_t size) {
  if (size > 0 && data == nullptr) return fail(Error::kMisuse);
  if (!head(Major::kBytes, size)) return false;
  put(data, size);
  return scalar_done();
}

bool Writer::write_text(const char* text, size_t size) {
  if (size > 0 && text == nullptr) return fail(Error::kMisuse);
  const auto* bytes = reinterpret_cast<const uint8_t*>(text);
  if (!is_valid_utf8(bytes, size)) return fail(Error::kInvalidUtf8);
  if (!head(Major::kText, size)) return false;
  put(bytes, size);
  return scalar_done();
}

bool Writer::write_array(uint64_t count) {
  if (!head(Major::kArray, count)) return false;
  const Error error = nesting_.open(false, count, kMaxDepth, written(), size_, canonical_);
  return error == Error::kNone ? ok() : fail(error);
}

bool Writer::write_map(uint64_t pairs) {
  if (pairs > (~uint64_t{0}) / 2) return fail(Error::kTooLong);
  if (!head(Major::kMap, pairs)) return false;
  const Error error = nesting_.open(true, 2 * pairs, kMaxDepth, written(), size_, canonical_);
  return error == Error::kNone ? ok() : fail(error);
}

bool Writer::write_tag(uint64_t tag) {
  if (!head(Major::kTag, tag)) return false;
  nesting_.tag_prefix();
  return ok();
}

bool Writer::write_simple(uint8_t value) {
  // 24..31 have no well-formed encoding; 20..23 are false/true/null/undefined.
  if (value >= 24 && value < 32) return fail(Error::kBadSimpleValue);
  if (!head(Major::kSimple, value)) return false;
  return scalar_done();
}

bool Writer::finish() {
  if (!ok()) return false;
  if (!nesting_.top_level_done() || nesting_.depth() != 0) return fail(Error::kMisuse);
  return true;
}

}  // namespace mica::monitor::cbor
