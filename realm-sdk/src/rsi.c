/* RSI 1.0 and PSCI calls (RMM 1.0 facts §6): one SMC each. */
#include <string.h>

#include "internal.h"

static uint64_t call(struct mica_smc_regs* r) {
  mica_smc(r);
  return r->x[0];
}

uint64_t rsi_version(uint64_t requested, uint64_t* lower, uint64_t* higher) {
  struct mica_smc_regs r = {{MICA_RSI_VERSION, requested}};
  const uint64_t status = call(&r);
  if (lower) *lower = r.x[1];
  if (higher) *higher = r.x[2];
  return status;
}

uint64_t rsi_features(uint64_t index, uint64_t* value) {
  struct mica_smc_regs r = {{MICA_RSI_FEATURES, index}};
  const uint64_t status = call(&r);
  if (value) *value = r.x[1];
  return status;
}

uint64_t rsi_realm_config(void* config) {
  struct mica_smc_regs r = {{MICA_RSI_REALM_CONFIG, (uint64_t)(uintptr_t)config}};
  return call(&r);
}

uint64_t rsi_measurement_read(unsigned index, uint8_t out[MICA_MEASUREMENT_SIZE]) {
  struct mica_smc_regs r = {{MICA_RSI_MEASUREMENT_READ, index}};
  const uint64_t status = call(&r);
  if (status == MICA_RSI_SUCCESS) memcpy(out, &r.x[1], MICA_MEASUREMENT_SIZE);  /* X1..X8, LE */
  return status;
}

uint64_t rsi_measurement_extend(unsigned index, const void* data, size_t size) {
  struct mica_smc_regs r = {{MICA_RSI_MEASUREMENT_EXTEND, index, size}};
  if (size > MICA_MEASUREMENT_EXTEND_MAX) return MICA_RSI_ERROR_INPUT;
  memcpy(&r.x[3], data, size); /* X3..X10, LE bytes of X3 first */
  return call(&r);
}

uint64_t rsi_ipa_state_set(uint64_t base, uint64_t top, unsigned ripas, uint64_t flags,
                           uint64_t* next, uint64_t* response) {
  struct mica_smc_regs r = {{MICA_RSI_IPA_STATE_SET, base, top, ripas, flags}};
  const uint64_t status = call(&r);
  if (next) *next = r.x[1];
  if (response) *response = r.x[2];
  return status;
}

uint64_t rsi_ipa_state_get(uint64_t base, uint64_t end, uint64_t* top, unsigned* ripas) {
  struct mica_smc_regs r = {{MICA_RSI_IPA_STATE_GET, base, end}};
  const uint64_t status = call(&r);
  if (top) *top = r.x[1];
  if (ripas) *ripas = (unsigned)r.x[2];
  return status;
}

uint64_t rsi_attest_token_init(const uint8_t challenge[MICA_ATTEST_CHALLENGE_SIZE], uint64_t* max_size) {
  struct mica_smc_regs r = {{MICA_RSI_ATTEST_TOKEN_INIT}};
  memcpy(&r.x[1], challenge, MICA_ATTEST_CHALLENGE_SIZE); /* X1..X8 */
  const uint64_t status = call(&r);
  if (max_size) *max_size = r.x[1];
  return status;
}

uint64_t rsi_attest_token_continue(void* granule, uint64_t offset, uint64_t size, uint64_t* written) {
  struct mica_smc_regs r = {{MICA_RSI_ATTEST_TOKEN_CONTINUE, (uint64_t)(uintptr_t)granule, offset, size}};
  const uint64_t status = call(&r);
  if (written) *written = r.x[1];
  return status;
}

uint64_t rsi_host_call(struct rsi_host_call_data* host_call) {
  struct mica_smc_regs r = {{MICA_RSI_HOST_CALL, (uint64_t)(uintptr_t)host_call}};
  return call(&r);
}

int64_t psci_version(void) {
  struct mica_smc_regs r = {{MICA_PSCI_VERSION}};
  return (int64_t)call(&r);
}

int64_t psci_features(uint32_t fid) {
  struct mica_smc_regs r = {{MICA_PSCI_FEATURES, fid}};
  return (int64_t)call(&r);
}

int64_t psci_cpu_on(uint64_t target_mpidr, uint64_t entry, uint64_t context_id) {
  struct mica_smc_regs r = {{MICA_PSCI_CPU_ON, target_mpidr, entry, context_id}};
  return (int64_t)call(&r);
}

int64_t psci_cpu_off(void) {
  struct mica_smc_regs r = {{MICA_PSCI_CPU_OFF}};
  return (int64_t)call(&r);
}

int64_t psci_affinity_info(uint64_t target_mpidr) {
  struct mica_smc_regs r = {{MICA_PSCI_AFFINITY_INFO, target_mpidr, 0}};
  return (int64_t)call(&r);
}

void psci_system_off(void) {
  struct mica_smc_regs r = {{MICA_PSCI_SYSTEM_OFF}};
  for (;;) call(&r);
}

void psci_system_reset(void) {
  struct mica_smc_regs r = {{MICA_PSCI_SYSTEM_RESET}};
  for (;;) call(&r);
}
