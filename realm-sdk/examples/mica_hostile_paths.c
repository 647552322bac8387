/* Mica example, hostile: a realm whose policy closes every path to the host
 * tries each one anyway and writes what the monitor answered into the first
 * page of channel 0 (which it may write), then stops. Nothing of it must
 * reach the host: the test reads the page and the exits the host saw.
 *
 * Policy (tests/mica): hostile 0 writes channel "report" to observer 1;
 * the only gate is observer -> hostile; component 2 exists.
 */
#include "mica/channel.h"
#include "mica/realm.h"
#include "mica/workflow.h"

enum { kObserver = 1, kOther = 2, kReport = 0 };

/* The results, word by word (tests/mica/realm_test.cpp reads them). */
enum {
  kMagicWord,
  kHostCall,
  kRipasChange,
  kPsciCpuOn,
  kPsciFeaturesCpuOn,
  kPsciCpuOff,
  kGateCall,
  kGateCallWhy,
  kPeerInfoOutOfRange,
  kPeerInfoObserver,
  kObserverState,
  kObserverGeneration,
  kChannelInfoOutOfRange,
  kGateReplyNotServing,
  kWordCount,
};
#define REPORT_MAGIC 0x54524F5045524D48ull

int main(void) {
  struct mica_channel_info info;
  if (mica_get_channel_info(kReport, &info) != MICA_RSI_SUCCESS || !mica_channel_mapped(&info)) psci_system_off();
  volatile uint64_t* report = (volatile uint64_t*)(uintptr_t)info.base;

  struct rsi_host_call_data* call = &(struct rsi_host_call_data){0};
  call->imm = MICA_HOST_CALL_CONSOLE_WRITE;
  call->gprs[0] = 8;
  call->gprs[1] = 0x7465726365732021ull; /* "! secret" */
  report[kHostCall] = rsi_host_call(call);

  uint64_t next = 0, response = 0;
  const uint64_t base = mica_boot()->ram_base;
  report[kRipasChange] = rsi_ipa_state_set(base, base + 4096, MICA_RIPAS_EMPTY, 0, &next, &response);
  report[kPsciCpuOn] = (uint64_t)psci_cpu_on(mica_rec_mpidr(1), base, 0x5EC2E7);
  report[kPsciFeaturesCpuOn] = (uint64_t)psci_features(MICA_PSCI_CPU_ON);
  struct mica_gate_message args = {0}, results = {0};
  uint64_t why = 0;
  report[kGateCall] = mica_gate_call(kOther, &args, &results, &why);
  report[kGateCallWhy] = why;
  struct mica_peer_info peer;
  report[kPeerInfoOutOfRange] = mica_get_peer_info(7, &peer);
  report[kPeerInfoObserver] = mica_get_peer_info(kObserver, &peer);
  report[kObserverState] = peer.state;
  report[kObserverGeneration] = peer.bind_generation;
  struct mica_channel_info none;
  report[kChannelInfoOutOfRange] = mica_get_channel_info(3, &none);
  struct mica_gate_message reply = {0}, next_call;
  why = 0;
  report[kGateReplyNotServing] = mica_gate_reply(&reply, &next_call, &why) | (why << 8);
  /* CPU_OFF is closed too: the realm keeps running. */
  report[kPsciCpuOff] = (uint64_t)psci_cpu_off();
  report[kMagicWord] = REPORT_MAGIC;
  psci_system_off();
}
