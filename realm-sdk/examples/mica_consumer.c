/* Mica example, the consumer of a two-realm pipeline (see mica_producer.c):
 * it waits on its gate; each call names how many records to read from
 * channel 0 (words[0]) and how long to compute first (words[1] loop
 * iterations), and is answered with the number of records read, their
 * checksum and the iterations done. It serves calls until the host stops it.
 * While serving a call it makes no host calls (the monitor refuses them).
 */
#include "mica/channel.h"
#include "mica/realm.h"
#include "mica/workflow.h"

enum { kChannel = 0 };

static uint64_t checksum(uint64_t sum, const char* bytes, uint32_t length) {
  for (uint32_t i = 0; i < length; ++i) sum = (sum ^ (uint8_t)bytes[i]) * 0x100000001B3ull;
  return sum;
}

int main(void) {
  struct mica_channel channel = {0};
  struct mica_gate_message call;
  struct mica_gate_message reply;
  uint64_t why = 0;
  if (mica_gate_wait(&call, &why) != MICA_RSI_SUCCESS) return 2;
  for (;;) {
    for (unsigned i = 0; i < MICA_GATE_WORDS; ++i) reply.words[i] = 0;
    volatile uint64_t spins = 0;
    while (spins < call.words[1]) spins = spins + 1;
    reply.words[2] = spins;
    if (channel.can_receive || mica_channel_open(kChannel, &channel) == MICA_RING_OK) {
      uint64_t sum = 0xCBF29CE484222325ull;
      uint64_t count = 0;
      char text[64];
      uint32_t length = 0;
      while (count < call.words[0] &&
             mica_ring_read(&channel.receive, text, sizeof text, &length) == MICA_RING_OK) {
        sum = checksum(sum, text, length);
        ++count;
      }
      reply.words[0] = count;
      reply.words[1] = sum;
    }
    if (mica_gate_reply(&reply, &call, &why) != MICA_RSI_SUCCESS) return 3;
  }
}
