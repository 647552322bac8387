#include "host/vmm_device.h"

namespace mica::host {
namespace {

constexpr uint64_t kRegisterMask = ~uint64_t{7};

uint64_t size_mask(unsigned size) { return size >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * size)) - 1; }

}  // namespace

uint64_t MicaTestDevice::register_value(uint64_t register_offset) {
  switch (register_offset) {
    case kId: return kIdValue;
    case kScratch: return scratch_;
    case kCounter: return ++counter_;
    case kTxCount: return tx_count_;
    default: return 0;  // kTx and unused offsets read as zero
  }
}

uint64_t MicaTestDevice::read(uint64_t offset, unsigned size) {
  const unsigned shift = static_cast<unsigned>(offset & 7) * 8;
  return (register_value(offset & kRegisterMask) >> shift) & size_mask(size);
}

void MicaTestDevice::write(uint64_t offset, unsigned size, uint64_t value) {
  const uint64_t register_offset = offset & kRegisterMask;
  const unsigned shift = static_cast<unsigned>(offset & 7) * 8;
  switch (register_offset) {
    case kScratch: {
      const uint64_t mask = size_mask(size) << shift;
      scratch_ = (scratch_ & ~mask) | ((value << shift) & mask);
      return;
    }
    case kTx:
      // Only a write that covers the register's low byte transmits.
      if (shift != 0) break;
      ++tx_count_;
      if (output_.size() < kMaxOutput) output_.push_back(static_cast<char>(value & 0xFF));
      return;
    default: break;
  }
  ++ignored_writes_;
}

}  // namespace mica::host
