/* Mica example, hostile: a writer of channel 0 puts code into the channel
 * and jumps to it, as a peer that injects code would. Channel pages are
 * never executable at stage 2: the fetch aborts and the SDK's vectors end
 * the realm.
 */
#include "mica/channel.h"
#include "mica/realm.h"

int main(void) {
  struct mica_channel_info info;
  if (mica_get_channel_info(0, &info) != MICA_RSI_SUCCESS || !mica_channel_mapped(&info)) psci_system_off();
  volatile uint32_t* code = (volatile uint32_t*)(uintptr_t)info.base;
  code[0] = 0xD65F03C0u; /* ret */
  void (*run)(void) = (void (*)(void))(uintptr_t)info.base;
  run();
  code[1] = 0xBADu; /* never reached */
  return 0;
}
