/* Private inference, the model: first the vendor's weights arrive, opened,
 * from the loader; then the model serves the clinic's ingest at its gate,
 * one call per request, and sends each score to the egress. It serves
 * calls until the host takes the workflow down: a gate callee is a service. */
#include <stdio.h>
#include <string.h>

#include "mica/realm.h"
#include "mica/workflow.h"
#include "mlp.h"
#include "pipeline_app.h"
#include "policy.h"

enum { kWeights = 0, kRequests = 1 };

static struct mlp model;

int main(void) {
  const struct mica_link in[2] = {
      {MICA_CHANNEL_weights, {MICA_CHANNEL_weights_credit}, 1},
      {MICA_CHANNEL_requests, {MICA_CHANNEL_requests_credit}, 1},
  };
  const struct mica_link out = {MICA_CHANNEL_results, {MICA_CHANNEL_results_credit}, 1};
  struct mica_stage stage;
  app_open_stage(&stage, in, 2, &out, 1);

  /* 1. The weights (the loader's evidence and session pass on to the egress). */
  struct app_buffer weights = {0};
  for (;;) {
    struct mica_frame frame;
    if (mica_stage_next_from(&stage, kWeights, &frame) != MICA_STREAM_OK) return 80;
    if (frame.kind == MICA_FRAME_END) break;
    if (frame.kind == MICA_FRAME_RECORD && frame.length >= 4 &&
        app_buffer_append(&weights, frame.payload + 4, frame.length - 4) != 0) {
      return 81;
    }
  }
  const char* why = mlp_load(&model, weights.bytes, weights.size);
  memset(weights.bytes, 0, weights.size);
  app_buffer_free(&weights);
  if (why != NULL) {
    mica_pipeline_fail(&stage, "model: %s", why);
    mica_stage_finish(&stage);
    return 82;
  }
  static const char header[] = "patient_id,risk_score,risk_class\n";
  if (mica_stage_send(&stage, 0, MICA_FRAME_RECORD, 0, header, sizeof header - 1) != MICA_STREAM_OK) return 83;

  /* 2. Serve the gate: each call, take what ingest has put in `requests`. */
  struct mica_gate_message call;
  uint64_t gate_why = 0;
  if (mica_gate_wait(&call, &gate_why) != MICA_RSI_SUCCESS) return 84;
  bool ended = false;
  for (;;) {
    struct app_buffer scores = {0};
    uint64_t processed = 0;
    for (;;) {
      struct mica_frame frame;
      const enum mica_stream_status s = mica_stage_poll(&stage, kRequests, &frame);
      if (s == MICA_STREAM_EMPTY || s == MICA_STREAM_CLOSED) break;
      if (s != MICA_STREAM_OK) return 85;
      if (frame.kind == MICA_FRAME_END) {
        ended = true;
        break;
      }
      if (frame.kind != MICA_FRAME_RECORD || frame.length != sizeof(struct mlp_request)) continue;
      struct mlp_request request;
      memcpy(&request, frame.payload, sizeof request);
      const int64_t score = mlp_score(&model, request.x);
      app_buffer_printf(&scores, "%llu,%lld,%s\n", (unsigned long long)request.id, (long long)score,
                        score >= model.threshold ? "high" : "low");
      ++processed;
    }
    if (scores.size != 0 && app_send_text(&stage, 0, scores.bytes, scores.size) != 0) return 86;
    app_buffer_free(&scores);
    if (ended) {
      ended = false;
      if (mica_stage_finish(&stage) != MICA_STREAM_OK) return 87;
    }
    struct mica_gate_message reply = {0};
    reply.words[0] = processed;
    if (mica_gate_reply(&reply, &call, &gate_why) != MICA_RSI_SUCCESS) return 88;
  }
}
