// RSI_ATTEST_TOKEN_INIT / RSI_ATTEST_TOKEN_CONTINUE (RMM 1.0 facts §8.5-8.6):
// a realm asks for a CCA token over its 64-byte challenge and receives it in
// chunks written into its own protected pages.
//
//   INIT      snapshots the realm's claims (challenge, RPV, RAK, algorithm
//             ids, profile, RIM and REMs as they are now, and the Mica
//             claims of a bound realm) into the REC's token state. It always
//             restarts: a token in progress is dropped.
//   CONTINUE  the first one after INIT signs the realm token with the RAK
//             (through the platform) and assembles the CCA token; each call
//             then copies the next chunk to [X1 + X2, X1 + X2 + X3). INCOMPLETE
//             while bytes remain, SUCCESS with the last one; after SUCCESS the
//             token is gone (ERROR_STATE until the next INIT).
//
// Signing is one step here (mbedTLS signs in about a millisecond), so
// CONTINUE never stops early for a pending interrupt; a realm must loop on
// INCOMPLETE anyway. State lives in the REC's aux granules
// (attest/token_state.h); handlers lock them after the RD and RTTs.
#include "attest/token.h"
#include "attest/token_state.h"
#include "core/assert.h"
#include "core/bytes.h"
#include "mica/hooks.h"
#include "monitor/abi/rsi.h"
#include "realm/realm_descriptor.h"
#include "realm/realm_memory.h"
#include "rsi/rsi.h"

namespace mica::monitor::rsi {

namespace {

constexpr uint64_t status(abi::RsiStatus s) { return static_cast<uint64_t>(s); }
constexpr unsigned kChallengeRegisters = attest::kChallengeSize / sizeof(uint64_t);  // X1..X8
static_assert(attest::kChallengeSize == abi::kAttestChallengeSize);

// One of the running REC's attestation aux granules, locked.
GranuleLock lock_aux(RecRun& run, unsigned index) {
  // REC_CREATE takes exactly RMI_REC_AUX_COUNT aux granules: a monitor invariant.
  MICA_MONITOR_ASSERT(run.rec.num_aux >= attest::kAuxCount);
  return run.granules.lock_owned(run.rec.aux[index], GranuleState::kRecAux);
}

void reset_token(RecRun& run) {
  GranuleLock state_lock = lock_aux(run, attest::kAuxState);
  state_lock.as<attest::TokenState>().reset();
}

// Signs the claims INIT encoded and assembles the CCA token. False if the
// platform cannot sign or supply its token, or the token does not fit.
bool finish_token(RecRun& run, attest::TokenState& state) {
  GranuleLock scratch_lock = lock_aux(run, attest::kAuxScratch);
  uint8_t* scratch = scratch_lock.memory();
  const size_t tbs_size = attest::encode_sig_structure(state.claims, state.claims_size, scratch, kGranuleSize);
  if (tbs_size == 0) return false;
  uint8_t signature[kRakSignatureSize];
  if (!run.platform.rak_sign(scratch, tbs_size, signature)) return false;
  // The Sig_structure has served its purpose: the realm token replaces it.
  const size_t realm_size =
      attest::encode_realm_token(state.claims, state.claims_size, signature, scratch, kGranuleSize);
  if (realm_size == 0) return false;

  GranuleLock platform_lock = lock_aux(run, attest::kAuxPlatformToken);
  const size_t platform_size = run.platform.platform_token(platform_lock.memory(), kGranuleSize);
  if (platform_size == 0 || platform_size > kGranuleSize) return false;

  GranuleLock token_lock = lock_aux(run, attest::kAuxCcaToken);
  const size_t token_size = attest::encode_cca_token(platform_lock.memory(), platform_size, scratch, realm_size,
                                                     token_lock.memory(), attest::kCcaTokenCapacity);
  if (token_size == 0) return false;
  state.token_size = token_size;
  state.copied = 0;
  state.phase = attest::TokenPhase::kReady;
  return true;
}

}  // namespace

void attest_token_init(RecRun& run, Result& result) {
  // X1..X8 hold the challenge, X1's bytes first, each register little-endian.
  uint8_t challenge[attest::kChallengeSize];
  for (unsigned i = 0; i < kChallengeRegisters; ++i) {
    store_le<uint64_t>(challenge + i * sizeof(uint64_t), run.rec.cpu.x[1 + i]);
  }
  // The RAK comes first, outside any lock: the platform may create its
  // attestation keys on this first request.
  uint8_t rak[attest::kRakCapacity];
  const size_t rak_size = run.platform.rak_public_key(rak, sizeof rak);
  if (rak_size == 0 || rak_size > sizeof rak) {
    reset_token(run);  // INIT always drops the token in progress, even when it fails
    return result.returns(status(abi::RsiStatus::kErrorUnknown));
  }

  // The realm's measurements at this moment (later extends are not in this token).
  GranuleLock rd_lock = run.granules.lock_owned(run.realm.rd, GranuleState::kRd);
  const RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  MicaClaims mica;
  const bool bound = ext::realm_token_claims(run.granules, rd, mica);
  attest::RealmClaims claims;
  claims.challenge = challenge;
  claims.rpv = rd.rpv;
  claims.rak = rak;
  claims.rak_size = rak_size;
  claims.hash_algo = rd.hash_algo;
  claims.rim = rd.rim();
  for (unsigned i = 0; i < attest::kRemCount; ++i) claims.rems[i] = rd.measurements[1 + i];
  claims.mica = bound ? &mica : nullptr;

  GranuleLock state_lock = lock_aux(run, attest::kAuxState);
  attest::TokenState& state = state_lock.as<attest::TokenState>();
  state.reset();
  const size_t claims_size = attest::encode_realm_claims(claims, state.claims, sizeof state.claims);
  if (claims_size == 0) return result.returns(status(abi::RsiStatus::kErrorUnknown));
  state.claims_size = claims_size;
  state.phase = attest::TokenPhase::kClaims;
  result.x[1] = attest::kCcaTokenCapacity;
  result.returns(status(abi::RsiStatus::kSuccess));
}

void attest_token_continue(RecRun& run, Result& result) {
  const Ipa granule(run.rec.cpu.x[1]);
  const uint64_t offset = run.rec.cpu.x[2];
  const uint64_t size = run.rec.cpu.x[3];
  // 1. The chunk must lie inside one granule of the PAR.
  if (!granule.is_granule_aligned() || offset >= kGranuleSize || size > kGranuleSize - offset ||
      !run.realm.in_par(granule.value())) {
    return result.returns(status(abi::RsiStatus::kErrorInput));
  }
  // 2. A token must be in progress; the first CONTINUE after INIT signs it.
  {
    GranuleLock state_lock = lock_aux(run, attest::kAuxState);
    attest::TokenState& state = state_lock.as<attest::TokenState>();
    if (state.phase == attest::TokenPhase::kIdle) return result.returns(status(abi::RsiStatus::kErrorState));
    if (state.phase == attest::TokenPhase::kClaims && !finish_token(run, state)) {
      state.reset();
      return result.returns(status(abi::RsiStatus::kErrorUnknown));
    }
  }
  // 3. The destination page: EMPTY (or a Mica channel page) is the realm's
  //    error; an unmapped page the host must map first (the call is
  //    retried; the signed token is kept).
  ProtectedPage page = lookup_protected_page(run.granules, run.realm.rd, granule);
  if (!page.mapped()) {
    if (page.refused()) return result.returns(status(abi::RsiStatus::kErrorInput));
    return result.stage2_abort(page.level());
  }
  // 4. An empty buffer copies nothing.
  if (size == 0) return result.returns(status(abi::RsiStatus::kIncomplete));
  // 5. The next chunk, from where the last one ended.
  GranuleLock state_lock = lock_aux(run, attest::kAuxState);
  attest::TokenState& state = state_lock.as<attest::TokenState>();
  GranuleLock token_lock = lock_aux(run, attest::kAuxCcaToken);
  MICA_MONITOR_ASSERT(state.phase == attest::TokenPhase::kReady && state.copied < state.token_size &&
                      state.token_size <= attest::kCcaTokenCapacity);
  const uint64_t remaining = state.token_size - state.copied;
  const uint64_t n = size < remaining ? size : remaining;
  copy_bytes(page.bytes() + offset, token_lock.memory() + state.copied, n);
  state.copied += n;
  result.x[1] = n;
  if (state.copied < state.token_size) return result.returns(status(abi::RsiStatus::kIncomplete));
  state.reset();  // handed out completely: the next CONTINUE needs another INIT
  result.returns(status(abi::RsiStatus::kSuccess));
}

}  // namespace mica::monitor::rsi
