/* Realm SDK C library: heap (first fit over a free list, coalescing), exit. */
#ifndef MICA_LIBC_STDLIB_H
#define MICA_LIBC_STDLIB_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void* malloc(size_t size);
void* calloc(size_t count, size_t size);
void* realloc(void* ptr, size_t size);
void free(void* ptr);
__attribute__((noreturn)) void exit(int status);
__attribute__((noreturn)) void abort(void);

#ifdef __cplusplus
}
#endif

#endif
