/* Pipeline stages (mica/pipeline.h). */
#include "mica/pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "mica/workflow.h"

enum { kPollsPerCheck = 64 };

static bool is_control(uint8_t kind) {
  return kind == MICA_FRAME_EVIDENCE || kind == MICA_FRAME_SESSION || kind == MICA_FRAME_ERROR;
}

enum mica_stream_status mica_stage_open(struct mica_stage* stage, const struct mica_link* inputs, unsigned input_count,
                                        const struct mica_link* outputs, unsigned output_count, uint32_t buffer_size) {
  memset(stage, 0, sizeof *stage);
  if (input_count > MICA_STAGE_MAX_LINKS || output_count > MICA_STAGE_MAX_LINKS ||
      buffer_size < MICA_FRAME_HEADER_SIZE) {
    return MICA_STREAM_BAD;
  }
  struct mica_workflow_info self;
  if (mica_get_workflow_info(&self) != MICA_RSI_SUCCESS) return MICA_STREAM_BAD;
  stage->self = self.component;
  stage->input_count = input_count;
  stage->output_count = output_count;
  stage->buffer = (uint8_t*)malloc(buffer_size);
  if (stage->buffer == NULL) return MICA_STREAM_BAD;
  stage->buffer_size = buffer_size;
  /* The host maps channels in its own time: keep trying the ones not open yet. */
  bool input_open[MICA_STAGE_MAX_LINKS] = {false};
  bool output_open[MICA_STAGE_MAX_LINKS] = {false};
  for (;;) {
    bool all = true;
    for (unsigned i = 0; i < input_count; ++i) {
      if (input_open[i]) continue;
      if (inputs[i].credit_count != 1) return MICA_STREAM_BAD;
      const enum mica_stream_status s =
          mica_stream_reader_open(&stage->inputs[i], inputs[i].data, inputs[i].credits[0]);
      if (s == MICA_STREAM_OK) input_open[i] = true;
      else if (s == MICA_STREAM_NOT_READY) all = false;
      else return s;
    }
    for (unsigned i = 0; i < output_count; ++i) {
      if (output_open[i]) continue;
      const enum mica_stream_status s =
          mica_stream_writer_open(&stage->outputs[i], outputs[i].data, outputs[i].credits, outputs[i].credit_count);
      if (s == MICA_STREAM_OK) output_open[i] = true;
      else if (s == MICA_STREAM_NOT_READY) all = false;
      else return s;
    }
    if (all) return MICA_STREAM_OK;
    mica_yield();
  }
}

uint32_t mica_stage_max_payload(const struct mica_stage* stage) {
  uint32_t max = 0xFFFFFFFFu;
  for (unsigned i = 0; i < stage->output_count; ++i) {
    const uint32_t m = mica_stream_max_message(&stage->outputs[i]);
    if (m < max) max = m;
  }
  return max > MICA_FRAME_HEADER_SIZE ? max - MICA_FRAME_HEADER_SIZE : 0;
}

enum mica_stream_status mica_stage_send_as(struct mica_stage* stage, unsigned output, enum mica_frame_kind kind,
                                           uint8_t flags, uint32_t origin, const void* payload, uint32_t length) {
  /* Header and payload go out as one message: assembled in a heap buffer
   * when the payload is not already behind a header in our own buffer. */
  const uint32_t total = MICA_FRAME_HEADER_SIZE + length;
  if (total < length) return MICA_STREAM_TOO_LONG;
  uint8_t* message = (uint8_t*)malloc(total);
  if (message == NULL) return MICA_STREAM_TOO_LONG;
  const struct mica_frame_header header = {(uint8_t)kind, flags, 0, origin};
  memcpy(message, &header, sizeof header);
  if (length != 0) memcpy(message + MICA_FRAME_HEADER_SIZE, payload, length);
  enum mica_stream_status result = MICA_STREAM_OK;
  for (unsigned i = 0; i < stage->output_count && result == MICA_STREAM_OK; ++i) {
    if (output != MICA_STAGE_ALL_OUTPUTS && output != i) continue;
    result = mica_stream_send(&stage->outputs[i], message, total);
    if (result == MICA_STREAM_OK) {
      ++stage->frames_out;
      stage->bytes_out += total;
    }
  }
  free(message);
  if (output != MICA_STAGE_ALL_OUTPUTS && output >= stage->output_count) return MICA_STREAM_BAD;
  return result;
}

enum mica_stream_status mica_stage_send(struct mica_stage* stage, unsigned output, enum mica_frame_kind kind,
                                        uint8_t flags, const void* payload, uint32_t length) {
  return mica_stage_send_as(stage, output, kind, flags, stage->self, payload, length);
}

enum mica_stream_status mica_stage_finish(struct mica_stage* stage) {
  return mica_stage_send(stage, MICA_STAGE_ALL_OUTPUTS, MICA_FRAME_END, 0, NULL, 0);
}

/* Forwards a control frame to every output once per (kind, origin). */
static enum mica_stream_status forward_once(struct mica_stage* stage, const struct mica_frame* frame) {
  const uint32_t key = (uint32_t)frame->kind << 24 | (frame->origin & 0xFFFFFFu);
  for (unsigned i = 0; i < stage->forwarded_count; ++i) {
    if (stage->forwarded[i] == key) return MICA_STREAM_OK;
  }
  if (stage->forwarded_count < MICA_STAGE_FORWARD_MEMORY) stage->forwarded[stage->forwarded_count++] = key;
  return mica_stage_send_as(stage, MICA_STAGE_ALL_OUTPUTS, frame->kind, frame->flags, frame->origin, frame->payload,
                            frame->length);
}

/* Takes the message just received on input `i` (its length in `length`)
 * as a frame: counters, header, forwarding of control frames. */
static enum mica_stream_status take_frame(struct mica_stage* stage, unsigned i, uint32_t length,
                                         struct mica_frame* frame) {
  if (length < MICA_FRAME_HEADER_SIZE) return MICA_STREAM_BAD;
  struct mica_frame_header header;
  memcpy(&header, stage->buffer, sizeof header);
  ++stage->frames_in;
  stage->bytes_in += length;
  frame->kind = (enum mica_frame_kind)header.kind;
  frame->flags = header.flags;
  frame->origin = header.origin;
  frame->input = i;
  frame->payload = stage->buffer + MICA_FRAME_HEADER_SIZE;
  frame->length = length - MICA_FRAME_HEADER_SIZE;
  if (header.kind == MICA_FRAME_END) stage->input_ended[i] = true;
  if (is_control(header.kind)) return forward_once(stage, frame);
  return MICA_STREAM_OK;
}

enum mica_stream_status mica_stage_poll(struct mica_stage* stage, unsigned input, struct mica_frame* frame) {
  if (input >= stage->input_count) return MICA_STREAM_BAD;
  if (stage->input_ended[input]) return MICA_STREAM_CLOSED;
  uint32_t length = 0;
  const enum mica_stream_status s =
      mica_stream_try_receive(&stage->inputs[input], stage->buffer, stage->buffer_size, &length);
  if (s != MICA_STREAM_OK) return s;
  return take_frame(stage, input, length, frame);
}

enum mica_stream_status mica_stage_next_from(struct mica_stage* stage, unsigned input, struct mica_frame* frame) {
  for (uint64_t polls = 1;; ++polls) {
    const enum mica_stream_status s = mica_stage_poll(stage, input, frame);
    if (s != MICA_STREAM_EMPTY) return s;
    if (polls % kPollsPerCheck == 0 && !mica_stream_writer_alive(&stage->inputs[input])) {
      const enum mica_stream_status last = mica_stage_poll(stage, input, frame);
      return last == MICA_STREAM_EMPTY ? MICA_STREAM_CLOSED : last;
    }
    mica_yield();
  }
}

enum mica_stream_status mica_stage_next(struct mica_stage* stage, struct mica_frame* frame) {
  for (uint64_t polls = 1;; ++polls) {
    bool all_ended = true;
    bool ended_one = false;
    for (unsigned n = 0; n < stage->input_count; ++n) {
      const unsigned i = (stage->next_input + n) % stage->input_count;
      if (stage->input_ended[i]) continue;
      all_ended = false;
      uint32_t length = 0;
      const enum mica_stream_status s =
          mica_stream_try_receive(&stage->inputs[i], stage->buffer, stage->buffer_size, &length);
      if (s == MICA_STREAM_EMPTY) {
        if (polls % kPollsPerCheck == 0 && !mica_stream_writer_alive(&stage->inputs[i])) {
          const enum mica_stream_status last =
              mica_stream_try_receive(&stage->inputs[i], stage->buffer, stage->buffer_size, &length);
          if (last == MICA_STREAM_EMPTY) return MICA_STREAM_CLOSED;
          if (last != MICA_STREAM_OK) return last;
        } else {
          continue;
        }
      } else if (s != MICA_STREAM_OK) {
        return s;
      }
      stage->next_input = (i + 1) % stage->input_count;
      const enum mica_stream_status taken = take_frame(stage, i, length, frame);
      if (taken != MICA_STREAM_OK) return taken;
      if (frame->kind == MICA_FRAME_END) {
        ended_one = true;
        break; /* look again: END goes up only once all inputs ended */
      }
      return MICA_STREAM_OK;
    }
    if (ended_one) continue;
    if (all_ended) {
      frame->kind = MICA_FRAME_END;
      frame->flags = 0;
      frame->origin = stage->self;
      frame->input = 0;
      frame->payload = stage->buffer;
      frame->length = 0;
      return MICA_STREAM_OK;
    }
    mica_yield();
  }
}
