/* Realm SDK C library: formatted output to the realm console (host call
 * CONSOLE_WRITE) and into buffers. Conversions: %d %i %u %x %X %o %p %s %c %%,
 * flags '-' '0' '+' ' ' '#', width and precision (numbers or '*'), length
 * modifiers hh h l ll z t j. No floating point. */
#ifndef MICA_LIBC_STDIO_H
#define MICA_LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

int printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char* fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int snprintf(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char* buf, size_t size, const char* fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int puts(const char* s);
int putchar(int c);

/* Files: a realm has none. fopen() returns NULL; the others fail (they
 * exist so that prebuilt libraries that mention them link). */
typedef struct mica_file FILE;
FILE* fopen(const char* path, const char* mode);
int fclose(FILE* file);
size_t fread(void* buffer, size_t size, size_t count, FILE* file);
size_t fwrite(const void* buffer, size_t size, size_t count, FILE* file);
char* fgets(char* buffer, int size, FILE* file);
int ferror(FILE* file);
int fprintf(FILE* file, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif
