/* Channels and the single-producer ring (mica/channel.h). */
#include "mica/channel.h"

#include "mica/workflow.h"

void mica_smc_wide(uint64_t regs[12]);

enum { kMagic = 0, kCapacity = 1, kClaimed = 2, kPublished = 3 };
#define WORD 8u

static uint64_t load_relaxed(const uint64_t* p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static void store_relaxed(uint64_t* p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static uint64_t round_up(uint64_t n) { return (n + WORD - 1) & ~(uint64_t)(WORD - 1); }

uint64_t mica_get_channel_info(unsigned index, struct mica_channel_info* out) {
  uint64_t r[12] = {MICA_RSI_CHANNEL_INFO, index};
  mica_smc_wide(r);
  if (r[0] != MICA_RSI_SUCCESS) return r[0];
  out->base = r[1];
  out->size = r[2];
  out->permission = (uint32_t)r[3];
  out->mapped_pages = (uint32_t)r[4];
  out->writer = (uint32_t)r[5];
  out->bidirectional = r[6] != 0;
  return r[0];
}

static enum mica_ring_status bind_region(struct mica_ring* ring, const void* region, uint64_t size) {
  if (((uintptr_t)region & (WORD - 1)) != 0 || size < MICA_RING_HEADER_SIZE + 2 * WORD) return MICA_RING_BAD;
  ring->header = (uint64_t*)(uintptr_t)region;
  ring->data = ring->header + MICA_RING_HEADER_SIZE / WORD;
  ring->capacity = (size - MICA_RING_HEADER_SIZE) & ~(uint64_t)(WORD - 1);
  ring->tail = 0;
  return MICA_RING_OK;
}

enum mica_ring_status mica_ring_init(struct mica_ring* ring, void* region, uint64_t size) {
  const enum mica_ring_status bound = bind_region(ring, region, size);
  if (bound != MICA_RING_OK) return bound;
  store_relaxed(&ring->header[kCapacity], ring->capacity);
  store_relaxed(&ring->header[kClaimed], 0);
  store_relaxed(&ring->header[kPublished], 0);
  /* The magic last: a reader that sees it sees the rest. */
  __atomic_store_n(&ring->header[kMagic], MICA_RING_MAGIC, __ATOMIC_RELEASE);
  return MICA_RING_OK;
}

enum mica_ring_status mica_ring_attach(struct mica_ring* ring, const void* region, uint64_t size) {
  const enum mica_ring_status bound = bind_region(ring, region, size);
  if (bound != MICA_RING_OK) return bound;
  if (__atomic_load_n(&ring->header[kMagic], __ATOMIC_ACQUIRE) != MICA_RING_MAGIC) return MICA_RING_NOT_READY;
  if (load_relaxed(&ring->header[kCapacity]) != ring->capacity) return MICA_RING_BAD;
  /* Messages start at 0 and at each message's end. While the producer has
   * not wrapped, all of them are still there; once it has, the oldest
   * message boundary in the ring is unknown, so start with the next one. */
  const uint64_t published = __atomic_load_n(&ring->header[kPublished], __ATOMIC_ACQUIRE);
  ring->tail = published > ring->capacity ? published : 0;
  return MICA_RING_OK;
}

/* --- Copies between a message and the ring ---------------------------------------
 * A message occupies whole words of the stream from an 8-aligned offset,
 * wrapped into the data area: at most two contiguous runs of words. Each
 * run is copied in blocks of eight words (one modulo per message, not per
 * word: on the emulated realm CPU every instruction counts). Every ring word
 * is accessed once, with one 64-bit single-copy-atomic access: on aarch64
 * an LDP/STP of two X registers (architecturally two such accesses, as a
 * relaxed atomic access compiles to), elsewhere -- the host build the tests
 * use -- a relaxed atomic access. */

/* `words` words from `from` (any alignment) into the ring at `to`. */
static void words_to_ring(uint64_t* to, const uint8_t* from, uint64_t words) {
#if defined(__aarch64__)
  for (; words >= 8; words -= 8, to += 8, from += 8 * WORD) {
    __asm__ volatile(
        "ldp x2, x3, [%[s]]\n\tldp x4, x5, [%[s], #16]\n\tldp x6, x7, [%[s], #32]\n\tldp x8, x9, [%[s], #48]\n\t"
        "stp x2, x3, [%[d]]\n\tstp x4, x5, [%[d], #16]\n\tstp x6, x7, [%[d], #32]\n\tstp x8, x9, [%[d], #48]"
        :
        : [d] "r"(to), [s] "r"(from)
        : "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "memory");
  }
#endif
  for (; words > 0; --words, ++to, from += WORD) {
    uint64_t word;
    __builtin_memcpy(&word, from, WORD);
    store_relaxed(to, word);
  }
}

/* `words` words of the ring at `from` into `to` (any alignment). */
static void words_from_ring(uint8_t* to, const uint64_t* from, uint64_t words) {
#if defined(__aarch64__)
  for (; words >= 8; words -= 8, from += 8, to += 8 * WORD) {
    __asm__ volatile(
        "ldp x2, x3, [%[s]]\n\tldp x4, x5, [%[s], #16]\n\tldp x6, x7, [%[s], #32]\n\tldp x8, x9, [%[s], #48]\n\t"
        "stp x2, x3, [%[d]]\n\tstp x4, x5, [%[d], #16]\n\tstp x6, x7, [%[d], #32]\n\tstp x8, x9, [%[d], #48]"
        :
        : [d] "r"(to), [s] "r"(from)
        : "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "memory");
  }
#endif
  for (; words > 0; --words, ++from, to += WORD) {
    const uint64_t word = load_relaxed(from);
    __builtin_memcpy(to, &word, WORD);
  }
}

/* Index in the data area of the stream's byte `offset` (8-aligned). */
static uint64_t slot_of(const struct mica_ring* ring, uint64_t offset) { return (offset % ring->capacity) / WORD; }

/* Writes `length` bytes at stream offset `offset`, the last word zero-padded. */
static void ring_put(const struct mica_ring* ring, uint64_t offset, const uint8_t* bytes, uint64_t length) {
  const uint64_t slots = ring->capacity / WORD;
  const uint64_t first = slot_of(ring, offset);
  const uint64_t words = length / WORD;
  const uint64_t run = words < slots - first ? words : slots - first;
  words_to_ring(&ring->data[first], bytes, run);
  words_to_ring(&ring->data[0], bytes + run * WORD, words - run);
  const uint64_t done = words * WORD;
  if (done < length) {
    uint64_t word = 0;
    for (uint64_t b = 0; done + b < length; ++b) word |= (uint64_t)bytes[done + b] << (8 * b);
    store_relaxed(&ring->data[(first + words) % slots], word);
  }
}

/* Reads `length` bytes at stream offset `offset`. */
static void ring_get(const struct mica_ring* ring, uint64_t offset, uint8_t* bytes, uint64_t length) {
  const uint64_t slots = ring->capacity / WORD;
  const uint64_t first = slot_of(ring, offset);
  const uint64_t words = length / WORD;
  const uint64_t run = words < slots - first ? words : slots - first;
  words_from_ring(bytes, &ring->data[first], run);
  words_from_ring(bytes + run * WORD, &ring->data[0], words - run);
  const uint64_t done = words * WORD;
  if (done < length) {
    const uint64_t word = load_relaxed(&ring->data[(first + words) % slots]);
    for (uint64_t b = 0; done + b < length; ++b) bytes[done + b] = (uint8_t)(word >> (8 * b));
  }
}

enum mica_ring_status mica_ring_write(struct mica_ring* ring, const void* message, uint32_t length) {
  const uint64_t need = WORD + round_up(length);
  if (need > ring->capacity) return MICA_RING_TOO_LONG;
  uint64_t* header = ring->header;
  const uint64_t start = load_relaxed(&header[kPublished]);  /* written only by this producer */
  /* Announce the bytes about to be overwritten before touching them. */
  store_relaxed(&header[kClaimed], start + need);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  store_relaxed(&ring->data[slot_of(ring, start)], length);
  ring_put(ring, start + WORD, (const uint8_t*)message, length);
  /* The message is complete before readers can see it. */
  __atomic_store_n(&header[kPublished], start + need, __ATOMIC_RELEASE);
  return MICA_RING_OK;
}

enum mica_ring_status mica_ring_read(struct mica_ring* ring, void* message, uint32_t capacity, uint32_t* length) {
  const uint64_t* header = ring->header;
  const uint64_t published = __atomic_load_n(&header[kPublished], __ATOMIC_ACQUIRE);
  if (published == ring->tail) return MICA_RING_EMPTY;
  if (published - ring->tail > ring->capacity) {
    ring->tail = published;
    return MICA_RING_OVERRUN;
  }
  const uint64_t size = load_relaxed(&ring->data[slot_of(ring, ring->tail)]);
  const uint64_t need = WORD + round_up(size);
  if (size > 0xFFFFFFFFu || need > published - ring->tail) {
    /* A length the producer cannot have written for this position: the
     * slot was overwritten under us. */
    ring->tail = published;
    return MICA_RING_OVERRUN;
  }
  if (size > capacity) return MICA_RING_TOO_LONG;
  ring_get(ring, ring->tail + WORD, (uint8_t*)message, size);
  /* Were any of those bytes claimed for a newer lap while we copied? */
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  const uint64_t claimed = load_relaxed(&header[kClaimed]);
  if (claimed - ring->tail > ring->capacity) {
    ring->tail = published;
    return MICA_RING_OVERRUN;
  }
  ring->tail += need;
  *length = (uint32_t)size;
  return MICA_RING_OK;
}

enum mica_ring_status mica_channel_open(unsigned index, struct mica_channel* channel) {
  if (channel->info.size == 0) {
    if (mica_get_channel_info(index, &channel->info) != MICA_RSI_SUCCESS) return MICA_RING_BAD;
  }
  if (!mica_channel_mapped(&channel->info)) {
    /* The host may still be mapping it: ask again next time. */
    const uint64_t status = mica_get_channel_info(index, &channel->info);
    if (status != MICA_RSI_SUCCESS) return MICA_RING_BAD;
    if (!mica_channel_mapped(&channel->info)) return MICA_RING_NOT_READY;
  }
  uint8_t* base = (uint8_t*)(uintptr_t)channel->info.base;
  uint64_t size = channel->info.size;
  uint8_t* send_region = base;
  uint8_t* receive_region = base;
  if (channel->info.bidirectional) {
    struct mica_workflow_info self;
    if (mica_get_workflow_info(&self) != MICA_RSI_SUCCESS) return MICA_RING_BAD;
    size /= 2;
    const bool first_half_is_mine = self.component == channel->info.writer;
    send_region = first_half_is_mine ? base : base + size;
    receive_region = first_half_is_mine ? base + size : base;
  }
  const bool writes = (channel->info.permission & MICA_CHANNEL_WRITE) != 0;
  const bool reads = channel->info.bidirectional || !writes;
  if (writes && !channel->can_send) {
    const enum mica_ring_status s = mica_ring_init(&channel->send, send_region, size);
    if (s != MICA_RING_OK) return s;
    channel->can_send = true;
  }
  if (reads && !channel->can_receive) {
    const enum mica_ring_status s = mica_ring_attach(&channel->receive, receive_region, size);
    if (s != MICA_RING_OK) return s;
    channel->can_receive = true;
  }
  return MICA_RING_OK;
}
