/* Realm SDK C library: the heap. First fit over an address-ordered free
 * list; freed blocks coalesce with their neighbours. Blocks are 16-byte
 * aligned with a 16-byte header; a magic word in the header of an allocated
 * block catches frees of pointers the heap never handed out. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define ALIGN 16u
#define HEADER 16u
#define MIN_BLOCK 32u
#define MAGIC_ALLOCATED 0x4D49434148454150ull /* "MICAHEAP" */

struct block {
  size_t size;          /* bytes including the header */
  union {
    struct block* next; /* free blocks */
    uint64_t magic;     /* allocated blocks */
  } u;
};

static struct block* free_list;
static size_t heap_size;
static size_t heap_free_bytes;
static mica_spinlock heap_lock;

void mica_heap_init(uintptr_t start, uintptr_t end) {
  start = (start + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
  end &= ~(uintptr_t)(ALIGN - 1);
  free_list = NULL;
  heap_size = 0;
  heap_free_bytes = 0;
  if (end <= start || end - start < MIN_BLOCK) return;
  free_list = (struct block*)start;
  free_list->size = end - start;
  free_list->u.next = NULL;
  heap_size = heap_free_bytes = end - start;
}

size_t mica_heap_size(void) { return heap_size; }
size_t mica_heap_free(void) { return heap_free_bytes; }

void* malloc(size_t size) {
  if (size == 0) size = 1;
  if (size > SIZE_MAX - HEADER - ALIGN) return NULL;
  size_t need = (size + HEADER + ALIGN - 1) & ~(size_t)(ALIGN - 1);
  if (need < MIN_BLOCK) need = MIN_BLOCK;
  mica_spin_lock(&heap_lock);
  struct block** link = &free_list;
  for (struct block* b = free_list; b != NULL; link = &b->u.next, b = b->u.next) {
    if (b->size < need) continue;
    if (b->size - need >= MIN_BLOCK) {  /* split: the tail stays free */
      struct block* rest = (struct block*)((uintptr_t)b + need);
      rest->size = b->size - need;
      rest->u.next = b->u.next;
      *link = rest;
      b->size = need;
    } else {
      *link = b->u.next;
    }
    heap_free_bytes -= b->size;
    b->u.magic = MAGIC_ALLOCATED;
    mica_spin_unlock(&heap_lock);
    return (void*)((uintptr_t)b + HEADER);
  }
  mica_spin_unlock(&heap_lock);
  return NULL;
}

void free(void* ptr) {
  if (ptr == NULL) return;
  struct block* b = (struct block*)((uintptr_t)ptr - HEADER);
  mica_spin_lock(&heap_lock);
  if (b->u.magic != MAGIC_ALLOCATED) {
    mica_spin_unlock(&heap_lock);
    abort();
  }
  heap_free_bytes += b->size;
  struct block* prev = NULL;
  struct block* next = free_list;
  while (next != NULL && next < b) {
    prev = next;
    next = next->u.next;
  }
  b->u.next = next;
  if (next != NULL && (uintptr_t)b + b->size == (uintptr_t)next) {
    b->size += next->size;
    b->u.next = next->u.next;
  }
  if (prev != NULL && (uintptr_t)prev + prev->size == (uintptr_t)b) {
    prev->size += b->size;
    prev->u.next = b->u.next;
  } else if (prev != NULL) {
    prev->u.next = b;
  } else {
    free_list = b;
  }
  mica_spin_unlock(&heap_lock);
}

void* calloc(size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return NULL;
  void* p = malloc(count * size);
  if (p != NULL) memset(p, 0, count * size);
  return p;
}

void* realloc(void* ptr, size_t size) {
  if (ptr == NULL) return malloc(size);
  if (size == 0) {
    free(ptr);
    return NULL;
  }
  const struct block* b = (const struct block*)((uintptr_t)ptr - HEADER);
  const size_t capacity = b->size - HEADER;
  if (size <= capacity) return ptr;
  void* grown = malloc(size);
  if (grown == NULL) return NULL;
  memcpy(grown, ptr, capacity);
  free(ptr);
  return grown;
}
