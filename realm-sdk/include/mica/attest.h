/* Attestation from inside a realm: the realm's CCA attestation token (RSI
 * 1.0 ATTEST_TOKEN_INIT/CONTINUE), and the SDK's host-call convention for
 * receiving the verifier's challenge and handing the token out (immediates
 * ATTEST_CHALLENGE and ATTEST_TOKEN in mica/rsi_abi.h, docs/realm-sdk.md).
 *
 * The token is the platform token plus a realm token signed by the realm
 * attestation key over the challenge, the realm's RPV, RIM and REMs as they
 * are at mica_attest_token(), and -- for a realm bound to a Mica workflow --
 * the policy digest, workflow instance id and component (docs/attestation.md).
 * A bound realm can hand it out only on a path its policy opens: host calls
 * (`host_calls allow;`) for the functions below, or an `out` window it
 * writes itself.
 */
#ifndef MICA_ATTEST_H
#define MICA_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include "mica/rsi_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A buffer of this size holds any token the monitor produces (INIT's bound). */
#define MICA_ATTEST_TOKEN_MAX 4096u

/* Results beyond the RSI status codes. */
#define MICA_ATTEST_BUFFER_TOO_SMALL 0x100u /* the token did not fit; call INIT again */
#define MICA_ATTEST_NO_CHALLENGE 0x101u     /* the host gave no challenge */

/* Obtains the whole token over `challenge` into token[0 .. capacity): INIT,
 * then CONTINUE writing straight into the buffer, one page piece at a time,
 * until SUCCESS. On MICA_RSI_SUCCESS *size is the token's size. Otherwise
 * the failing RSI status (MICA_RSI_ERROR_INPUT: the buffer is not protected
 * RAM) or MICA_ATTEST_BUFFER_TOO_SMALL. The buffer must be the realm's own
 * protected RAM (static, stack or heap). */
uint64_t mica_attest_token(const uint8_t challenge[MICA_ATTEST_CHALLENGE_SIZE], uint8_t* token,
                           size_t capacity, size_t* size);
/* The same with CONTINUE asking for at most `max_chunk` bytes (>= 1) at a
 * time: the token arrives in that many pieces, to the same result. */
uint64_t mica_attest_token_chunked(const uint8_t challenge[MICA_ATTEST_CHALLENGE_SIZE], uint8_t* token,
                                   size_t capacity, size_t max_chunk, size_t* size);

/* Host call ATTEST_CHALLENGE: the verifier's challenge as the host relays
 * it. MICA_RSI_SUCCESS, or MICA_ATTEST_NO_CHALLENGE, or the status of the
 * host call (a policy that closes host calls makes it fail). */
uint64_t mica_attest_get_challenge(uint8_t challenge[MICA_ATTEST_CHALLENGE_SIZE]);
/* Host call ATTEST_TOKEN, as often as needed: the token in order, at most
 * MICA_HOST_CALL_ATTEST_CHUNK_MAX bytes per call. MICA_RSI_SUCCESS or the
 * status of the failing host call. */
uint64_t mica_attest_send_token(const uint8_t* token, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* MICA_ATTEST_H */
