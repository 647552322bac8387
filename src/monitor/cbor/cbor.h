// CBOR (RFC 8949) vocabulary shared by the monitor's bounded reader and its
// canonical writer (cbor/reader.h, cbor/writer.h).
//
// Both halves are part of the TCB: no heap, no exceptions, no library calls,
// fixed-size state only. They support definite-length items of every major
// type except floating point: unsigned and negative integers, byte and text
// strings, arrays, maps, tags and simple values. Heads must always be in
// shortest form and indefinite lengths are refused; canonical mode adds the
// core deterministic encoding rule for maps (RFC 8949 §4.2.1: keys sorted by
// the bytewise lexicographic order of their encodings, no duplicates).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mica::monitor::cbor {

enum class Major : uint8_t {
  kUnsigned = 0,
  kNegative = 1,  // the integer -1 - argument
  kBytes = 2,
  kText = 3,
  kArray = 4,
  kMap = 5,
  kTag = 6,
  kSimple = 7,  // simple values; floats share the major type but are not supported
};

inline constexpr uint8_t kSimpleFalse = 20;
inline constexpr uint8_t kSimpleTrue = 21;
inline constexpr uint8_t kSimpleNull = 22;
inline constexpr uint8_t kSimpleUndefined = 23;

enum class Error : uint8_t {
  kNone = 0,
  kTruncated,          // the input ends inside an item
  kTrailingBytes,      // bytes after the single top-level item
  kIndefiniteLength,   // additional information 31 (and the "break" byte)
  kReservedHead,       // additional information 28..30
  kNonShortestHead,    // an argument that fits a shorter head
  kBadSimpleValue,     // simple values 0..31 written in the one-byte extension
  kUnsupported,        // floating-point values
  kTooDeep,            // nesting beyond Limits::max_depth
  kTooLong,            // a string or container beyond its limit
  kTypeMismatch,       // the next item is not of the type asked for
  kOutOfRange,         // an integer that does not fit the type asked for
  kUnsortedKeys,       // canonical mode: a map key not greater than the one before
  kDuplicateKey,       // two equal keys in one map
  kInvalidUtf8,        // a text string that is not well-formed UTF-8
  kBufferFull,         // writer: the output does not fit
  kMisuse,             // caller error: more items than declared, unfinished containers
};

const char* error_name(Error error);

// Bounds a reader enforces on hostile input. Depth counts open arrays and maps.
inline constexpr uint32_t kMaxDepth = 16;

struct Limits {
  uint32_t max_depth = kMaxDepth;       // at most kMaxDepth
  uint64_t max_string_bytes = 1u << 20;  // per byte or text string
  uint64_t max_container_items = 4096;   // per array (elements) or map (pairs)
  bool canonical = true;                 // enforce sorted map keys
};

// A view of bytes inside the buffer being read or written.
struct ByteView {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

// Bytewise lexicographic order (RFC 8949 §4.2.1): a proper prefix sorts first.
int compare_bytes(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size);
bool equal_bytes(ByteView a, const char* text, size_t text_size);

// True when [data, data + size) is well-formed UTF-8 (no overlong forms,
// no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(const uint8_t* data, size_t size);

namespace detail {

// Tracks the open containers of a reader or writer and which item comes
// next, so that both enforce item counts and map key order the same way.
// Keys are compared as encoded bytes inside the buffer given to begin_item.
class Nesting {
 public:
  // Called at the first head of each item (a tag head starts its item; the
  // tagged content that follows belongs to the same item).
  Error begin_item(size_t offset);
  // After a head: a tag makes the next head part of the same item.
  void tag_prefix() { in_tag_prefix_ = true; }
  // A container head with `items` items (2 x pairs for maps), the head ending
  // at `offset`; a container with zero items ends at once.
  Error open(bool is_map, uint64_t items, uint32_t max_depth, const uint8_t* base, size_t offset,
             bool canonical);
  // A scalar item (string, integer, simple) ends at `offset`.
  Error end_scalar(const uint8_t* base, size_t offset, bool canonical) {
    return complete_item(base, offset, canonical);
  }
  // Whenever an item ends, the containers it completes end too, and a map
  // key that ends is compared with the key before it: `base` holds the
  // encoding so far, or is null when the bytes are not available (a writer
  // that only measures), which skips the comparison.

  bool in_tag_prefix() const { return in_tag_prefix_; }
  uint32_t depth() const { return depth_; }
  bool top_level_done() const { return top_done_; }
  // Items still expected by the innermost open container.
  uint64_t remaining() const;

 private:
  struct Level {
    uint64_t items = 0;       // declared items (2 x pairs for maps)
    uint64_t done = 0;        // items completed
    bool is_map = false;
    size_t entries_start = 0; // offset of the first key (duplicate scans)
    size_t key_start = 0;     // current key
    size_t prev_key_start = 0;
    size_t prev_key_end = 0;
  };
  Error complete_item(const uint8_t* base, size_t offset, bool canonical);
  Error check_key(const uint8_t* base, Level& level, size_t key_end, bool canonical);

  Level levels_[kMaxDepth];
  uint32_t depth_ = 0;
  bool in_tag_prefix_ = false;
  bool top_started_ = false;
  bool top_done_ = false;
};

// Offset just past the well-formed item starting at `offset` (used to walk
// earlier keys of a map when checking duplicates in non-canonical mode).
size_t item_end(const uint8_t* data, size_t size, size_t offset);

}  // namespace detail
}  // namespace mica::monitor::cbor
