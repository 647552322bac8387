/* Log analysis statistics (log_stats.h). */
#include "log_stats.h"

#include <string.h>

static uint32_t hash_of(const char* s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; ++i) h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

struct log_path* log_stats_path(struct log_stats* stats, const char* path, size_t length) {
  if (length == 0 || length >= LOG_MAX_PATH) return NULL;
  const uint32_t h = hash_of(path, length);
  for (unsigned probe = 0; probe < LOG_MAX_PATHS; ++probe) {
    struct log_path* p = &stats->paths[(h + probe) % LOG_MAX_PATHS];
    if (!p->used) {
      if (stats->path_count + 1 >= LOG_MAX_PATHS) return NULL; /* keep one slot free */
      p->used = 1;
      p->hash = h;
      memcpy(p->path, path, length);
      p->path[length] = '\0';
      ++stats->path_count;
      return p;
    }
    if (p->hash == h && strlen(p->path) == length && memcmp(p->path, path, length) == 0) return p;
  }
  return NULL;
}

static int parse_u64(const char* s, size_t n, uint64_t* out) {
  if (n == 0 || n > 15) return -1;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  *out = v;
  return 0;
}

static const char* find(const char* s, const char* end, char c) {
  while (s < end && *s != c) ++s;
  return s;
}

/* 203.0.113.7 - alice [06/Dec/2026:10:15:32 +0000] "GET /a/b?x=1 HTTP/1.1" 200 5123 "ref" "agent" */
const char* log_stats_add_line(struct log_stats* stats, const char* line, size_t length) {
  const char* end = line + length;
  const char* open = find(line, end, '[');
  if (open == end) return "no [timestamp]";
  const char* colon = find(open, end, ':');
  if (end - colon < 3) return "no hour in the timestamp";
  uint64_t hour;
  if (parse_u64(colon + 1, 2, &hour) != 0 || hour > 23) return "bad hour";
  const char* quote = find(colon, end, '"');
  if (quote == end) return "no request";
  const char* method_end = find(quote + 1, end, ' ');
  if (method_end == end) return "no request path";
  const char* path = method_end + 1;
  const char* path_end = path;
  while (path_end < end && *path_end != ' ' && *path_end != '?' && *path_end != '"') ++path_end;
  const char* request_end = find(path_end, end, '"');
  if (request_end == end || end - request_end < 2) return "unterminated request";
  const char* status_start = request_end + 2;
  const char* status_end = find(status_start, end, ' ');
  const char* bytes_start = status_end + 1;
  const char* bytes_end = bytes_start < end ? find(bytes_start, end, ' ') : end;
  uint64_t status, bytes;
  if (parse_u64(status_start, (size_t)(status_end - status_start), &status) != 0 || status < 100 || status >= 600) {
    return "bad status";
  }
  if (bytes_start >= end) return "no byte count";
  if (bytes_end - bytes_start == 1 && *bytes_start == '-') {
    bytes = 0;
  } else if (parse_u64(bytes_start, (size_t)(bytes_end - bytes_start), &bytes) != 0) {
    return "bad byte count";
  }
  struct log_path* p = log_stats_path(stats, path, (size_t)(path_end - path));
  if (p == NULL) return "path too long, or too many distinct paths";
  ++stats->status[status];
  ++stats->hour_requests[hour];
  stats->hour_bytes[hour] += bytes;
  ++p->requests;
  p->bytes += bytes;
  if (status >= 500) ++p->errors;
  return NULL;
}

int log_stats_write_partial(const struct log_stats* stats, struct app_buffer* out) {
  for (unsigned s = 0; s < 600; ++s) {
    if (stats->status[s] != 0 && app_buffer_printf(out, "S %u %llu\n", s, (unsigned long long)stats->status[s]) != 0) {
      return -1;
    }
  }
  for (unsigned h = 0; h < 24; ++h) {
    if (stats->hour_requests[h] != 0 &&
        app_buffer_printf(out, "H %u %llu %llu\n", h, (unsigned long long)stats->hour_requests[h],
                          (unsigned long long)stats->hour_bytes[h]) != 0) {
      return -1;
    }
  }
  for (unsigned i = 0; i < LOG_MAX_PATHS; ++i) {
    const struct log_path* p = &stats->paths[i];
    if (p->used && app_buffer_printf(out, "P %s %llu %llu %llu\n", p->path, (unsigned long long)p->requests,
                                     (unsigned long long)p->bytes, (unsigned long long)p->errors) != 0) {
      return -1;
    }
  }
  return 0;
}

/* Splits `line` at spaces into at most 5 fields. */
static unsigned fields_of(const char* line, size_t length, const char** f, size_t* n) {
  unsigned count = 0;
  size_t start = 0;
  for (size_t i = 0; i <= length && count < 5; ++i) {
    if (i == length || line[i] == ' ') {
      f[count] = line + start;
      n[count++] = i - start;
      start = i + 1;
    }
  }
  return count;
}

const char* log_stats_merge_line(struct log_stats* stats, const char* line, size_t length) {
  const char* f[5];
  size_t n[5];
  const unsigned count = fields_of(line, length, f, n);
  uint64_t a, b, c;
  if (count >= 3 && n[0] == 1 && f[0][0] == 'S') {
    if (parse_u64(f[1], n[1], &a) != 0 || a >= 600 || parse_u64(f[2], n[2], &b) != 0) return "bad S line";
    stats->status[a] += b;
    return NULL;
  }
  if (count >= 4 && n[0] == 1 && f[0][0] == 'H') {
    if (parse_u64(f[1], n[1], &a) != 0 || a >= 24 || parse_u64(f[2], n[2], &b) != 0 ||
        parse_u64(f[3], n[3], &c) != 0) {
      return "bad H line";
    }
    stats->hour_requests[a] += b;
    stats->hour_bytes[a] += c;
    return NULL;
  }
  if (count == 5 && n[0] == 1 && f[0][0] == 'P') {
    uint64_t e;
    if (parse_u64(f[2], n[2], &a) != 0 || parse_u64(f[3], n[3], &b) != 0 || parse_u64(f[4], n[4], &e) != 0) {
      return "bad P line";
    }
    struct log_path* p = log_stats_path(stats, f[1], n[1]);
    if (p == NULL) return "too many distinct paths";
    p->requests += a;
    p->bytes += b;
    p->errors += e;
    return NULL;
  }
  return "unknown partial line";
}
