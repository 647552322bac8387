/* Shared by the hostile realm programs (mica_hostile_*.c): the report page.
 * Each writes what the monitor answered into the first page of its channel
 * 0, which its policy lets it write, word by word, and the magic word last,
 * so that tests/security/hostile_realm_test.cpp can read how far it got and
 * what it saw. A program whose channel is not mapped stops at once.
 */
#ifndef MICA_HOSTILE_REPORT_H
#define MICA_HOSTILE_REPORT_H

#include <stdint.h>

#include "mica/channel.h"
#include "mica/realm.h"

#define HOSTILE_REPORT_DONE 0x454E4F444C495448ull /* "HTILDONE" */
enum { HOSTILE_WORD_DONE = 0 };

static inline volatile uint64_t* hostile_report(void) {
  struct mica_channel_info info;
  if (mica_get_channel_info(0, &info) != MICA_RSI_SUCCESS || !mica_channel_mapped(&info)) psci_system_off();
  return (volatile uint64_t*)(uintptr_t)info.base;
}

/* An SMC with x0..x10 as given; returns X0 (the rest in regs->x). */
static inline uint64_t hostile_smc(struct mica_smc_regs* regs) {
  mica_smc(regs);
  return regs->x[0];
}

#endif
