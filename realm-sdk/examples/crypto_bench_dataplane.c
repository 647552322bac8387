/* The realm side of bench/workflow_bench.cpp's data plane: the same bytes
 * moved from one realm to another three ways, so that the host can time
 * each and count the guest instructions each costs.
 *
 * The realm asks the host for its task (host call DP_PARAMS), prepares
 * (fills its source buffer, opens its channels), waits at DP_START until
 * every realm of the measurement is ready, moves the bytes, calls DP_END,
 * checks what it received (untimed) and reports it with DP_RESULT.
 *
 *   MEMCPY          one realm: memcpy() from one private buffer to another,
 *                   `chunk` bytes at a time: the emulated CPU's limit.
 *   MEMCPY_BOUNCE   one realm: each chunk memcpy'd into a bounce buffer of
 *                   the ring's size (cycling through it like the ring), then
 *                   out of it: the two copies any shared-memory channel
 *                   makes, without the channel.
 *   CHANNEL_WRITER  a Mica stream (mica/stream.h): mica_stream_send of
 *   CHANNEL_READER  `chunk`-byte messages into the protected data channel,
 *                   mica_stream_receive into the reader's private buffer,
 *                   credits back through the credit channel.
 *   SEAL_WRITER     what standard CCA realms must do: seal each chunk with
 *   SEAL_READER     an AEAD into the writer's unprotected `out` window, the
 *                   host copies it into the reader's `in` window, the reader
 *                   copies it into private memory and opens it (as
 *                   mica_ingress_receive does). AES-256-GCM through
 *                   mica_sio_seal/mica_sio_open (production's calls), or
 *                   ChaCha20-Poly1305 straight from mbedTLS.
 *
 * Host calls (gprs on the way in -> the host's answer):
 *   DP_PARAMS  -                       -> role, bytes, chunk, data channel,
 *                                         credit channel, window IPA, cipher,
 *                                         bounce buffer size
 *   DP_START   -                       -> 1 go, 0 wait (yield and ask again)
 *   DP_END     -                       -> -
 *   DP_RESULT  status, checksum, bytes, waits -> -
 *   DP_SEND    sealed length in the out window -> 1 taken, 0 busy (yield, ask again)
 *   DP_RECV    -                       -> sealed length in the in window,
 *                                         0 none yet (yield, ask again);
 *                                         asking again releases the last one
 * The key is a constant: establishing it (ECDH, HKDF: once per session) is
 * not part of the data plane. The checksum is over 64-bit words, order
 * dependent; the host computes the expected one natively. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/chachapoly.h>

#include "mica/realm.h"
#include "mica/sio_crypto.h"
#include "mica/stream.h"

enum {
  kParams = 0x110,
  kStart = 0x111,
  kEnd = 0x112,
  kResult = 0x113,
  kSend = 0x114,
  kRecv = 0x115,
};
enum { kMemcpy = 1, kChannelWriter = 2, kChannelReader = 3, kSealWriter = 4, kSealReader = 5, kMemcpyBounce = 6 };
enum { kAesGcm = 0, kChachaPoly = 1 };
#define TAG 16u

static struct rsi_host_call_data call;

static uint64_t* host_call(uint32_t imm) {
  call.imm = imm;
  (void)rsi_host_call(&call);
  return call.gprs;
}

struct params {
  uint64_t role, bytes, chunk, data_channel, credit_channel, window, cipher, bounce;
};

__attribute__((noreturn)) static void fail(uint64_t status) {
  memset(call.gprs, 0, sizeof call.gprs);
  call.gprs[0] = status;
  host_call(kResult);
  mica_exit((int64_t)status);
}

static void start(void) {
  for (;;) {
    memset(call.gprs, 0, sizeof call.gprs);
    if (host_call(kStart)[0] == 1) return;
    mica_yield();
  }
}

static void end(void) {
  memset(call.gprs, 0, sizeof call.gprs);
  host_call(kEnd);
}

static void result(uint64_t checksum, uint64_t bytes, uint64_t waits) {
  memset(call.gprs, 0, sizeof call.gprs);
  call.gprs[0] = 0;
  call.gprs[1] = checksum;
  call.gprs[2] = bytes;
  call.gprs[3] = waits;
  host_call(kResult);
}

/* Word i of the data: a value every byte of which changes with i. */
static void fill(uint8_t* buffer, uint64_t bytes) {
  uint64_t* words = (uint64_t*)buffer;
  for (uint64_t i = 0; i < bytes / 8; ++i) words[i] = (i + 1) * 0x9E3779B97F4A7C15ull;
}

static uint64_t checksum(const uint8_t* buffer, uint64_t bytes) {
  const uint64_t* words = (const uint64_t*)buffer;
  uint64_t h = 0xCBF29CE484222325ull;
  for (uint64_t i = 0; i < bytes / 8; ++i) h = (h ^ words[i]) * 0x100000001B3ull;
  return h;
}

static uint8_t* buffer(uint64_t bytes) {
  uint8_t* b = (uint8_t*)malloc(bytes);
  if (b == NULL) fail(0x20);
  return b;
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

static void run_memcpy(const struct params* p) {
  uint8_t* src = buffer(p->bytes);
  uint8_t* dst = buffer(p->bytes);
  fill(src, p->bytes);
  start();
  for (uint64_t off = 0; off < p->bytes; off += p->chunk) memcpy(dst + off, src + off, min_u64(p->chunk, p->bytes - off));
  end();
  result(checksum(dst, p->bytes), p->bytes, 0);
}

static void run_memcpy_bounce(const struct params* p) {
  if (p->bounce < p->chunk || p->bounce % p->chunk != 0) fail(0x21);
  uint8_t* src = buffer(p->bytes);
  uint8_t* bounce = buffer(p->bounce);
  uint8_t* dst = buffer(p->bytes);
  fill(src, p->bytes);
  start();
  for (uint64_t off = 0; off < p->bytes; off += p->chunk) {
    const uint64_t n = min_u64(p->chunk, p->bytes - off);
    uint8_t* slot = bounce + off % p->bounce;
    memcpy(slot, src + off, n);
    memcpy(dst + off, slot, n);
  }
  end();
  result(checksum(dst, p->bytes), p->bytes, 0);
}

static void run_channel_writer(const struct params* p) {
  struct mica_stream_writer writer;
  memset(&writer, 0, sizeof writer);
  const unsigned credit = (unsigned)p->credit_channel;
  enum mica_stream_status s;
  while ((s = mica_stream_writer_open(&writer, (unsigned)p->data_channel, &credit, 1)) == MICA_STREAM_NOT_READY) {
    mica_yield();
  }
  if (s != MICA_STREAM_OK) fail(0x30 + s);
  if (p->chunk > mica_stream_max_message(&writer)) fail(0x3F);
  uint8_t* src = buffer(p->bytes);
  fill(src, p->bytes);
  start();
  for (uint64_t off = 0; off < p->bytes; off += p->chunk) {
    s = mica_stream_send(&writer, src + off, (uint32_t)min_u64(p->chunk, p->bytes - off));
    if (s != MICA_STREAM_OK) fail(0x40 + s);
  }
  end();
  result(0, p->bytes, writer.waits);
}

static void run_channel_reader(const struct params* p) {
  struct mica_stream_reader reader;
  memset(&reader, 0, sizeof reader);
  enum mica_stream_status s;
  while ((s = mica_stream_reader_open(&reader, (unsigned)p->data_channel, (unsigned)p->credit_channel)) ==
         MICA_STREAM_NOT_READY) {
    mica_yield();
  }
  if (s != MICA_STREAM_OK) fail(0x50 + s);
  uint8_t* dst = buffer(p->bytes);
  start();
  for (uint64_t off = 0; off < p->bytes;) {
    uint32_t length = 0;
    s = mica_stream_receive(&reader, dst + off, (uint32_t)min_u64(p->chunk, p->bytes - off), &length);
    if (s != MICA_STREAM_OK) fail(0x60 + s);
    off += length;
  }
  end();
  result(checksum(dst, p->bytes), p->bytes, 0);
}

/* --- The AEAD baseline --------------------------------------------------------------- */
static const uint8_t kKey[32] = {0x6d, 0x69, 0x63, 0x61, 0x2d, 0x62, 0x65, 0x6e, 0x63, 0x68, 0x2d,
                                 0x6b, 0x65, 0x79, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12};
static const uint8_t kNonce[MICA_SIO_NONCE_SIZE] = {1, 2, 3, 4, 5, 6, 7, 8};
#define LABEL "mica bench data plane"

/* A fresh IV per chunk: the chunk's sequence number. */
static void iv_of(uint64_t sequence, uint8_t iv[12]) {
  memset(iv, 0, 12);
  memcpy(iv, &sequence, sizeof sequence);
}

static int seal(uint64_t cipher, uint64_t sequence, const uint8_t* plain, size_t length, uint8_t* sealed) {
  uint8_t iv[12];
  iv_of(sequence, iv);
  if (cipher == kAesGcm) return mica_sio_seal(kKey, iv, LABEL, kNonce, plain, length, sealed);
  mbedtls_chachapoly_context ctx;
  mbedtls_chachapoly_init(&ctx);
  int ret = mbedtls_chachapoly_setkey(&ctx, kKey);
  if (ret == 0) {
    ret = mbedtls_chachapoly_encrypt_and_tag(&ctx, length, iv, kNonce, sizeof kNonce, plain, sealed, sealed + length);
  }
  mbedtls_chachapoly_free(&ctx);
  return ret;
}

static int open_sealed(uint64_t cipher, uint64_t sequence, const uint8_t* sealed, size_t sealed_length,
                       uint8_t* plain) {
  uint8_t iv[12];
  iv_of(sequence, iv);
  if (cipher == kAesGcm) return mica_sio_open(kKey, iv, LABEL, kNonce, sealed, sealed_length, plain);
  if (sealed_length < TAG) return -1;
  const size_t length = sealed_length - TAG;
  mbedtls_chachapoly_context ctx;
  mbedtls_chachapoly_init(&ctx);
  int ret = mbedtls_chachapoly_setkey(&ctx, kKey);
  if (ret == 0) {
    ret = mbedtls_chachapoly_auth_decrypt(&ctx, length, iv, kNonce, sizeof kNonce, sealed + length, sealed, plain);
  }
  mbedtls_chachapoly_free(&ctx);
  return ret;
}

static void run_seal_writer(const struct params* p) {
  uint8_t* window = (uint8_t*)(uintptr_t)p->window; /* unprotected, read-write */
  uint8_t* src = buffer(p->bytes);
  fill(src, p->bytes);
  start();
  uint64_t waits = 0, sequence = 0;
  for (uint64_t off = 0; off < p->bytes; off += p->chunk, ++sequence) {
    const uint64_t n = min_u64(p->chunk, p->bytes - off);
    if (seal(p->cipher, sequence, src + off, n, window) != 0) fail(0x70);
    for (;;) {
      memset(call.gprs, 0, sizeof call.gprs);
      call.gprs[0] = n + TAG;
      if (host_call(kSend)[0] == 1) break;
      ++waits;
      mica_yield();
    }
  }
  end();
  result(0, p->bytes, waits);
}

static void run_seal_reader(const struct params* p) {
  const uint8_t* window = (const uint8_t*)(uintptr_t)p->window; /* unprotected, read-only */
  uint8_t* dst = buffer(p->bytes);
  uint8_t* sealed = buffer(p->chunk + TAG);
  start();
  uint64_t waits = 0, sequence = 0;
  for (uint64_t off = 0; off < p->bytes; ++sequence) {
    uint64_t length;
    for (;;) {
      memset(call.gprs, 0, sizeof call.gprs);
      length = host_call(kRecv)[0];
      if (length != 0) break;
      ++waits;
      mica_yield();
    }
    if (length < TAG || length - TAG > p->chunk || length - TAG > p->bytes - off) fail(0x80);
    /* The host can change its memory at any time: open a private copy. */
    memcpy(sealed, window, length);
    if (open_sealed(p->cipher, sequence, sealed, length, dst + off) != 0) fail(0x81);
    off += length - TAG;
  }
  end();
  result(checksum(dst, p->bytes), p->bytes, waits);
}

int main(void) {
  memset(call.gprs, 0, sizeof call.gprs);
  const uint64_t* g = host_call(kParams);
  const struct params p = {g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]};
  if (p.bytes == 0 || p.bytes % 8 != 0 || p.chunk == 0 || p.chunk % 8 != 0 || p.chunk > 0xFFFFFFF0u) fail(0x10);
  switch (p.role) {
    case kMemcpy: run_memcpy(&p); break;
    case kMemcpyBounce: run_memcpy_bounce(&p); break;
    case kChannelWriter: run_channel_writer(&p); break;
    case kChannelReader: run_channel_reader(&p); break;
    case kSealWriter: run_seal_writer(&p); break;
    case kSealReader: run_seal_reader(&p); break;
    default: fail(0x11);
  }
  return 0;
}
