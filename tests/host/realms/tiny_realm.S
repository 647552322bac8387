// A tiny realm program for the host tests: code, read-only data, initialised
// data and BSS in separate pages, entered at _start with the boot ABI of
// docs/load-plan.md (X0 = RAM base, X1 = RAM size, X2 = number of RECs).
    .section .text.boot, "ax"
    .global _start
_start:
    add     x9, x0, x1              // stack at the top of RAM
    mov     sp, x9
    adrp    x10, counter
    ldr     x11, [x10, :lo12:counter]
    add     x11, x11, x2
    str     x11, [x10, :lo12:counter]
    adrp    x12, scratch
    str     x11, [x12, :lo12:scratch]
1:  wfi
    b       1b

    .section .rodata
    .global banner
banner:
    .asciz  "tiny realm"

    .section .data
    .balign 8
    .global counter
counter:
    .quad   42

    .section .bss
    .balign 16
    .global scratch
scratch:
    .skip   0x5000
