// What the verifier needs from the tenant's compiled policy. The policy
// compiler (mica_policy) provides an implementation; tests provide their own.
// Keeping the verifier on this interface means policy appraisal is an
// addition, not a change, to the token checks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "verify/crypto.h"

namespace mica::verify {

struct PolicyComponent {
  uint64_t index = 0;
  std::string name;
  // `measurement any`: the policy accepts whatever runs there and the flow
  // prover treats the component as part of the untrusted world.
  bool any_measurement = false;
  std::vector<Bytes> measurements;  // RIMs the policy allows for this component
  // What the policy proves about where this component's data can go, one
  // sentence each (e.g. "model !-> untrusted except via egress").
  std::vector<std::string> flow_facts;
};

class TenantPolicy {
 public:
  virtual ~TenantPolicy() = default;
  virtual std::string workflow_name() const = 0;
  // The digest the monitor attests: SHA-256 of the compiled policy's
  // canonical encoding.
  virtual Bytes digest() const = 0;
  virtual std::vector<PolicyComponent> components() const = 0;
  // How `deployed` differs from this policy, one line per difference (empty
  // when they mean the same). The verifier asks this only after `deployed`
  // was authenticated by the digest in a token, to name what changed.
  virtual std::vector<std::string> differences_from(const TenantPolicy& deployed) const = 0;
};

}  // namespace mica::verify
