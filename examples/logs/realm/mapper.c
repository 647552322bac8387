/* Log analysis, a mapper: the same image runs as mapper_a, mapper_b and
 * mapper_c. It learns which from the monitor (MICA_RSI_WORKFLOW_INFO),
 * reads every chunk of the `lines` channel, keeps the chunks whose number
 * is its share (sequence mod 3), and sends its partial statistics to the
 * reducer. Client addresses, user names, query strings and agents never
 * leave it: only counts by status, hour and path do. */
#include <string.h>

#include "log_stats.h"
#include "mica/realm.h"
#include "mica/workflow.h"
#include "policy.h"

static struct log_stats stats;

int main(void) {
  struct mica_workflow_info self;
  if (mica_get_workflow_info(&self) != MICA_RSI_SUCCESS) return 50;
  unsigned share;
  struct mica_link in = {MICA_CHANNEL_lines, {0}, 1};
  struct mica_link out = {0, {0}, 1};
  if (self.component == MICA_COMPONENT_mapper_a) {
    share = 0;
    in.credits[0] = MICA_CHANNEL_lines_credit_a;
    out.data = MICA_CHANNEL_partial_a;
    out.credits[0] = MICA_CHANNEL_partial_credit_a;
  } else if (self.component == MICA_COMPONENT_mapper_b) {
    share = 1;
    in.credits[0] = MICA_CHANNEL_lines_credit_b;
    out.data = MICA_CHANNEL_partial_b;
    out.credits[0] = MICA_CHANNEL_partial_credit_b;
  } else if (self.component == MICA_COMPONENT_mapper_c) {
    share = 2;
    in.credits[0] = MICA_CHANNEL_lines_credit_c;
    out.data = MICA_CHANNEL_partial_c;
    out.credits[0] = MICA_CHANNEL_partial_credit_c;
  } else {
    return 51; /* bound to a component that is not a mapper */
  }
  struct mica_stage stage;
  app_open_stage(&stage, &in, 1, &out, 1);
  uint64_t line_number = 0;
  for (;;) {
    struct mica_frame frame;
    if (mica_stage_next(&stage, &frame) != MICA_STREAM_OK) return 52;
    if (frame.kind == MICA_FRAME_END) break;
    if (frame.kind != MICA_FRAME_RECORD || frame.length < 4) continue;
    uint32_t sequence;
    memcpy(&sequence, frame.payload, 4);
    if (sequence % 3 != share) continue;
    const char* text = (const char*)frame.payload + 4;
    const size_t length = frame.length - 4;
    size_t start = 0;
    for (size_t i = 0; i <= length; ++i) {
      if (i < length && text[i] != '\n') continue;
      if (i > start) {
        ++line_number;
        const char* why = log_stats_add_line(&stats, text + start, i - start);
        if (why != NULL) {
          mica_pipeline_fail(&stage, "mapper %u: line %llu of chunk %u refused: %s", share,
                             (unsigned long long)line_number, sequence, why);
          mica_stage_finish(&stage);
          return 53;
        }
      }
      start = i + 1;
    }
  }
  struct app_buffer partial = {0};
  if (log_stats_write_partial(&stats, &partial) != 0) return 54;
  if (app_send_text(&stage, 0, partial.bytes, partial.size) != 0) return 55;
  return mica_stage_finish(&stage) == MICA_STREAM_OK ? 0 : 56;
}
