// The tenant's compiled policy (mica_policy's canonical CBOR) as the
// verifier's TenantPolicy: digest, components with their allowed RIMs, and
// the flow facts the policy proves about each component.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "policy/model.h"
#include "verify/result.h"
#include "verify/tenant_policy.h"

namespace mica::verify {

class CompiledTenantPolicy final : public TenantPolicy {
 public:
  // `compiled` as `mica build` writes it. Decoding is the monitor's own
  // bounded decoder (through mica_policy), so anything the monitor would
  // refuse is refused here too.
  static Result<CompiledTenantPolicy> from_compiled(std::span<const uint8_t> compiled);

  std::string workflow_name() const override { return policy_.workflow; }
  Bytes digest() const override { return digest_; }
  std::vector<PolicyComponent> components() const override { return components_; }
  std::vector<std::string> differences_from(const TenantPolicy& deployed) const override;

  const policy::Policy& model() const { return policy_; }

 private:
  policy::Policy policy_;
  Bytes digest_;
  std::vector<PolicyComponent> components_;
};

// Lines naming every difference between two policies ("channel 'results':
// readers egress here, egress, ingest there"); empty when equal.
std::vector<std::string> policy_differences(const policy::Policy& mine, const policy::Policy& theirs);

}  // namespace mica::verify
