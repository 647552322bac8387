/* Mica example, the producer of a two-realm pipeline (tests/mica,
 * docs/abi.md): it checks that its peer is the consumer the policy names,
 * writes messages into channel 0, then calls the consumer through the gate
 * and compares the consumer's count and checksum with its own. A second
 * call asks the consumer to compute for longer than one host time slice,
 * so the host preempts the call and resumes it.
 *
 * Component and channel indices are those of the compiled policy
 * (components and channels in name order): consumer 0, producer 1, channel 0.
 */
#include <stdio.h>

#include "mica/channel.h"
#include "mica/realm.h"
#include "mica/workflow.h"

enum { kConsumer = 0, kProducer = 1, kChannel = 0, kMessages = 24 };

static uint64_t checksum(uint64_t sum, const char* bytes, uint32_t length) {
  for (uint32_t i = 0; i < length; ++i) sum = (sum ^ (uint8_t)bytes[i]) * 0x100000001B3ull;
  return sum;
}

static void yield(void) { __asm__ volatile("wfi" ::: "memory"); }

/* Calls the consumer, retrying while it has not reached its gate yet. */
static uint64_t call_consumer(const struct mica_gate_message* args, struct mica_gate_message* results) {
  uint64_t why = 0;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const uint64_t status = mica_gate_call(kConsumer, args, results, &why);
    if (status != MICA_RSI_ERROR_STATE || why != MICA_GATE_ERR_CALLEE_NOT_WAITING) return status;
    yield();
  }
  return MICA_RSI_ERROR_STATE;
}

int main(void) {
  struct mica_workflow_info self;
  if (mica_get_workflow_info(&self) != MICA_RSI_SUCCESS || self.component != kProducer) {
    printf("producer: not bound as the producer\n");
    return 2;
  }
  struct mica_peer_info peer;
  if (mica_wait_peer_active(kConsumer, 10000, &peer) != MICA_RSI_SUCCESS) {
    printf("producer: the consumer never became active\n");
    return 3;
  }
  printf("producer: component %u of %u, consumer active (generation %llu, RIM %02x%02x%02x%02x...)\n",
         self.component, self.component_count, (unsigned long long)peer.bind_generation, peer.rim[0], peer.rim[1],
         peer.rim[2], peer.rim[3]);

  struct mica_channel channel = {0};
  enum mica_ring_status opened;
  while ((opened = mica_channel_open(kChannel, &channel)) == MICA_RING_NOT_READY) yield();
  if (opened != MICA_RING_OK || !channel.can_send) {
    printf("producer: cannot open channel %d (%d)\n", kChannel, (int)opened);
    return 4;
  }
  uint64_t sum = 0xCBF29CE484222325ull;
  for (int i = 0; i < kMessages; ++i) {
    char text[48];
    const int length = snprintf(text, sizeof text, "record %d of %d", i, kMessages);
    if (mica_ring_write(&channel.send, text, (uint32_t)length) != MICA_RING_OK) return 5;
    sum = checksum(sum, text, (uint32_t)length);
  }

  struct mica_gate_message args = {0};
  struct mica_gate_message results = {0};
  args.words[0] = kMessages;
  uint64_t status = call_consumer(&args, &results);
  if (status != MICA_RSI_SUCCESS) {
    printf("producer: gate call failed (%llu)\n", (unsigned long long)status);
    return 6;
  }
  printf("producer: consumer read %llu records, checksum %s\n", (unsigned long long)results.words[0],
         results.words[1] == sum ? "matches" : "DIFFERS");
  if (results.words[0] != kMessages || results.words[1] != sum) return 7;

  /* A call the consumer needs several host time slices for. */
  const char last[] = "last record";
  if (mica_ring_write(&channel.send, last, sizeof last - 1) != MICA_RING_OK) return 8;
  args.words[0] = 1;
  args.words[1] = 3000000; /* loop iterations before replying */
  status = call_consumer(&args, &results);
  if (status != MICA_RSI_SUCCESS || results.words[0] != 1 ||
      results.words[1] != checksum(0xCBF29CE484222325ull, last, sizeof last - 1)) {
    printf("producer: long call failed (%llu)\n", (unsigned long long)status);
    return 9;
  }
  printf("producer: long call answered after %llu iterations\n", (unsigned long long)results.words[2]);
  return 0;
}
