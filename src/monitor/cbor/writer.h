// A CBOR writer for the TCB (policies, attestation tokens): shortest heads,
// definite lengths, no heap. The caller declares each container's item count
// up front and the writer checks that exactly that many items follow.
//
// In canonical mode the writer also checks (it does not sort) that the keys
// of every map arrive in increasing bytewise order of their encodings, with no
// duplicates (RFC 8949 §4.2.1), so that a canonical encoder cannot silently
// produce non-canonical bytes.
//
// With a null buffer the writer only measures: size() is the number of bytes
// the encoding needs (key order cannot be checked then, as no bytes are kept).
// When the buffer is too small, error() is kBufferFull but size() keeps
// counting, so one failed attempt tells the caller how much room is needed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cbor/cbor.h"

namespace mica::monitor::cbor {

class Writer {
 public:
  Writer(uint8_t* buffer, size_t capacity, bool canonical = true);

  bool write_uint(uint64_t value);
  bool write_nint(uint64_t n);  // the integer -1 - n
  bool write_int(int64_t value);
  bool write_bytes(const uint8_t* data, size_t size);
  bool write_text(const char* text, size_t size);  // must be valid UTF-8
  bool write_array(uint64_t count);
  bool write_map(uint64_t pairs);
  bool write_tag(uint64_t tag);
  bool write_simple(uint8_t value);  // 0..23 or 32..255
  bool write_bool(bool value) { return write_simple(value ? kSimpleTrue : kSimpleFalse); }
  bool write_null() { return write_simple(kSimpleNull); }

  // Exactly one complete top-level item was written.
  bool finish();

  bool ok() const { return error_ == Error::kNone; }
  Error error() const { return error_; }
  size_t size() const { return size_; }  // bytes written, or needed
  const uint8_t* data() const { return buffer_; }

 private:
  bool head(Major major, uint64_t argument);
  void put(const uint8_t* bytes, size_t count);
  const uint8_t* written() const;
  bool scalar_done();
  bool fail(Error error);

  uint8_t* buffer_;
  size_t capacity_;
  size_t size_ = 0;
  bool canonical_;
  detail::Nesting nesting_;
  Error error_ = Error::kNone;
};

}  // namespace mica::monitor::cbor
