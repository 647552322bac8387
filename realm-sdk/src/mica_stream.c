/* Flow-controlled streams (mica/stream.h): a ring per data channel and a
 * consumed-bytes counter per reader in its credit channel's first word. */
#include "mica/stream.h"

#include "mica/workflow.h"

enum { kPublished = 3 };     /* the ring header's published-bytes word (mica_channel.c) */
enum { kPollsPerCheck = 64 }; /* waits between checks that the peer is still there */
#define WORD 8u

void mica_yield(void) { __asm__ volatile("wfi" ::: "memory"); }

const char* mica_stream_status_name(enum mica_stream_status status) {
  switch (status) {
    case MICA_STREAM_OK: return "ok";
    case MICA_STREAM_NOT_READY: return "not ready";
    case MICA_STREAM_EMPTY: return "empty";
    case MICA_STREAM_CLOSED: return "peer gone";
    case MICA_STREAM_TOO_LONG: return "too long";
    case MICA_STREAM_BAD: return "bad channel";
  }
  return "?";
}

static bool peer_active(uint32_t component) {
  struct mica_peer_info peer;
  return mica_get_peer_info(component, &peer) == MICA_RSI_SUCCESS && peer.state == MICA_PEER_ACTIVE;
}

static enum mica_stream_status from_ring(enum mica_ring_status status) {
  switch (status) {
    case MICA_RING_OK: return MICA_STREAM_OK;
    case MICA_RING_NOT_READY: return MICA_STREAM_NOT_READY;
    case MICA_RING_EMPTY: return MICA_STREAM_EMPTY;
    case MICA_RING_TOO_LONG: return MICA_STREAM_TOO_LONG;
    default: return MICA_STREAM_BAD;
  }
}

/* A credit channel as this realm must see it: mapped whole, with `permission`. */
static enum mica_stream_status open_credit(unsigned index, uint32_t permission, struct mica_channel_info* info) {
  if (mica_get_channel_info(index, info) != MICA_RSI_SUCCESS) return MICA_STREAM_BAD;
  if (info->bidirectional || (info->permission & MICA_CHANNEL_WRITE) != (permission & MICA_CHANNEL_WRITE)) {
    return MICA_STREAM_BAD;
  }
  return mica_channel_mapped(info) ? MICA_STREAM_OK : MICA_STREAM_NOT_READY;
}

enum mica_stream_status mica_stream_writer_open(struct mica_stream_writer* writer, unsigned data_channel,
                                                const unsigned* credit_channels, unsigned count) {
  if (count == 0 || count > MICA_STREAM_MAX_READERS) return MICA_STREAM_BAD;
  writer->data_index = data_channel;
  writer->reader_count = count;
  const enum mica_stream_status opened = from_ring(mica_channel_open(data_channel, &writer->data));
  if (opened != MICA_STREAM_OK) return opened;
  if (!writer->data.can_send || writer->data.info.bidirectional) return MICA_STREAM_BAD;
  for (unsigned i = 0; i < count; ++i) {
    struct mica_channel_info info;
    const enum mica_stream_status credit = open_credit(credit_channels[i], MICA_CHANNEL_READ, &info);
    if (credit != MICA_STREAM_OK) return credit;
    writer->credit_index[i] = credit_channels[i];
    writer->reader_component[i] = info.writer;
    writer->credit[i] = (const uint64_t*)(uintptr_t)info.base;
  }
  return MICA_STREAM_OK;
}

uint32_t mica_stream_max_message(const struct mica_stream_writer* writer) {
  const uint64_t capacity = writer->data.send.capacity;
  const uint64_t max = capacity > WORD ? capacity - WORD : 0;
  return max > 0xFFFFFFF8u ? 0xFFFFFFF8u : (uint32_t)(max & ~(uint64_t)(WORD - 1));
}

/* Bytes every reader has consumed; a credit beyond what was written counts
 * as everything (a lying reader only loses its own messages). */
static uint64_t slowest_reader(const struct mica_stream_writer* writer, uint64_t published) {
  uint64_t slowest = published;
  for (unsigned i = 0; i < writer->reader_count; ++i) {
    uint64_t consumed = __atomic_load_n(writer->credit[i], __ATOMIC_ACQUIRE);
    if (consumed > published) consumed = published;
    if (consumed < slowest) slowest = consumed;
  }
  return slowest;
}

enum mica_stream_status mica_stream_send(struct mica_stream_writer* writer, const void* message, uint32_t length) {
  struct mica_ring* ring = &writer->data.send;
  const uint64_t need = WORD + ((uint64_t)length + WORD - 1) / WORD * WORD;
  if (need > ring->capacity) return MICA_STREAM_TOO_LONG;
  for (uint64_t polls = 1;; ++polls) {
    const uint64_t published = __atomic_load_n(&ring->header[kPublished], __ATOMIC_RELAXED);
    if (published + need - slowest_reader(writer, published) <= ring->capacity) {
      return from_ring(mica_ring_write(ring, message, length));
    }
    if (polls % kPollsPerCheck == 0) {
      for (unsigned i = 0; i < writer->reader_count; ++i) {
        if (!peer_active(writer->reader_component[i])) return MICA_STREAM_CLOSED;
      }
    }
    ++writer->waits;
    mica_yield();
  }
}

enum mica_stream_status mica_stream_reader_open(struct mica_stream_reader* reader, unsigned data_channel,
                                                unsigned credit_channel) {
  reader->data_index = data_channel;
  reader->credit_index = credit_channel;
  const enum mica_stream_status opened = from_ring(mica_channel_open(data_channel, &reader->data));
  if (opened != MICA_STREAM_OK) return opened;
  if (!reader->data.can_receive || reader->data.info.bidirectional) return MICA_STREAM_BAD;
  struct mica_channel_info info;
  const enum mica_stream_status credit = open_credit(credit_channel, MICA_CHANNEL_WRITE, &info);
  if (credit != MICA_STREAM_OK) return credit;
  reader->credit = (uint64_t*)(uintptr_t)info.base;
  __atomic_store_n(reader->credit, reader->data.receive.tail, __ATOMIC_RELEASE);
  return MICA_STREAM_OK;
}

enum mica_stream_status mica_stream_try_receive(struct mica_stream_reader* reader, void* message, uint32_t capacity,
                                                uint32_t* length) {
  const enum mica_ring_status read = mica_ring_read(&reader->data.receive, message, capacity, length);
  if (read == MICA_RING_OVERRUN) return MICA_STREAM_BAD; /* the writer ignored our credit */
  if (read == MICA_RING_OK) {
    /* The copy is complete before the writer may reuse its bytes. */
    __atomic_store_n(reader->credit, reader->data.receive.tail, __ATOMIC_RELEASE);
  }
  return from_ring(read);
}

bool mica_stream_writer_alive(const struct mica_stream_reader* reader) {
  return peer_active(reader->data.info.writer);
}

enum mica_stream_status mica_stream_receive(struct mica_stream_reader* reader, void* message, uint32_t capacity,
                                            uint32_t* length) {
  for (uint64_t polls = 1;; ++polls) {
    const enum mica_stream_status status = mica_stream_try_receive(reader, message, capacity, length);
    if (status != MICA_STREAM_EMPTY) return status;
    if (polls % kPollsPerCheck == 0 && !mica_stream_writer_alive(reader)) {
      /* Gone: but it may have written its last messages just before. */
      const enum mica_stream_status last = mica_stream_try_receive(reader, message, capacity, length);
      return last == MICA_STREAM_EMPTY ? MICA_STREAM_CLOSED : last;
    }
    mica_yield();
  }
}
