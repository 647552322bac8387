/* The Mica realm SDK: what a realm program can call.
 *
 * A realm program is a freestanding C or C++ program with `int main(void)`.
 * The SDK's crt0 sets up the CPU, a stack per REC, BSS and the heap, runs
 * C++ constructors and main, and ends the realm with main's return value
 * (see docs/realm-sdk.md). Everything here is plain C, usable from C++.
 */
#ifndef MICA_REALM_H
#define MICA_REALM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mica/layout.h"
#include "mica/rsi_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- Boot information ------------------------------------------------------ */
/* What the VMM passed to REC 0 (the boot ABI of docs/load-plan.md). It is
 * measured in the RIM (REC_CREATE measures REC 0's registers). */
struct mica_boot_info {
  uint64_t ram_base;
  uint64_t ram_size;
  uint64_t num_recs;
};
const struct mica_boot_info* mica_boot(void);

/* Index of the calling REC (from MPIDR_EL1, the RMM 1.0 REC index). */
unsigned mica_rec_index(void);
/* The MPIDR value that names REC `index` (for PSCI targets). */
uint64_t mica_rec_mpidr(unsigned index);
/* The SDK gives RECs 0 .. MICA_MAX_RECS - 1 a stack of MICA_STACK_SIZE bytes
 * (mica/layout.h); a higher REC turns itself off on arrival. */

/* Ends the realm: reports `status` to the host (host call EXIT), then PSCI
 * SYSTEM_OFF. Never returns. */
__attribute__((noreturn)) void mica_exit(int64_t status);

/* --- RSI ---------------------------------------------------------------------- */
/* Raw SMC: x[0] = FID, x[1..10] = arguments in; x[0..8] = results out. */
struct mica_smc_regs {
  uint64_t x[11];
};
void mica_smc(struct mica_smc_regs* regs);

uint64_t rsi_version(uint64_t requested, uint64_t* lower, uint64_t* higher);
uint64_t rsi_features(uint64_t index, uint64_t* value);
/* `config` must be a 4 KiB-aligned granule of protected RAM. */
uint64_t rsi_realm_config(void* config);
/* index 0 = RIM, 1..4 = REMs. `out` receives 64 bytes (SHA-256 uses 32). */
uint64_t rsi_measurement_read(unsigned index, uint8_t out[MICA_MEASUREMENT_SIZE]);
uint64_t rsi_measurement_extend(unsigned index, const void* data, size_t size);
uint64_t rsi_ipa_state_set(uint64_t base, uint64_t top, unsigned ripas, uint64_t flags,
                           uint64_t* next, uint64_t* response);
uint64_t rsi_ipa_state_get(uint64_t base, uint64_t end, uint64_t* top, unsigned* ripas);
uint64_t rsi_attest_token_init(const uint8_t challenge[MICA_ATTEST_CHALLENGE_SIZE],
                               uint64_t* max_size);
uint64_t rsi_attest_token_continue(void* granule, uint64_t offset, uint64_t size,
                                   uint64_t* written);

/* RsiHostCall; must be 256-byte aligned in protected RAM. */
struct rsi_host_call_data {
  uint32_t imm;
  uint32_t reserved;
  uint64_t gprs[MICA_HOST_CALL_GPR_COUNT];
} __attribute__((aligned(256)));
uint64_t rsi_host_call(struct rsi_host_call_data* call);

/* --- PSCI --------------------------------------------------------------------- */
int64_t psci_version(void);
int64_t psci_features(uint32_t fid);
int64_t psci_cpu_on(uint64_t target_mpidr, uint64_t entry, uint64_t context_id);
int64_t psci_cpu_off(void);
int64_t psci_affinity_info(uint64_t target_mpidr);
__attribute__((noreturn)) void psci_system_off(void);
__attribute__((noreturn)) void psci_system_reset(void);

/* Starts REC `index` running fn(arg) on its own stack (PSCI CPU_ON). When fn
 * returns, that REC turns itself off. Returns the PSCI status. */
int64_t mica_start_rec(unsigned index, void (*fn)(void* arg), void* arg);

/* --- Console (host call CONSOLE_WRITE) ----------------------------------------- */
void mica_console_write(const char* bytes, size_t length);

/* --- Synchronisation between RECs ------------------------------------------------ */
typedef struct {
  volatile uint32_t locked;
} mica_spinlock;
void mica_spin_lock(mica_spinlock* lock);
void mica_spin_unlock(mica_spinlock* lock);

/* --- Heap ---------------------------------------------------------------------- */
/* Bytes the heap manages, and bytes currently free (for tests and memtest). */
size_t mica_heap_size(void);
size_t mica_heap_free(void);
/* Lowest address after the image (code, data, BSS, stacks) and the end of
 * RAM: the heap lies between them. */
uintptr_t mica_image_end(void);

/* Random numbers from the PE's generator (RNDR, FEAT_RNG): entropy the host
 * neither sees nor chooses. mica_random_u64 retries a failed read a few
 * times and returns false if the generator still has nothing;
 * mica_random_bytes fills `length` bytes or returns false. */
bool mica_random_u64(uint64_t* out);
bool mica_random_bytes(void* out, size_t length);

#ifdef __cplusplus
}
#endif

#endif /* MICA_REALM_H */
