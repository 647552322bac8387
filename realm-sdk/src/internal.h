/* Internal interfaces of the realm SDK runtime. */
#ifndef MICA_SDK_INTERNAL_H
#define MICA_SDK_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "mica/realm.h"

void mica_heap_init(uintptr_t start, uintptr_t end);
/* The calling REC's RsiHostCall buffer. */
struct rsi_host_call_data* mica_host_call_buffer(void);
/* Console output that takes no lock (exception reports). */
void mica_console_write_unlocked(const char* bytes, size_t length);
/* The formatter behind printf and snprintf: emit(ctx, c) per character. */
int mica_vformat(void (*emit)(void* ctx, char c), void* ctx, const char* fmt, va_list ap);

#endif
