// The deployer: the untrusted host building a whole Mica workflow on one
// machine from a compiled policy and one realm image per component.
//
// It does what a cloud VMM does for a pipeline of realms: MICA_WORKFLOW_CREATE
// from the compiled policy; per component, the deterministic load plan of its
// image (RAM = the component's memory, its REC count) stopping short of
// activation, MICA_REALM_BIND; per channel, MICA_SHARE_CREATE of its pages
// and MICA_SHARE_MAP into every endpoint (writable for the writer); then
// REALM_ACTIVATE of every realm (which the monitor refuses unless the RIM is
// one the policy allows), a VMM per realm, and the realm's windows as NS
// pages in its unprotected IPA space. run_until() schedules the realms round
// robin, one REC_ENTER at a time, until a condition holds. The destructor
// (or teardown()) takes everything down and gives every granule back.
//
// Like every part of the host it is untrusted: the monitor checks everything
// it does. DeployOptions lets tests make it lie (map a channel into a realm
// that is not an endpoint) to show the monitor refuse.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "host/load_plan.h"
#include "host/realm_loader.h"
#include "host/result.h"
#include "host/rmi_client.h"
#include "host/vmm.h"

namespace mica::host {

struct WindowSpec {
  std::string name;
  bool in = true;       // host -> realm (mapped read-only by the monitor); else out
  uint64_t offset = 0;  // from the base of the unprotected IPA half
  uint64_t size = 0;
};

struct ComponentSpec {
  std::string name;
  std::string image;  // ELF file
  uint64_t memory_bytes = 0;
  uint32_t recs = 1;
  HashAlgo hash_algo = HashAlgo::kSha256;  // the RIM algorithm its measurements use
  std::vector<WindowSpec> windows;
  bool host_calls = false;
};

struct ChannelSpec {
  std::string name;
  uint32_t writer = 0;
  std::vector<uint32_t> readers;
  uint64_t size = 0;
  bool bidirectional = false;
};

// Everything the host needs: the compiled policy (what the monitor gets)
// and the same structure in a form the host can act on.
struct WorkflowSpec {
  std::string name;
  std::vector<uint8_t> compiled_policy;
  std::vector<ComponentSpec> components;  // in policy order (component index)
  std::vector<ChannelSpec> channels;      // in policy order (channel index)
};

struct DeployOptions {
  VmmOptions vmm;
  // Where channels start in every realm's protected IPA space.
  uint64_t channel_ipa_base = 0x8000'0000;
  // A lying host: the component a channel page is mapped into instead of
  // `endpoint` (return `endpoint` to tell the truth).
  std::function<uint32_t(uint32_t channel, uint32_t endpoint)> misroute_channel;
  // Progress for people: one line per step ("load ingest: 1,027 granules").
  std::function<void(const std::string&)> progress;
};

// A deployed component.
struct DeployedRealm {
  uint32_t index = 0;
  std::string name;
  RealmConfig config;
  LoadedRealm realm;
  std::vector<uint8_t> rim;  // what the load plan gives: the monitor's RIM
  uint64_t bind_generation = 0;
  std::unique_ptr<Vmm> vmm;
  struct Window {
    WindowSpec spec;
    uint64_t ipa = 0;
    std::vector<PhysAddr> pages;  // NS granules, in IPA order
  };
  std::vector<Window> windows;
  struct ChannelMapping {
    uint32_t channel = 0;
    uint64_t base_ipa = 0;
    bool writable = false;
  };
  std::vector<ChannelMapping> channels;
  bool finished() const { return vmm == nullptr || vmm->finished(); }
};

// Why run_until() returned.
enum class ScheduleEnd : uint8_t {
  kDone,         // the condition holds
  kAllFinished,  // every realm ended (SYSTEM_OFF) before the condition held
  kIdle,         // no realm has a runnable REC
  kBudget,       // the REC_ENTER budget was spent
  kHostError,    // a VMM failed
};
std::string_view schedule_end_name(ScheduleEnd end);

struct ScheduleResult {
  ScheduleEnd end = ScheduleEnd::kDone;
  uint64_t rec_enters = 0;
  std::string detail;
};

class WorkflowDeployment {
 public:
  // On failure everything built so far is taken down again and the error
  // names the step, the component or channel, and the monitor's answer.
  static Result<std::unique_ptr<WorkflowDeployment>> deploy(RmiClient& rmi, PhysicalMemory& memory,
                                                            GranuleAllocator& granules, const WorkflowSpec& spec,
                                                            const DeployOptions& options = {});
  ~WorkflowDeployment();
  WorkflowDeployment(const WorkflowDeployment&) = delete;
  WorkflowDeployment& operator=(const WorkflowDeployment&) = delete;

  const WorkflowSpec& spec() const { return spec_; }
  PhysAddr workflow() const { return workflow_; }
  std::vector<DeployedRealm>& realms() { return realms_; }
  const std::vector<DeployedRealm>& realms() const { return realms_; }
  std::optional<uint32_t> find(std::string_view component) const;

  // The host's side of a window: NS memory it reads and writes.
  Result<bool> write_window(uint32_t component, std::string_view window, uint64_t offset,
                            std::span<const uint8_t> bytes);
  Result<std::vector<uint8_t>> read_window(uint32_t component, std::string_view window, uint64_t offset,
                                           uint64_t size);

  // Enters RECs of all realms round robin until `done()` holds, every
  // realm ended, nothing is runnable, `max_rec_enters` entries were made
  // or a VMM failed.
  ScheduleResult run_until(const std::function<bool()>& done, uint64_t max_rec_enters);

  // Every NS granule the deployment handed to the machine (windows, RecRun
  // pages, the workflow parameters): what a host could leak from.
  std::vector<PhysAddr> ns_granules() const;

  // Takes everything down (VMMs detached, shares unmapped, realms, channel
  // pages and the workflow destroyed, granules undelegated and released).
  Result<bool> teardown();

 private:
  WorkflowDeployment(RmiClient& rmi, PhysicalMemory& memory, GranuleAllocator& granules, WorkflowSpec spec,
                     DeployOptions options);
  Result<bool> build();
  Result<PhysAddr> delegated(std::string_view purpose);
  Result<bool> create_workflow();
  Result<bool> load_component(uint32_t index);
  Result<bool> create_channels();
  Result<bool> map_channel_page(DeployedRealm& realm, uint32_t channel, PhysAddr page, uint64_t ipa, bool write);
  Result<bool> ensure_rtts(DeployedRealm& realm, uint64_t ipa);
  Result<bool> activate(DeployedRealm& realm);
  Result<bool> start_vmm(DeployedRealm& realm);
  void note(const std::string& line) const;

  RmiClient& rmi_;
  PhysicalMemory& memory_;
  GranuleAllocator& granules_;
  WorkflowSpec spec_;
  DeployOptions options_;
  PhysAddr workflow_;
  bool workflow_created_ = false;
  std::vector<PhysAddr> workflow_aux_;
  std::vector<PhysAddr> ns_pages_;         // params and policy sources while creating
  std::vector<std::vector<PhysAddr>> channel_pages_;  // per channel, page order
  std::vector<DeployedRealm> realms_;
  size_t next_realm_ = 0;
  bool torn_down_ = false;
};

}  // namespace mica::host
