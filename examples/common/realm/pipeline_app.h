/* Building blocks the example pipelines share: a line-oriented ingress and
 * a generic egress, over mica/pipeline.h and mica/secure_io.h. Each
 * example's programs pass their links and windows (from the header `mica
 * header` generates from the example's policy). */
#ifndef MICA_EXAMPLES_PIPELINE_APP_H
#define MICA_EXAMPLES_PIPELINE_APP_H

#include <stddef.h>
#include <stdint.h>

#include "mica/pipeline.h"
#include "mica/secure_io.h"

/* Largest RECORD payload the examples send (a frame is one ring message). */
#define APP_MAX_RECORD 8192u
/* Frame buffer: a token-carrying EVIDENCE frame is the largest control frame. */
#define APP_FRAME_BUFFER (APP_MAX_RECORD + 8192u)

/* Opens a stage or ends the realm: status 10 + why. */
void app_open_stage(struct mica_stage* stage, const struct mica_link* inputs, unsigned input_count,
                    const struct mica_link* outputs, unsigned output_count);

/* The ingress: receives the owner's sealed data through the inbox window
 * and sends it on as RECORD frames, each payload starting with a u32
 * sequence number (0, 1, 2, ...), then END. With `whole_lines` a frame
 * holds whole lines of text; else any bytes. Returns the exit status. */
int app_run_ingress(const struct mica_link* outputs, unsigned output_count, uint64_t inbox_offset,
                    uint64_t inbox_size, bool whole_lines);
#define app_run_line_ingress(outputs, count, offset, size) app_run_ingress(outputs, count, offset, size, true)

/* The egress: publishes evidence and errors as they arrive; collects the
 * RECORD payloads of its inputs in order; at END seals them to the result
 * recipient and publishes them. Returns the exit status. */
int app_run_egress(const struct mica_link* inputs, unsigned input_count, uint64_t outbox_offset,
                   uint64_t outbox_size);

/* A growing byte buffer on the realm heap. */
struct app_buffer {
  uint8_t* bytes;
  size_t size;
  size_t capacity;
};
int app_buffer_append(struct app_buffer* buffer, const void* bytes, size_t length);
int app_buffer_printf(struct app_buffer* buffer, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void app_buffer_free(struct app_buffer* buffer);

/* Sends `length` bytes of text as RECORD frames of whole lines (none longer
 * than APP_MAX_RECORD) to `output` of the stage. */
int app_send_text(struct mica_stage* stage, unsigned output, const uint8_t* text, size_t length);

#endif
