/* Confidential analytics, ingest: the hospital's records come in sealed
 * through the inbox and go on to analytics as whole lines. */
#include "pipeline_app.h"
#include "policy.h"

int main(void) {
  const struct mica_link out = {MICA_CHANNEL_records, {MICA_CHANNEL_records_credit}, 1};
  return app_run_line_ingress(&out, 1, MICA_WINDOW_ingest_inbox_OFFSET, MICA_WINDOW_ingest_inbox_SIZE);
}
