// Fixture for tests that run realm code on RealmCpus.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "test_machine.h"
#include "vcpu/realm_cpus.h"
#include "vcpu/syndrome.h"

namespace mica::vcpu::test {

inline constexpr monitor::PhysAddr kRecA{0x1'0000'0000};
inline constexpr monitor::PhysAddr kRecB{0x1'0000'1000};

class CpuTest : public ::testing::Test {
 protected:
  explicit CpuTest(Limits limits = {}) : s2_(m_), cpus_(m_.physical_memory(), limits) {}

  // Loads a program at IPA 0 (read + execute), as the realm's image.
  void load_program(const std::string& name) { s2_.load(0, program(name), kRx); }

  monitor::RealmTrap run(uint64_t budget = 10'000'000, monitor::PhysAddr rec = kRecA) {
    return cpus_.run(rec, ctx_, s2_.config(), budget);
  }

  static bool is_sync(const monitor::RealmTrap& t, esr::Ec ec) {
    return t.kind == monitor::RealmTrap::Kind::kSync && esr::ec_of(t.esr_el2) == ec;
  }
  static uint64_t iss(const monitor::RealmTrap& t) { return esr::iss_of(t.esr_el2); }

  TestMachine m_;
  Stage2Builder s2_;
  RealmCpus cpus_;
  monitor::RealmCpuContext ctx_ = context_at(0);
};

}  // namespace mica::vcpu::test
