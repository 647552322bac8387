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

/* Word i of the stream (byte offset 8 * i), wrapped into the data area. */
static uint64_t* word_at(const struct mica_ring* ring, uint64_t byte_offset) {
  return &ring->data[(byte_offset % ring->capacity) / WORD];
}

enum mica_ring_status mica_ring_write(struct mica_ring* ring, const void* message, uint32_t length) {
  const uint64_t need = WORD + round_up(length);
  if (need > ring->capacity) return MICA_RING_TOO_LONG;
  uint64_t* header = ring->header;
  const uint64_t start = load_relaxed(&header[kPublished]);  /* written only by this producer */
  /* Announce the bytes about to be overwritten before touching them. */
  store_relaxed(&header[kClaimed], start + need);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  store_relaxed(word_at(ring, start), length);
  const uint8_t* bytes = (const uint8_t*)message;
  const uint64_t whole = length & ~(uint64_t)(WORD - 1);
  uint64_t done = 0;
  /* Whole words straight through: one load, one store per 8 bytes. */
  for (; done < whole; done += WORD) {
    uint64_t word;
    __builtin_memcpy(&word, bytes + done, WORD);
    store_relaxed(word_at(ring, start + WORD + done), word);
  }
  if (done < length) {
    uint64_t word = 0;
    for (uint64_t b = 0; done + b < length; ++b) word |= (uint64_t)bytes[done + b] << (8 * b);
    store_relaxed(word_at(ring, start + WORD + done), word);
  }
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
  const uint64_t size = load_relaxed(word_at(ring, ring->tail));
  const uint64_t need = WORD + round_up(size);
  if (size > 0xFFFFFFFFu || need > published - ring->tail) {
    /* A length the producer cannot have written for this position: the
     * slot was overwritten under us. */
    ring->tail = published;
    return MICA_RING_OVERRUN;
  }
  if (size > capacity) return MICA_RING_TOO_LONG;
  uint8_t* bytes = (uint8_t*)message;
  const uint64_t whole = size & ~(uint64_t)(WORD - 1);
  uint64_t done = 0;
  for (; done < whole; done += WORD) {
    const uint64_t word = load_relaxed(word_at(ring, ring->tail + WORD + done));
    __builtin_memcpy(bytes + done, &word, WORD);
  }
  if (done < size) {
    const uint64_t word = load_relaxed(word_at(ring, ring->tail + WORD + done));
    for (uint64_t b = 0; done + b < size; ++b) bytes[done + b] = (uint8_t)(word >> (8 * b));
  }
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
