/* Hostile: tries to keep the PE forever without ever exiting to the host
 * itself: an endless loop of RSI calls the monitor answers on its own (each
 * resumes the realm inside the same REC_ENTER). The monitor gives the host
 * its turn after a bounded number of resumptions: every REC_ENTER returns
 * with an IRQ exit, and the host can always destroy the REC.
 */
#include "mica/realm.h"

int main(void) {
  for (;;) {
    uint64_t lower, higher;
    rsi_version(MICA_RSI_ABI_VERSION, &lower, &higher);
  }
}
