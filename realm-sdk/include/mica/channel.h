/* Mica channels from inside a realm: shared protected memory the policy
 * names, mapped by the host where MICA_RSI_CHANNEL_INFO says, and a ring
 * for messages over it.
 *
 * The ring has ONE producer: the channel's writer (for a bidirectional
 * channel, each end produces into its own half). Readers map the pages
 * read-only and cannot tell the producer what they consumed, so the ring
 * never blocks: a producer that laps a slow reader overwrites old messages,
 * and that reader sees MICA_RING_OVERRUN and resumes at the newest data.
 *
 * Memory ordering. The producer announces how far it is about to write
 * (`claimed`) before it writes, and how far the data is complete
 * (`published`) after, each separated from the data by a barrier. A reader
 * loads `published` with acquire semantics before it reads data, copies the
 * message, then (after an acquire barrier) loads `claimed`: if the producer
 * had claimed the bytes it just copied for a newer lap, the copy may be torn
 * and is discarded. Data words are accessed with single 64-bit atomic
 * (relaxed) accesses, so no access is a data race; on aarch64 they are
 * copied eight at a time with LDP/STP of X registers, each register one
 * single-copy-atomic 64-bit access, as a relaxed access compiles to.
 */
#ifndef MICA_CHANNEL_H
#define MICA_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mica/mica_abi.h"
#include "mica/rsi_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mica_channel_info {
  uint64_t base;          /* IPA of page 0 in this realm (0 while nothing is mapped) */
  uint64_t size;          /* bytes */
  uint32_t permission;    /* MICA_CHANNEL_READ | MICA_CHANNEL_WRITE */
  uint32_t mapped_pages;  /* pages the host has mapped into this realm so far */
  uint32_t writer;        /* the channel's writer component */
  bool bidirectional;     /* then both ends read and write */
};
uint64_t mica_get_channel_info(unsigned index, struct mica_channel_info* out);
/* Every page of the channel is mapped into this realm. */
static inline bool mica_channel_mapped(const struct mica_channel_info* info) {
  return info->base != 0 && (uint64_t)info->mapped_pages * 4096u == info->size;
}

/* --- The ring ---------------------------------------------------------------- */
#define MICA_RING_MAGIC 0x474E4952414349D4ull
#define MICA_RING_HEADER_SIZE 64u

enum mica_ring_status {
  MICA_RING_OK = 0,
  MICA_RING_EMPTY = 1,      /* nothing new */
  MICA_RING_NOT_READY = 2,  /* the producer has not formatted the ring yet */
  MICA_RING_OVERRUN = 3,    /* the producer overwrote messages this reader had not read */
  MICA_RING_TOO_LONG = 4,   /* the message does not fit (write) or the buffer (read) */
  MICA_RING_BAD = 5,        /* the region is not a ring this SDK can use */
};

struct mica_ring {
  uint64_t* header;   /* magic, capacity, claimed, published */
  uint64_t* data;     /* capacity bytes, 8-byte words */
  uint64_t capacity;
  uint64_t tail;      /* reader: bytes consumed */
};

/* Producer: formats `size` bytes at `region` (8-byte aligned) as an empty ring. */
enum mica_ring_status mica_ring_init(struct mica_ring* ring, void* region, uint64_t size);
/* Reader: attaches to a ring the producer formatted; starts at its first
 * message, or (once the producer has wrapped) at the next one it writes. */
enum mica_ring_status mica_ring_attach(struct mica_ring* ring, const void* region, uint64_t size);
enum mica_ring_status mica_ring_write(struct mica_ring* ring, const void* message, uint32_t length);
/* Copies the next message (at most `capacity` bytes) and its length. */
enum mica_ring_status mica_ring_read(struct mica_ring* ring, void* message, uint32_t capacity, uint32_t* length);

/* --- A channel as a ring (or two) --------------------------------------------- */
struct mica_channel {
  struct mica_channel_info info;
  struct mica_ring send;     /* valid if this realm writes */
  struct mica_ring receive;  /* valid if this realm reads */
  bool can_send;
  bool can_receive;
};
/* Opens channel `index` of this realm's workflow once the host has mapped
 * all of it: the writer formats its ring, a reader attaches (and may get
 * MICA_RING_NOT_READY until the writer has run). A bidirectional channel is
 * split in two halves: the channel's writer produces into the first, the
 * other end into the second. Returns MICA_RING_OK, NOT_READY or BAD. */
enum mica_ring_status mica_channel_open(unsigned index, struct mica_channel* channel);

#ifdef __cplusplus
}
#endif

#endif /* MICA_CHANNEL_H */
