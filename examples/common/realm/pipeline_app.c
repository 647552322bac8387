/* Building blocks of the example pipelines (pipeline_app.h). */
#include "pipeline_app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mica/realm.h"

void app_open_stage(struct mica_stage* stage, const struct mica_link* inputs, unsigned input_count,
                    const struct mica_link* outputs, unsigned output_count) {
  const enum mica_stream_status s = mica_stage_open(stage, inputs, input_count, outputs, output_count, APP_FRAME_BUFFER);
  if (s != MICA_STREAM_OK) mica_exit(10 + (int)s);
}

int app_buffer_append(struct app_buffer* buffer, const void* bytes, size_t length) {
  if (buffer->size + length > buffer->capacity) {
    size_t capacity = buffer->capacity == 0 ? 4096 : buffer->capacity;
    while (capacity < buffer->size + length) capacity *= 2;
    uint8_t* grown = (uint8_t*)realloc(buffer->bytes, capacity);
    if (grown == NULL) return -1;
    buffer->bytes = grown;
    buffer->capacity = capacity;
  }
  memcpy(buffer->bytes + buffer->size, bytes, length);
  buffer->size += length;
  return 0;
}

int app_buffer_printf(struct app_buffer* buffer, const char* fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  const int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0 || n >= (int)sizeof line) return -1;
  return app_buffer_append(buffer, line, (size_t)n);
}

void app_buffer_free(struct app_buffer* buffer) {
  free(buffer->bytes);
  buffer->bytes = NULL;
  buffer->size = buffer->capacity = 0;
}

int app_send_text(struct mica_stage* stage, unsigned output, const uint8_t* text, size_t length) {
  uint32_t max = mica_stage_max_payload(stage);
  if (max > APP_MAX_RECORD) max = APP_MAX_RECORD;
  size_t done = 0;
  while (done < length) {
    size_t n = length - done;
    if (n > max) {
      /* Cut after the last newline that fits; a longer line goes in pieces. */
      size_t cut = max;
      while (cut > 0 && text[done + cut - 1] != '\n') --cut;
      n = cut > 0 ? cut : max;
    }
    if (mica_stage_send(stage, output, MICA_FRAME_RECORD, 0, text + done, (uint32_t)n) != MICA_STREAM_OK) return -1;
    done += n;
  }
  return 0;
}

int app_run_ingress(const struct mica_link* outputs, unsigned output_count, uint64_t inbox_offset,
                    uint64_t inbox_size, bool whole_lines) {
  struct mica_stage stage;
  app_open_stage(&stage, NULL, 0, outputs, output_count);
  struct mica_window inbox;
  if (!mica_window_locate(inbox_offset, inbox_size, &inbox)) {
    mica_pipeline_fail(&stage, "ingress: cannot locate the inbox window");
    mica_stage_finish(&stage);
    return 20;
  }
  struct mica_ingress ingress;
  if (mica_ingress_begin(&ingress, &stage, &inbox) != 0) {
    mica_stage_finish(&stage);
    return 21;
  }
  uint8_t* data = NULL;
  size_t length = 0;
  if (mica_ingress_receive(&ingress, &stage, &data, &length) != 0) {
    mica_stage_finish(&stage);
    return 22;
  }
  /* Whole lines, each frame numbered so that a fan-out can share them out. */
  uint32_t max = mica_stage_max_payload(&stage);
  if (max > APP_MAX_RECORD) max = APP_MAX_RECORD;
  uint8_t* frame = (uint8_t*)malloc(max);
  if (frame == NULL) return 23;
  uint32_t sequence = 0;
  size_t done = 0;
  while (done < length) {
    size_t n = length - done;
    if (n > max - 4 && !whole_lines) n = max - 4;
    if (n > max - 4) {
      size_t cut = max - 4;
      while (cut > 0 && data[done + cut - 1] != '\n') --cut;
      if (cut == 0) {
        mica_pipeline_fail(&stage, "ingress: a line of the input is longer than %u bytes", max - 4);
        mica_stage_finish(&stage);
        return 24;
      }
      n = cut;
    }
    memcpy(frame, &sequence, 4);
    memcpy(frame + 4, data + done, n);
    if (mica_stage_send(&stage, MICA_STAGE_ALL_OUTPUTS, MICA_FRAME_RECORD, 0, frame, (uint32_t)(n + 4)) !=
        MICA_STREAM_OK) {
      return 25;
    }
    ++sequence;
    done += n;
  }
  /* The plaintext leaves protected memory with the realm; scrub it anyway. */
  memset(data, 0, length);
  free(data);
  free(frame);
  return mica_stage_finish(&stage) == MICA_STREAM_OK ? 0 : 26;
}

int app_run_egress(const struct mica_link* inputs, unsigned input_count, uint64_t outbox_offset,
                   uint64_t outbox_size) {
  struct mica_stage stage;
  app_open_stage(&stage, inputs, input_count, NULL, 0);
  struct mica_window outbox;
  struct mica_egress egress;
  if (!mica_window_locate(outbox_offset, outbox_size, &outbox) || mica_egress_init(&egress, &outbox) != 0) return 30;
  struct app_buffer result = {0};
  unsigned errors = 0;
  for (;;) {
    struct mica_frame frame;
    const enum mica_stream_status s = mica_stage_next(&stage, &frame);
    if (s != MICA_STREAM_OK) {
      char message[96];
      snprintf(message, sizeof message, "egress: an input link failed (%s)", mica_stream_status_name(s));
      mica_egress_publish_error(&egress, message);
      return 31;
    }
    switch (frame.kind) {
      case MICA_FRAME_ERROR:
        ++errors;
        if (mica_egress_control(&egress, &frame) != 0) return 32;
        break;
      case MICA_FRAME_EVIDENCE:
      case MICA_FRAME_SESSION:
        if (mica_egress_control(&egress, &frame) != 0) return 32;
        break;
      case MICA_FRAME_RECORD:
        if (app_buffer_append(&result, frame.payload, frame.length) != 0) {
          mica_egress_publish_error(&egress, "egress: out of memory for the result");
          return 33;
        }
        break;
      case MICA_FRAME_END: {
        /* A stage that reported an error may have sent only part of its
         * data: no result is better than a wrong one. */
        const int published =
            errors == 0 ? mica_egress_publish_result(&egress, result.bytes, result.size) : -1;
        memset(result.bytes, 0, result.size);
        app_buffer_free(&result);
        return published == 0 ? 0 : 34;
      }
    }
  }
}
