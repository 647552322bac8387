// RSI_REALM_CONFIG: the realm learns its IPA width, hash algorithm and RPV.
#include "core/bytes.h"
#include "monitor/abi/rsi.h"
#include "realm/realm_descriptor.h"
#include "realm/realm_memory.h"
#include "rsi/rsi.h"

namespace mica::monitor::rsi {

void realm_config(RecRun& run, Result& result) {
  namespace rc = abi::realm_config;
  const Ipa ipa(run.rec.cpu.x[1]);
  if (!ipa.is_granule_aligned() || !run.realm.in_par(ipa.value())) {
    result.returns(static_cast<uint64_t>(abi::RsiStatus::kErrorInput));
    return;
  }
  ProtectedPage page = lookup_protected_page(run.granules, run.realm.rd, ipa);
  if (!page.mapped()) {
    if (page.refused()) {
      result.returns(static_cast<uint64_t>(abi::RsiStatus::kErrorInput));
    } else {
      result.stage2_abort(page.level());
    }
    return;
  }
  // Only these fields are written; the rest of the realm's page is its own.
  const RealmDescriptor& rd = page.rd.as<RealmDescriptor>();
  uint8_t* config = page.bytes();
  store_le<uint64_t>(config + rc::kIpaWidth, rd.s2sz);
  store_le<uint8_t>(config + rc::kHashAlgo, static_cast<uint8_t>(rd.hash_algo));
  copy_bytes(config + rc::kRpv, rd.rpv, sizeof rd.rpv);
  result.returns(static_cast<uint64_t>(abi::RsiStatus::kSuccess));
}

}  // namespace mica::monitor::rsi
