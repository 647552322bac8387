/* Pipeline stages: frames over flow-controlled streams (mica/stream.h).
 *
 * A stage reads frames from its input links and writes frames to its output
 * links. Application data travels as RECORD frames and each input ends with
 * an END frame. Two kinds of CONTROL frames belong to the secure I/O
 * protocol (mica/secure_io.h) and must reach the egress component whatever
 * the stages in between do with the data: EVIDENCE (an ingress component's
 * attestation and key) and SESSION (a data owner's key and nonce). Every
 * stage forwards them to all its outputs the first time it sees them (a
 * fan-out delivers copies; each is forwarded once), and also hands them to
 * the caller, which only the egress component uses.
 *
 * A frame is an 8-byte header (kind, flags, origin component) and a
 * payload, one ring message.
 */
#ifndef MICA_PIPELINE_H
#define MICA_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "mica/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

enum mica_frame_kind {
  MICA_FRAME_EVIDENCE = 1, /* control: forwarded */
  MICA_FRAME_SESSION = 2,  /* control: forwarded */
  MICA_FRAME_RECORD = 3,   /* application data */
  MICA_FRAME_END = 4,      /* the sender will send nothing more on this link */
  MICA_FRAME_ERROR = 5,    /* control: forwarded; payload is a message for the data owner */
};

struct mica_frame_header {
  uint8_t kind;
  uint8_t flags; /* application-defined for RECORD frames */
  uint16_t reserved;
  uint32_t origin; /* the component that created the frame */
};
#define MICA_FRAME_HEADER_SIZE 8u

#define MICA_STAGE_MAX_LINKS 8u
#define MICA_STAGE_FORWARD_MEMORY 32u

/* One link as the policy names it (indices from the generated policy header). */
struct mica_link {
  unsigned data;                              /* the data channel */
  unsigned credits[MICA_STREAM_MAX_READERS];  /* writer side: one per reader; reader side: credits[0] is ours */
  unsigned credit_count;
};

struct mica_frame {
  enum mica_frame_kind kind;
  uint8_t flags;
  uint32_t origin;
  unsigned input;         /* which input link it came from */
  const uint8_t* payload; /* valid until the next mica_stage_next */
  uint32_t length;
};

struct mica_stage {
  uint32_t self;
  unsigned input_count, output_count;
  struct mica_stream_reader inputs[MICA_STAGE_MAX_LINKS];
  struct mica_stream_writer outputs[MICA_STAGE_MAX_LINKS];
  bool input_ended[MICA_STAGE_MAX_LINKS];
  unsigned next_input;
  uint8_t* buffer; /* one frame */
  uint32_t buffer_size;
  /* Control frames already forwarded: (kind, origin). */
  uint32_t forwarded[MICA_STAGE_FORWARD_MEMORY];
  unsigned forwarded_count;
  /* Counters for reports. */
  uint64_t frames_in, frames_out, bytes_in, bytes_out;
};

/* Opens every link, waiting (yielding) until the host has mapped them all;
 * `buffer_size` is the largest frame this stage can receive. Returns
 * MICA_STREAM_OK or why a link cannot be used. */
enum mica_stream_status mica_stage_open(struct mica_stage* stage, const struct mica_link* inputs, unsigned input_count,
                                        const struct mica_link* outputs, unsigned output_count, uint32_t buffer_size);

/* The next frame from any input (round robin), waiting for one. Control
 * frames are forwarded to every output first. END is returned once, when
 * every input has ended; a link whose writer went away without END gives
 * MICA_STREAM_CLOSED. */
enum mica_stream_status mica_stage_next(struct mica_stage* stage, struct mica_frame* frame);

/* The next frame from input `input` only, without waiting: EMPTY when it
 * has none (control frames are forwarded as by mica_stage_next; an END of
 * that input is returned as END). */
enum mica_stream_status mica_stage_poll(struct mica_stage* stage, unsigned input, struct mica_frame* frame);
/* The same, waiting for a frame of that input. */
enum mica_stream_status mica_stage_next_from(struct mica_stage* stage, unsigned input, struct mica_frame* frame);

/* Sends a frame to output `output`, or to every output if it is
 * MICA_STAGE_ALL_OUTPUTS. */
#define MICA_STAGE_ALL_OUTPUTS 0xFFFFFFFFu
enum mica_stream_status mica_stage_send(struct mica_stage* stage, unsigned output, enum mica_frame_kind kind,
                                        uint8_t flags, const void* payload, uint32_t length);
/* The same for a frame created elsewhere (forwarding keeps its origin). */
enum mica_stream_status mica_stage_send_as(struct mica_stage* stage, unsigned output, enum mica_frame_kind kind,
                                           uint8_t flags, uint32_t origin, const void* payload, uint32_t length);
/* END on every output. */
enum mica_stream_status mica_stage_finish(struct mica_stage* stage);
/* Largest payload every output carries. */
uint32_t mica_stage_max_payload(const struct mica_stage* stage);

#ifdef __cplusplus
}
#endif

#endif /* MICA_PIPELINE_H */
