# Toolchain for realm programs: freestanding AArch64 images, built with
# Debian's aarch64-linux-gnu cross compiler (scripts/install-deps installs
# it), linked with realm-sdk/link/realm.ld and the SDK runtime. Nothing from
# the cross glibc is used: C headers come from realm-sdk/include/libc and the
# compiler's own freestanding headers.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
                OUTPUT_VARIABLE MICA_REALM_COMPILER_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)

# armv8-a without outline atomics (their helpers probe HWCAP through the C
# library); no PIC, no stack protector, no unwind tables.
set(MICA_REALM_COMMON_FLAGS
    "-march=armv8-a -mno-outline-atomics -ffreestanding -nostdinc -isystem ${MICA_REALM_COMPILER_INCLUDE} -fno-pic -fno-pie -fno-stack-protector -fno-common -fno-asynchronous-unwind-tables -fno-unwind-tables")
set(CMAKE_C_FLAGS_INIT "${MICA_REALM_COMMON_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${MICA_REALM_COMMON_FLAGS} -nostdinc++ -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit")
set(CMAKE_ASM_FLAGS_INIT "-march=armv8-a")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments")
