// GoogleTest glue for the invariant checker (tests/support/invariants.h):
// the adversarial suites install it after every call they make.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "invariants.h"
#include "monitor/types.h"

namespace mica::monitor::testing {

// Runs the checker; a violation fails the test and names the call after which it was found.
inline void expect_invariants(InvariantChecker& checker, const SmcArgs& args, const SmcResult& result,
                              const std::vector<PhysAddr>& running = {}) {
  const std::vector<std::string> violations = checker.check(running);
  if (!violations.empty()) {
    ADD_FAILURE() << "after SMC 0x" << std::hex << args.x[0] << " (X1 0x" << args.x[1] << ", X2 0x" << args.x[2]
                  << ") returning 0x" << result.x[0] << ":\n"
                  << describe(violations);
  }
}

}  // namespace mica::monitor::testing
