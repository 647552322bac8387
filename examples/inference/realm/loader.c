/* Private inference, the vendor's loader: the sealed weights come in
 * through its inbox and go on, opened, to the model only. */
#include "pipeline_app.h"
#include "policy.h"

int main(void) {
  const struct mica_link out = {MICA_CHANNEL_weights, {MICA_CHANNEL_weights_credit}, 1};
  return app_run_ingress(&out, 1, MICA_WINDOW_weights_loader_weights_inbox_OFFSET,
                         MICA_WINDOW_weights_loader_weights_inbox_SIZE, false);
}
