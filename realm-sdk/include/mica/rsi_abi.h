/* The ABI a realm program sees, as C constants: RSI 1.0 and PSCI function
 * IDs, status codes and structure layouts (RMM 1.0), and the host-call
 * conventions of the Mica realm SDK.
 *
 * These are the same values as the monitor's C++ ABI header
 * (src/monitor/include/monitor/abi/rsi.h); realm-sdk/abi_check.cpp fails the
 * build if the two ever differ. C and C++, freestanding: macros only.
 */
#ifndef MICA_RSI_ABI_H
#define MICA_RSI_ABI_H

/* --- SMC calling convention ------------------------------------------------ */
#define MICA_SMCCC_VERSION_FID 0x80000000u
#define MICA_SMC_UNKNOWN 0xFFFFFFFFFFFFFFFFull /* unknown function: X0 = -1 */

/* --- RSI function IDs (SMC64, standard service) ---------------------------- */
#define MICA_RSI_VERSION 0xC4000190u
#define MICA_RSI_FEATURES 0xC4000191u
#define MICA_RSI_MEASUREMENT_READ 0xC4000192u
#define MICA_RSI_MEASUREMENT_EXTEND 0xC4000193u
#define MICA_RSI_ATTEST_TOKEN_INIT 0xC4000194u
#define MICA_RSI_ATTEST_TOKEN_CONTINUE 0xC4000195u
#define MICA_RSI_REALM_CONFIG 0xC4000196u
#define MICA_RSI_IPA_STATE_SET 0xC4000197u
#define MICA_RSI_IPA_STATE_GET 0xC4000198u
#define MICA_RSI_HOST_CALL 0xC4000199u

#define MICA_RSI_ABI_VERSION 0x10000u /* 1.0: (major << 16) | minor */

/* RsiCommandReturnCode */
#define MICA_RSI_SUCCESS 0u
#define MICA_RSI_ERROR_INPUT 1u
#define MICA_RSI_ERROR_STATE 2u
#define MICA_RSI_INCOMPLETE 3u
#define MICA_RSI_ERROR_UNKNOWN 4u

/* RsiRipas, RsiResponse, RsiRipasChangeDestroyed */
#define MICA_RIPAS_EMPTY 0u
#define MICA_RIPAS_RAM 1u
#define MICA_RIPAS_DESTROYED 2u
#define MICA_RSI_ACCEPT 0u
#define MICA_RSI_REJECT 1u
#define MICA_RSI_CHANGE_DESTROYED 1u

/* Measurements: slot 0 is the RIM, 1..4 the REMs; 64-byte slots. */
#define MICA_MEASUREMENT_SLOTS 5u
#define MICA_MEASUREMENT_SIZE 64u
#define MICA_MEASUREMENT_EXTEND_MAX 64u
#define MICA_ATTEST_CHALLENGE_SIZE 64u

/* RsiRealmConfig: one 4 KiB granule written by RSI_REALM_CONFIG. */
#define MICA_REALM_CONFIG_IPA_WIDTH 0x000u /* u64 */
#define MICA_REALM_CONFIG_HASH_ALGO 0x008u /* u8: 0 SHA-256, 1 SHA-512 */
#define MICA_REALM_CONFIG_RPV 0x200u       /* 64 bytes */

/* RsiHostCall: 256 bytes, 256-byte aligned, in protected RAM. */
#define MICA_HOST_CALL_IMM 0x00u  /* u32 */
#define MICA_HOST_CALL_GPRS 0x08u /* 31 x u64 */
#define MICA_HOST_CALL_SIZE 0x100u
#define MICA_HOST_CALL_GPR_COUNT 31u

/* --- PSCI 1.1 as a realm sees it ------------------------------------------- */
#define MICA_PSCI_VERSION 0x84000000u
#define MICA_PSCI_CPU_SUSPEND 0xC4000001u
#define MICA_PSCI_CPU_OFF 0x84000002u
#define MICA_PSCI_CPU_ON 0xC4000003u
#define MICA_PSCI_AFFINITY_INFO 0xC4000004u
#define MICA_PSCI_SYSTEM_OFF 0x84000008u
#define MICA_PSCI_SYSTEM_RESET 0x84000009u
#define MICA_PSCI_FEATURES 0x8400000Au

#define MICA_PSCI_SUCCESS 0
#define MICA_PSCI_NOT_SUPPORTED (-1)
#define MICA_PSCI_INVALID_PARAMETERS (-2)
#define MICA_PSCI_DENIED (-3)
#define MICA_PSCI_ALREADY_ON (-4)
#define MICA_PSCI_INVALID_ADDRESS (-9)
#define MICA_PSCI_AFFINITY_ON 0
#define MICA_PSCI_AFFINITY_OFF 1

/* --- Mica realm SDK host calls (RSI_HOST_CALL immediates) -------------------
 * The SDK's own conventions, not part of RMM 1.0; docs/realm-sdk.md. The
 * host only ever sees registers: nothing of protected memory is disclosed.
 *
 * CONSOLE_WRITE: gprs[0] = byte count n (1..240); the bytes are packed
 *   little-endian into gprs[1..30] (byte k is bits [8*(k%8)+7 : 8*(k%8)] of
 *   gprs[1 + k/8]). The host writes them to the realm's console. The host's
 *   gprs[0] on return is ignored.
 * EXIT: gprs[0] = the program's exit status (a signed 64-bit value). The
 *   realm then calls PSCI SYSTEM_OFF; the host reports the status.
 */
#define MICA_HOST_CALL_CONSOLE_WRITE 0x0001u
#define MICA_HOST_CALL_EXIT 0x0002u
#define MICA_HOST_CALL_CONSOLE_MAX 240u

/* Attestation (mica/attest.h): the host relays the verifier's challenge in
 * and the realm's CCA token out. A token is not secret, and the verifier
 * checks the challenge, so the host learns nothing it could abuse.
 *
 * ATTEST_CHALLENGE: the realm's gprs are all 0. The host answers with the
 *   64-byte challenge in gprs[0..7] (byte k is bits [8*(k%8)+7 : 8*(k%8)] of
 *   gprs[k/8]) and gprs[8] = 64; gprs[8] != 64 means "no challenge".
 * ATTEST_TOKEN: one chunk of a token. gprs[0] = the token's total size,
 *   gprs[1] = the chunk's offset in the token, gprs[2] = n (1..224),
 *   gprs[3..30] = the n bytes, packed as for CONSOLE_WRITE. Chunks come in
 *   order; offset 0 starts a new token. The host's answer is ignored.
 */
#define MICA_HOST_CALL_ATTEST_CHALLENGE 0x0003u
#define MICA_HOST_CALL_ATTEST_TOKEN 0x0004u
#define MICA_HOST_CALL_ATTEST_CHUNK_MAX 224u

/* Exit status a program reports when its exception vectors caught an
 * exception: this base plus the exception class (ESR_EL1.EC). */
#define MICA_EXIT_EXCEPTION_BASE 0x100

#endif /* MICA_RSI_ABI_H */
