/* Log analysis: the statistics a mapper keeps and the reducer merges, and
 * the text form partials travel in (see ../README.md):
 *   S <status> <requests>
 *   H <hour> <requests> <bytes>
 *   P <path> <requests> <bytes> <5xx requests> */
#ifndef LOG_STATS_H
#define LOG_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline_app.h"

#define LOG_MAX_PATHS 1024u
#define LOG_MAX_PATH 128u

struct log_path {
  char path[LOG_MAX_PATH];
  uint64_t requests, bytes, errors;
  uint32_t hash;
  int used;
};

struct log_stats {
  uint64_t status[600];
  uint64_t hour_requests[24], hour_bytes[24];
  struct log_path paths[LOG_MAX_PATHS];
  unsigned path_count;
};

struct log_path* log_stats_path(struct log_stats* stats, const char* path, size_t length);
/* One access log line (combined log format); NULL or why it is refused. */
const char* log_stats_add_line(struct log_stats* stats, const char* line, size_t length);
/* Partials as text; and merging a partial's lines back. */
int log_stats_write_partial(const struct log_stats* stats, struct app_buffer* out);
const char* log_stats_merge_line(struct log_stats* stats, const char* line, size_t length);

#endif
