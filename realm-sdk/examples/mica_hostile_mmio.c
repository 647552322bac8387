/* Mica example, hostile: a realm whose policy closes MMIO emulation stores a
 * secret to an unprotected IPA, hoping the host sees the value in the exit.
 * The monitor injects an abort instead; the SDK's vectors end the realm.
 * Before it tries, it marks channel 0 so the test knows it got that far.
 */
#include "mica/channel.h"
#include "mica/realm.h"

int main(void) {
  struct mica_channel_info info;
  if (mica_get_channel_info(0, &info) != MICA_RSI_SUCCESS || !mica_channel_mapped(&info)) psci_system_off();
  volatile uint64_t* report = (volatile uint64_t*)(uintptr_t)info.base;
  report[0] = 0x4F494D4D59525431ull;
  /* The unprotected half of a 40-bit IPA space starts at 2^39. */
  volatile uint64_t* device = (volatile uint64_t*)(uintptr_t)((1ull << 39) + 0x1000);
  *device = 0x5EC2E75EC2E75EC2ull;
  report[1] = 0xBAD;  /* never reached */
  return 0;
}
