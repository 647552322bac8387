/* Attestation tokens (RSI_ATTEST_TOKEN_INIT/CONTINUE) and the SDK's
 * ATTEST_CHALLENGE / ATTEST_TOKEN host calls (mica/attest.h). */
#include "mica/attest.h"

#include <string.h>

#include "internal.h"

#define PAGE_SIZE 4096u

uint64_t mica_attest_token_chunked(const uint8_t challenge[MICA_ATTEST_CHALLENGE_SIZE], uint8_t* token,
                                   size_t capacity, size_t max_chunk, size_t* size) {
  if (max_chunk == 0) return MICA_RSI_ERROR_INPUT;
  uint64_t bound = 0;
  uint64_t status = rsi_attest_token_init(challenge, &bound);
  if (status != MICA_RSI_SUCCESS) return status;
  size_t done = 0;
  for (;;) {
    if (done == capacity) return MICA_ATTEST_BUFFER_TOO_SMALL;
    /* CONTINUE writes into one granule: the page holding the next byte,
     * from that byte's offset to the page's end at most. */
    const uintptr_t next = (uintptr_t)token + done;
    const uintptr_t page = next & ~(uintptr_t)(PAGE_SIZE - 1);
    const size_t offset = next - page;
    size_t want = PAGE_SIZE - offset;
    if (want > capacity - done) want = capacity - done;
    if (want > max_chunk) want = max_chunk;
    uint64_t written = 0;
    status = rsi_attest_token_continue((void*)page, offset, want, &written);
    if (status != MICA_RSI_SUCCESS && status != MICA_RSI_INCOMPLETE) return status;
    if (written > want) return MICA_RSI_ERROR_UNKNOWN; /* a monitor that overran the buffer */
    done += written;
    if (status == MICA_RSI_SUCCESS) {
      *size = done;
      return MICA_RSI_SUCCESS;
    }
  }
}

uint64_t mica_attest_token(const uint8_t challenge[MICA_ATTEST_CHALLENGE_SIZE], uint8_t* token, size_t capacity,
                           size_t* size) {
  return mica_attest_token_chunked(challenge, token, capacity, PAGE_SIZE, size);
}

uint64_t mica_attest_get_challenge(uint8_t challenge[MICA_ATTEST_CHALLENGE_SIZE]) {
  struct rsi_host_call_data* call = mica_host_call_buffer();
  memset(call, 0, sizeof *call);
  call->imm = MICA_HOST_CALL_ATTEST_CHALLENGE;
  const uint64_t status = rsi_host_call(call);
  if (status != MICA_RSI_SUCCESS) return status;
  if (call->gprs[8] != MICA_ATTEST_CHALLENGE_SIZE) return MICA_ATTEST_NO_CHALLENGE;
  memcpy(challenge, &call->gprs[0], MICA_ATTEST_CHALLENGE_SIZE); /* little-endian packing = memory order */
  return MICA_RSI_SUCCESS;
}

uint64_t mica_attest_send_token(const uint8_t* token, size_t size) {
  struct rsi_host_call_data* call = mica_host_call_buffer();
  for (size_t offset = 0; offset < size;) {
    const size_t left = size - offset;
    const size_t chunk = left < MICA_HOST_CALL_ATTEST_CHUNK_MAX ? left : MICA_HOST_CALL_ATTEST_CHUNK_MAX;
    memset(call, 0, sizeof *call);
    call->imm = MICA_HOST_CALL_ATTEST_TOKEN;
    call->gprs[0] = size;
    call->gprs[1] = offset;
    call->gprs[2] = chunk;
    memcpy(&call->gprs[3], token + offset, chunk);
    const uint64_t status = rsi_host_call(call);
    if (status != MICA_RSI_SUCCESS) return status;
    offset += chunk;
  }
  return MICA_RSI_SUCCESS;
}
