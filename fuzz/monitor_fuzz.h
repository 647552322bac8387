// What the monitor's libFuzzer harnesses share (rmi_stream_fuzzer.cpp,
// rsi_fuzzer.cpp): a fresh emulated machine per input with the monitor on a
// platform whose realm CPU is scripted by the input, the invariant checker
// (tests/support/invariants.h) as the oracle after every call, and a reader
// that turns the input's bytes into choices.
//
// Any invariant violation prints what broke and aborts, which libFuzzer
// reports as a crash with the input that caused it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "invariants.h"
#include "machine_backed_platform.h"
#include "monitor/abi/mica.h"
#include "monitor/abi/rmi.h"
#include "monitor/abi/rsi.h"
#include "monitor/monitor.h"
#include "platform/machine.h"

namespace mica::fuzz {

using monitor::GranuleState;
using monitor::Ipa;
using monitor::kGranuleSize;
using monitor::PhysAddr;
using monitor::RealmCpuContext;
using monitor::RealmTrap;
using monitor::SmcArgs;
using monitor::SmcResult;

// The input, consumed front to back; zeros once it has run out.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint64_t u64() {
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; ++i) v |= uint64_t{u8()} << (8 * i);
    return v;
  }
  // One of `n` choices.
  unsigned pick(unsigned n) { return u8() % n; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// One stretch of realm execution the input scripts: the trap it ends in and
// the registers the realm set before it.
struct Step {
  enum class Kind : uint8_t { kSmc, kDataAbort, kInstructionAbort, kWfi, kIrq } kind = Kind::kIrq;
  uint64_t x[13] = {};
  uint64_t esr_iss = 0;
  uint64_t ipa = 0;
};

// The realm CPU is the script; everything else is the emulated machine.
class FuzzPlatform final : public monitor::testing::MachineBackedPlatform {
 public:
  explicit FuzzPlatform(platform::Machine& machine) : MachineBackedPlatform(machine, 29, 7) {}
  void tlbi_ipa(uint16_t, Ipa, uint64_t) override {}
  void tlbi_vmid(uint16_t) override {}
  void forget_rec(PhysAddr) override {}
  RealmTrap run_realm(PhysAddr, RealmCpuContext& ctx, const monitor::Stage2Config&, uint64_t) override {
    if (steps.empty()) return RealmTrap{RealmTrap::Kind::kIrq, 0, 0, 0};
    const Step s = steps.front();
    steps.pop_front();
    constexpr uint64_t kIl = uint64_t{1} << 25;
    auto ec = [](uint64_t v) { return v << 26; };
    const uint64_t hpfar = (s.ipa >> 8) & 0xFF'FFFF'FFF0ull;
    switch (s.kind) {
      case Step::Kind::kSmc:
        for (unsigned i = 0; i < 13; ++i) ctx.x[i] = s.x[i];
        return RealmTrap{RealmTrap::Kind::kSync, ec(0x17) | kIl, 0, 0};
      case Step::Kind::kDataAbort:
        return RealmTrap{RealmTrap::Kind::kSync, ec(0x24) | kIl | (s.esr_iss & 0x1FF'FFFF), s.ipa, hpfar};
      case Step::Kind::kInstructionAbort:
        return RealmTrap{RealmTrap::Kind::kSync, ec(0x20) | kIl | (s.esr_iss & 0x3F), s.ipa, hpfar};
      case Step::Kind::kWfi:
        return RealmTrap{RealmTrap::Kind::kSync, ec(0x01) | kIl | (s.esr_iss & 1), 0, 0};
      case Step::Kind::kIrq:
        break;
    }
    return RealmTrap{RealmTrap::Kind::kIrq, 0, 0, 0};
  }
  std::deque<Step> steps;
};

inline platform::MachineConfig machine_config(uint64_t dram_size) {
  platform::MachineConfig c;
  c.dram_base = 0x8000'0000;
  c.dram_size = dram_size;
  c.state_dir = "/tmp/mica-fuzz-state";
  return c;
}

// A machine, the monitor on the fuzz platform, the checker over both. Made
// once per process (a machine and a monitor take milliseconds to build) and
// reset() to a freshly booted state before every input: DRAM zero, every
// granule NS in the GPT, a new monitor and a new checker.
struct World {
  explicit World(uint64_t dram_size) : machine(machine_config(dram_size)), platform(machine) { reset(); }

  void reset() {
    checker.reset();
    monitor.reset();
    platform.steps.clear();
    std::memset(machine.dram().host_view(), 0, machine.dram().size());
    for (uint64_t i = 0; i < machine.dram().size() / kGranuleSize; ++i) {
      machine.gpt().set(granule(i), platform::Pas::kNonSecure);
    }
    monitor.emplace(platform);
    checker.emplace(*monitor, machine.gpt());
    checking = true;
  }

  PhysAddr granule(uint64_t index) const { return PhysAddr(machine.config().dram_base + index * kGranuleSize); }

  // One RMI or Mica RMI call, then every invariant.
  SmcResult call(uint64_t fid, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0,
                 uint64_t x5 = 0, uint64_t x6 = 0) {
    const SmcArgs args{{fid, x1, x2, x3, x4, x5, x6}};
    const SmcResult result = monitor->handle_rmi(args);
    if (checking) check(args, result);
    return result;
  }
  uint64_t rmi(monitor::abi::RmiCommand c, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0,
               uint64_t x5 = 0) {
    return call(monitor::abi::rmi_fid(c), x1, x2, x3, x4, x5).x[0];
  }
  uint64_t mica(monitor::abi::MicaRmiCommand c, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0, uint64_t x4 = 0) {
    return call(monitor::abi::mica_rmi_fid(c), x1, x2, x3, x4).x[0];
  }
  void check(const SmcArgs& args, const SmcResult& result) {
    const std::vector<std::string> violations = checker->check();
    if (violations.empty()) return;
    std::fprintf(stderr, "after SMC 0x%llx (X1 0x%llx X2 0x%llx X3 0x%llx) -> 0x%llx:\n%s",
                 static_cast<unsigned long long>(args.x[0]), static_cast<unsigned long long>(args.x[1]),
                 static_cast<unsigned long long>(args.x[2]), static_cast<unsigned long long>(args.x[3]),
                 static_cast<unsigned long long>(result.x[0]), monitor::testing::describe(violations).c_str());
    std::abort();
  }
  void write(PhysAddr pa, const void* bytes, size_t size) {
    if (machine.host_write(pa, bytes, size) != platform::AccessResult::kOk) std::abort();  // harness bug
  }
  template <class T>
  static void put(std::vector<uint8_t>& page, uint64_t offset, T value) {
    std::memcpy(page.data() + offset, &value, sizeof value);
  }

  platform::Machine machine;
  FuzzPlatform platform;
  std::optional<monitor::Monitor> monitor;
  std::optional<monitor::testing::InvariantChecker> checker;
  bool checking = true;
};

// Function IDs a realm may issue: RSI 1.0, PSCI, SMCCC, Mica's RSI, and
// neighbours of each range.
inline constexpr uint32_t kRealmFids[] = {
    0xC4000190, 0xC4000191, 0xC4000192, 0xC4000193, 0xC4000194, 0xC4000195, 0xC4000196, 0xC4000197, 0xC4000198,
    0xC4000199, 0xC400019A, 0xC40001AF, 0xC400018F, 0x84000000, 0xC4000001, 0x84000001, 0x84000002, 0xC4000003,
    0x84000003, 0xC4000004, 0x84000004, 0x84000008, 0x84000009, 0x8400000A, 0x84000014, 0x80000000, 0xC2000F40,
    0xC2000F41, 0xC2000F42, 0xC2000F43, 0xC2000F44, 0xC2000F45, 0xC2000F46, 0xC2000F47, 0xC2000F5F, 0xC2000F02,
    0xC4000150, 0xC4010190,
};

}  // namespace mica::fuzz
