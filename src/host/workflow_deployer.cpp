// The deployer (host/workflow_deployer.h): a whole workflow over RMI.
#include "host/workflow_deployer.h"

#include <algorithm>
#include <cstring>

#include "host/elf_image.h"
#include "host/rim.h"
#include "monitor/abi/mica.h"

namespace mica::host {

namespace {

namespace mabi = monitor::abi;
using mabi::MicaRmiCommand;

std::string status_text(const SmcResult& r) { return RmiStatusWord(r.x[0]).to_string(); }

std::string hex_bytes(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

uint64_t pages_of(uint64_t bytes) { return (bytes + kGranuleSize - 1) / kGranuleSize; }

}  // namespace

std::string_view schedule_end_name(ScheduleEnd end) {
  switch (end) {
    case ScheduleEnd::kDone: return "done";
    case ScheduleEnd::kAllFinished: return "every realm ended";
    case ScheduleEnd::kIdle: return "no realm can run";
    case ScheduleEnd::kBudget: return "REC_ENTER budget spent";
    case ScheduleEnd::kHostError: return "host error";
  }
  return "?";
}

WorkflowDeployment::WorkflowDeployment(RmiClient& rmi, PhysicalMemory& memory, GranuleAllocator& granules,
                                       WorkflowSpec spec, DeployOptions options)
    : rmi_(rmi), memory_(memory), granules_(granules), spec_(std::move(spec)), options_(std::move(options)) {}

Result<std::unique_ptr<WorkflowDeployment>> WorkflowDeployment::deploy(RmiClient& rmi, PhysicalMemory& memory,
                                                                       GranuleAllocator& granules,
                                                                       const WorkflowSpec& spec,
                                                                       const DeployOptions& options) {
  std::unique_ptr<WorkflowDeployment> deployment(new WorkflowDeployment(rmi, memory, granules, spec, options));
  if (auto built = deployment->build(); !built) {
    if (auto down = deployment->teardown(); !down) return Error{built.error() + "; and then " + down.error()};
    return Error{built.error()};
  }
  return deployment;
}

WorkflowDeployment::~WorkflowDeployment() { (void)teardown(); }

void WorkflowDeployment::note(const std::string& line) const {
  if (options_.progress) options_.progress(line);
}

std::optional<uint32_t> WorkflowDeployment::find(std::string_view component) const {
  for (size_t i = 0; i < spec_.components.size(); ++i) {
    if (spec_.components[i].name == component) return static_cast<uint32_t>(i);
  }
  return std::nullopt;
}

Result<PhysAddr> WorkflowDeployment::delegated(std::string_view purpose) {
  const auto pa = granules_.allocate();
  if (!pa) return Error{"out of NS granules for " + std::string(purpose)};
  if (auto r = rmi_.granule_delegate(*pa); !r.ok()) {
    granules_.release(*pa);
    return Error{"RMI_GRANULE_DELEGATE for " + std::string(purpose) + ": " + r.status.to_string()};
  }
  return *pa;
}

Result<bool> WorkflowDeployment::build() {
  if (spec_.components.empty()) return Error{"the workflow has no components"};
  if (spec_.components.size() > 0xFFFF) return Error{"too many components"};
  // Vmms keep references into realms_: it never reallocates after this.
  realms_.reserve(spec_.components.size());
  if (auto r = create_workflow(); !r) return r;
  for (uint32_t i = 0; i < spec_.components.size(); ++i) {
    if (auto r = load_component(i); !r) return r;
  }
  if (auto r = create_channels(); !r) return r;
  for (DeployedRealm& realm : realms_) {
    if (auto r = activate(realm); !r) return r;
  }
  for (DeployedRealm& realm : realms_) {
    if (auto r = start_vmm(realm); !r) return r;
  }
  return true;
}

Result<bool> WorkflowDeployment::create_workflow() {
  namespace wp = mabi::workflow_params;
  const std::vector<uint8_t>& policy = spec_.compiled_policy;
  const uint64_t sources = pages_of(policy.size());
  if (policy.empty() || sources > wp::kMaxSources) {
    return Error{"the compiled policy is " + dec(policy.size()) + " bytes; the monitor takes 1 to " +
                 dec(wp::kMaxSources * kGranuleSize)};
  }
  std::vector<uint8_t> params(kGranuleSize, 0);
  auto put = [&params](uint64_t offset, uint64_t value) { std::memcpy(params.data() + offset, &value, 8); };
  put(wp::kPolicySize, policy.size());
  put(wp::kNumSources, sources);
  put(wp::kNumAux, mabi::kWorkflowAuxCount);
  for (uint64_t i = 0; i < sources; ++i) {
    const auto src = granules_.allocate();
    if (!src) return Error{"out of NS granules for the policy"};
    ns_pages_.push_back(*src);
    const size_t offset = i * kGranuleSize;
    const size_t chunk = std::min<size_t>(kGranuleSize, policy.size() - offset);
    if (!memory_.write(*src, std::span(policy.data() + offset, chunk))) return Error{"writing the policy faulted"};
    put(wp::kSources + 8 * i, src->value());
  }
  for (uint64_t i = 0; i < mabi::kWorkflowAuxCount; ++i) {
    auto aux = delegated("a workflow auxiliary granule");
    if (!aux) return Error{aux.error()};
    workflow_aux_.push_back(*aux);
    put(wp::kAux + 8 * i, aux->value());
  }
  const auto params_pa = granules_.allocate();
  if (!params_pa) return Error{"out of NS granules for the workflow parameters"};
  ns_pages_.push_back(*params_pa);
  if (!memory_.write(*params_pa, params)) return Error{"writing the workflow parameters faulted"};
  auto wf = delegated("the workflow granule");
  if (!wf) return Error{wf.error()};
  workflow_ = *wf;
  const SmcResult r = rmi_.mica(MicaRmiCommand::kWorkflowCreate, {workflow_.value(), params_pa->value()});
  // The policy was copied in: its NS pages go back at once.
  for (PhysAddr page : ns_pages_) granules_.release(page);
  ns_pages_.clear();
  if (r.x[0] != 0) {
    std::string why = "MICA_WORKFLOW_CREATE: " + status_text(r);
    if (r.x[1] != 0) why += " (policy error " + dec(r.x[1]) + " at byte " + dec(r.x[2]) + ")";
    return Error{why};
  }
  workflow_created_ = true;
  note("workflow '" + spec_.name + "' created from " + dec(policy.size()) + " bytes of compiled policy");
  return true;
}

Result<bool> WorkflowDeployment::load_component(uint32_t index) {
  const ComponentSpec& component = spec_.components[index];
  auto image = ElfImage::load(component.image);
  if (!image) return Error{"component '" + component.name + "': " + image.error()};
  RealmConfig config;
  config.ram_size = component.memory_bytes;
  config.num_recs = component.recs;
  config.hash_algo = component.hash_algo;
  auto plan = build_load_plan(*image, config);
  if (!plan) return Error{"component '" + component.name + "': " + plan.error()};
  const Digest rim = compute_rim(*plan).rim;
  // Binding comes before activation: the plan stops short of it.
  if (!plan->steps.empty() && std::holds_alternative<step::RealmActivate>(plan->steps.back())) plan->steps.pop_back();
  LoaderOptions loader;
  loader.vmid = static_cast<uint16_t>(index + 1);
  auto loaded = load_realm(rmi_, memory_, granules_, *plan, loader);
  if (!loaded) return Error{"component '" + component.name + "': " + loaded.error()};
  DeployedRealm& realm = realms_.emplace_back();
  realm.index = index;
  realm.name = component.name;
  realm.config = config;
  realm.realm = std::move(loaded).value();
  realm.rim.assign(rim.bytes().begin(), rim.bytes().end());
  const SmcResult bound =
      rmi_.mica(MicaRmiCommand::kRealmBind, {realm.realm.rd.value(), workflow_.value(), uint64_t{index}});
  if (bound.x[0] != 0) {
    return Error{"MICA_REALM_BIND of '" + component.name + "' to component " + dec(index) + ": " + status_text(bound)};
  }
  realm.bind_generation = bound.x[1];
  note("loaded '" + component.name + "' (" + component.image + "): " + dec(realm.realm.data.size()) +
       " RAM granules, " + dec(component.recs) + " REC(s), RIM " + hash_algo_name(component.hash_algo).data() + ":" +
       hex_bytes(realm.rim).substr(0, 16) + "..., bound (generation " + dec(realm.bind_generation) + ")");
  return true;
}

Result<bool> WorkflowDeployment::ensure_rtts(DeployedRealm& realm, uint64_t ipa) {
  for (int level = 2; level <= 3; ++level) {
    const uint64_t parent_size = rtt_map_size(level - 1);
    const uint64_t aligned = ipa & ~(parent_size - 1);
    const auto entry = rmi_.rtt_read_entry(realm.realm.rd, Ipa(aligned), level - 1);
    if (entry.ok() && entry.out.level == level - 1 && entry.out.state == mabi::RmiRttEntryState::kTable) continue;
    auto rtt = delegated("an RTT");
    if (!rtt) return Error{rtt.error()};
    if (auto created = rmi_.rtt_create(realm.realm.rd, *rtt, Ipa(aligned), level); !created.ok()) {
      (void)rmi_.granule_undelegate(*rtt);
      granules_.release(*rtt);
      return Error{"RMI_RTT_CREATE in '" + realm.name + "' at " + hex(aligned) + " level " + dec(level) + ": " +
                   created.status.to_string()};
    }
    realm.realm.rtts.push_back(LoadedRealm::Rtt{aligned, level, *rtt});
  }
  return true;
}

Result<bool> WorkflowDeployment::map_channel_page(DeployedRealm& realm, uint32_t channel, PhysAddr page, uint64_t ipa,
                                                  bool write) {
  if (auto r = ensure_rtts(realm, ipa); !r) return r;
  const SmcResult mapped = rmi_.mica(MicaRmiCommand::kShareMap,
                                     {realm.realm.rd.value(), page.value(), ipa, write ? mabi::kShareMapWrite : 0});
  if (mapped.x[0] != 0) {
    return Error{"MICA_SHARE_MAP of channel '" + spec_.channels[channel].name + "' at " + hex(ipa) + " into '" +
                 realm.name + "'" + (write ? " writable" : "") + ": " + status_text(mapped)};
  }
  return true;
}

Result<bool> WorkflowDeployment::create_channels() {
  channel_pages_.resize(spec_.channels.size());
  std::vector<uint64_t> next_ipa(realms_.size(), options_.channel_ipa_base);
  for (uint32_t c = 0; c < spec_.channels.size(); ++c) {
    const ChannelSpec& channel = spec_.channels[c];
    const uint64_t pages = pages_of(channel.size);
    for (uint64_t k = 0; k < pages; ++k) {
      auto page = delegated("a channel page");
      if (!page) return Error{page.error()};
      const SmcResult created = rmi_.mica(MicaRmiCommand::kShareCreate, {workflow_.value(), page->value(), c});
      if (created.x[0] != 0) {
        (void)rmi_.granule_undelegate(*page);
        granules_.release(*page);
        return Error{"MICA_SHARE_CREATE of page " + dec(k) + " of channel '" + channel.name + "': " +
                     status_text(created)};
      }
      channel_pages_[c].push_back(*page);
    }
    std::vector<uint32_t> endpoints{channel.writer};
    endpoints.insert(endpoints.end(), channel.readers.begin(), channel.readers.end());
    for (uint32_t endpoint : endpoints) {
      const uint32_t target = options_.misroute_channel ? options_.misroute_channel(c, endpoint) : endpoint;
      if (target >= realms_.size()) return Error{"channel '" + channel.name + "': no component " + dec(target)};
      DeployedRealm& realm = realms_[target];
      const bool write = endpoint == channel.writer || channel.bidirectional;
      const uint64_t base = next_ipa[target];
      for (uint64_t k = 0; k < pages; ++k) {
        if (auto r = map_channel_page(realm, c, channel_pages_[c][k], base + k * kGranuleSize, write); !r) {
          if (target != endpoint) {
            return Error{r.error() + " -- the policy names '" + spec_.components[endpoint].name +
                         "' as this endpoint, not '" + realm.name + "'"};
          }
          return r;
        }
        realm.channels.push_back(DeployedRealm::ChannelMapping{c, base + k * kGranuleSize, write});
      }
      next_ipa[target] = base + pages * kGranuleSize;
    }
    note("channel '" + channel.name + "': " + dec(pages) + " page(s) mapped into " + dec(endpoints.size()) +
         " realm(s)");
  }
  return true;
}

Result<bool> WorkflowDeployment::activate(DeployedRealm& realm) {
  if (auto r = rmi_.realm_activate(realm.realm.rd); !r.ok()) {
    std::string why = "RMI_REALM_ACTIVATE of '" + realm.name + "': " + r.status.to_string();
    if (r.status.status() == mabi::RmiStatus::kErrorRealm) {
      why += " -- the monitor refuses to activate a bound realm whose RIM (" +
             std::string(hash_algo_name(realm.config.hash_algo)) + ":" + hex_bytes(realm.rim) +
             ") is not one the policy allows for component '" + realm.name +
             "', or whose RECs or memory exceed what it declares";
    }
    return Error{why};
  }
  realm.realm.active = true;
  return true;
}

Result<bool> WorkflowDeployment::start_vmm(DeployedRealm& realm) {
  auto vmm = Vmm::create(rmi_, memory_, granules_, realm.realm, realm.config, options_.vmm);
  if (!vmm) return Error{"VMM for '" + realm.name + "': " + vmm.error()};
  realm.vmm = std::move(vmm).value();
  const ComponentSpec& component = spec_.components[realm.index];
  const uint64_t unprotected = realm.vmm->unprotected_base();
  for (const WindowSpec& window : component.windows) {
    DeployedRealm::Window mapped{window, unprotected + window.offset, {}};
    const std::vector<uint8_t> empty;
    for (uint64_t k = 0; k < pages_of(window.size); ++k) {
      auto pa = realm.vmm->map_unprotected_page(mapped.ipa + k * kGranuleSize, empty, !window.in);
      if (!pa) return Error{"window '" + window.name + "' of '" + realm.name + "': " + pa.error()};
      mapped.pages.push_back(*pa);
    }
    realm.windows.push_back(std::move(mapped));
  }
  return true;
}

Result<bool> WorkflowDeployment::write_window(uint32_t component, std::string_view window, uint64_t offset,
                                              std::span<const uint8_t> bytes) {
  if (component >= realms_.size()) return Error{"no component " + dec(component)};
  for (const DeployedRealm::Window& w : realms_[component].windows) {
    if (w.spec.name != window) continue;
    const uint64_t size = w.pages.size() * kGranuleSize;
    if (offset > size || bytes.size() > size - offset) {
      return Error{dec(bytes.size()) + " bytes at " + dec(offset) + " do not fit window '" + std::string(window) +
                   "' of '" + realms_[component].name + "' (" + dec(size) + " bytes)"};
    }
    size_t done = 0;
    while (done < bytes.size()) {
      const uint64_t at = offset + done;
      const size_t n = std::min<size_t>(bytes.size() - done, kGranuleSize - at % kGranuleSize);
      if (!memory_.write(w.pages[at / kGranuleSize].plus(at % kGranuleSize), bytes.subspan(done, n))) {
        return Error{"writing window '" + std::string(window) + "' faulted"};
      }
      done += n;
    }
    return true;
  }
  return Error{"'" + realms_[component].name + "' has no window '" + std::string(window) + "'"};
}

Result<std::vector<uint8_t>> WorkflowDeployment::read_window(uint32_t component, std::string_view window,
                                                             uint64_t offset, uint64_t size) {
  if (component >= realms_.size()) return Error{"no component " + dec(component)};
  for (const DeployedRealm::Window& w : realms_[component].windows) {
    if (w.spec.name != window) continue;
    const uint64_t total = w.pages.size() * kGranuleSize;
    if (offset > total || size > total - offset) {
      return Error{dec(size) + " bytes at " + dec(offset) + " are beyond window '" + std::string(window) + "'"};
    }
    std::vector<uint8_t> bytes(size);
    size_t done = 0;
    while (done < size) {
      const uint64_t at = offset + done;
      const size_t n = std::min<size_t>(size - done, kGranuleSize - at % kGranuleSize);
      if (!memory_.read(w.pages[at / kGranuleSize].plus(at % kGranuleSize), std::span(bytes.data() + done, n))) {
        return Error{"reading window '" + std::string(window) + "' faulted"};
      }
      done += n;
    }
    return bytes;
  }
  return Error{"'" + realms_[component].name + "' has no window '" + std::string(window) + "'"};
}

ScheduleResult WorkflowDeployment::run_until(const std::function<bool()>& done, uint64_t max_rec_enters) {
  ScheduleResult result;
  size_t next = 0;
  for (;;) {
    if (done()) return result;
    bool any_live = false;
    bool any_entered = false;
    // One round: every live realm gets one REC_ENTER.
    for (size_t n = 0; n < realms_.size(); ++n) {
      DeployedRealm& realm = realms_[(next + n) % realms_.size()];
      if (realm.finished()) continue;
      any_live = true;
      if (result.rec_enters >= max_rec_enters) {
        result.end = ScheduleEnd::kBudget;
        result.detail = dec(result.rec_enters) + " REC_ENTER calls";
        return result;
      }
      const StepResult step = realm.vmm->step();
      if (step == StepResult::kEntered) {
        any_entered = true;
        ++result.rec_enters;
      } else if (step == StepResult::kEnded) {
        if (realm.vmm->report().end == RunEnd::kHostError) {
          result.end = ScheduleEnd::kHostError;
          result.detail = "'" + realm.name + "': " + realm.vmm->report().end_detail;
          return result;
        }
        // The REC_ENTER that ended the realm (SYSTEM_OFF) is progress too:
        // without it a round in which the last realms end reads as "idle".
        any_entered = true;
        ++result.rec_enters;
      }
      if (done()) return result;
    }
    next = (next + 1) % realms_.size();
    if (!any_live) {
      result.end = ScheduleEnd::kAllFinished;
      return result;
    }
    if (!any_entered) {
      result.end = ScheduleEnd::kIdle;
      return result;
    }
  }
}

std::vector<PhysAddr> WorkflowDeployment::ns_granules() const {
  std::vector<PhysAddr> out;
  for (const DeployedRealm& realm : realms_) {
    for (const DeployedRealm::Window& w : realm.windows) out.insert(out.end(), w.pages.begin(), w.pages.end());
    if (realm.vmm) {
      for (size_t i = 0; i < realm.realm.recs.size(); ++i) out.push_back(realm.vmm->rec_run_granule(static_cast<uint32_t>(i)));
    }
  }
  return out;
}

Result<bool> WorkflowDeployment::teardown() {
  if (torn_down_) return true;
  torn_down_ = true;
  std::string problems;
  auto problem = [&problems](const std::string& what) {
    if (!problems.empty()) problems += "; ";
    problems += what;
  };
  for (DeployedRealm& realm : realms_) {
    if (!realm.vmm) continue;
    if (auto r = realm.vmm->detach(); !r) problem("'" + realm.name + "': " + r.error());
    realm.vmm.reset();
  }
  for (DeployedRealm& realm : realms_) {
    for (const DeployedRealm::ChannelMapping& m : realm.channels) {
      const SmcResult r = rmi_.mica(MicaRmiCommand::kShareUnmap, {realm.realm.rd.value(), m.base_ipa});
      if (r.x[0] != 0) problem("MICA_SHARE_UNMAP in '" + realm.name + "' at " + hex(m.base_ipa) + ": " + status_text(r));
    }
    realm.channels.clear();
    if (auto r = destroy_realm(rmi_, granules_, realm.realm); !r) problem("'" + realm.name + "': " + r.error());
  }
  realms_.clear();
  for (auto& pages : channel_pages_) {
    for (auto it = pages.rbegin(); it != pages.rend(); ++it) {
      const SmcResult r = rmi_.mica(MicaRmiCommand::kShareDestroy, {it->value()});
      if (r.x[0] != 0) {
        problem("MICA_SHARE_DESTROY of " + hex(it->value()) + ": " + status_text(r));
        continue;
      }
      if (auto u = rmi_.granule_undelegate(*it); u.ok()) granules_.release(*it);
    }
  }
  channel_pages_.clear();
  if (workflow_created_) {
    const SmcResult r = rmi_.mica(MicaRmiCommand::kWorkflowDestroy, {workflow_.value()});
    if (r.x[0] != 0) {
      problem("MICA_WORKFLOW_DESTROY: " + status_text(r));
    } else {
      workflow_created_ = false;
    }
  }
  if (!workflow_created_) {
    for (PhysAddr aux : workflow_aux_) {
      if (rmi_.granule_undelegate(aux).ok()) granules_.release(aux);
    }
    workflow_aux_.clear();
    if (workflow_.value() != 0 && rmi_.granule_undelegate(workflow_).ok()) granules_.release(workflow_);
  }
  for (PhysAddr page : ns_pages_) granules_.release(page);
  ns_pages_.clear();
  if (!problems.empty()) return Error{"teardown: " + problems};
  return true;
}

}  // namespace mica::host
