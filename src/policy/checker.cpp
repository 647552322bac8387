#include "policy/checker.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "mica/policy.h"

namespace mica::policy {

namespace {

namespace schema = monitor::policy::schema;
namespace capacity = monitor::policy;

template <class... Visitors>
struct Overloaded : Visitors... {
  using Visitors::operator()...;
};
template <class... Visitors>
Overloaded(Visitors...) -> Overloaded<Visitors...>;

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string short_digest(const Measurement& measurement) {
  const std::string hex = hex_string(measurement.digest);
  return std::string(measurement.algo == HashAlgo::kSha256 ? "sha256:" : "sha512:") + hex.substr(0, 12) + "...";
}

// Canonical order of measurements: the order of their CBOR encodings, where
// the shorter SHA-256 digests come first.
bool measurement_less(const Measurement& a, const Measurement& b) {
  if (a.digest.size() != b.digest.size()) return a.digest.size() < b.digest.size();
  return a.digest < b.digest;
}

// Canonical order of requirements: the bytewise order of their encodings
// {0: from, 1: to | null, 2: [via...]}; shortest-form unsigned integers sort
// numerically, null (0xf6) after every integer, shorter arrays first.
bool requirement_less(const Requirement& a, const Requirement& b) {
  if (a.from != b.from) return a.from < b.from;
  const uint64_t a_to = a.to ? *a.to : ~uint64_t{0};
  const uint64_t b_to = b.to ? *b.to : ~uint64_t{0};
  if (a_to != b_to) return a_to < b_to;
  if (a.via.size() != b.via.size()) return a.via.size() < b.via.size();
  return a.via < b.via;
}

struct WindowDraft {
  Window window;
  SourceRange range;
  SourceRange at_range;
  bool placed = false;
};

class Checker {
 public:
  Checker(const ast::File& file, const SourceFile& source, const CheckOptions& options,
          DiagnosticEngine& diagnostics)
      : file_(file), source_(source), options_(options), diagnostics_(diagnostics) {}

  std::optional<CheckedPolicy> run() {
    collect_realms();
    for (size_t i = 0; i < realms_.size(); ++i) check_realm(*realms_[i], i);
    for (const ast::Declaration& declaration : file_.declarations) {
      if (const auto* channel = std::get_if<ast::Channel>(&declaration)) check_channel(*channel);
      if (const auto* gate = std::get_if<ast::Gate>(&declaration)) check_gate(*gate);
    }
    for (const ast::Declaration& declaration : file_.declarations) {
      if (const auto* require = std::get_if<ast::Require>(&declaration)) check_require(*require);
    }
    if (file_.workflow) {
      policy_.workflow = file_.workflow->text;
      if (realms_.empty()) diagnostics_.report(DiagId::kNoRealms, file_.workflow->range, {policy_.workflow});
    }
    if (options_.enforce_monitor_limits) check_capacities();
    if (diagnostics_.has_errors() || !file_.workflow) return std::nullopt;
    canonicalize();
    return CheckedPolicy{std::move(policy_), std::move(sources_)};
  }

 private:
  // Realm names in sorted order give the component indices.
  void collect_realms() {
    std::map<std::string, const ast::Realm*> by_name;
    for (const ast::Declaration& declaration : file_.declarations) {
      const auto* realm = std::get_if<ast::Realm>(&declaration);
      if (realm == nullptr) continue;
      const auto [it, inserted] = by_name.emplace(realm->name.text, realm);
      if (!inserted) {
        diagnostics_.report(DiagId::kRedefinition, realm->name.range, {"realm", realm->name.text})
            .note(DiagId::kNotePrevious, it->second->name.range, {realm->name.text});
      }
    }
    for (const auto& [name, realm] : by_name) {
      index_of_.emplace(name, static_cast<uint32_t>(realms_.size()));
      realms_.push_back(realm);
    }
    policy_.components.resize(realms_.size());
    sources_.components.resize(realms_.size());
  }

  std::optional<uint32_t> resolve(const ast::Name& name) {
    const auto it = index_of_.find(name.text);
    if (it != index_of_.end()) return it->second;
    std::string hint;
    size_t best = std::max<size_t>(2, name.text.size() / 3) + 1;  // at most this many edits away
    for (const auto& [candidate, index] : index_of_) {
      const size_t distance = edit_distance(name.text, candidate);
      if (distance < best) {
        best = distance;
        hint = "did you mean '" + candidate + "'?";
      }
    }
    diagnostics_.report(DiagId::kUnknownRealm, name.range, {name.text, hint});
    return std::nullopt;
  }

  // Sizes: granule multiples within [minimum, maximum].
  bool check_size(const ast::Size& size, std::string_view what, uint64_t minimum, uint64_t maximum) {
    if (!size.valid) return false;
    const std::string written(source_.slice(size.range));
    if (size.bytes < minimum || size.bytes > maximum) {
      diagnostics_.report(DiagId::kSizeOutOfRange, size.range,
                          {std::string(what), written, format_size(minimum), format_size(maximum)});
      return false;
    }
    if (size.bytes % schema::kGranule != 0) {
      const uint64_t lower = size.bytes - size.bytes % schema::kGranule;
      diagnostics_.report(DiagId::kNotGranuleMultiple, size.range,
                          {std::string(what), written, format_size(lower), format_size(lower + schema::kGranule)});
      return false;
    }
    return true;
  }

  void check_realm(const ast::Realm& realm, size_t index) {
    Component& component = policy_.components[index];
    ComponentSources& sources = sources_.components[index];
    component.name = realm.name.text;
    sources.declaration = realm.range;
    sources.name = realm.name.range;

    bool measurement_seen = false;
    std::vector<std::pair<Measurement, SourceRange>> listed;
    std::vector<const ast::Measurement*> images;
    const ast::MemoryItem* memory = nullptr;
    const ast::RecsItem* recs = nullptr;
    const ast::UntrustedItem* untrusted = nullptr;

    auto repeated = [&](SourceRange at, SourceRange first, std::string_view what) {
      diagnostics_.report(DiagId::kRepeatedProperty, at, {realm.name.text, std::string(what)})
          .note(DiagId::kNotePreviousItem, first);
    };

    for (const ast::RealmItem& item : realm.items) {
      std::visit(
          Overloaded{
              [&](const ast::MeasurementItem& measurements) {
                measurement_seen = true;
                for (const ast::Measurement& m : measurements.measurements) {
                  if (m.kind == ast::Measurement::Kind::kAny) {
                    if (component.any_measurement) {
                      diagnostics_.report(DiagId::kDuplicateMeasurement, m.range, {"'any'", realm.name.text})
                          .note(DiagId::kNotePreviousItem, sources.any);
                    }
                    component.any_measurement = true;
                    sources.any = m.range;
                  } else if (m.kind == ast::Measurement::Kind::kImage) {
                    if (m.valid) images.push_back(&m);
                  } else if (m.valid) {
                    add_measurement(realm, listed, Measurement{m.algo, m.digest}, m.range);
                  }
                }
              },
              [&](const ast::MemoryItem& item_memory) {
                if (memory != nullptr) return repeated(item_memory.range, memory->range, "its memory");
                memory = &item_memory;
                if (check_size(item_memory.size, "memory", schema::kGranule, schema::kMaxMemoryBytes)) {
                  component.memory_bytes = item_memory.size.bytes;
                }
              },
              [&](const ast::RecsItem& item_recs) {
                if (recs != nullptr) return repeated(item_recs.range, recs->range, "its RECs");
                recs = &item_recs;
                if (!item_recs.valid) return;
                if (item_recs.count < 1 || item_recs.count > schema::kMaxRecs) {
                  diagnostics_.report(DiagId::kRecsOutOfRange, item_recs.count_range,
                                      {std::to_string(schema::kMaxRecs), std::to_string(item_recs.count)});
                  return;
                }
                component.recs = static_cast<uint32_t>(item_recs.count);
              },
              [&](const ast::UntrustedItem& item_untrusted) {
                if (untrusted != nullptr) {
                  return repeated(item_untrusted.keyword_range, untrusted->keyword_range, "its untrusted paths");
                }
                untrusted = &item_untrusted;
                check_untrusted(realm, item_untrusted, component, sources);
              },
          },
          item);
    }

    if (!realm.had_error) {
      if (!measurement_seen) {
        diagnostics_.report(DiagId::kMissingProperty, realm.name.range,
                            {realm.name.text, "measurement", "measurement sha256:<64 hex digits>;"});
      }
      if (memory == nullptr) {
        diagnostics_.report(DiagId::kMissingProperty, realm.name.range, {realm.name.text, "memory", "memory 64 MiB;"});
      }
      if (recs == nullptr) {
        diagnostics_.report(DiagId::kMissingProperty, realm.name.range, {realm.name.text, "REC count", "recs 1;"});
      }
    }
    if (component.any_measurement && (!listed.empty() || !images.empty())) {
      diagnostics_.report(DiagId::kAnyWithOthers, sources.any);
    }

    for (const ast::Measurement* image : images) resolve_image(realm, *image, component, listed);

    std::sort(listed.begin(), listed.end(),
              [](const auto& a, const auto& b) { return measurement_less(a.first, b.first); });
    for (auto& [measurement, range] : listed) component.measurements.push_back(std::move(measurement));
  }

  void add_measurement(const ast::Realm& realm, std::vector<std::pair<Measurement, SourceRange>>& listed,
                       Measurement measurement, SourceRange range) {
    for (const auto& [existing, first] : listed) {
      if (existing == measurement) {
        diagnostics_.report(DiagId::kDuplicateMeasurement, range, {short_digest(measurement), realm.name.text})
            .note(DiagId::kNotePreviousItem, first);
        return;
      }
    }
    listed.emplace_back(std::move(measurement), range);
  }

  void resolve_image(const ast::Realm& realm, const ast::Measurement& image, const Component& component,
                     std::vector<std::pair<Measurement, SourceRange>>& listed) {
    if (!options_.resolver) {
      diagnostics_.report(DiagId::kImageUnresolved, image.range, {image.image, kNoMeasurementSupport});
      return;
    }
    ImageRequest request;
    std::filesystem::path path(image.image);
    request.path = path.is_absolute() ? path : source_.directory() / path;
    request.written = image.image;
    request.algo = image.algo;
    request.component = realm.name.text;
    request.memory_bytes = component.memory_bytes;
    request.recs = component.recs;
    ImageResolution resolution = options_.resolver(request);
    if (!resolution.ok()) {
      diagnostics_.report(DiagId::kImageUnresolved, image.range, {image.image, resolution.error});
      return;
    }
    if (resolution.rim.size() != monitor::hash_size(image.algo)) {
      diagnostics_.report(DiagId::kImageUnresolved, image.range,
                          {image.image, "the measurer returned " + std::to_string(resolution.rim.size()) +
                                            " bytes instead of a " +
                                            (image.algo == HashAlgo::kSha256 ? "SHA-256" : "SHA-512") + " RIM"});
      return;
    }
    add_measurement(realm, listed, Measurement{image.algo, std::move(resolution.rim)}, image.range);
  }

  void check_untrusted(const ast::Realm& realm, const ast::UntrustedItem& untrusted, Component& component,
                       ComponentSources& sources) {
    std::vector<WindowDraft> windows;
    std::map<std::string, SourceRange> window_names;
    SourceRange first_switch[3];
    SourceRange first_psci;
    static constexpr const char* kSwitchNames[] = {"host_calls", "mmio", "ripas"};

    for (const ast::PathItem& path : untrusted.paths) {
      std::visit(
          Overloaded{
              [&](const ast::WindowItem& item) {
                const auto [it, inserted] = window_names.emplace(item.name.text, item.name.range);
                if (!inserted) {
                  diagnostics_.report(DiagId::kRedefinition, item.name.range, {"window", item.name.text})
                      .note(DiagId::kNotePrevious, it->second, {item.name.text});
                  return;
                }
                WindowDraft draft;
                draft.window.name = item.name.text;
                draft.window.direction = item.direction;
                draft.range = item.range;
                draft.at_range = item.at_range;
                const bool size_ok = check_size(item.size, "window size", schema::kGranule, schema::kMaxWindowBytes);
                draft.window.size = size_ok ? item.size.bytes : schema::kGranule;
                if (item.at) {
                  draft.window.offset = *item.at;
                  draft.placed = true;
                  if (*item.at % schema::kGranule != 0) {
                    diagnostics_.report(DiagId::kWindowMisaligned, item.at_range, {std::string(source_.slice(item.at_range))});
                  } else if (*item.at > schema::kUnprotectedSpan ||
                             draft.window.size > schema::kUnprotectedSpan - *item.at) {
                    diagnostics_.report(DiagId::kWindowBeyondSpace, item.at_range, {item.name.text});
                  }
                }
                windows.push_back(std::move(draft));
              },
              [&](const ast::SwitchItem& item) {
                const auto which = static_cast<size_t>(item.which);
                if (first_switch[which].valid()) {
                  diagnostics_.report(DiagId::kRepeatedPath, item.range, {realm.name.text, kSwitchNames[which]})
                      .note(DiagId::kNotePreviousItem, first_switch[which]);
                  return;
                }
                first_switch[which] = item.range;
                if (item.which == ast::Switch::kHostCalls) component.host_calls = item.allow, sources.host_calls = item.range;
                if (item.which == ast::Switch::kMmio) component.mmio = item.allow, sources.mmio = item.range;
                if (item.which == ast::Switch::kRipas) component.ripas = item.allow, sources.ripas = item.range;
              },
              [&](const ast::PsciItem& item) {
                if (first_psci.valid()) {
                  diagnostics_.report(DiagId::kRepeatedPath, item.range, {realm.name.text, "psci"})
                      .note(DiagId::kNotePreviousItem, first_psci);
                  return;
                }
                first_psci = item.range;
                std::map<std::string, SourceRange> seen;
                for (const ast::Name& function : item.functions) {
                  const auto [it, inserted] = seen.emplace(function.text, function.range);
                  if (!inserted) {
                    diagnostics_.report(DiagId::kDuplicatePsci, function.range, {function.text})
                        .note(DiagId::kNotePreviousItem, it->second);
                  }
                }
                component.psci = item.mask;
                sources.psci = item.range;
              },
          },
          path);
    }
    place_windows(realm, windows);
    std::sort(windows.begin(), windows.end(),
              [](const WindowDraft& a, const WindowDraft& b) { return a.window.name < b.window.name; });
    for (WindowDraft& draft : windows) {
      component.windows.push_back(std::move(draft.window));
      sources.windows.push_back(draft.range);
    }
  }

  // Windows with `at` stay where they are (and must not overlap); the others
  // go, in name order, to the lowest free granule-aligned offset.
  void place_windows(const ast::Realm& realm, std::vector<WindowDraft>& windows) {
    auto overlaps = [](const Window& a, const Window& b) {
      return a.offset < b.offset + b.size && b.offset < a.offset + a.size;
    };
    std::vector<const WindowDraft*> occupied;
    for (const WindowDraft& draft : windows) {
      if (!draft.placed) continue;
      for (const WindowDraft* other : occupied) {
        if (overlaps(draft.window, other->window)) {
          diagnostics_.report(DiagId::kWindowOverlap, draft.range, {draft.window.name, other->window.name, realm.name.text})
              .note(DiagId::kNoteDeclaredHere, other->range, {other->window.name});
        }
      }
      occupied.push_back(&draft);
    }
    std::vector<WindowDraft*> floating;
    for (WindowDraft& draft : windows) {
      if (!draft.placed) floating.push_back(&draft);
    }
    std::sort(floating.begin(), floating.end(),
              [](const WindowDraft* a, const WindowDraft* b) { return a->window.name < b->window.name; });
    for (WindowDraft* draft : floating) {
      std::vector<uint64_t> candidates{0};
      for (const WindowDraft* other : occupied) candidates.push_back(other->window.offset + other->window.size);
      std::sort(candidates.begin(), candidates.end());
      bool fitted = false;
      for (const uint64_t candidate : candidates) {
        draft->window.offset = candidate;
        const bool free = std::none_of(occupied.begin(), occupied.end(),
                                       [&](const WindowDraft* other) { return overlaps(draft->window, other->window); });
        if (free && candidate <= schema::kUnprotectedSpan && draft->window.size <= schema::kUnprotectedSpan - candidate) {
          fitted = true;
          break;
        }
      }
      if (!fitted) diagnostics_.report(DiagId::kWindowBeyondSpace, draft->range, {draft->window.name});
      draft->placed = true;
      occupied.push_back(draft);
    }
  }

  void check_channel(const ast::Channel& declaration) {
    const auto [it, inserted] = channel_names_.emplace(declaration.name.text, declaration.name.range);
    if (!inserted) {
      diagnostics_.report(DiagId::kRedefinition, declaration.name.range, {"channel", declaration.name.text})
          .note(DiagId::kNotePrevious, it->second, {declaration.name.text});
      return;
    }
    bool ok = true;
    const std::optional<uint32_t> writer = resolve(declaration.writer);
    ok &= writer.has_value();
    std::vector<uint32_t> readers;
    std::map<uint32_t, SourceRange> seen;
    for (const ast::Name& name : declaration.readers) {
      const std::optional<uint32_t> reader = resolve(name);
      if (!reader) {
        ok = false;
        continue;
      }
      if (writer && *reader == *writer) {
        diagnostics_.report(DiagId::kChannelToSelf, name.range, {declaration.name.text, name.text})
            .note(DiagId::kNoteDeclaredHere, declaration.writer.range, {name.text});
        ok = false;
        continue;
      }
      const auto [previous, fresh] = seen.emplace(*reader, name.range);
      if (!fresh) {
        diagnostics_.report(DiagId::kDuplicateReader, name.range, {name.text, declaration.name.text})
            .note(DiagId::kNotePreviousItem, previous->second);
        ok = false;
        continue;
      }
      readers.push_back(*reader);
    }
    ok &= check_size(declaration.size, "channel size", schema::kGranule, schema::kMaxChannelBytes);
    if (!ok) return;
    Channel channel;
    channel.name = declaration.name.text;
    channel.size = declaration.size.bytes;
    channel.bidirectional = declaration.bidirectional;
    if (declaration.bidirectional) {
      // Both ends read and write: store the pair in index order.
      channel.writer = std::min(*writer, readers.front());
      channel.readers = {std::max(*writer, readers.front())};
    } else {
      channel.writer = *writer;
      std::sort(readers.begin(), readers.end());
      channel.readers = std::move(readers);
    }
    std::string key = channel.name;
    channels_.emplace(std::move(key), std::make_pair(std::move(channel), declaration.range));
  }

  void check_gate(const ast::Gate& declaration) {
    const std::optional<uint32_t> caller = resolve(declaration.caller);
    const std::optional<uint32_t> callee = resolve(declaration.callee);
    if (!caller || !callee) return;
    if (*caller == *callee) {
      diagnostics_.report(DiagId::kGateToSelf, declaration.range, {declaration.caller.text});
      return;
    }
    const Gate gate{*caller, *callee};
    const auto [it, inserted] = gates_.emplace(gate, declaration.range);
    if (!inserted) {
      diagnostics_.report(DiagId::kDuplicateGate, declaration.range, {declaration.caller.text, declaration.callee.text})
          .note(DiagId::kNotePreviousItem, it->second);
    }
  }

  void check_require(const ast::Require& declaration) {
    bool ok = true;
    const std::optional<uint32_t> from = resolve(declaration.from);
    std::optional<uint32_t> to;
    if (declaration.to) {
      to = resolve(*declaration.to);
      ok &= to.has_value();
    }
    ok &= from.has_value();
    if (from && policy_.components[*from].any_measurement) {
      diagnostics_.report(DiagId::kFromUntrusted, declaration.from.range, {declaration.from.text})
          .note(DiagId::kNoteAny, sources_.components[*from].any, {declaration.from.text});
      ok = false;
    }
    if (from && to && *from == *to) {
      diagnostics_.report(DiagId::kRequirementToSelf, declaration.to->range, {declaration.from.text});
      ok = false;
    }
    std::vector<uint32_t> via;
    std::map<uint32_t, SourceRange> seen;
    for (const ast::Name& name : declaration.via) {
      const std::optional<uint32_t> cut = resolve(name);
      if (!cut) {
        ok = false;
        continue;
      }
      if ((from && *cut == *from) || (to && *cut == *to)) {
        diagnostics_.report(DiagId::kViaIsEndpoint, name.range, {name.text});
        ok = false;
        continue;
      }
      if (policy_.components[*cut].any_measurement) {
        diagnostics_.report(DiagId::kViaUntrusted, name.range, {name.text})
            .note(DiagId::kNoteAny, sources_.components[*cut].any, {name.text});
        ok = false;
        continue;
      }
      const auto [previous, fresh] = seen.emplace(*cut, name.range);
      if (!fresh) {
        diagnostics_.report(DiagId::kDuplicateVia, name.range, {name.text})
            .note(DiagId::kNotePreviousItem, previous->second);
        ok = false;
        continue;
      }
      via.push_back(*cut);
    }
    if (!ok) return;
    std::sort(via.begin(), via.end());
    Requirement requirement{*from, to, std::move(via)};
    for (size_t i = 0; i < policy_.requirements.size(); ++i) {
      if (policy_.requirements[i] == requirement) {
        diagnostics_.report(DiagId::kDuplicateRequirement, declaration.range)
            .note(DiagId::kNotePreviousItem, sources_.requirements[i]);
        return;
      }
    }
    policy_.requirements.push_back(std::move(requirement));
    sources_.requirements.push_back(declaration.range);
  }

  void check_capacities() {
    const SourceRange workflow_at = file_.workflow ? file_.workflow->range : SourceRange{0, 0};
    const std::string workflow = "workflow '" + (file_.workflow ? file_.workflow->text : std::string()) + "'";
    auto limit = [&](SourceRange at, const std::string& owner, size_t count, std::string_view what, size_t maximum) {
      if (count > maximum) {
        diagnostics_.report(DiagId::kMonitorLimit, at,
                            {owner, std::to_string(count), std::string(what), std::to_string(maximum)});
      }
    };
    limit(workflow_at, workflow, policy_.components.size(), "realms", capacity::kMaxComponents);
    limit(workflow_at, workflow, channel_names_.size(), "channels", capacity::kMaxChannels);
    limit(workflow_at, workflow, gates_.size(), "gates", capacity::kMaxGates);
    limit(workflow_at, workflow, policy_.requirements.size(), "requirements", capacity::kMaxRequirements);
    for (size_t i = 0; i < policy_.components.size(); ++i) {
      const Component& component = policy_.components[i];
      const std::string owner = "realm '" + component.name + "'";
      limit(sources_.components[i].name, owner, component.measurements.size(), "measurements", capacity::kMaxMeasurements);
      limit(sources_.components[i].name, owner, component.windows.size(), "windows", capacity::kMaxWindows);
    }
  }

  void canonicalize() {
    for (auto& [name, entry] : channels_) {  // std::map: by name
      policy_.channels.push_back(std::move(entry.first));
      sources_.channels.push_back(entry.second);
    }
    for (const auto& [gate, range] : gates_) {  // std::map: by (caller, callee)
      policy_.gates.push_back(gate);
      sources_.gates.push_back(range);
    }
    std::vector<size_t> order(policy_.requirements.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return requirement_less(policy_.requirements[a], policy_.requirements[b]);
    });
    std::vector<Requirement> requirements;
    std::vector<SourceRange> ranges;
    for (const size_t i : order) {
      requirements.push_back(std::move(policy_.requirements[i]));
      ranges.push_back(sources_.requirements[i]);
    }
    policy_.requirements = std::move(requirements);
    sources_.requirements = std::move(ranges);
  }

  const ast::File& file_;
  const SourceFile& source_;
  const CheckOptions& options_;
  DiagnosticEngine& diagnostics_;
  std::vector<const ast::Realm*> realms_;
  std::map<std::string, uint32_t> index_of_;
  std::map<std::string, SourceRange> channel_names_;
  std::map<std::string, std::pair<Channel, SourceRange>> channels_;
  std::map<Gate, SourceRange> gates_;
  Policy policy_;
  PolicySources sources_;
};

}  // namespace

std::optional<CheckedPolicy> check(const ast::File& file, const SourceFile& source, const CheckOptions& options,
                                   DiagnosticEngine& diagnostics) {
  return Checker(file, source, options, diagnostics).run();
}

}  // namespace mica::policy
