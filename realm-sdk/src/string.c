/* Realm SDK C library: memory and string functions. Built with
 * -fno-tree-loop-distribute-patterns so that the compiler does not turn
 * these loops back into calls to themselves. */
#include <stdint.h>
#include <string.h>

void* memcpy(void* dst, const void* src, size_t n) {
  unsigned char* d = (unsigned char*)dst;
  const unsigned char* s = (const unsigned char*)src;
  if ((((uintptr_t)d | (uintptr_t)s) & 15) == 0) {
    /* 64 bytes per iteration (the compiler makes it two 32-byte load and
     * store pairs, aligned): on the emulated realm CPU every instruction
     * costs, and this is a third of the instructions per byte of the word
     * loop below. */
    for (; n >= 64; n -= 64, d += 64, s += 64) {
      const uint64_t* sw = (const uint64_t*)s;
      uint64_t* dw = (uint64_t*)d;
      const uint64_t w0 = sw[0], w1 = sw[1], w2 = sw[2], w3 = sw[3], w4 = sw[4], w5 = sw[5], w6 = sw[6], w7 = sw[7];
      dw[0] = w0;
      dw[1] = w1;
      dw[2] = w2;
      dw[3] = w3;
      dw[4] = w4;
      dw[5] = w5;
      dw[6] = w6;
      dw[7] = w7;
    }
  }
  if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
    for (; n >= 8; n -= 8, d += 8, s += 8) *(uint64_t*)d = *(const uint64_t*)s;
  }
  while (n--) *d++ = *s++;
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
  unsigned char* d = (unsigned char*)dst;
  const unsigned char* s = (const unsigned char*)src;
  if (d == s || n == 0) return dst;
  if (d < s || d >= s + n) return memcpy(dst, src, n);
  while (n--) d[n] = s[n];
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  unsigned char* d = (unsigned char*)dst;
  const unsigned char byte = (unsigned char)c;
  if (((uintptr_t)d & 7) == 0 && n >= 8) {
    const uint64_t pattern = 0x0101010101010101ull * byte;
    for (; n >= 8; n -= 8, d += 8) *(uint64_t*)d = pattern;
  }
  while (n--) *d++ = byte;
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const unsigned char* x = (const unsigned char*)a;
  const unsigned char* y = (const unsigned char*)b;
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

void* memchr(const void* s, int c, size_t n) {
  const unsigned char* p = (const unsigned char*)s;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] == (unsigned char)c) return (void*)(p + i);
  }
  return NULL;
}

size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

size_t strnlen(const char* s, size_t max) {
  size_t n = 0;
  while (n < max && s[n] != '\0') ++n;
  return n;
}

int strcmp(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char* a, const char* b, size_t n) {
  for (; n > 0; --n, ++a, ++b) {
    if (*a != *b || *a == '\0') return (unsigned char)*a - (unsigned char)*b;
  }
  return 0;
}

char* strcpy(char* dst, const char* src) {
  char* d = dst;
  while ((*d++ = *src++) != '\0') {
  }
  return dst;
}

char* strncpy(char* dst, const char* src, size_t n) {
  size_t i = 0;
  for (; i < n && src[i] != '\0'; ++i) dst[i] = src[i];
  for (; i < n; ++i) dst[i] = '\0';
  return dst;
}

char* strchr(const char* s, int c) {
  for (;; ++s) {
    if (*s == (char)c) return (char*)s;
    if (*s == '\0') return NULL;
  }
}

char* strrchr(const char* s, int c) {
  const char* last = NULL;
  for (;; ++s) {
    if (*s == (char)c) last = s;
    if (*s == '\0') return (char*)last;
  }
}
