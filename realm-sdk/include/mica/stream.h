/* Flow-controlled streams over Mica channels.
 *
 * A channel has one writer and read-only readers, so a reader cannot tell
 * the writer what it has consumed through the channel itself: the ring of
 * mica/channel.h never blocks and overwrites what a slow reader has not
 * read. A stream adds, per reader, a CREDIT channel the policy names
 * (reader -> writer, one page): the reader publishes there how many bytes of
 * the ring it has consumed, and the writer never writes past the slowest
 * reader. Nothing is lost, and a policy shows the credit path as what it is,
 * a path from reader to writer.
 *
 *   channel records        : ingest -> analytics size 1 MiB;
 *   channel records_credit : analytics -> ingest size 4 KiB;
 *
 * Both ends wait by yielding the PE (WFI: the host runs someone else); a
 * wait gives up when the peer realm is no longer active, so a stream never
 * waits for a realm that has gone. A reader that lies in its credit can only
 * hurt itself: a credit beyond what was written counts as "read everything".
 */
#ifndef MICA_STREAM_H
#define MICA_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "mica/channel.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MICA_STREAM_MAX_READERS 8u

enum mica_stream_status {
  MICA_STREAM_OK = 0,
  MICA_STREAM_NOT_READY = 1, /* open: the host has not mapped everything yet */
  MICA_STREAM_EMPTY = 2,     /* try_receive: nothing new */
  MICA_STREAM_CLOSED = 3,    /* the peer realm is not active any more */
  MICA_STREAM_TOO_LONG = 4,  /* the message does not fit the ring (send) or the buffer (receive) */
  MICA_STREAM_BAD = 5,       /* not channels this realm can use this way, or a broken ring */
};
const char* mica_stream_status_name(enum mica_stream_status status);

struct mica_stream_writer {
  struct mica_channel data;
  unsigned data_index;
  unsigned reader_count;
  unsigned credit_index[MICA_STREAM_MAX_READERS];
  uint32_t reader_component[MICA_STREAM_MAX_READERS];
  const uint64_t* credit[MICA_STREAM_MAX_READERS];
  uint64_t waits; /* times send had to wait for a reader */
};

struct mica_stream_reader {
  struct mica_channel data;
  unsigned data_index;
  unsigned credit_index;
  uint64_t* credit;
};

/* Opens the writer end: `data_channel` this realm writes, and one credit
 * channel per reader (each written by that reader, read by this realm).
 * NOT_READY until the host has mapped them all; call again. */
enum mica_stream_status mica_stream_writer_open(struct mica_stream_writer* writer, unsigned data_channel,
                                                const unsigned* credit_channels, unsigned count);
/* Sends one message, waiting while the slowest reader has not made room. */
enum mica_stream_status mica_stream_send(struct mica_stream_writer* writer, const void* message, uint32_t length);
/* Largest message the stream carries. */
uint32_t mica_stream_max_message(const struct mica_stream_writer* writer);

/* Opens a reader end: `data_channel` this realm reads, `credit_channel`
 * this realm writes back to the data channel's writer. */
enum mica_stream_status mica_stream_reader_open(struct mica_stream_reader* reader, unsigned data_channel,
                                                unsigned credit_channel);
/* The next message, without waiting (EMPTY if there is none). */
enum mica_stream_status mica_stream_try_receive(struct mica_stream_reader* reader, void* message, uint32_t capacity,
                                                uint32_t* length);
/* The next message, waiting for it; CLOSED if the writer went away with
 * nothing left to read. */
enum mica_stream_status mica_stream_receive(struct mica_stream_reader* reader, void* message, uint32_t capacity,
                                            uint32_t* length);
/* True while the writer's realm is active. */
bool mica_stream_writer_alive(const struct mica_stream_reader* reader);

/* Yields the PE to the host (WFI): what every wait in the SDK does. */
void mica_yield(void);

#ifdef __cplusplus
}
#endif

#endif /* MICA_STREAM_H */
