/* Confidential analytics, the statistics (third-party code): per group of
 * (region, diagnosis), the number of patients, the mean age, systolic blood
 * pressure and glucose, and an age histogram in decades; groups smaller
 * than MIN_GROUP are suppressed. Input lines (CSV, see ../README.md):
 *   patient_id,name,age,sex,region,diagnosis,systolic_bp,glucose_mg_dl
 * Output (CSV): one line per group in region, then diagnosis order. Means
 * are rounded half up to two decimals with integer arithmetic, so that the
 * native reference (../reference.cpp) gets the same digits. */
#include <stdio.h>
#include <string.h>

#include "mica/realm.h"
#include "pipeline_app.h"
#include "policy.h"

#define MIN_GROUP 20u
#define BINS 10u

static const char* const kRegions[] = {"central", "east", "north", "south", "west"};
static const char* const kDiagnoses[] = {"asthma", "diabetes", "healthy", "hypertension"};
#define REGIONS (sizeof kRegions / sizeof kRegions[0])
#define DIAGNOSES (sizeof kDiagnoses / sizeof kDiagnoses[0])

struct group {
  uint64_t count, age_sum, systolic_sum, glucose_sum;
  uint64_t bins[BINS];
};
static struct group groups[REGIONS][DIAGNOSES];
static uint64_t lines_seen;

static int find(const char* const* names, unsigned n, const char* field, size_t length) {
  for (unsigned i = 0; i < n; ++i) {
    if (strlen(names[i]) == length && memcmp(names[i], field, length) == 0) return (int)i;
  }
  return -1;
}

static int parse_uint(const char* field, size_t length, uint64_t max, uint64_t* out) {
  if (length == 0 || length > 9) return -1;
  uint64_t value = 0;
  for (size_t i = 0; i < length; ++i) {
    if (field[i] < '0' || field[i] > '9') return -1;
    value = value * 10 + (uint64_t)(field[i] - '0');
  }
  if (value > max) return -1;
  *out = value;
  return 0;
}

/* One CSV line; returns NULL or why it is refused. */
static const char* take_line(const char* line, size_t length) {
  const char* fields[8];
  size_t lengths[8];
  unsigned n = 0;
  size_t start = 0;
  for (size_t i = 0; i <= length; ++i) {
    if (i == length || line[i] == ',') {
      if (n == 8) return "more than 8 fields";
      fields[n] = line + start;
      lengths[n++] = i - start;
      start = i + 1;
    }
  }
  if (n != 8) return "fewer than 8 fields";
  uint64_t age, systolic, glucose;
  if (parse_uint(fields[2], lengths[2], 130, &age) != 0) return "age is not an integer 0..130";
  const int region = find(kRegions, REGIONS, fields[4], lengths[4]);
  if (region < 0) return "unknown region";
  const int diagnosis = find(kDiagnoses, DIAGNOSES, fields[5], lengths[5]);
  if (diagnosis < 0) return "unknown diagnosis";
  if (parse_uint(fields[6], lengths[6], 400, &systolic) != 0) return "systolic_bp is not an integer 0..400";
  if (parse_uint(fields[7], lengths[7], 2000, &glucose) != 0) return "glucose_mg_dl is not an integer 0..2000";
  struct group* g = &groups[region][diagnosis];
  ++g->count;
  g->age_sum += age;
  g->systolic_sum += systolic;
  g->glucose_sum += glucose;
  ++g->bins[age / 10 < BINS ? age / 10 : BINS - 1];
  return NULL;
}

/* sum / count to two decimals, half up: digits "123.46". */
static void mean(char* out, size_t size, uint64_t sum, uint64_t count) {
  const uint64_t hundredths = (200 * sum + count) / (2 * count);
  snprintf(out, size, "%llu.%02llu", (unsigned long long)(hundredths / 100), (unsigned long long)(hundredths % 100));
}

int main(void) {
  const struct mica_link in = {MICA_CHANNEL_records, {MICA_CHANNEL_records_credit}, 1};
  const struct mica_link out = {MICA_CHANNEL_stats, {MICA_CHANNEL_stats_credit}, 1};
  struct mica_stage stage;
  app_open_stage(&stage, &in, 1, &out, 1);
  for (;;) {
    struct mica_frame frame;
    if (mica_stage_next(&stage, &frame) != MICA_STREAM_OK) return 40;
    if (frame.kind == MICA_FRAME_END) break;
    if (frame.kind != MICA_FRAME_RECORD || frame.length < 4) continue;
    const char* text = (const char*)frame.payload + 4;
    const size_t length = frame.length - 4;
    size_t start = 0;
    for (size_t i = 0; i <= length; ++i) {
      if (i < length && text[i] != '\n') continue;
      const size_t line_length = i - start;
      if (line_length > 0) {
        ++lines_seen;
        const bool header = lines_seen == 1 && line_length >= 10 && memcmp(text + start, "patient_id", 10) == 0;
        const char* why = header ? NULL : take_line(text + start, line_length);
        if (why != NULL) {
          /* The line's content stays here: only its number and the cause leave. */
          mica_pipeline_fail(&stage, "analytics: input line %llu refused: %s", (unsigned long long)lines_seen, why);
          mica_stage_finish(&stage);
          return 41;
        }
      }
      start = i + 1;
    }
  }

  struct app_buffer result = {0};
  app_buffer_printf(&result, "region,diagnosis,patients,mean_age,mean_systolic_bp,mean_glucose_mg_dl,age_histogram\n");
  for (unsigned r = 0; r < REGIONS; ++r) {
    for (unsigned d = 0; d < DIAGNOSES; ++d) {
      const struct group* g = &groups[r][d];
      if (g->count == 0) continue;
      if (g->count < MIN_GROUP) {
        app_buffer_printf(&result, "%s,%s,<%u,suppressed,suppressed,suppressed,suppressed\n", kRegions[r],
                          kDiagnoses[d], MIN_GROUP);
        continue;
      }
      char age[32], systolic[32], glucose[32];
      mean(age, sizeof age, g->age_sum, g->count);
      mean(systolic, sizeof systolic, g->systolic_sum, g->count);
      mean(glucose, sizeof glucose, g->glucose_sum, g->count);
      app_buffer_printf(&result, "%s,%s,%llu,%s,%s,%s,", kRegions[r], kDiagnoses[d], (unsigned long long)g->count, age,
                        systolic, glucose);
      for (unsigned b = 0; b < BINS; ++b) {
        app_buffer_printf(&result, b + 1 < BINS ? "%llu|" : "%llu\n", (unsigned long long)g->bins[b]);
      }
    }
  }
  if (app_send_text(&stage, 0, result.bytes, result.size) != 0) return 42;
  return mica_stage_finish(&stage) == MICA_STREAM_OK ? 0 : 43;
}
