/* Realm SDK C library: printf family over one formatter. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

enum length { kInt, kChar, kShort, kLong, kLongLong, kSize, kPtrdiff, kIntmax };

struct spec {
  bool left, zero, plus, space, alt;
  int width;
  int precision; /* -1: none */
  enum length length;
};

static void emit_repeat(void (*emit)(void*, char), void* ctx, char c, int n, int* count) {
  for (; n > 0; --n, ++*count) emit(ctx, c);
}

/* One integer conversion: digits of `value` in `base`, with sign/prefix. */
static void format_integer(void (*emit)(void*, char), void* ctx, const struct spec* s,
                           uint64_t value, bool negative, unsigned base, bool upper,
                           const char* prefix, int* count) {
  char digits[32];
  int n = 0;
  const char* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  while (value != 0) {
    digits[n++] = alphabet[value % base];
    value /= base;
  }
  if (n == 0 && s->precision != 0) digits[n++] = '0';
  const int precision_pad = s->precision > n ? s->precision - n : 0;
  const char sign = negative ? '-' : (s->plus ? '+' : (s->space ? ' ' : '\0'));
  const int prefix_len = (int)strlen(prefix) + (sign != '\0' ? 1 : 0);
  const int body = prefix_len + precision_pad + n;
  const int pad = s->width > body ? s->width - body : 0;
  const bool zero_pad = s->zero && !s->left && s->precision < 0;
  if (!s->left && !zero_pad) emit_repeat(emit, ctx, ' ', pad, count);
  if (sign != '\0') {
    emit(ctx, sign);
    ++*count;
  }
  for (const char* p = prefix; *p != '\0'; ++p, ++*count) emit(ctx, *p);
  if (zero_pad) emit_repeat(emit, ctx, '0', pad, count);
  emit_repeat(emit, ctx, '0', precision_pad, count);
  while (n > 0) {
    emit(ctx, digits[--n]);
    ++*count;
  }
  if (s->left) emit_repeat(emit, ctx, ' ', pad, count);
}

static uint64_t unsigned_arg(va_list* ap, enum length length) {
  switch (length) {
    case kChar: return (unsigned char)va_arg(*ap, unsigned int);
    case kShort: return (unsigned short)va_arg(*ap, unsigned int);
    case kLong: return va_arg(*ap, unsigned long);
    case kLongLong: return va_arg(*ap, unsigned long long);
    case kSize: return va_arg(*ap, size_t);
    case kPtrdiff: return (uint64_t)va_arg(*ap, ptrdiff_t);
    case kIntmax: return va_arg(*ap, uintmax_t);
    case kInt: break;
  }
  return va_arg(*ap, unsigned int);
}

static int64_t signed_arg(va_list* ap, enum length length) {
  switch (length) {
    case kChar: return (signed char)va_arg(*ap, int);
    case kShort: return (short)va_arg(*ap, int);
    case kLong: return va_arg(*ap, long);
    case kLongLong: return va_arg(*ap, long long);
    case kSize: return (int64_t)va_arg(*ap, size_t);
    case kPtrdiff: return va_arg(*ap, ptrdiff_t);
    case kIntmax: return va_arg(*ap, intmax_t);
    case kInt: break;
  }
  return va_arg(*ap, int);
}

int mica_vformat(void (*emit)(void* ctx, char c), void* ctx, const char* fmt, va_list ap_in) {
  va_list ap;
  va_copy(ap, ap_in);
  int count = 0;
  for (const char* p = fmt; *p != '\0'; ++p) {
    if (*p != '%') {
      emit(ctx, *p);
      ++count;
      continue;
    }
    struct spec s = {false, false, false, false, false, 0, -1, kInt};
    for (bool flag = true; flag;) {  /* flags */
      switch (*++p) {
        case '-': s.left = true; break;
        case '0': s.zero = true; break;
        case '+': s.plus = true; break;
        case ' ': s.space = true; break;
        case '#': s.alt = true; break;
        default: flag = false; --p; break;
      }
    }
    ++p;
    if (*p == '*') {  /* width */
      s.width = va_arg(ap, int);
      if (s.width < 0) {
        s.left = true;
        s.width = -s.width;
      }
      ++p;
    } else {
      while (*p >= '0' && *p <= '9') s.width = s.width * 10 + (*p++ - '0');
    }
    if (*p == '.') {  /* precision */
      ++p;
      s.precision = 0;
      if (*p == '*') {
        s.precision = va_arg(ap, int);
        if (s.precision < 0) s.precision = -1;
        ++p;
      } else {
        while (*p >= '0' && *p <= '9') s.precision = s.precision * 10 + (*p++ - '0');
      }
    }
    switch (*p) {  /* length */
      case 'h':
        s.length = p[1] == 'h' ? kChar : kShort;
        p += p[1] == 'h' ? 2 : 1;
        break;
      case 'l':
        s.length = p[1] == 'l' ? kLongLong : kLong;
        p += p[1] == 'l' ? 2 : 1;
        break;
      case 'z': s.length = kSize; ++p; break;
      case 't': s.length = kPtrdiff; ++p; break;
      case 'j': s.length = kIntmax; ++p; break;
      default: break;
    }
    switch (*p) {
      case 'd':
      case 'i': {
        const int64_t v = signed_arg(&ap, s.length);
        const uint64_t magnitude = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        format_integer(emit, ctx, &s, magnitude, v < 0, 10, false, "", &count);
        break;
      }
      case 'u':
        format_integer(emit, ctx, &s, unsigned_arg(&ap, s.length), false, 10, false, "", &count);
        break;
      case 'x':
      case 'X': {
        const uint64_t v = unsigned_arg(&ap, s.length);
        const char* prefix = (s.alt && v != 0) ? (*p == 'x' ? "0x" : "0X") : "";
        format_integer(emit, ctx, &s, v, false, 16, *p == 'X', prefix, &count);
        break;
      }
      case 'o':
        format_integer(emit, ctx, &s, unsigned_arg(&ap, s.length), false, 8, false,
                       s.alt ? "0" : "", &count);
        break;
      case 'p':
        s.length = kLong;
        format_integer(emit, ctx, &s, (uint64_t)(uintptr_t)va_arg(ap, void*), false, 16, false,
                       "0x", &count);
        break;
      case 'c': {
        const char c = (char)va_arg(ap, int);
        if (!s.left) emit_repeat(emit, ctx, ' ', s.width - 1, &count);
        emit(ctx, c);
        ++count;
        if (s.left) emit_repeat(emit, ctx, ' ', s.width - 1, &count);
        break;
      }
      case 's': {
        const char* str = va_arg(ap, const char*);
        if (str == NULL) str = "(null)";
        const int len = (int)(s.precision >= 0 ? strnlen(str, (size_t)s.precision) : strlen(str));
        if (!s.left) emit_repeat(emit, ctx, ' ', s.width - len, &count);
        for (int i = 0; i < len; ++i, ++count) emit(ctx, str[i]);
        if (s.left) emit_repeat(emit, ctx, ' ', s.width - len, &count);
        break;
      }
      case '%':
        emit(ctx, '%');
        ++count;
        break;
      case '\0':
        --p;  /* a lone '%' at the end */
        break;
      default:  /* unknown conversion: print it as written */
        emit(ctx, '%');
        emit(ctx, *p);
        count += 2;
        break;
    }
  }
  va_end(ap);
  return count;
}

/* --- snprintf ----------------------------------------------------------------------- */
struct buffer_sink {
  char* buf;
  size_t size;
  size_t used;
};

static void buffer_emit(void* ctx, char c) {
  struct buffer_sink* sink = (struct buffer_sink*)ctx;
  if (sink->used + 1 < sink->size) sink->buf[sink->used] = c;
  ++sink->used;
}

int vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) {
  struct buffer_sink sink = {buf, size, 0};
  const int count = mica_vformat(buffer_emit, &sink, fmt, ap);
  if (size > 0) buf[sink.used < size ? sink.used : size - 1] = '\0';
  return count;
}

int snprintf(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int count = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return count;
}

/* --- printf: to the console, one host call per MICA_HOST_CALL_CONSOLE_MAX bytes -------- */
struct console_sink {
  char buf[MICA_HOST_CALL_CONSOLE_MAX];
  size_t used;
};

static void console_emit(void* ctx, char c) {
  struct console_sink* sink = (struct console_sink*)ctx;
  sink->buf[sink->used++] = c;
  if (sink->used == sizeof sink->buf) {
    mica_console_write(sink->buf, sink->used);
    sink->used = 0;
  }
}

int vprintf(const char* fmt, va_list ap) {
  struct console_sink sink;
  sink.used = 0;
  const int count = mica_vformat(console_emit, &sink, fmt, ap);
  if (sink.used > 0) mica_console_write(sink.buf, sink.used);
  return count;
}

int printf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int count = vprintf(fmt, ap);
  va_end(ap);
  return count;
}

int puts(const char* s) {
  const size_t n = strlen(s);
  mica_console_write(s, n);
  mica_console_write("\n", 1);
  return (int)n + 1;
}

int putchar(int c) {
  const char ch = (char)c;
  mica_console_write(&ch, 1);
  return (unsigned char)c;
}
