/* Hostile: never yields. Only the host timer (the instruction budget) gets
 * the CPU back. */
#include <stdio.h>

int main(void) {
  printf("spinning forever\n");
  for (volatile unsigned long i = 0;; ++i) {
  }
}
