/* Mica example: local attestation before sharing anything. The realm waits
 * until its peer (component 1) is active, then writes into channel 0 what
 * the monitor told it: its workflow (policy digest, instance id, component),
 * the peer's state, bind generation and RIM, and where channel 0 is.
 * A real program would compare the peer's RIM with the one it expects
 * before it writes any data.
 */
#include <string.h>

#include "mica/channel.h"
#include "mica/realm.h"
#include "mica/workflow.h"

enum { kPeer = 1, kChannel = 0 };
#define REPORT_MAGIC 0x5352454550544141ull

struct report {
  uint64_t magic;
  struct mica_workflow_info self;
  struct mica_peer_info peer;
  struct mica_channel_info channel;
};

int main(void) {
  struct mica_peer_info peer;
  if (mica_wait_peer_active(kPeer, ~0ull, &peer) != MICA_RSI_SUCCESS) psci_system_off();
  struct report r;
  memset(&r, 0, sizeof r);
  if (mica_get_workflow_info(&r.self) != MICA_RSI_SUCCESS) psci_system_off();
  r.peer = peer;
  if (mica_get_channel_info(kChannel, &r.channel) != MICA_RSI_SUCCESS || !mica_channel_mapped(&r.channel)) {
    psci_system_off();
  }
  volatile uint64_t* out = (volatile uint64_t*)(uintptr_t)r.channel.base;
  const uint64_t* words = (const uint64_t*)&r;
  for (size_t i = 1; i < sizeof r / 8; ++i) out[i] = words[i];
  out[0] = REPORT_MAGIC;
  psci_system_off();
}
