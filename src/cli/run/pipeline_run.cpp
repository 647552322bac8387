// `mica run` (run/pipeline_run.h): the host and the data owners, end to end.
#include "run/pipeline_run.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "host/machine_host.h"
#include "host/workflow_deployer.h"
#include "mica/secure_io_abi.h"
#include "platform/attestation.h"
#include "platform/machine.h"
#include "platform/monitor_measurement.h"
#include "policy/compiler.h"
#include "policy/explain.h"
#include "policy/graph.h"
#include "policy_cli.h"
#include "vcpu/realm_cpus.h"
#include "verify/cbor.h"
#include "verify/compiled_policy.h"
#include "verify/owner_session.h"

namespace mica::cli {

namespace {

using Clock = std::chrono::steady_clock;
using monitor::kGranuleSize;

std::string hex(std::span<const uint8_t> bytes, size_t max = 64) { return verify::cbor::to_hex(bytes, max); }

std::string with_commas(uint64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return digits;
}

std::optional<std::vector<uint8_t>> read_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "'";
    return std::nullopt;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes;
}

// A compiled policy with what the run needs of its syntax: the image each
// component names.
struct LoadedPolicy {
  policy::Compilation compilation;
  std::map<std::string, std::string> images;  // component -> the image its measurement names
};

std::optional<LoadedPolicy> load_policy(const std::string& file, const std::vector<std::string>& image_dirs,
                                        std::ostream& out) {
  PolicyInput input;
  input.file = file;
  input.colour = "never";
  input.image_dirs = image_dirs;
  auto compiled = compile_input(input, {}, out, -1);
  if (!compiled) return std::nullopt;
  if (!compiled->ok()) {
    out << "mica run: '" << file << "' does not compile\n";
    return std::nullopt;
  }
  LoadedPolicy loaded{std::move(*compiled), {}};
  const std::filesystem::path base = std::filesystem::path(file).parent_path();
  for (const auto& declaration : loaded.compilation.syntax.declarations) {
    const auto* realm = std::get_if<policy::ast::Realm>(&declaration);
    if (realm == nullptr) continue;
    for (const auto& item : realm->items) {
      const auto* m = std::get_if<policy::ast::MeasurementItem>(&item);
      if (m == nullptr) continue;
      for (const auto& measurement : m->measurements) {
        if (measurement.kind != policy::ast::Measurement::Kind::kImage) continue;
        if (loaded.images.count(realm->name.text) != 0) continue;
        policy::ImageRequest request;
        request.written = measurement.image;
        const std::filesystem::path written(measurement.image);
        request.path = written.is_absolute() ? written : base / written;
        loaded.images[realm->name.text] = find_image(request, image_dirs).string();
      }
    }
  }
  return loaded;
}

// The roles the secure I/O protocol gives components, read off the policy.
struct Roles {
  std::vector<uint32_t> ingress;  // exactly one `in` window
  std::vector<uint32_t> egress;   // an `out` window and host calls
};

Roles roles_of(const policy::Policy& p) {
  Roles roles;
  for (uint32_t i = 0; i < p.components.size(); ++i) {
    const auto& c = p.components[i];
    const auto ins = std::count_if(c.windows.begin(), c.windows.end(),
                                   [](const policy::Window& w) { return w.direction == policy::WindowDirection::kIn; });
    const auto outs = std::count_if(c.windows.begin(), c.windows.end(), [](const policy::Window& w) {
      return w.direction == policy::WindowDirection::kOut;
    });
    if (ins == 1 && outs == 0) roles.ingress.push_back(i);
    if (outs >= 1 && c.host_calls) roles.egress.push_back(i);
  }
  return roles;
}

const policy::Window* window_of(const policy::Component& c, policy::WindowDirection direction) {
  for (const auto& w : c.windows) {
    if (w.direction == direction) return &w;
  }
  return nullptr;
}

host::WorkflowSpec spec_of(const LoadedPolicy& loaded, const std::map<std::string, std::string>& overrides,
                           std::string& error) {
  const policy::Policy& p = loaded.compilation.checked->policy;
  host::WorkflowSpec spec;
  spec.name = p.workflow;
  spec.compiled_policy = loaded.compilation.compiled;
  for (const auto& c : p.components) {
    host::ComponentSpec component;
    component.name = c.name;
    if (auto it = overrides.find(c.name); it != overrides.end()) {
      component.image = it->second;
    } else if (auto named = loaded.images.find(c.name); named != loaded.images.end()) {
      component.image = named->second;
    } else {
      error = "component '" + c.name + "' is measured by digest only: give its image with --image " + c.name +
              "=FILE";
      return spec;
    }
    component.memory_bytes = c.memory_bytes;
    component.recs = c.recs;
    component.hash_algo =
        c.measurements.empty() ? monitor::HashAlgo::kSha256 : c.measurements.front().algo;
    for (const auto& w : c.windows) {
      component.windows.push_back(
          host::WindowSpec{w.name, w.direction == policy::WindowDirection::kIn, w.offset, w.size});
    }
    component.host_calls = c.host_calls;
    spec.components.push_back(std::move(component));
  }
  for (const auto& ch : p.channels) {
    spec.channels.push_back(host::ChannelSpec{ch.name, ch.writer, ch.readers, ch.size, ch.bidirectional});
  }
  return spec;
}

// DRAM for the machine: every realm's memory, channel and window, and room
// for the tables, RECs and run pages around them.
uint64_t dram_for(const host::WorkflowSpec& spec) {
  uint64_t bytes = 16ull << 20;
  for (const auto& c : spec.components) {
    bytes += c.memory_bytes + (c.recs * 24 + 64) * kGranuleSize;
    for (const auto& w : c.windows) bytes += w.size + 8 * kGranuleSize;
  }
  for (const auto& ch : spec.channels) bytes += ch.size + (ch.readers.size() + 1) * 4 * kGranuleSize;
  constexpr uint64_t kAlign = 2ull << 20;
  return (bytes + kAlign - 1) / kAlign * kAlign;
}

// What the egress hands the host through its outbox, reassembled.
struct OutboxMessage {
  uint32_t component = 0;
  uint32_t kind = 0;
  std::vector<uint8_t> bytes;
};

class Outbox {
 public:
  // The host-call handler for one realm's VMM.
  bool serve(host::WorkflowDeployment& deployment, uint32_t component, uint32_t imm,
             std::array<uint64_t, 31>& gprs) {
    if (imm != MICA_HOST_CALL_OUTBOX) return false;
    const uint64_t kind = gprs[0], total = gprs[1], offset = gprs[2], piece = gprs[3];
    const auto& realm = deployment.realms()[component];
    const host::DeployedRealm::Window* window = nullptr;
    for (const auto& w : realm.windows) {
      if (!w.spec.in) window = &w;
    }
    Pending& pending = pending_[component];
    if (window == nullptr || kind < MICA_OUTBOX_EVIDENCE || kind > MICA_OUTBOX_ERROR || total > MICA_OUTBOX_MAX_MESSAGE ||
        piece > window->spec.size || offset != pending.bytes.size() || piece > total - offset ||
        (offset != 0 && kind != pending.kind) || (piece == 0 && total != 0)) {
      pending = Pending{};
      ++refused_;
      return false;
    }
    pending.kind = static_cast<uint32_t>(kind);
    auto bytes = deployment.read_window(component, window->spec.name, 0, piece);
    if (!bytes) return false;
    pending.bytes.insert(pending.bytes.end(), bytes->begin(), bytes->end());
    if (pending.bytes.size() == total) {
      messages_.push_back(OutboxMessage{component, pending.kind, std::move(pending.bytes)});
      pending = Pending{};
    }
    gprs.fill(0);
    return true;
  }

  std::vector<OutboxMessage>& messages() { return messages_; }
  uint64_t refused() const { return refused_; }

 private:
  struct Pending {
    uint32_t kind = 0;
    std::vector<uint8_t> bytes;
  };
  std::map<uint32_t, Pending> pending_;
  std::vector<OutboxMessage> messages_;
  uint64_t refused_ = 0;
};

// Writes one inbox message: payload first, then the header (sequence last).
host::Result<bool> write_inbox(host::WorkflowDeployment& deployment, uint32_t component, const std::string& window,
                               uint64_t sequence, uint32_t kind, std::span<const uint8_t> payload) {
  if (auto r = deployment.write_window(component, window, MICA_INBOX_PAYLOAD, payload); !r) return r;
  std::vector<uint8_t> header(MICA_INBOX_HEADER_SIZE, 0);
  auto put = [&header](size_t at, uint64_t value, size_t size) { std::memcpy(header.data() + at, &value, size); };
  put(MICA_INBOX_OFF_MAGIC, MICA_INBOX_MAGIC, 8);
  put(MICA_INBOX_OFF_KIND, kind, 4);
  put(MICA_INBOX_OFF_LENGTH, payload.size(), 8);
  put(MICA_INBOX_OFF_SEQUENCE, 0, 8);
  if (auto r = deployment.write_window(component, window, 0, header); !r) return r;
  std::vector<uint8_t> seq(8);
  std::memcpy(seq.data(), &sequence, 8);
  return deployment.write_window(component, window, MICA_INBOX_OFF_SEQUENCE, seq);
}

class Phases {
 public:
  explicit Phases(std::vector<PhaseTime>& out) : out_(out), start_(Clock::now()) {}
  void next(const std::string& name) {
    const auto now = Clock::now();
    if (!current_.empty()) out_.push_back({current_, std::chrono::duration<double>(now - start_).count()});
    current_ = name;
    start_ = now;
  }
  void end() { next(""); }

 private:
  std::vector<PhaseTime>& out_;
  std::string current_;
  Clock::time_point start_;
};

}  // namespace

RunSummary run_pipeline(const RunRequest& request, std::ostream& out) {
  RunSummary summary;
  Phases phases(summary.phases);
  auto fail = [&summary, &out](RunOutcome outcome, std::string reason) {
    summary.outcome = outcome;
    summary.reason = std::move(reason);
    out << "\nmica run: FAILED: " << summary.reason << "\n";
    return summary;
  };

  // --- The owners' policy, and the host's -------------------------------------------
  phases.next("compile");
  out << "== compile the policy\n";
  auto owners_policy = load_policy(request.policy_file, request.image_dirs, out);
  if (!owners_policy) return fail(RunOutcome::kUsage, "the policy does not compile");
  const bool host_has_own_policy =
      !request.deployed_policy_file.empty() && request.deployed_policy_file != request.policy_file;
  std::optional<LoadedPolicy> hosts_policy;
  if (host_has_own_policy) {
    hosts_policy = load_policy(request.deployed_policy_file, request.image_dirs, out);
    if (!hosts_policy) return fail(RunOutcome::kUsage, "the host's policy does not compile");
  }
  const LoadedPolicy& deployed = host_has_own_policy ? *hosts_policy : *owners_policy;
  const policy::Policy& policy = owners_policy->compilation.checked->policy;
  out << "policy '" << policy.workflow << "' (" << request.policy_file << "): " << policy.components.size()
      << " realms, " << policy.channels.size() << " channels, " << policy.gates.size() << " gates, digest sha256:"
      << policy::digest_hex(owners_policy->compilation.digest) << "\n";
  size_t held = 0;
  for (const auto& outcome : owners_policy->compilation.outcomes) held += outcome.holds ? 1 : 0;
  out << "requirements proven: " << held << " of " << owners_policy->compilation.outcomes.size() << "\n";
  if (host_has_own_policy) {
    out << "the host deploys '" << request.deployed_policy_file << "' instead (digest sha256:"
        << policy::digest_hex(deployed.compilation.digest) << ")\n";
  }
  if (!request.graph_file.empty()) {
    const std::string dot = policy::to_dot(policy, *owners_policy->compilation.graph, owners_policy->compilation.outcomes);
    const std::string error = policy::run_graphviz(dot, std::filesystem::path(request.graph_file).extension() == ".dot"
                                                            ? "dot"
                                                            : std::filesystem::path(request.graph_file).extension().string().substr(1),
                                                   request.graph_file);
    if (error.empty()) {
      out << "flow graph: " << request.graph_file << "\n";
    } else {
      out << "flow graph not drawn: " << error << "\n";
    }
  }

  // Roles and inputs: the owners read them off their own policy.
  const Roles roles = roles_of(policy);
  if (roles.ingress.empty()) return fail(RunOutcome::kUsage, "the policy has no ingress component (one `in` window)");
  if (roles.egress.size() != 1) {
    return fail(RunOutcome::kUsage, "the policy needs exactly one egress component (an `out` window and host calls)");
  }
  std::map<uint32_t, std::vector<uint8_t>> inputs;
  for (const auto& [name, file] : request.inputs) {
    std::optional<uint32_t> component;
    if (name.empty()) {
      if (roles.ingress.size() != 1) {
        return fail(RunOutcome::kUsage, "several ingress components: say which input is whose (--input COMPONENT=FILE)");
      }
      component = roles.ingress.front();
    } else {
      component = policy.find_component(name);
      if (!component || std::find(roles.ingress.begin(), roles.ingress.end(), *component) == roles.ingress.end()) {
        return fail(RunOutcome::kUsage, "'" + name + "' is not an ingress component of the policy");
      }
    }
    std::string error;
    auto bytes = read_file(file, error);
    if (!bytes) return fail(RunOutcome::kUsage, error);
    const policy::Window* inbox = window_of(policy.components[*component], policy::WindowDirection::kIn);
    if (inbox == nullptr) return fail(RunOutcome::kUsage, "'" + policy.components[*component].name + "' has no inbox");
    const uint64_t room = inbox->size - MICA_INBOX_PAYLOAD - MICA_SIO_IV_SIZE - MICA_SIO_TAG_SIZE;
    if (bytes->size() > room) {
      return fail(RunOutcome::kUsage, "input '" + file + "' (" + with_commas(bytes->size()) + " bytes) does not fit '" +
                                          policy.components[*component].name + "''s inbox window '" + inbox->name +
                                          "' (" + with_commas(room) + " bytes after header and sealing)");
    }
    inputs[*component] = std::move(*bytes);
  }
  for (uint32_t ingress : roles.ingress) {
    if (inputs.count(ingress) == 0) {
      return fail(RunOutcome::kUsage, "'" + policy.components[ingress].name + "' takes input: give --input " +
                                          policy.components[ingress].name + "=FILE");
    }
  }
  uint32_t recipient = roles.ingress.front();
  if (!request.recipient.empty()) {
    const auto found = policy.find_component(request.recipient);
    if (!found || inputs.count(*found) == 0) {
      return fail(RunOutcome::kUsage, "--recipient '" + request.recipient + "' is not an ingress component");
    }
    recipient = *found;
  } else if (roles.ingress.size() > 1) {
    return fail(RunOutcome::kUsage, "several ingress components: say whose owner gets the result (--recipient)");
  }

  for (const auto& [name, file] : request.images) {
    if (!deployed.compilation.checked->policy.find_component(name)) {
      return fail(RunOutcome::kUsage, "--image: the policy has no component '" + name + "'");
    }
  }

  // --- The host deploys ------------------------------------------------------------------
  phases.next("deploy");
  out << "\n== the host deploys the workflow\n";
  std::string spec_error;
  const host::WorkflowSpec spec = spec_of(deployed, request.images, spec_error);
  if (!spec_error.empty()) return fail(RunOutcome::kUsage, spec_error);
  for (const auto& [name, file] : request.images) {
    out << "the host loads '" << file << "' for component '" << name << "'\n";
  }
  platform::MachineConfig machine_config;
  machine_config.dram_size = dram_for(spec);
  machine_config.state_dir = request.state_dir;
  auto machine = std::make_unique<platform::Machine>(machine_config);
  host::MachineHost host(*machine);
  out << "machine: " << (machine_config.dram_size >> 20) << " MiB of DRAM, platform key in " << machine->state_dir()
      << "\n";
  host::DeployOptions deploy_options;
  deploy_options.vmm.test_device = false;
  deploy_options.misroute_channel = request.misroute_channel;
  deploy_options.progress = [&out](const std::string& line) { out << "  " << line << "\n"; };
  auto deployment_result = host::WorkflowDeployment::deploy(host.rmi, host.memory, host.granules, spec, deploy_options);
  if (!deployment_result) return fail(RunOutcome::kDeployRefused, deployment_result.error());
  std::unique_ptr<host::WorkflowDeployment> deployment = std::move(deployment_result).value();
  out << "all " << spec.components.size() << " realms ACTIVE; the monitor accepted every RIM\n";

  Outbox outbox;
  for (auto& realm : deployment->realms()) {
    const uint32_t index = realm.index;
    host::WorkflowDeployment* d = deployment.get();
    realm.vmm->set_host_call_handler([&outbox, d, index](uint32_t, uint32_t imm, std::array<uint64_t, 31>& gprs) {
      return outbox.serve(*d, index, imm, gprs);
    });
    const std::string prefix = "  [" + realm.name + "] ";
    auto line_start = std::make_shared<bool>(true);
    realm.vmm->set_console_sink([&out, prefix, line_start](uint32_t, std::string_view bytes) {
      for (char c : bytes) {
        if (*line_start) out << prefix;
        out << c;
        *line_start = c == '\n';
      }
    });
  }

  // --- The owners: offers, evidence, verification ----------------------------------------
  platform::PlatformAttestation& attestation = machine->attestation();
  verify::ReferenceValues reference;
  reference.implementation_id = platform::emulated_implementation_id();
  verify::ReferenceComponent rmm;
  rmm.type = "RMM";
  rmm.measurements.push_back(
      verify::Bytes(platform::kMonitorBuildMeasurement.begin(), platform::kMonitorBuildMeasurement.end()));
  rmm.signer_id = platform::unsigned_signer_id();
  rmm.version = platform::kMonitorBuildVersion;
  reference.components.push_back(rmm);
  auto tenant = verify::CompiledTenantPolicy::from_compiled(owners_policy->compilation.compiled);
  if (!tenant) return fail(RunOutcome::kUsage, tenant.error().message);
  std::optional<verify::CompiledTenantPolicy> hosts_tenant;
  if (host_has_own_policy) {
    auto decoded = verify::CompiledTenantPolicy::from_compiled(deployed.compilation.compiled);
    if (decoded) hosts_tenant = std::move(decoded).value();
  }
  std::map<uint32_t, std::unique_ptr<verify::OwnerSession>> owners;
  for (uint32_t ingress : roles.ingress) {
    verify::OwnerOptions options;
    options.ingress = policy.components[ingress].name;
    options.result_recipient = ingress == recipient;
    options.platform_anchor = attestation.platform_public_key();
    options.reference = reference;
    options.policy = &tenant.value();
    options.deployed_policy = hosts_tenant ? &*hosts_tenant : nullptr;
    auto owner = verify::OwnerSession::create(std::move(options));
    if (!owner) return fail(RunOutcome::kUsage, owner.error().message);
    owners[ingress] = std::move(owner).value();
  }

  phases.next("attest");
  std::string phase_name = "attest";
  out << "\n== the owners offer keys; the ingress components attest\n";
  auto inbox_of = [&](uint32_t component) -> std::string {
    // The host's own idea of the window (what it deployed).
    const auto& c = deployed.compilation.checked->policy.components;
    if (component < c.size()) {
      if (const policy::Window* w = window_of(c[component], policy::WindowDirection::kIn)) return w->name;
    }
    return "";
  };
  auto carry = [&request](const std::string& what, std::vector<uint8_t> bytes) {
    if (request.tamper) request.tamper(what, bytes);
    return bytes;
  };
  for (const auto& [ingress, owner] : owners) {
    const auto offer = carry("offer " + policy.components[ingress].name, owner->offer());
    if (auto r = write_inbox(*deployment, ingress, inbox_of(ingress), 1, MICA_INBOX_OFFER, offer); !r) {
      return fail(RunOutcome::kPipelineFailed, "the host cannot write the offer: " + r.error());
    }
    out << "owner of '" << policy.components[ingress].name << "': offer (nonce " << hex(owner->nonce(), 8)
        << ", P-256 key) written to its inbox\n";
  }
  std::map<uint32_t, std::vector<uint8_t>> evidence;  // by component, from the outbox
  std::vector<std::vector<uint8_t>> results;
  std::vector<std::string> errors;
  auto collect = [&]() {
    for (auto& message : outbox.messages()) {
      if (message.kind == MICA_OUTBOX_ERROR) {
        errors.emplace_back(message.bytes.begin(), message.bytes.end());
        out << "egress reports: " << errors.back() << "\n";
      } else if (message.kind == MICA_OUTBOX_EVIDENCE && message.bytes.size() >= 4) {
        uint32_t component = 0;
        std::memcpy(&component, message.bytes.data(), 4);
        summary.evidence_bytes += message.bytes.size();
        out << "evidence of component " << component << " reached the host through the egress ("
            << with_commas(message.bytes.size()) << " bytes)\n";
        evidence[component] = std::move(message.bytes);
      } else if (message.kind == MICA_OUTBOX_RESULT) {
        results.push_back(std::move(message.bytes));
      }
    }
    outbox.messages().clear();
  };
  auto run = [&](const std::function<bool()>& done) {
    return deployment->run_until(
        [&]() {
          collect();
          return done() || !errors.empty();
        },
        request.max_rec_enters);
  };
  auto finish = [&](RunOutcome outcome, std::string reason) {
    if (request.before_teardown) request.before_teardown(*machine, *deployment);
    if (outcome != RunOutcome::kOk) {
      out << "\nrealms when the run stopped:\n";
      for (const auto& realm : deployment->realms()) {
        const host::RunReport& report = realm.vmm->report();
        out << "  " << std::left << std::setw(16) << realm.name << std::right
            << (realm.finished() ? " ended" : " still running");
        if (report.exit_status) out << ", exit status " << *report.exit_status;
        if (report.end == host::RunEnd::kHostError) out << ", host error: " << report.end_detail;
        out << "\n";
      }
    }
    for (const auto& realm : deployment->realms()) {
      summary.work.push_back(ComponentWork{realm.name, machine->cpus().instructions(static_cast<uint16_t>(realm.index + 1)),
                                           realm.vmm ? realm.vmm->report().rec_enters : 0,
                                           realm.vmm ? realm.vmm->report().total_exits() : 0});
    }
    phases.next("teardown");
    if (auto down = deployment->teardown(); !down) out << "mica run: " << down.error() << "\n";
    phases.end();
    if (outcome != RunOutcome::kOk) return fail(outcome, std::move(reason));
    return summary;
  };

  // Each owner acts as soon as its own evidence is there: owners do not wait
  // for each other (the vendor's weights may be needed before the clinic's
  // ingest can even show its evidence).
  bool refused = false;
  auto verify_and_send = [&](uint32_t ingress) -> bool {
    verify::OwnerSession& owner = *owners[ingress];
    const std::string& name = policy.components[ingress].name;
    out << "\n== the owner of '" << name << "' verifies its evidence before it sends anything\n";
    const verify::EvidenceCheck check = owner.check_evidence(carry("evidence " + name, evidence[ingress]));
    if (!check.accepted) {
      out << "owner of '" << name << "': REFUSED; nothing sent\n";
      for (const std::string& problem : check.problems) out << "  - " << problem << "\n";
      refused = true;
      return false;
    }
    const auto& realm_claims = *check.token->realm;
    out << "owner of '" << name << "': ACCEPTED\n";
    out << "  token: " << with_commas(check.token->size) << " bytes, platform and realm signatures verify, "
        << "challenge = SHA-512(our nonce, our key, its key, its peer table)\n";
    out << "  workflow instance " << hex(realm_claims.mica->workflow_instance_id, 8) << ", policy digest "
        << hex(realm_claims.mica->policy_digest) << "\n";
    for (const verify::PeerRecord& peer : check.peers) {
      out << "  peer " << std::left << std::setw(16) << policy.components[peer.component].name << std::right
          << " ACTIVE, generation " << peer.bind_generation << ", RIM " << hex(peer.rim, 12)
          << (peer.component == ingress ? " (the token's own RIM)" : " (allowed by the policy)") << "\n";
    }
    auto sealed = owner.seal(inputs[ingress]);
    if (!sealed) {
      out << "owner of '" << name << "': " << sealed.error().message << "\n";
      return false;
    }
    const size_t sealed_size = sealed->size();
    summary.input_bytes += inputs[ingress].size();
    summary.sealed_input_bytes += sealed_size;
    if (auto r = write_inbox(*deployment, ingress, inbox_of(ingress), 2, MICA_INBOX_DATA,
                             carry("data " + name, std::move(sealed).value()));
        !r) {
      out << "the host cannot write the sealed input: " << r.error() << "\n";
      return false;
    }
    summary.data_sent = true;
    out << "owner of '" << name << "': " << with_commas(inputs[ingress].size()) << " bytes sealed (AES-256-GCM, "
        << with_commas(sealed_size) << " bytes) into its inbox\n";
    return true;
  };
  std::set<uint32_t> served;
  bool send_failed = false;
  const auto exchanged = run([&]() {
    for (uint32_t ingress : roles.ingress) {
      if (served.count(ingress) != 0 || evidence.count(ingress) == 0) continue;
      served.insert(ingress);
      if (phase_name != "verify") {
        phases.next("verify");
        phase_name = "verify";
      }
      if (!verify_and_send(ingress)) {
        send_failed = true;
        return true;
      }
      if (served.size() == roles.ingress.size()) {
        phases.next("process");
        phase_name = "process";
        out << "\n== the pipeline runs\n";
      }
    }
    return !results.empty();
  });
  if (refused) return finish(RunOutcome::kVerificationFailed, "an owner refused the evidence; it sent no data");
  if (send_failed) return finish(RunOutcome::kPipelineFailed, "an owner could not send its data");
  if (!errors.empty()) return finish(RunOutcome::kPipelineFailed, "a realm reported: " + errors.front());
  if (exchanged.end != host::ScheduleEnd::kDone) {
    std::string missing;
    for (uint32_t ingress : roles.ingress) {
      if (evidence.count(ingress) == 0) missing += (missing.empty() ? "" : ", ") + policy.components[ingress].name;
    }
    return finish(RunOutcome::kPipelineFailed,
                  (missing.empty() ? std::string("no result arrived") : "no evidence arrived from " + missing) + " (" +
                      std::string(host::schedule_end_name(exchanged.end)) +
                      (exchanged.detail.empty() ? "" : ": " + exchanged.detail) + ")");
  }

  phases.next("open");
  const verify::ResultCheck opened = owners[recipient]->open_result(carry("result", results.front()));
  summary.sealed_output_bytes = opened.sealed_size;
  if (!opened.accepted) {
    out << "owner of '" << policy.components[recipient].name << "': result REFUSED\n";
    for (const std::string& problem : opened.problems) out << "  - " << problem << "\n";
    return finish(RunOutcome::kResultRejected, "the result did not verify");
  }
  summary.output = opened.plaintext;
  summary.output_bytes = opened.plaintext.size();
  out << "owner of '" << policy.components[recipient].name << "': result from '" << opened.component_name
      << "' ACCEPTED: token of the same workflow instance binds the sealed bytes; " << with_commas(summary.output_bytes)
      << " bytes opened\n";
  if (!request.output_file.empty()) {
    std::ofstream file(request.output_file, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(summary.output.data()), static_cast<std::streamsize>(summary.output.size()));
    if (!file) return finish(RunOutcome::kUsage, "cannot write '" + request.output_file + "'");
    out << "result written to " << request.output_file << "\n";
  }

  // Every realm ends by itself, but for gate callees: they are services that
  // wait for the next call until the host takes the workflow down.
  phases.next("drain");
  std::set<uint32_t> callees;
  for (const auto& gate : deployed.compilation.checked->policy.gates) callees.insert(gate.callee);
  const auto drained = run([&]() {
    return std::all_of(deployment->realms().begin(), deployment->realms().end(), [&](const host::DeployedRealm& r) {
      return r.finished() || callees.count(r.index) != 0;
    });
  });
  if (drained.end != host::ScheduleEnd::kDone && drained.end != host::ScheduleEnd::kAllFinished) {
    out << "note: not every realm ended by itself (" << host::schedule_end_name(drained.end) << ")\n";
  }
  for (const auto& realm : deployment->realms()) {
    const auto& report = realm.vmm->report();
    if (report.exit_status && *report.exit_status != 0) {
      out << "note: '" << realm.name << "' exited with status " << *report.exit_status << "\n";
    }
  }

  // --- The report --------------------------------------------------------------------------
  RunSummary done = finish(RunOutcome::kOk, "");
  out << "\n== what the policy proves (the compiler proved it; the monitor enforces every path)\n";
  const policy::FlowGraph& graph = *owners_policy->compilation.graph;
  for (uint32_t i = 0; i < policy.components.size(); ++i) {
    // Every node the component's data can reach, following the flow edges.
    std::vector<bool> seen(graph.node_count(), false);
    std::vector<uint32_t> work{graph.node_of(i)};
    seen[graph.node_of(i)] = true;
    while (!work.empty()) {
      const uint32_t node = work.back();
      work.pop_back();
      if (node == graph.untrusted()) continue;
      for (uint32_t e : graph.out_edges(node)) {
        const uint32_t to = graph.edges()[e].to;
        if (!seen[to]) {
          seen[to] = true;
          work.push_back(to);
        }
      }
    }
    std::string reach;
    for (uint32_t j = 0; j < policy.components.size(); ++j) {
      if (j != i && seen[graph.node_of(j)] && graph.node_of(j) != graph.untrusted()) {
        reach += (reach.empty() ? "" : ", ") + policy.components[j].name;
      }
    }
    if (seen[graph.untrusted()]) reach += std::string(reach.empty() ? "" : ", ") + "the untrusted world";
    out << "  " << std::left << std::setw(16) << policy.components[i].name << std::right << " data can reach: "
        << (reach.empty() ? "nothing" : reach) << "\n";
  }
  for (size_t r = 0; r < policy.requirements.size(); ++r) {
    const policy::Requirement& requirement = policy.requirements[r];
    std::string line = policy.components[requirement.from].name + " !-> " +
                       (requirement.to ? policy.components[*requirement.to].name : std::string("untrusted"));
    for (size_t v = 0; v < requirement.via.size(); ++v) {
      line += (v == 0 ? " except via " : ", ") + policy.components[requirement.via[v]].name;
    }
    const bool holds = r < owners_policy->compilation.outcomes.size() && owners_policy->compilation.outcomes[r].holds;
    out << "  " << (holds ? "proven: " : "NOT PROVEN: ") << line << "\n";
  }
  out << "  every other path to the host (unprotected memory, host calls, MMIO, RIPAS changes, PSCI) is closed\n";
  out << "\n== what was attested\n";
  out << "  platform: key " << machine->attestation().platform_public_key_path() << ", monitor (RMM) "
      << hex(std::span(platform::kMonitorBuildMeasurement.data(), 32), 8) << " = this build's reference value\n";
  for (const auto& [ingress, owner] : owners) {
    const auto& check = *owner->accepted_evidence();
    out << "  '" << check.component_name << "' token: RIM " << hex(check.token->realm->rim, 16) << ", instance "
        << hex(check.token->realm->mica->workflow_instance_id, 8) << ", policy " << hex(check.token->realm->mica->policy_digest, 8)
        << ", key bound in the challenge\n";
  }
  out << "  '" << opened.component_name << "' token: RIM " << hex(opened.token->realm->rim, 16)
      << ", same instance, sealed result bound in the challenge\n";
  out << "\n== data\n";
  out << "  in:  " << with_commas(done.input_bytes) << " bytes of plaintext, " << with_commas(done.sealed_input_bytes)
      << " bytes sealed through the host\n";
  out << "  out: " << with_commas(done.sealed_output_bytes) << " bytes sealed through the host, "
      << with_commas(done.output_bytes) << " bytes of result\n";
  out << "  evidence: " << with_commas(done.evidence_bytes) << " bytes\n";
  out << "\n== time and work\n";
  for (const PhaseTime& phase : done.phases) {
    out << "  " << std::left << std::setw(10) << phase.name << std::right << std::fixed << std::setprecision(3)
        << std::setw(9) << phase.seconds << " s\n";
  }
  out << std::defaultfloat;
  uint64_t total = 0;
  for (const ComponentWork& w : done.work) {
    out << "  " << std::left << std::setw(16) << w.name << std::right << std::setw(16)
        << with_commas(w.guest_instructions) << " guest instructions, " << with_commas(w.rec_enters) << " REC_ENTERs\n";
    total += w.guest_instructions;
  }
  out << "  " << std::left << std::setw(16) << "total" << std::right << std::setw(16) << with_commas(total)
      << " guest instructions\n";
  out << "\nmica run: OK\n";
  return done;
}

}  // namespace mica::cli
