/* Private inference, the clinic's ingest: the sealed patient records come in
 * through the inbox; each patient becomes one request to the model, passed
 * through the `requests` channel and announced by a gate call that the model
 * answers without the host in between. */
#include <stdio.h>
#include <string.h>

#include "mica/realm.h"
#include "mica/workflow.h"
#include "mlp.h"
#include "pipeline_app.h"
#include "policy.h"

/* Calls the model; retries while it is not at its gate yet (loading weights). */
static int call_model(uint64_t what, uint64_t* processed) {
  struct mica_gate_message args = {0};
  struct mica_gate_message results = {0};
  args.words[0] = what;
  for (;;) {
    uint64_t why = 0;
    const uint64_t status = mica_gate_call(MICA_COMPONENT_model, &args, &results, &why);
    if (status == MICA_RSI_SUCCESS) {
      if (processed != NULL) *processed = results.words[0];
      return 0;
    }
    if (status != MICA_RSI_ERROR_STATE || why != MICA_GATE_ERR_CALLEE_NOT_WAITING) return -1;
    mica_yield();
  }
}

static int parse_int(const char* s, size_t n, int32_t* out) {
  if (n == 0 || n > 9) return -1;
  int32_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

/* "patient_id,f1,...,f8" */
static const char* parse_request(const char* line, size_t length, struct mlp_request* request) {
  const char* fields[MLP_INPUTS + 1];
  size_t lengths[MLP_INPUTS + 1];
  unsigned n = 0;
  size_t start = 0;
  for (size_t i = 0; i <= length; ++i) {
    if (i == length || line[i] == ',') {
      if (n == MLP_INPUTS + 1) return "more than 9 fields";
      fields[n] = line + start;
      lengths[n++] = i - start;
      start = i + 1;
    }
  }
  if (n != MLP_INPUTS + 1) return "fewer than 9 fields";
  int32_t id;
  if (parse_int(fields[0], lengths[0], &id) != 0) return "patient_id is not a number";
  request->id = (uint64_t)id;
  for (unsigned i = 0; i < MLP_INPUTS; ++i) {
    if (parse_int(fields[i + 1], lengths[i + 1], &request->x[i]) != 0) return "a feature is not a number 0..999999999";
  }
  return NULL;
}

int main(void) {
  const struct mica_link out = {MICA_CHANNEL_requests, {MICA_CHANNEL_requests_credit}, 1};
  struct mica_stage stage;
  app_open_stage(&stage, NULL, 0, &out, 1);
  struct mica_window inbox;
  struct mica_ingress ingress;
  if (!mica_window_locate(MICA_WINDOW_ingest_inbox_OFFSET, MICA_WINDOW_ingest_inbox_SIZE, &inbox)) return 70;
  const int begun = mica_ingress_begin(&ingress, &stage, &inbox);
  /* The model forwards our evidence (or our error) to the egress when called. */
  if (call_model(0, NULL) != 0 || begun != 0) return 71;
  uint8_t* data = NULL;
  size_t length = 0;
  if (mica_ingress_receive(&ingress, &stage, &data, &length) != 0) {
    call_model(0, NULL);
    return 72;
  }
  uint64_t line_number = 0;
  size_t start = 0;
  for (size_t i = 0; i <= length; ++i) {
    if (i < length && data[i] != '\n') continue;
    const char* line = (const char*)data + start;
    const size_t n = i - start;
    start = i + 1;
    if (n == 0) continue;
    ++line_number;
    if (line_number == 1 && n >= 10 && memcmp(line, "patient_id", 10) == 0) continue;
    struct mlp_request request;
    const char* why = parse_request(line, n, &request);
    if (why != NULL) {
      mica_pipeline_fail(&stage, "ingest: input line %llu refused: %s", (unsigned long long)line_number, why);
      call_model(0, NULL);
      return 73;
    }
    uint64_t processed = 0;
    if (mica_stage_send(&stage, 0, MICA_FRAME_RECORD, 0, &request, sizeof request) != MICA_STREAM_OK ||
        call_model(1, &processed) != 0 || processed != 1) {
      return 74;
    }
  }
  memset(data, 0, length);
  if (mica_stage_finish(&stage) != MICA_STREAM_OK || call_model(0, NULL) != 0) return 75;
  return 0;
}
