// RSI_ATTEST_TOKEN_INIT / CONTINUE on the real monitor, driven register by
// register through REC_ENTER by a scripted realm CPU (tests/monitor's
// fixture): the token handed out in chunks of every size and at every
// offset, what is and is not written, the error priority of RMM 1.0 §8.6,
// the per-REC state machine, and a verifier that accepts what comes out.
#include <chrono>
#include <cstring>
#include <string>

#include "platform/attestation.h"
#include "realm_run_fixture.h"
#include "verify/token.h"
#include "verify/verifier.h"

namespace mica::monitor::testing {
namespace {

constexpr uint64_t kSmcPc = 0x1400;
constexpr uint64_t kExitSync = 0, kExitIrq = 1;
constexpr uint64_t kRsiIncomplete = 3;
constexpr uint64_t kTokenBound = 4096;  // INIT's X1: one page

using Challenge = std::array<uint8_t, 64>;

uint64_t fid(abi::RsiCommand command) { return abi::rsi_fid(command); }
uint64_t pattern(unsigned i) { return 0xA77E'0000'0000'0000 | (uint64_t{i} << 8); }

Challenge make_challenge(uint8_t seed) {
  Challenge c{};
  for (size_t i = 0; i < c.size(); ++i) c[i] = static_cast<uint8_t>(seed + 3 * i);
  return c;
}

std::vector<uint64_t> init_registers(const Challenge& challenge) {
  std::vector<uint64_t> regs{fid(abi::RsiCommand::kAttestTokenInit)};
  for (unsigned i = 0; i < 8; ++i) {
    uint64_t word;
    std::memcpy(&word, challenge.data() + 8 * i, 8);  // X1's bytes first, little-endian
    regs.push_back(word);
  }
  return regs;
}

class AttestRsiTest : public RealmRunTest {
 protected:
  void SetUp() override { build_realm(options()); }
  virtual RealmOptions options() { return {}; }

  // The realm sets X0..Xn (the rest a pattern) and executes SMC #0; the
  // context it resumes with (the monitor answered without the host).
  RealmCpuContext call(std::vector<uint64_t> regs, unsigned rec_index = 0) {
    RealmCpuContext resumed{};
    script(rec(rec_index), [regs](RealmCpuContext& ctx) {
      for (unsigned i = 0; i < 31; ++i) ctx.x[i] = pattern(i);
      for (size_t i = 0; i < regs.size(); ++i) ctx.x[i] = regs[i];
      ctx.pc = kSmcPc;
      return trap::smc();
    });
    script(rec(rec_index), step([&](RealmCpuContext& ctx) { resumed = ctx; }, trap::irq()));
    EXPECT_EQ(enter(rec(rec_index)), kRmiSuccess);
    EXPECT_EQ(exit_view().reason, kExitIrq) << "the call went to the host";
    EXPECT_EQ(platform_.pending(rec(rec_index)), 0u);
    return resumed;
  }

  RealmCpuContext init(const Challenge& challenge, unsigned rec_index = 0) {
    return call(init_registers(challenge), rec_index);
  }
  RealmCpuContext continue_(uint64_t ipa, uint64_t offset, uint64_t size, unsigned rec_index = 0) {
    return call({fid(abi::RsiCommand::kAttestTokenContinue), ipa, offset, size}, rec_index);
  }

  // The realm's four mapped pages [0, 0x4000) as one buffer.
  std::vector<uint8_t> mapped_bytes() {
    std::vector<uint8_t> out;
    for (unsigned p = 0; p < layout::kMappedPages; ++p) {
      const uint8_t* bytes = page(p * kGranuleSize);
      out.insert(out.end(), bytes, bytes + kGranuleSize);
    }
    return out;
  }

  // INIT, then CONTINUE with at most `chunk` bytes per call into the mapped
  // pages from byte `start` on (never across a page: CONTINUE writes into one
  // granule). Checks every call's result and what it wrote; returns the token.
  std::vector<uint8_t> obtain(const Challenge& challenge, uint64_t chunk, uint64_t start = 0, unsigned rec_index = 0) {
    const RealmCpuContext started = init(challenge, rec_index);
    EXPECT_EQ(started.x[0], kRsiSuccess);
    EXPECT_EQ(started.x[1], kTokenBound);
    const std::vector<uint8_t> before = mapped_bytes();
    uint64_t done = 0;
    for (unsigned calls = 0;; ++calls) {
      if (calls > 20000 || ::testing::Test::HasFailure()) {
        ADD_FAILURE() << "no SUCCESS after " << calls << " calls";
        return {};
      }
      const uint64_t at = start + done;
      const uint64_t offset = at % kGranuleSize;
      const uint64_t size = std::min(chunk, kGranuleSize - offset);
      const RealmCpuContext c = continue_(at - offset, offset, size, rec_index);
      EXPECT_TRUE(c.x[0] == kRsiIncomplete || c.x[0] == kRsiSuccess) << "status " << c.x[0];
      EXPECT_LE(c.x[1], size);
      EXPECT_EQ(c.x[2], 0u);
      EXPECT_EQ(c.x[3], 0u);
      EXPECT_EQ(c.x[4], pattern(4));
      EXPECT_EQ(c.pc, kSmcPc + 4);
      if (c.x[0] == kRsiIncomplete) {
        EXPECT_EQ(c.x[1], size) << "a short chunk before the last one";
      }
      done += c.x[1];
      if (c.x[0] == kRsiSuccess) break;
    }
    const std::vector<uint8_t> after = mapped_bytes();
    // Only [start, start + done) changed.
    EXPECT_TRUE(std::equal(before.begin(), before.begin() + static_cast<std::ptrdiff_t>(start), after.begin()));
    EXPECT_TRUE(std::equal(before.begin() + static_cast<std::ptrdiff_t>(start + done), before.end(),
                           after.begin() + static_cast<std::ptrdiff_t>(start + done)));
    return std::vector<uint8_t>(after.begin() + static_cast<std::ptrdiff_t>(start),
                                after.begin() + static_cast<std::ptrdiff_t>(start + done));
  }

  platform::PlatformAttestation& attestation() { return machine_.attestation(); }

  verify::TokenReport verify(const std::vector<uint8_t>& token, const Challenge& challenge) {
    verify::VerifyOptions options;
    options.platform_anchor = attestation().platform_public_key();
    options.expected_challenge = verify::Bytes(challenge.begin(), challenge.end());
    return verify::verify_token("scripted realm", token, options);
  }

  static std::string failed_checks(const verify::TokenReport& report) {
    std::string out;
    for (const auto& check : report.checks) {
      if (check.outcome == verify::Check::Outcome::kFailed) out += check.id + ": " + check.detail + "\n";
    }
    return out;
  }
};

// --- The token -------------------------------------------------------------------------------------------------------

TEST_F(AttestRsiTest, TokenCarriesTheRealmsClaimsAndVerifies) {
  const Challenge challenge = make_challenge(0x40);
  const std::vector<uint8_t> token = obtain(challenge, kGranuleSize);
  ASSERT_FALSE(token.empty());
  const verify::TokenReport report = verify(token, challenge);
  EXPECT_FALSE(report.failure().has_value()) << failed_checks(report);
  for (const char* id : {"platform_signature", "realm_signature", "rak_binding", "realm_challenge", "realm_claims"}) {
    ASSERT_NE(report.find(id), nullptr) << id;
    EXPECT_EQ(report.find(id)->outcome, verify::Check::Outcome::kPassed) << id;
  }

  // The wrapper TF-RMM 1.0 emits, holding this boot's platform token as is.
  ASSERT_TRUE(report.token.has_value());
  const verify::DecodedToken& decoded = *report.token;
  EXPECT_EQ(decoded.collection.wrapper, verify::Wrapper::kLegacy399);
  EXPECT_EQ(decoded.collection.platform_token, attestation().platform_token());
  EXPECT_EQ(token[0], 0xD9);  // tag 399: D9 01 8F
  EXPECT_EQ(token[1], 0x01);
  EXPECT_EQ(token[2], 0x8F);
  // ES384 in the protected header, nothing unprotected, a 96-byte signature.
  EXPECT_EQ(decoded.realm.alg, -35);
  EXPECT_EQ(decoded.realm.protected_bytes, (verify::Bytes{0xA1, 0x01, 0x38, 0x22}));
  EXPECT_EQ(decoded.realm.signature.size(), 96u);

  ASSERT_TRUE(report.realm.has_value());
  const verify::RealmClaims& claims = *report.realm;
  const RealmInfo info = realm_info();
  EXPECT_EQ(claims.challenge, verify::Bytes(challenge.begin(), challenge.end()));
  EXPECT_EQ(claims.personalization_value, verify::Bytes(realm_.rpv.begin(), realm_.rpv.end()));
  EXPECT_EQ(claims.rim, verify::Bytes(info.rim(), info.rim() + 32));
  ASSERT_EQ(claims.rems.size(), 4u);
  for (const auto& rem : claims.rems) EXPECT_EQ(rem, verify::Bytes(32, 0));
  EXPECT_EQ(claims.hash_algo, "sha-256");
  EXPECT_EQ(claims.public_key_hash_algo, "sha-256");
  EXPECT_EQ(claims.profile, std::optional<std::string>("tag:arm.com,2023:realm#1.0.0"));
  EXPECT_EQ(claims.public_key_bytes, attestation().rak_cose_key());
  EXPECT_EQ(claims.public_key_encoding, verify::RakEncoding::kCoseKey);
  EXPECT_FALSE(claims.mica.has_value()) << "a realm bound to no workflow has no Mica claims";

  // Eight claims in TF-RMM's order (a map that is not sorted).
  ASSERT_EQ(decoded.realm_claims.map_entries().size(), 8u);
  const int64_t order[] = {10, 44235, 44237, 44236, 44240, 265, 44238, 44239};
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(decoded.realm_claims.map_entries()[i].first.to_int64(), order[i]) << i;
}

class AttestRsiSha512Test : public AttestRsiTest {
  RealmOptions options() override {
    RealmOptions o;
    o.hash_algo = 1;
    return o;
  }
};

TEST_F(AttestRsiSha512Test, MeasurementsHaveTheRealmsHashSize) {
  const Challenge challenge = make_challenge(7);
  const std::vector<uint8_t> token = obtain(challenge, kGranuleSize);
  const verify::TokenReport report = verify(token, challenge);
  EXPECT_FALSE(report.failure().has_value()) << failed_checks(report);
  ASSERT_TRUE(report.realm.has_value());
  EXPECT_EQ(report.realm->hash_algo, "sha-512");
  const RealmInfo info = realm_info();
  EXPECT_EQ(report.realm->rim, verify::Bytes(info.rim(), info.rim() + 64));
  for (const auto& rem : report.realm->rems) EXPECT_EQ(rem.size(), 64u);
}

TEST_F(AttestRsiTest, MeasurementsAreThoseOfInitTime) {
  const Challenge challenge = make_challenge(1);
  ASSERT_EQ(init(challenge).x[0], kRsiSuccess);
  // REM 1 extended after INIT: not in this token.
  ASSERT_EQ(call({fid(abi::RsiCommand::kMeasurementExtend), 1, 8, 0x1122334455667788}).x[0], kRsiSuccess);
  std::vector<uint8_t> token;
  for (uint64_t status = kRsiIncomplete; status == kRsiIncomplete;) {
    const RealmCpuContext c = continue_(0, 0, kGranuleSize);
    status = c.x[0];
    token.assign(page(0), page(0) + c.x[1]);
  }
  const verify::TokenReport before_extend = verify(token, challenge);
  ASSERT_TRUE(before_extend.realm.has_value());
  EXPECT_EQ(before_extend.realm->rems[0], verify::Bytes(32, 0));
  // The next token has it.
  const verify::TokenReport after_extend = verify(obtain(challenge, kGranuleSize), challenge);
  ASSERT_TRUE(after_extend.realm.has_value());
  const RealmInfo info = realm_info();
  EXPECT_EQ(after_extend.realm->rems[0], verify::Bytes(info.measurements[1], info.measurements[1] + 32));
  EXPECT_NE(after_extend.realm->rems[0], verify::Bytes(32, 0));
}

// --- Chunks ------------------------------------------------------------------------------------------------------------

TEST_F(AttestRsiTest, EveryChunkSizeAndStartGivesTheSameVerifiableToken) {
  const Challenge challenge = make_challenge(0x99);
  std::vector<uint8_t> reference;
  struct Case {
    uint64_t chunk, start;
  };
  // Chunks of 1 byte (over a thousand calls), odd sizes, a page; tokens that
  // start mid-page and run into the next page.
  for (const Case c : {Case{kGranuleSize, 0}, Case{1, 0}, Case{7, 13}, Case{97, 4000}, Case{256, 4095},
                       Case{kGranuleSize, 3 * kGranuleSize - 100}, Case{1000, 2 * kGranuleSize + 1}}) {
    SCOPED_TRACE("chunk " + std::to_string(c.chunk) + " start " + std::to_string(c.start));
    const std::vector<uint8_t> token = obtain(challenge, c.chunk, c.start);
    const verify::TokenReport report = verify(token, challenge);
    EXPECT_FALSE(report.failure().has_value()) << failed_checks(report);
    // Every INIT over the same challenge and measurements makes the same
    // claims, and the RAK signs deterministically (RFC 6979): the same bytes.
    if (reference.empty()) reference = token;
    EXPECT_EQ(token, reference);
  }
}

TEST_F(AttestRsiTest, ZeroSizedContinueWritesNothingAndTheTokenGoesOn) {
  const Challenge challenge = make_challenge(2);
  ASSERT_EQ(init(challenge).x[0], kRsiSuccess);
  const std::vector<uint8_t> before = mapped_bytes();
  const RealmCpuContext empty = continue_(0, 100, 0);
  EXPECT_EQ(empty.x[0], kRsiIncomplete);
  EXPECT_EQ(empty.x[1], 0u);
  EXPECT_EQ(mapped_bytes(), before);
  const RealmCpuContext first = continue_(0, 0, 10);
  EXPECT_EQ(first.x[0], kRsiIncomplete);
  EXPECT_EQ(first.x[1], 10u);
  EXPECT_EQ(page(0)[0], 0xD9);  // the token starts at byte 0
}

TEST_F(AttestRsiTest, InitRestartsATokenInProgress) {
  const Challenge first = make_challenge(3), second = make_challenge(4);
  ASSERT_EQ(init(first).x[0], kRsiSuccess);
  ASSERT_EQ(continue_(0, 0, 100).x[0], kRsiIncomplete);
  // A new INIT: the next CONTINUE starts the new token from its first byte.
  ASSERT_EQ(init(second).x[0], kRsiSuccess);
  std::vector<uint8_t> token;
  for (uint64_t status = kRsiIncomplete; status == kRsiIncomplete;) {
    const RealmCpuContext c = continue_(kGranuleSize, 0, kGranuleSize);
    status = c.x[0];
    token.insert(token.end(), page(kGranuleSize), page(kGranuleSize) + c.x[1]);
  }
  const verify::TokenReport report = verify(token, second);
  EXPECT_FALSE(report.failure().has_value()) << failed_checks(report);
}

TEST_F(AttestRsiTest, EachRecHasItsOwnToken) {
  const Challenge for_rec0 = make_challenge(5), for_rec2 = make_challenge(6);
  ASSERT_EQ(init(for_rec0, 0).x[0], kRsiSuccess);
  ASSERT_EQ(init(for_rec2, 2).x[0], kRsiSuccess);
  // Interleaved: REC 0 copies to page 0, REC 2 to page 2.
  std::vector<uint8_t> token0, token2;
  bool done0 = false, done2 = false;
  uint64_t at0 = 0, at2 = 0;
  while (!done0 || !done2) {
    if (!done0) {
      const RealmCpuContext c = continue_(0, at0, 200, 0);
      ASSERT_TRUE(c.x[0] == kRsiIncomplete || c.x[0] == kRsiSuccess);
      at0 += c.x[1];
      done0 = c.x[0] == kRsiSuccess;
    }
    if (!done2) {
      const RealmCpuContext c = continue_(2 * kGranuleSize, at2, 300, 2);
      ASSERT_TRUE(c.x[0] == kRsiIncomplete || c.x[0] == kRsiSuccess);
      at2 += c.x[1];
      done2 = c.x[0] == kRsiSuccess;
    }
  }
  token0.assign(page(0), page(0) + at0);
  token2.assign(page(2 * kGranuleSize), page(2 * kGranuleSize) + at2);
  EXPECT_FALSE(verify(token0, for_rec0).failure().has_value());
  EXPECT_FALSE(verify(token2, for_rec2).failure().has_value());
  EXPECT_TRUE(verify(token0, for_rec2).failure().has_value());
}

// --- Errors, in the priority of RMM 1.0 §8.6 -----------------------------------------------------------------------

TEST_F(AttestRsiTest, ContinueWithoutInitOrAfterTheLastChunkIsAStateError) {
  const RealmCpuContext never = continue_(0, 0, kGranuleSize);
  EXPECT_EQ(never.x[0], kRsiErrorState);
  EXPECT_EQ(never.x[1], 0u);
  obtain(make_challenge(8), kGranuleSize);
  const std::vector<uint8_t> before = mapped_bytes();
  const RealmCpuContext after = continue_(0, 0, kGranuleSize);
  EXPECT_EQ(after.x[0], kRsiErrorState);
  EXPECT_EQ(mapped_bytes(), before);
}

TEST_F(AttestRsiTest, BadArgumentsAreInputErrorsBeforeTheStateIsLookedAt) {
  // No token in progress, and with one: argument errors come first either way.
  for (bool with_token : {false, true}) {
    SCOPED_TRACE(with_token ? "token in progress" : "no token");
    if (with_token) {
      ASSERT_EQ(init(make_challenge(9)).x[0], kRsiSuccess);
    }
    struct Args {
      uint64_t ipa, offset, size;
    };
    for (const Args a : {Args{0x10, 0, 8},                      // not granule aligned
                         Args{0, kGranuleSize, 0},              // offset past the granule
                         Args{0, 4000, 97},                     // chunk past the granule
                         Args{0, 8, ~0ull},                     // size overflows
                         Args{~0ull & ~0xFFFull, 0, 8},         // far outside the IPA space
                         Args{layout::kUnprotected & ~0xFFFull, 0, 8}}) {  // unprotected half
      const RealmCpuContext c = continue_(a.ipa, a.offset, a.size);
      EXPECT_EQ(c.x[0], kRsiErrorInput) << std::hex << a.ipa << " " << a.offset << " " << a.size;
      EXPECT_EQ(c.x[1], 0u);
    }
  }
  // The token survived the refusals.
  std::vector<uint8_t> token;
  for (uint64_t status = kRsiIncomplete; status == kRsiIncomplete;) {
    const RealmCpuContext c = continue_(0, 0, kGranuleSize);
    status = c.x[0];
    token.assign(page(0), page(0) + c.x[1]);
  }
  EXPECT_FALSE(verify(token, make_challenge(9)).failure().has_value());
}

TEST_F(AttestRsiTest, EmptyDestinationIsAnInputErrorButNoTokenIsAStateErrorFirst) {
  EXPECT_EQ(continue_(layout::kUnassignedEmpty, 0, 64).x[0], kRsiErrorState);
  ASSERT_EQ(init(make_challenge(10)).x[0], kRsiSuccess);
  EXPECT_EQ(continue_(layout::kUnassignedEmpty, 0, 64).x[0], kRsiErrorInput);
  EXPECT_EQ(continue_(layout::kAssignedEmpty, 0, 64).x[0], kRsiErrorInput);
  // Nothing was handed out: the next chunk is the first.
  const RealmCpuContext c = continue_(0, 0, 3);
  EXPECT_EQ(c.x[0], kRsiIncomplete);
  EXPECT_EQ(page(0)[0], 0xD9);
  EXPECT_EQ(page(0)[1], 0x01);
  EXPECT_EQ(page(0)[2], 0x8F);
}

TEST_F(AttestRsiTest, UnmappedRamDestinationIsAnEmulatedAbortAndTheCallIsRetried) {
  const Challenge challenge = make_challenge(11);
  ASSERT_EQ(init(challenge).x[0], kRsiSuccess);
  script(rec(0), [](RealmCpuContext& ctx) {
    ctx.x[0] = fid(abi::RsiCommand::kAttestTokenContinue);
    ctx.x[1] = layout::kUnmappedRam;
    ctx.x[2] = 0;
    ctx.x[3] = kGranuleSize;
    ctx.pc = kSmcPc;
    return trap::smc();
  });
  ASSERT_EQ(enter(rec(0)), kRmiSuccess);
  const ExitView exit = exit_view();
  EXPECT_EQ(exit.reason, kExitSync);
  EXPECT_EQ(exit.esr, trap::ec(0x24) | 0x07);  // data abort, translation fault level 3
  EXPECT_EQ(exit.hpfar, layout::kUnmappedRam >> 8);
  EXPECT_EQ(rec_info(rec(0)).cpu.pc, kSmcPc);  // the SMC runs again

  // The host maps the page; the same SMC now copies the whole token there.
  const PhysAddr data = delegated();
  ASSERT_EQ(rmi(RmiCommand::kDataCreateUnknown, realm_.rd.value(), data.value(), layout::kUnmappedRam).x[0],
            kRmiSuccess);
  realm_.data[layout::kUnmappedRam] = data;
  RealmCpuContext retried{};
  script(rec(0), [](RealmCpuContext&) { return trap::smc(); });
  script(rec(0), step([&](RealmCpuContext& ctx) { retried = ctx; }, trap::irq()));
  ASSERT_EQ(enter(rec(0)), kRmiSuccess);
  EXPECT_EQ(retried.x[0], kRsiSuccess);
  EXPECT_EQ(retried.pc, kSmcPc + 4);
  const std::vector<uint8_t> token(page(layout::kUnmappedRam), page(layout::kUnmappedRam) + retried.x[1]);
  EXPECT_FALSE(verify(token, challenge).failure().has_value());
}

TEST_F(AttestRsiTest, APlatformThatCannotAttestGivesUnknownErrors) {
  platform_.refuse_attestation = true;
  const RealmCpuContext refused = init(make_challenge(12));
  EXPECT_EQ(refused.x[0], kRsiErrorUnknown);
  EXPECT_EQ(refused.x[1], 0u);
  EXPECT_EQ(continue_(0, 0, 64).x[0], kRsiErrorState);

  // INIT succeeded, then the platform cannot sign: the first CONTINUE fails
  // and the token is gone.
  platform_.refuse_attestation = false;
  ASSERT_EQ(init(make_challenge(13)).x[0], kRsiSuccess);
  platform_.refuse_attestation = true;
  const std::vector<uint8_t> before = mapped_bytes();
  EXPECT_EQ(continue_(0, 0, 64).x[0], kRsiErrorUnknown);
  EXPECT_EQ(continue_(0, 0, 64).x[0], kRsiErrorState);
  EXPECT_EQ(mapped_bytes(), before);

  // A failing INIT drops the token in progress too.
  platform_.refuse_attestation = false;
  ASSERT_EQ(init(make_challenge(14)).x[0], kRsiSuccess);
  platform_.refuse_attestation = true;
  EXPECT_EQ(init(make_challenge(15)).x[0], kRsiErrorUnknown);
  platform_.refuse_attestation = false;
  EXPECT_EQ(continue_(0, 0, 64).x[0], kRsiErrorState);
}

TEST_F(AttestRsiTest, DestroyingTheRecClearsItsTokenState) {
  ASSERT_EQ(init(make_challenge(16), 2).x[0], kRsiSuccess);
  ASSERT_EQ(continue_(0, 0, 64, 2).x[0], kRsiIncomplete);
  const RecInfo info = rec_info(rec(2));
  ASSERT_GE(info.num_aux, 4u);
  ASSERT_EQ(rmi(RmiCommand::kRecDestroy, rec(2).value()).x[0], kRmiSuccess);
  // Every aux granule (the token's state, its signature scratch, the platform
  // token and the CCA token) is back to DELEGATED and zero.
  for (unsigned i = 0; i < info.num_aux; ++i) {
    EXPECT_EQ(monitor_->granule_state(info.aux[i]), GranuleState::kDelegated) << i;
    const uint8_t* bytes = machine_.dram().at(info.aux[i]);
    EXPECT_TRUE(std::all_of(bytes, bytes + kGranuleSize, [](uint8_t b) { return b == 0; })) << i;
  }
}

// --- Cost ---------------------------------------------------------------------------------------------------------------

TEST_F(AttestRsiTest, ReportsTheCostOfProducingAndVerifyingAToken) {
  // Timings are printed, never asserted (a shared machine).
  obtain(make_challenge(17), kGranuleSize);  // the platform's keys exist from here on
  using Clock = std::chrono::steady_clock;
  constexpr int kRounds = 10;
  std::vector<uint8_t> token;
  const auto produce_start = Clock::now();
  for (int i = 0; i < kRounds; ++i) token = obtain(make_challenge(18), kGranuleSize);
  const double produce_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - produce_start).count() / kRounds;
  const auto verify_start = Clock::now();
  for (int i = 0; i < kRounds; ++i) EXPECT_FALSE(verify(token, make_challenge(18)).failure().has_value());
  const double verify_ms = std::chrono::duration<double, std::milli>(Clock::now() - verify_start).count() / kRounds;
  const verify::TokenReport report = verify(token, make_challenge(18));
  ASSERT_TRUE(report.token.has_value());
  std::printf("[ measured ] CCA token %zu bytes (platform token %zu, realm token %zu); INIT + CONTINUE in one "
              "4 KiB chunk through REC_ENTER: %.2f ms; verifying: %.2f ms (mean of %d)\n",
              token.size(), report.token->collection.platform_token.size(),
              report.token->collection.realm_token.size(), produce_ms, verify_ms, kRounds);
}

}  // namespace
}  // namespace mica::monitor::testing
