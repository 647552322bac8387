// Emulated devices behind the VMM's MMIO windows.
//
// A realm reaches a device through an unprotected IPA that the host leaves
// unmapped: every access is a stage-2 data abort that the monitor reports
// to the host (RMI_EXIT_SYNC with ESR.ISV = 1, the page offset in FAR, the
// page in HPFAR and, for a write, the value in gprs[0]). The VMM hands the
// access to the device that claims the address and completes it with
// RmiRecEnter.flags.EMUL_MMIO (a read's value in gprs[0]).
//
// docs/vmm.md gives the register map of the built-in device.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mica::host {

// One emulated device: offsets are relative to the device's window, sizes
// are 1, 2, 4 or 8 bytes, the offset is a multiple of the size.
class MmioDevice {
 public:
  virtual ~MmioDevice() = default;
  virtual std::string_view name() const = 0;
  // The value the read returns (the VMM masks it to the access size).
  virtual uint64_t read(uint64_t offset, unsigned size) = 0;
  // `value` holds the written bytes, already masked to the access size.
  virtual void write(uint64_t offset, unsigned size, uint64_t value) = 0;
};

// The VMM's built-in device: an identification register, a scratch
// register, a counter that ticks on every read, and a byte-wide transmit
// register (a minimal UART) whose output the host collects. Registers are
// 64 bits wide, little-endian; a narrower access reads or writes the bytes
// it covers. Offsets no register uses read as zero and ignore writes.
class MicaTestDevice final : public MmioDevice {
 public:
  static constexpr uint64_t kWindowSize = 0x1000;
  // Register offsets.
  static constexpr uint64_t kId = 0x00;        // RO: kIdValue
  static constexpr uint64_t kScratch = 0x08;   // RW: what was last written
  static constexpr uint64_t kCounter = 0x10;   // RO: 1, 2, 3, ... (one tick per read)
  static constexpr uint64_t kTx = 0x18;        // WO: the low byte of each write is transmitted; reads 0
  static constexpr uint64_t kTxCount = 0x20;   // RO: bytes transmitted so far
  // "MICADEV1" in memory order (a little-endian 64-bit load of the ID register).
  static constexpr uint64_t kIdValue = 0x3156'4544'4143'494D;
  // A hostile realm may transmit forever: output beyond this is counted, not kept.
  static constexpr size_t kMaxOutput = size_t{1} << 20;

  std::string_view name() const override { return "mica-test-device"; }
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, unsigned size, uint64_t value) override;

  uint64_t scratch() const { return scratch_; }
  uint64_t counter() const { return counter_; }
  uint64_t tx_count() const { return tx_count_; }
  const std::string& output() const { return output_; }
  uint64_t ignored_writes() const { return ignored_writes_; }

 private:
  uint64_t register_value(uint64_t register_offset);

  uint64_t scratch_ = 0;
  uint64_t counter_ = 0;
  uint64_t tx_count_ = 0;
  uint64_t ignored_writes_ = 0;
  std::string output_;
};

}  // namespace mica::host
