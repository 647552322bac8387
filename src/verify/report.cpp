#include "verify/report.h"

#include <cstdio>
#include <sstream>

namespace mica::verify {

namespace {

using cbor::to_hex;

const char* mark(Check::Outcome outcome) {
  switch (outcome) {
    case Check::Outcome::kPassed: return "[ ok ]";
    case Check::Outcome::kFailed: return "[FAIL]";
    case Check::Outcome::kSkipped: return "[skip]";
  }
  return "[ ?? ]";
}

void print_checks(std::ostringstream& out, const std::vector<Check>& checks, const std::string& pad) {
  for (const auto& check : checks) {
    char id[24];
    std::snprintf(id, sizeof(id), "%-19s", check.id.c_str());
    out << pad << mark(check.outcome) << " " << id << " " << check.detail << "\n";
  }
}

std::string verdict_line(std::optional<FailureClass> failure) {
  if (!failure) return "PASS";
  return std::string("FAIL (") + failure_class_name(*failure) + ", exit code " + std::to_string(exit_code(failure)) + ")";
}

nlohmann::json checks_json(const std::vector<Check>& checks) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& check : checks) {
    out.push_back({{"id", check.id},
                   {"class", failure_class_name(check.failure_class)},
                   {"outcome", outcome_name(check.outcome)},
                   {"detail", check.detail}});
  }
  return out;
}

nlohmann::json optional_text(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

nlohmann::json platform_json(const PlatformClaims& c) {
  nlohmann::json components = nlohmann::json::array();
  for (const auto& sc : c.software_components) {
    components.push_back({{"measurement_type", optional_text(sc.type)},
                          {"measurement_value", to_hex(sc.measurement)},
                          {"signer_id", to_hex(sc.signer_id)},
                          {"version", optional_text(sc.version)},
                          {"measurement_description", optional_text(sc.description)}});
  }
  return {{"profile", c.profile},
          {"challenge", to_hex(c.challenge)},
          {"implementation_id", to_hex(c.implementation_id)},
          {"instance_id", to_hex(c.instance_id)},
          {"config", to_hex(c.config)},
          {"lifecycle", c.lifecycle},
          {"lifecycle_state", lifecycle_name(c.lifecycle)},
          {"hash_algo", c.hash_algo},
          {"verification_service", optional_text(c.verification_service)},
          {"software_components", components}};
}

nlohmann::json realm_json(const RealmClaims& c) {
  nlohmann::json rems = nlohmann::json::array();
  for (const auto& rem : c.rems) rems.push_back(to_hex(rem));
  nlohmann::json rak = nullptr;
  if (c.public_key_encoding) {
    rak = {{"encoding", rak_encoding_name(*c.public_key_encoding)},
           {"curve", c.public_key ? nlohmann::json(curve_name(c.public_key->curve)) : nlohmann::json(nullptr)},
           {"bytes", to_hex(c.public_key_bytes)}};
  }
  nlohmann::json mica = nullptr;
  if (c.mica) {
    mica = {{"policy_digest", to_hex(c.mica->policy_digest)},
            {"workflow_instance_id", to_hex(c.mica->workflow_instance_id)},
            {"component_index", c.mica->component_index},
            {"component_name", c.mica->component_name}};
  }
  return {{"profile", optional_text(c.profile)},
          {"challenge", to_hex(c.challenge)},
          {"personalization_value", to_hex(c.personalization_value)},
          {"rim", to_hex(c.rim)},
          {"rems", rems},
          {"hash_algo", c.hash_algo},
          {"rak", rak},
          {"rak_hash_algo", c.public_key_hash_algo},
          {"mica", mica}};
}

}  // namespace

std::string report_text(const VerificationReport& report) {
  std::ostringstream out;
  if (report.policy_name) out << "policy: " << *report.policy_name << "\n";
  for (const auto& token : report.tokens) {
    out << "token " << token.source << " (" << token.size << " bytes): " << verdict_line(token.failure()) << "\n";
    print_checks(out, token.checks, "  ");
    if (token.realm && token.realm->mica) {
      const MicaClaims& m = *token.realm->mica;
      out << "  component \"" << m.component_name << "\" (index " << m.component_index << ") of workflow instance "
          << to_hex(m.workflow_instance_id) << "\n";
      out << "  policy digest " << to_hex(m.policy_digest) << "\n";
    }
    if (token.realm && !token.realm->rim.empty()) {
      out << "  RIM " << to_hex(token.realm->rim) << " (" << token.realm->hash_algo << ")\n";
    }
    if (token.platform && !token.platform->instance_id.empty()) {
      out << "  platform instance " << to_hex(token.platform->instance_id) << ", lifecycle "
          << lifecycle_name(token.platform->lifecycle) << "\n";
    }
    if (token.component) {
      const PolicyComponent& c = *token.component;
      if (token.failure()) {
        out << "  the policy's guarantees for \"" << c.name << "\" do NOT apply: verification failed\n";
      } else if (c.flow_facts.empty()) {
        out << "  the policy proves no flow facts about \"" << c.name << "\"\n";
      } else {
        out << "  what the policy proves about \"" << c.name << "\":\n";
        for (const auto& fact : c.flow_facts) out << "    - " << fact << "\n";
      }
    }
    for (const auto& warning : token.warnings) out << "  warning: " << warning << "\n";
  }
  if (!report.workflow_checks.empty()) {
    out << "workflow (" << report.tokens.size() << " tokens):\n";
    print_checks(out, report.workflow_checks, "  ");
  }
  out << "verdict: " << verdict_line(report.failure()) << "\n";
  return out.str();
}

nlohmann::json report_json(const VerificationReport& report) {
  auto failure = report.failure();
  nlohmann::json out;
  out["verdict"] = failure ? "fail" : "pass";
  out["failure_class"] = failure ? nlohmann::json(failure_class_name(*failure)) : nlohmann::json(nullptr);
  out["exit_code"] = report.exit_code();
  out["policy"] = optional_text(report.policy_name);
  nlohmann::json tokens = nlohmann::json::array();
  for (const auto& token : report.tokens) {
    auto token_failure = token.failure();
    nlohmann::json t;
    t["source"] = token.source;
    t["size"] = token.size;
    t["verdict"] = token_failure ? "fail" : "pass";
    t["failure_class"] = token_failure ? nlohmann::json(failure_class_name(*token_failure)) : nlohmann::json(nullptr);
    t["wrapper"] = token.token ? nlohmann::json(wrapper_name(token.token->collection.wrapper)) : nlohmann::json(nullptr);
    t["checks"] = checks_json(token.checks);
    t["platform"] = token.platform ? platform_json(*token.platform) : nlohmann::json(nullptr);
    t["realm"] = token.realm ? realm_json(*token.realm) : nlohmann::json(nullptr);
    if (token.component) {
      t["component"] = {{"index", token.component->index},
                        {"name", token.component->name},
                        {"any_measurement", token.component->any_measurement},
                        {"flow_facts", token.component->flow_facts},
                        // Facts only hold for a token that verified.
                        {"facts_apply", !token_failure}};
    } else {
      t["component"] = nullptr;
    }
    t["warnings"] = token.warnings;
    tokens.push_back(std::move(t));
  }
  out["tokens"] = std::move(tokens);
  out["workflow_checks"] = checks_json(report.workflow_checks);
  return out;
}

}  // namespace mica::verify
