/* Realm SDK C library: <time.h>. A realm has no trustworthy clock (the host
 * controls every timer it could read), so time() fails with (time_t)-1 and
 * gmtime_r() with NULL. The types have the layout of the aarch64 Linux C
 * library, so that prebuilt libraries (Debian's libmbedcrypto.a) agree. */
#ifndef MICA_LIBC_TIME_H
#define MICA_LIBC_TIME_H

#ifdef __cplusplus
extern "C" {
#endif

typedef long time_t;

struct tm {
  int tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_wday, tm_yday, tm_isdst;
  long tm_gmtoff;
  const char* tm_zone;
};

time_t time(time_t* now);
struct tm* gmtime_r(const time_t* t, struct tm* out);

#ifdef __cplusplus
}
#endif

#endif
