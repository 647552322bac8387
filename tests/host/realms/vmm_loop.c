/* A simple loop for measuring the realm CPU's instruction rate through the
 * whole stack (VMM, REC_ENTER, monitor, realm CPU): LOOP_ITERATIONS passes
 * of a two-instruction loop, then a line on the console. */
#include <stdint.h>
#include <stdio.h>

#define LOOP_ITERATIONS 100000000ull

int main(void) {
  uint64_t n = LOOP_ITERATIONS;
  __asm__ volatile("1: subs %0, %0, #1\n\tb.ne 1b" : "+r"(n) : : "cc");
  printf("loop of %llu iterations done\n", LOOP_ITERATIONS);
  return (int)n;
}
