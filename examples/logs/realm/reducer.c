/* Log analysis, the reducer: merges the three mappers' partials and writes
 * the summary (../README.md): totals, requests by status, requests and
 * bytes by hour, the ten busiest paths and the paths with server errors. */
#include <string.h>

#include "log_stats.h"
#include "mica/realm.h"
#include "policy.h"

static struct log_stats stats;

/* Paths by requests (descending), then by name. */
static int before(const struct log_path* a, const struct log_path* b) {
  if (a->requests != b->requests) return a->requests > b->requests;
  return strcmp(a->path, b->path) < 0;
}

int main(void) {
  const struct mica_link in[3] = {
      {MICA_CHANNEL_partial_a, {MICA_CHANNEL_partial_credit_a}, 1},
      {MICA_CHANNEL_partial_b, {MICA_CHANNEL_partial_credit_b}, 1},
      {MICA_CHANNEL_partial_c, {MICA_CHANNEL_partial_credit_c}, 1},
  };
  const struct mica_link out = {MICA_CHANNEL_report, {MICA_CHANNEL_report_credit}, 1};
  struct mica_stage stage;
  app_open_stage(&stage, in, 3, &out, 1);
  for (;;) {
    struct mica_frame frame;
    if (mica_stage_next(&stage, &frame) != MICA_STREAM_OK) return 60;
    if (frame.kind == MICA_FRAME_END) break;
    if (frame.kind != MICA_FRAME_RECORD) continue;
    const char* text = (const char*)frame.payload;
    size_t start = 0;
    for (size_t i = 0; i <= frame.length; ++i) {
      if (i < frame.length && text[i] != '\n') continue;
      if (i > start) {
        const char* why = log_stats_merge_line(&stats, text + start, i - start);
        if (why != NULL) {
          mica_pipeline_fail(&stage, "reducer: a partial from input %u refused: %s", frame.input, why);
          mica_stage_finish(&stage);
          return 61;
        }
      }
      start = i + 1;
    }
  }

  uint64_t requests = 0, bytes = 0, errors = 0;
  for (unsigned h = 0; h < 24; ++h) {
    requests += stats.hour_requests[h];
    bytes += stats.hour_bytes[h];
  }
  for (unsigned s = 500; s < 600; ++s) errors += stats.status[s];
  struct app_buffer report = {0};
  app_buffer_printf(&report, "requests,%llu\nbytes,%llu\nserver_errors,%llu\n", (unsigned long long)requests,
                    (unsigned long long)bytes, (unsigned long long)errors);
  for (unsigned s = 0; s < 600; ++s) {
    if (stats.status[s] != 0) app_buffer_printf(&report, "status,%u,%llu\n", s, (unsigned long long)stats.status[s]);
  }
  for (unsigned h = 0; h < 24; ++h) {
    app_buffer_printf(&report, "hour,%02u,%llu,%llu\n", h, (unsigned long long)stats.hour_requests[h],
                      (unsigned long long)stats.hour_bytes[h]);
  }
  /* Selection of the ten busiest paths (n is at most LOG_MAX_PATHS). */
  const struct log_path* order[LOG_MAX_PATHS];
  unsigned n = 0;
  for (unsigned i = 0; i < LOG_MAX_PATHS; ++i) {
    if (stats.paths[i].used) order[n++] = &stats.paths[i];
  }
  for (unsigned i = 0; i < n; ++i) {
    for (unsigned j = i + 1; j < n; ++j) {
      if (before(order[j], order[i])) {
        const struct log_path* t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
  }
  for (unsigned i = 0; i < n && i < 10; ++i) {
    app_buffer_printf(&report, "top_path,%s,%llu,%llu\n", order[i]->path, (unsigned long long)order[i]->requests,
                      (unsigned long long)order[i]->bytes);
  }
  /* Paths with server errors, by name. */
  for (unsigned i = 0; i < n; ++i) {
    for (unsigned j = i + 1; j < n; ++j) {
      if (strcmp(order[j]->path, order[i]->path) < 0) {
        const struct log_path* t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
  }
  for (unsigned i = 0; i < n; ++i) {
    if (order[i]->errors != 0) {
      app_buffer_printf(&report, "errors_at,%s,%llu\n", order[i]->path, (unsigned long long)order[i]->errors);
    }
  }
  if (app_send_text(&stage, 0, report.bytes, report.size) != 0) return 62;
  return mica_stage_finish(&stage) == MICA_STREAM_OK ? 0 : 63;
}
