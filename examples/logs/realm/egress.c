/* Log analysis, egress: evidence out as it comes, the report sealed to the
 * shop at the end. */
#include "pipeline_app.h"
#include "policy.h"

int main(void) {
  const struct mica_link in = {MICA_CHANNEL_report, {MICA_CHANNEL_report_credit}, 1};
  return app_run_egress(&in, 1, MICA_WINDOW_egress_outbox_OFFSET, MICA_WINDOW_egress_outbox_SIZE);
}
