/* Realm SDK C library: the mutexes of <pthread.h>, over the SDK's spinlock
 * (RECs of one realm share memory; there are no threads otherwise).
 * pthread_mutex_t has the size and alignment of the aarch64 Linux C library
 * (48 bytes) because prebuilt libraries embed it in their structures. */
#ifndef MICA_LIBC_PTHREAD_H
#define MICA_LIBC_PTHREAD_H

#ifdef __cplusplus
extern "C" {
#endif

typedef union {
  char size_[48];
  long align_;
} pthread_mutex_t;
typedef union {
  char size_[8];
  int align_;
} pthread_mutexattr_t;

int pthread_mutex_init(pthread_mutex_t* mutex, const pthread_mutexattr_t* attributes);
int pthread_mutex_destroy(pthread_mutex_t* mutex);
int pthread_mutex_lock(pthread_mutex_t* mutex);
int pthread_mutex_unlock(pthread_mutex_t* mutex);

#ifdef __cplusplus
}
#endif

#endif
