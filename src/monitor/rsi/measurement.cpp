// RSI_MEASUREMENT_READ and RSI_MEASUREMENT_EXTEND (RMM 1.0 §7.6). The RD
// lock serialises them with every other REC of the realm.
#include "core/bytes.h"
#include "measurement/measurement.h"
#include "monitor/abi/rsi.h"
#include "realm/realm_descriptor.h"
#include "rsi/rsi.h"

namespace mica::monitor::rsi {

namespace {

constexpr uint64_t kRimSlot = 0;
constexpr unsigned kWordsPerSlot = abi::kMeasurementSlotSize / sizeof(uint64_t);  // 8: X1..X8
constexpr unsigned kExtendDataFirstRegister = 3;                                  // X3..X10

constexpr uint64_t status(abi::RsiStatus s) { return static_cast<uint64_t>(s); }

}  // namespace

void measurement_read(RecRun& run, Result& result) {
  const uint64_t index = run.rec.cpu.x[1];
  if (index >= abi::kMeasurementSlots) {
    result.returns(status(abi::RsiStatus::kErrorInput));
    return;
  }
  GranuleLock rd_lock = run.granules.lock_owned(run.realm.rd, GranuleState::kRd);
  const RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  const uint8_t* slot = rd.measurements[index];
  const size_t used = hash_size(rd.hash_algo);
  // X1..X8 = the 64-byte slot as little-endian words; words past the digest are 0.
  uint64_t words[kWordsPerSlot];
  for (unsigned i = 0; i < kWordsPerSlot; ++i) {
    words[i] = (i + 1) * sizeof(uint64_t) <= used ? load_le<uint64_t>(slot + i * sizeof(uint64_t)) : 0;
  }
  result.x[1] = words[0];
  result.x[2] = words[1];
  result.x[3] = words[2];
  result.x[4] = words[3];
  for (unsigned i = 4; i < kWordsPerSlot; ++i) run.rec.cpu.x[1 + i] = words[i];
  result.returns(status(abi::RsiStatus::kSuccess));
}

void measurement_extend(RecRun& run, Result& result) {
  const RealmCpuContext& cpu = run.rec.cpu;
  const uint64_t index = cpu.x[1];
  const uint64_t size = cpu.x[2];
  if (index == kRimSlot || index >= abi::kMeasurementSlots || size > abi::kMeasurementExtendMaxSize) {
    result.returns(status(abi::RsiStatus::kErrorInput));
    return;
  }
  // The data is X3..X10 in register order, each register little-endian.
  uint8_t data[abi::kMeasurementExtendMaxSize];
  for (unsigned i = 0; i < kWordsPerSlot; ++i) {
    store_le<uint64_t>(data + i * sizeof(uint64_t), cpu.x[kExtendDataFirstRegister + i]);
  }
  GranuleLock rd_lock = run.granules.lock_owned(run.realm.rd, GranuleState::kRd);
  RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  measurement::extend_rem(run.platform, rd.hash_algo, rd.measurements[index], data, size);
  result.returns(status(abi::RsiStatus::kSuccess));
}

}  // namespace mica::monitor::rsi
