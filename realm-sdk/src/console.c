/* The realm console: RSI_HOST_CALL with the SDK's CONSOLE_WRITE convention
 * (mica/rsi_abi.h), and the spinlock that keeps RECs' lines apart. */
#include <string.h>

#include "internal.h"

static mica_spinlock console_lock;

void mica_spin_lock(mica_spinlock* lock) {
  while (__atomic_exchange_n(&lock->locked, 1u, __ATOMIC_ACQUIRE) != 0) {
    while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0) {
    }
  }
}

void mica_spin_unlock(mica_spinlock* lock) { __atomic_store_n(&lock->locked, 0u, __ATOMIC_RELEASE); }

void mica_console_write_unlocked(const char* bytes, size_t length) {
  struct rsi_host_call_data* call = mica_host_call_buffer();
  while (length > 0) {
    const size_t chunk = length < MICA_HOST_CALL_CONSOLE_MAX ? length : MICA_HOST_CALL_CONSOLE_MAX;
    memset(call, 0, sizeof *call);
    call->imm = MICA_HOST_CALL_CONSOLE_WRITE;
    call->gprs[0] = chunk;
    memcpy(&call->gprs[1], bytes, chunk); /* little-endian packing = memory order */
    rsi_host_call(call);
    bytes += chunk;
    length -= chunk;
  }
}

void mica_console_write(const char* bytes, size_t length) {
  mica_spin_lock(&console_lock);
  mica_console_write_unlocked(bytes, length);
  mica_spin_unlock(&console_lock);
}
