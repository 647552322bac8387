// The C++ runtime pieces a freestanding realm program needs: operator new
// and delete over the SDK heap, pure virtual calls, static destructors
// (never run: a realm ends with PSCI SYSTEM_OFF).
#include <stddef.h>
#include <stdlib.h>

#include "mica/realm.h"

void* operator new(size_t size) {
  void* p = malloc(size);
  if (p == nullptr) abort();  // no exceptions: allocation failure ends the realm
  return p;
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }

extern "C" void __cxa_pure_virtual() { abort(); }
extern "C" int atexit(void (*)(void)) { return 0; }
