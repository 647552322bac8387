/* What a library built for the aarch64 Linux C library expects of one, for
 * the prebuilt crypto library realm programs link (Debian's
 * libmbedcrypto.a, built with _FORTIFY_SOURCE and -fstack-protector-strong):
 *   - the stack protector's guard and failure routine; the guard is drawn
 *     from the PE's generator before any constructor or main runs;
 *   - the fortified mem* and printf entry points, checking their bounds;
 *   - pthread mutexes over the SDK's spinlock;
 *   - files and calendar time, which a realm does not have: they fail
 *     cleanly (fopen returns NULL, gmtime_r NULL, time (time_t)-1).
 * Nothing here is cryptography: that is all in the library. */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mica/realm.h"

/* --- Stack protector ----------------------------------------------------------- */
uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ull; /* replaced before main */

__attribute__((constructor(101))) static void stack_guard_init(void) {
  uint64_t guard;
  if (mica_random_u64(&guard)) __stack_chk_guard = (uintptr_t)guard;
}

__attribute__((noreturn)) void __stack_chk_fail(void) {
  static const char message[] = "realm: stack smashing detected in a library\n";
  mica_console_write(message, sizeof message - 1);
  mica_exit(0x1FF);
}

/* --- Fortified entry points ------------------------------------------------------- */
__attribute__((noreturn)) static void fortify_fail(const char* what) {
  printf("realm: buffer overflow detected by %s\n", what);
  mica_exit(0x1FE);
}

void* __memcpy_chk(void* dst, const void* src, size_t n, size_t dst_size) {
  if (n > dst_size) fortify_fail("memcpy");
  return memcpy(dst, src, n);
}

void* __memmove_chk(void* dst, const void* src, size_t n, size_t dst_size) {
  if (n > dst_size) fortify_fail("memmove");
  return memmove(dst, src, n);
}

void* __memset_chk(void* dst, int c, size_t n, size_t dst_size) {
  if (n > dst_size) fortify_fail("memset");
  return memset(dst, c, n);
}

int __printf_chk(int flag, const char* fmt, ...) {
  (void)flag;
  va_list ap;
  va_start(ap, fmt);
  const int n = vprintf(fmt, ap);
  va_end(ap);
  return n;
}

int __snprintf_chk(char* buf, size_t size, int flag, size_t buf_size, const char* fmt, ...) {
  (void)flag;
  if (size > buf_size) fortify_fail("snprintf");
  va_list ap;
  va_start(ap, fmt);
  const int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

/* --- Mutexes ------------------------------------------------------------------------- */
_Static_assert(sizeof(pthread_mutex_t) == 48, "the aarch64 Linux C library's pthread_mutex_t");
_Static_assert(sizeof(mica_spinlock) <= sizeof(pthread_mutex_t), "a spinlock fits in a mutex");

int pthread_mutex_init(pthread_mutex_t* mutex, const pthread_mutexattr_t* attributes) {
  (void)attributes;
  memset(mutex, 0, sizeof *mutex);
  return 0;
}

int pthread_mutex_destroy(pthread_mutex_t* mutex) {
  (void)mutex;
  return 0;
}

int pthread_mutex_lock(pthread_mutex_t* mutex) {
  mica_spin_lock((mica_spinlock*)(void*)mutex);
  return 0;
}

int pthread_mutex_unlock(pthread_mutex_t* mutex) {
  mica_spin_unlock((mica_spinlock*)(void*)mutex);
  return 0;
}

/* --- Files and time: a realm has neither ---------------------------------------------- */
FILE* fopen(const char* path, const char* mode) {
  (void)path;
  (void)mode;
  return NULL;
}

int fclose(FILE* file) {
  (void)file;
  return -1;
}

size_t fread(void* buffer, size_t size, size_t count, FILE* file) {
  (void)buffer, (void)size, (void)count, (void)file;
  return 0;
}

size_t fwrite(const void* buffer, size_t size, size_t count, FILE* file) {
  (void)buffer, (void)size, (void)count, (void)file;
  return 0;
}

char* fgets(char* buffer, int size, FILE* file) {
  (void)buffer, (void)size, (void)file;
  return NULL;
}

int ferror(FILE* file) {
  (void)file;
  return 1;
}

int fprintf(FILE* file, const char* fmt, ...) {
  (void)file, (void)fmt;
  return -1;
}

time_t time(time_t* now) {
  if (now != NULL) *now = (time_t)-1;
  return (time_t)-1;
}

struct tm* gmtime_r(const time_t* t, struct tm* out) {
  (void)t, (void)out;
  return NULL;
}
