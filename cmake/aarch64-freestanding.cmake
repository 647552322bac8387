# Cross-compiles the monitor (the TCB) as freestanding aarch64 code, the way
# it would be built for R-EL2 firmware: no exceptions, no RTTI, no libc.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(MICA_FREESTANDING ON CACHE BOOL "freestanding build of the monitor" FORCE)
set(CMAKE_CXX_FLAGS_INIT "-ffreestanding -fno-exceptions -fno-rtti -nostdlib -fno-threadsafe-statics -fno-use-cxa-atexit -mgeneral-regs-only -mno-outline-atomics -fno-stack-protector")
set(CMAKE_C_FLAGS_INIT "-ffreestanding -nostdlib -mgeneral-regs-only -mno-outline-atomics -fno-stack-protector")
