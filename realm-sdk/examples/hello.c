/* The smallest realm program: prints through the realm console. */
#include <stdio.h>

#include "mica/realm.h"

int main(void) {
  const struct mica_boot_info* boot = mica_boot();
  printf("Hello from a realm! REC %u of %llu, %llu KiB of RAM at 0x%llx\n", mica_rec_index(),
         (unsigned long long)boot->num_recs, (unsigned long long)(boot->ram_size >> 10),
         (unsigned long long)boot->ram_base);
  return 0;
}
