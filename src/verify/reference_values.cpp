#include "verify/reference_values.h"

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

namespace mica::verify {

namespace {

Result<Bytes> hex_field(const nlohmann::json& value, const std::string& where) {
  if (!value.is_string()) return Error{where + " must be a hex string"};
  auto bytes = cbor::from_hex(value.get<std::string>());
  if (!bytes || bytes->empty()) return Error{where + " is not a non-empty hex string"};
  return std::move(*bytes);
}

std::string describe(const SoftwareComponent& c) {
  std::string text = c.type ? "\"" + *c.type + "\"" : std::string("(untyped)");
  return text + " measurement " + cbor::to_hex(c.measurement);
}

bool matches(const SoftwareComponent& c, const ReferenceComponent& r) {
  if (r.type && c.type != r.type) return false;
  bool value_ok = false;
  for (const auto& m : r.measurements) value_ok = value_ok || m == c.measurement;
  if (!value_ok) return false;
  if (r.signer_id && *r.signer_id != c.signer_id) return false;
  if (r.version && c.version != r.version) return false;
  return true;
}

}  // namespace

Result<ReferenceValues> ReferenceValues::from_json(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Error{"reference values: not a JSON object"};
  ReferenceValues out;
  for (const auto& [key, value] : doc.items()) {
    if (key != "implementation_id" && key != "software_components") {
      return Error{"reference values: unknown member \"" + key + "\""};
    }
  }
  if (doc.contains("implementation_id")) {
    auto id = hex_field(doc["implementation_id"], "implementation_id");
    if (!id) return Error{"reference values: " + id.error().message};
    out.implementation_id = std::move(id.value());
  }
  if (!doc.contains("software_components") || !doc["software_components"].is_array()) {
    return Error{"reference values: \"software_components\" must be an array"};
  }
  size_t index = 0;
  for (const auto& entry : doc["software_components"]) {
    std::string where = "software_components[" + std::to_string(index++) + "]";
    if (!entry.is_object()) return Error{"reference values: " + where + " is not an object"};
    ReferenceComponent component;
    for (const auto& [key, value] : entry.items()) {
      if (key == "measurement_type" || key == "version") {
        if (!value.is_string()) return Error{"reference values: " + where + "." + key + " must be a string"};
        (key == "version" ? component.version : component.type) = value.get<std::string>();
      } else if (key == "measurement_value") {
        std::vector<nlohmann::json> values = value.is_array() ? value.get<std::vector<nlohmann::json>>()
                                                              : std::vector<nlohmann::json>{value};
        for (const auto& v : values) {
          auto bytes = hex_field(v, where + ".measurement_value");
          if (!bytes) return Error{"reference values: " + bytes.error().message};
          component.measurements.push_back(std::move(bytes.value()));
        }
      } else if (key == "signer_id") {
        auto bytes = hex_field(value, where + ".signer_id");
        if (!bytes) return Error{"reference values: " + bytes.error().message};
        component.signer_id = std::move(bytes.value());
      } else {
        return Error{"reference values: " + where + " has unknown member \"" + key + "\""};
      }
    }
    if (component.measurements.empty()) return Error{"reference values: " + where + " has no measurement_value"};
    out.components.push_back(std::move(component));
  }
  return out;
}

Result<ReferenceValues> ReferenceValues::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open reference values file " + path};
  std::ostringstream contents;  // not istreambuf_iterator: GCC 12 -O2 -Wnull-dereference false positive
  contents << in.rdbuf();
  const std::string text = contents.str();
  auto values = from_json(text);
  if (!values) return Error{path + ": " + values.error().message};
  return values;
}

std::vector<std::string> compare_with_reference(const PlatformClaims& claims, const ReferenceValues& reference) {
  std::vector<std::string> mismatches;
  if (reference.implementation_id && *reference.implementation_id != claims.implementation_id) {
    mismatches.push_back("implementation id " + cbor::to_hex(claims.implementation_id) + " is not the reference " +
                         cbor::to_hex(*reference.implementation_id));
  }
  std::vector<bool> used(reference.components.size(), false);
  for (const auto& component : claims.software_components) {
    bool found = false;
    for (size_t i = 0; i < reference.components.size(); ++i) {
      if (matches(component, reference.components[i])) {
        found = true;
        used[i] = true;
      }
    }
    if (!found) mismatches.push_back("software component " + describe(component) + " matches no reference value");
  }
  for (size_t i = 0; i < reference.components.size(); ++i) {
    if (!used[i]) {
      const auto& r = reference.components[i];
      mismatches.push_back("reference component " + (r.type ? "\"" + *r.type + "\"" : "#" + std::to_string(i)) +
                           " is not in the token");
    }
  }
  return mismatches;
}

}  // namespace mica::verify
