// Fuzzes the monitor's CBOR reader in both modes. Whatever the canonical
// reader accepts is copied item by item through the canonical writer, which
// must reproduce the input byte for byte (one value, one encoding); the
// relaxed reader must accept everything the canonical one does.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "cbor/reader.h"
#include "cbor/writer.h"

namespace {

using namespace mica::monitor::cbor;

void require(bool condition) {
  if (!condition) std::abort();
}

// Copies one item from `in` to `out`; false when the reader refuses it.
bool copy(Reader& in, Writer& out, uint32_t depth) {
  Major major;
  uint64_t argument = 0;
  if (!in.peek(major, argument)) return false;
  switch (major) {
    case Major::kUnsigned: {
      uint64_t value = 0;
      return in.read_uint(value) && (out.write_uint(value), true);
    }
    case Major::kNegative: {
      uint64_t n = 0;
      return in.read_nint(n) && (out.write_nint(n), true);
    }
    case Major::kBytes: {
      ByteView bytes;
      return in.read_bytes(bytes) && (out.write_bytes(bytes.data, bytes.size), true);
    }
    case Major::kText: {
      ByteView text;
      return in.read_text(text) && (out.write_text(reinterpret_cast<const char*>(text.data), text.size), true);
    }
    case Major::kArray: {
      uint64_t count = 0;
      if (!in.read_array(count)) return false;
      out.write_array(count);
      for (uint64_t i = 0; i < count; ++i) {
        if (!copy(in, out, depth + 1)) return false;
      }
      return true;
    }
    case Major::kMap: {
      uint64_t pairs = 0;
      if (!in.read_map(pairs)) return false;
      out.write_map(pairs);
      for (uint64_t i = 0; i < 2 * pairs; ++i) {
        if (!copy(in, out, depth + 1)) return false;
      }
      return true;
    }
    case Major::kTag: {
      uint64_t tag = 0;
      if (!in.read_tag(tag)) return false;
      out.write_tag(tag);
      return copy(in, out, depth);
    }
    case Major::kSimple: {
      uint8_t value = 0;
      return in.read_simple(value) && (out.write_simple(value), true);
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Limits canonical;
  Reader skipper(data, size, canonical);
  const bool accepted = skipper.skip() && skipper.finish();

  Limits relaxed_limits;
  relaxed_limits.canonical = false;
  Reader relaxed(data, size, relaxed_limits);
  const bool relaxed_accepted = relaxed.skip() && relaxed.finish();
  if (accepted) require(relaxed_accepted);

  Reader reader(data, size, canonical);
  std::vector<uint8_t> buffer(size);
  Writer writer(buffer.data(), buffer.size(), true);
  const bool copied = copy(reader, writer, 0) && reader.finish();
  require(copied == accepted);
  if (copied) {
    require(writer.finish());
    require(writer.size() == size);
    require(std::equal(buffer.begin(), buffer.end(), data));
  }
  return 0;
}
