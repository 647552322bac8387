// A bounded pull reader for one CBOR data item, for hostile input inside the
// TCB. No heap, no recursion: the state is a fixed array of open containers.
//
// Usage: call read_* in the order the schema expects; each call consumes one
// item (or the head of a container/tag) and returns false on the first
// problem. Errors are sticky: after one, every call fails and error() /
// error_offset() say what and where. finish() succeeds only when exactly one
// complete top-level item was read and no byte follows it.
//
// Always refused: truncation, trailing bytes, indefinite lengths, reserved
// heads, non-shortest heads, floats, invalid UTF-8 in text strings, strings
// or containers beyond the limits, nesting beyond the depth limit, duplicate
// map keys. Canonical mode (Limits::canonical) also refuses map keys that do
// not increase in bytewise order of their encodings.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cbor/cbor.h"
#include "cbor/head.h"

namespace mica::monitor::cbor {

class Reader {
 public:
  Reader(const uint8_t* data, size_t size, const Limits& limits = Limits{});

  // The next item's major type and argument, without consuming anything.
  bool peek(Major& major, uint64_t& argument);
  bool next_is(Major major);
  bool next_is_null();

  bool read_uint(uint64_t& value);
  bool read_nint(uint64_t& n);  // the integer -1 - n
  bool read_int(int64_t& value);
  bool read_bytes(ByteView& bytes);
  bool read_text(ByteView& text);  // validated UTF-8, not NUL-terminated
  bool read_array(uint64_t& count);  // then read `count` items
  bool read_map(uint64_t& pairs);    // then read 2 x `pairs` items, key first
  bool read_tag(uint64_t& tag);      // then read the tagged item
  bool read_simple(uint8_t& value);
  bool read_bool(bool& value);
  bool read_null();
  // Consumes one complete item of any type, checking it like the rest.
  bool skip();

  // One complete top-level item was read and nothing follows it.
  bool finish();

  bool ok() const { return error_ == Error::kNone; }
  Error error() const { return error_; }
  size_t error_offset() const { return error_offset_; }
  size_t offset() const { return offset_; }
  uint32_t depth() const { return nesting_.depth(); }
  // Items still expected by the innermost open container (or 1 before the
  // top-level item, 0 after it).
  uint64_t remaining() const { return nesting_.remaining(); }

 private:
  // Reads the next head (any type unless `expected` is given) and does the
  // structural bookkeeping common to every item.
  bool take_head(detail::Head& head, const Major* expected);
  bool take_string(const detail::Head& head, ByteView& out);
  // Bookkeeping after a scalar item: closes completed containers, checks keys.
  bool scalar_done();
  bool fail(Error error, size_t at);
  bool fail(Error error) { return fail(error, offset_); }

  const uint8_t* data_;
  size_t size_;
  size_t offset_ = 0;
  Limits limits_;
  detail::Nesting nesting_;
  Error error_ = Error::kNone;
  size_t error_offset_ = 0;
};

}  // namespace mica::monitor::cbor
