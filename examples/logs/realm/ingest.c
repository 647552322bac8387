/* Log analysis, ingest: the shop's sealed logs in, numbered chunks of whole
 * lines out to every mapper (each takes its share). */
#include "pipeline_app.h"
#include "policy.h"

int main(void) {
  const struct mica_link out = {
      MICA_CHANNEL_lines, {MICA_CHANNEL_lines_credit_a, MICA_CHANNEL_lines_credit_b, MICA_CHANNEL_lines_credit_c}, 3};
  return app_run_line_ingress(&out, 1, MICA_WINDOW_ingest_inbox_OFFSET, MICA_WINDOW_ingest_inbox_SIZE);
}
