/* The Mica extension's RSI as a realm program sees it, as C constants
 * (docs/abi.md). The same values as the monitor's C++ header
 * src/monitor/mica/include/monitor/abi/mica.h; tests/mica checks that the
 * two agree. C and C++, freestanding: macros only.
 */
#ifndef MICA_MICA_ABI_H
#define MICA_MICA_ABI_H

/* --- Function IDs (SMC64, SiP service range) -------------------------------- */
#define MICA_RSI_MICA_VERSION 0xC2000F40u
#define MICA_RSI_WORKFLOW_INFO 0xC2000F41u
#define MICA_RSI_PEER_INFO 0xC2000F42u
#define MICA_RSI_CHANNEL_INFO 0xC2000F43u
#define MICA_RSI_GATE_WAIT 0xC2000F44u
#define MICA_RSI_GATE_CALL 0xC2000F45u
#define MICA_RSI_GATE_REPLY 0xC2000F46u

#define MICA_ABI_VERSION 0x10000u /* 1.0 */

/* MICA_RSI_PEER_INFO X1 */
#define MICA_PEER_UNBOUND 0u
#define MICA_PEER_NEW 1u
#define MICA_PEER_ACTIVE 2u
#define MICA_PEER_SYSTEM_OFF 3u

/* MICA_RSI_CHANNEL_INFO X3 */
#define MICA_CHANNEL_READ 1u
#define MICA_CHANNEL_WRITE 2u

/* Gate calls carry this many argument words (X2..X7) and result words (X1..X6). */
#define MICA_GATE_WORDS 6u

/* X1 of a gate command that returned RSI_ERROR_STATE. */
#define MICA_GATE_ERR_CALLEE_UNBOUND 1u
#define MICA_GATE_ERR_CALLEE_NOT_ACTIVE 2u
#define MICA_GATE_ERR_CALLEE_NOT_WAITING 3u
#define MICA_GATE_ERR_ABORTED 4u
#define MICA_GATE_ERR_NESTED 5u
#define MICA_GATE_ERR_NOT_SERVING 6u
#define MICA_GATE_ERR_CALLER_BUSY 7u

#endif /* MICA_MICA_ABI_H */
