// The initial byte and argument of a CBOR data item (RFC 8949 §3): the one
// place that turns heads into numbers and back.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cbor/cbor.h"

namespace mica::monitor::cbor::detail {

struct Head {
  Major major = Major::kUnsigned;
  uint64_t argument = 0;  // value, length, count, tag number or simple value
  size_t length = 0;      // bytes of the head itself (1..9)
};

// Decodes the head at `offset`. Refuses indefinite lengths, reserved
// additional information, non-shortest arguments and floats.
Error decode_head(const uint8_t* data, size_t size, size_t offset, Head& head);

// Writes the shortest head for (major, argument); returns its length.
size_t encode_head(Major major, uint64_t argument, uint8_t out[9]);

}  // namespace mica::monitor::cbor::detail
