/* Mica example, hostile: a reader of channel 0 writes into the channel,
 * hoping to change what the writer's peers read. The page is read-only at
 * stage 2 for it: the monitor injects an abort and the SDK's vectors end
 * the realm; the page keeps the writer's bytes.
 */
#include "mica/channel.h"
#include "mica/realm.h"

int main(void) {
  struct mica_channel_info info;
  if (mica_get_channel_info(0, &info) != MICA_RSI_SUCCESS || !mica_channel_mapped(&info)) psci_system_off();
  if ((info.permission & MICA_CHANNEL_WRITE) != 0) psci_system_off();
  volatile uint64_t* page = (volatile uint64_t*)(uintptr_t)info.base;
  const uint64_t seen = page[0];
  page[0] = seen ^ 0xFFFFFFFFFFFFFFFFull;
  return 0;
}
