// Byte-level helpers that need no libc: the monitor uses the compiler's
// builtins (which lower to inline code or to the memcpy/memset/memcmp the
// platform supplies) and reads little-endian fields explicitly.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace mica::monitor {

static_assert(std::endian::native == std::endian::little,
              "RMM structures are little-endian and the monitor stores them natively");

inline void copy_bytes(void* dst, const void* src, size_t len) { __builtin_memcpy(dst, src, len); }
inline void zero_bytes(void* dst, size_t len) { __builtin_memset(dst, 0, len); }
inline bool bytes_equal(const void* a, const void* b, size_t len) {
  return __builtin_memcmp(a, b, len) == 0;
}

template <class T>
T load_le(const uint8_t* src) {
  T value;
  __builtin_memcpy(&value, src, sizeof(T));
  return value;
}

template <class T>
void store_le(uint8_t* dst, T value) {
  __builtin_memcpy(dst, &value, sizeof(T));
}

}  // namespace mica::monitor
