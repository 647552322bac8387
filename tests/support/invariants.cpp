#include "invariants.h"

#include <cstring>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>
#include <vector>

#include "monitor_debug/view.h"

namespace mica::monitor::testing {

namespace {

using debug::Entry;
using debug::EntryKind;
using debug::MonitorView;

constexpr size_t kMaxReported = 64;

std::string hex(uint64_t value) {
  std::ostringstream out;
  out << "0x" << std::hex << value;
  return out.str();
}

// Where an RTT entry is, for messages (formatted only when one is needed).
struct Where {
  uint64_t rd;
  uint64_t ipa;
  int level;
  EntryKind kind;
};
std::ostream& operator<<(std::ostream& out, const Where& w) {
  return out << "realm " << hex(w.rd) << " IPA " << hex(w.ipa) << " (level " << w.level << ", "
             << debug::entry_kind_name(w.kind) << ")";
}

// One check: the view, what it found so far, and the violations.
class Check {
 public:
  Check(const Monitor& monitor, const platform::Gpt& gpt, std::map<uint64_t, std::vector<uint8_t>>& rims,
        const std::vector<PhysAddr>& running, std::vector<uint64_t> (&owners)[3], std::vector<uint16_t>& mappings)
      : view_(monitor), gpt_(gpt), rims_(rims), rtt_owner_(owners[0]), data_owner_(owners[1]), aux_owner_(owners[2]),
        share_mappings_(mappings) {
    for (const PhysAddr rec : running) running_.insert(rec.value());
  }

  std::vector<std::string> run() {
    const size_t count = view_.granule_count();
    rtt_owner_.assign(count, 0);
    data_owner_.assign(count, 0);
    aux_owner_.assign(count, 0);
    share_mappings_.assign(count, 0);
    granules();
    workflows();
    realms();
    recs();
    owners();
    shares();
    vmids();
    return std::move(violations_);
  }

 private:
  template <class... Parts>
  void fail(const Parts&... parts) {
    if (violations_.size() >= kMaxReported) return;
    std::ostringstream out;
    (out << ... << parts);
    violations_.push_back(out.str());
  }

  debug::GranuleRecord granule(PhysAddr pa) const { return view_.granule(pa); }
  bool is(PhysAddr pa, GranuleState state) const { return view_.tracks(pa) && granule(pa).state == state; }

  // --- Every granule: GPT, locks, zeroes, reference counts of non-objects. ---
  void granules() {
    if (!view_.mica_locks_free()) fail("a Mica spin lock (scratch or slots) is held at a quiescent point");
    for (uint64_t i = 0; i < view_.granule_count(); ++i) {
      const PhysAddr pa = view_.granule_address(i);
      const debug::GranuleRecord g = granule(pa);
      if (static_cast<unsigned>(g.state) > static_cast<unsigned>(GranuleState::kWorkflowAux)) {
        fail("granule ", hex(pa.value()), " has no valid state (", static_cast<unsigned>(g.state), ")");
        continue;
      }
      if (g.state != GranuleState::kUndelegated) by_state_[static_cast<unsigned>(g.state)].push_back(pa);
      if (g.locked) fail("granule ", hex(pa.value()), " (", granule_state_name(g.state), ") is locked at a quiescent point");
      const platform::Pas pas = gpt_.pas(pa);
      // The monitor owns exactly the granules in the Realm PAS (a granule it
      // does not own may be NS, or Secure or Root if the platform says so).
      const bool ns = g.state == GranuleState::kUndelegated;
      if (ns == (pas == platform::Pas::kRealm)) {
        fail("GPT: granule ", hex(pa.value()), " is ", granule_state_name(g.state), " but its PAS is ",
             platform::pas_name(pas));
      }
      if ((ns || g.state == GranuleState::kDelegated) && g.refcount != 0) {
        fail("granule ", hex(pa.value()), " is ", granule_state_name(g.state), " with reference count ", g.refcount);
      }
      if (g.state == GranuleState::kDelegated) {
        static const uint8_t kZero[kGranuleSize] = {};
        if (std::memcmp(view_.bytes(pa), kZero, kGranuleSize) != 0) {
          fail("DELEGATED granule ", hex(pa.value()), " is not zero");
        }
      }
    }
  }

  const std::vector<PhysAddr>& all(GranuleState state) const { return by_state_[static_cast<unsigned>(state)]; }

  // Index of a tracked granule (callers check tracks() or the state first).
  size_t index(PhysAddr pa) const { return static_cast<size_t>((pa.value() - view_.dram_base().value()) >> kGranuleShift); }

  // Claims the tracked granule `pa` for `owner`; a second claim is a violation.
  void own(std::vector<uint64_t>& owners, PhysAddr pa, uint64_t owner, const char* what) {
    if (!view_.tracks(pa)) return;
    uint64_t& slot = owners[index(pa)];
    if (slot != 0) fail(what, " ", hex(pa.value()), " belongs to both ", hex(slot), " and ", hex(owner));
    slot = owner;
  }
  bool owned(const std::vector<uint64_t>& owners, PhysAddr pa) const {
    return view_.tracks(pa) && owners[index(pa)] != 0;
  }

  // --- Workflows, their aux granules and the slot table. ---
  void workflows() {
    for (const PhysAddr wf_pa : all(GranuleState::kWorkflow)) {
      ext::WorkflowDescriptor wf;
      if (!view_.workflow(wf_pa, wf)) continue;
      if (wf.slot == 0 || wf.slot > abi::kMaxWorkflows || view_.workflow_slot(wf.slot) != wf_pa.value()) {
        fail("workflow ", hex(wf_pa.value()), " claims slot ", unsigned{wf.slot}, " which holds ",
             hex(view_.workflow_slot(wf.slot)));
      }
      for (uint64_t i = 0; i < abi::kWorkflowAuxCount; ++i) {
        if (!is(wf.aux[i], GranuleState::kWorkflowAux)) {
          fail("workflow ", hex(wf_pa.value()), " aux ", i, " ", hex(wf.aux[i].value()), " is not WORKFLOW_AUX");
        }
        own(aux_owner_, wf.aux[i], wf_pa.value(), "WORKFLOW_AUX");
      }
      std::unique_ptr<policy::Policy> p = view_.workflow_policy(wf_pa);
      if (!p) continue;
      if (p->component_count != wf.component_count || p->channel_count != wf.channel_count ||
          p->gate_count != wf.gate_count || wf.component_count == 0 ||
          wf.component_count > policy::kMaxComponents || wf.channel_count > policy::kMaxChannels) {
        fail("workflow ", hex(wf_pa.value()), ": counts disagree with its stored policy");
        continue;
      }
      for (uint32_t c = 0; c < policy::kMaxChannels; ++c) {
        const uint64_t limit = c < wf.channel_count ? p->channels[c].size / kGranuleSize : 0;
        if (wf.channel_pages[c] > limit) {
          fail("workflow ", hex(wf_pa.value()), " channel ", c, " has ", wf.channel_pages[c], " pages, more than ", limit);
        }
      }
      wf_by_slot_[wf.slot] = wf_pa.value();
      policies_[wf_pa.value()] = std::move(p);
      workflows_[wf_pa.value()] = wf;
    }
    for (unsigned s = 1; s <= abi::kMaxWorkflows; ++s) {
      const uint64_t v = view_.workflow_slot(static_cast<uint8_t>(s));
      if (v == 0) continue;
      if (!PhysAddr(v).is_granule_aligned()) {
        fail("workflow slot ", s, " is reserved (", hex(v), ") at a quiescent point");
      } else if (wf_by_slot_.count(s) == 0 || wf_by_slot_[s] != v) {
        fail("workflow slot ", s, " names ", hex(v), ", which is not a WORKFLOW of that slot");
      }
    }
  }

  const policy::Policy* policy_of(PhysAddr wf) const {
    const auto it = policies_.find(wf.value());
    return it == policies_.end() ? nullptr : it->second.get();
  }

  // --- Realms: their RTTs, mappings, counters, binding and RIM. ---
  struct RealmWalk {
    PhysAddr rd_pa;
    const RealmDescriptor* rd;
    const policy::Policy* policy;  // bound realms: the workflow's policy
    uint64_t data = 0;
    uint32_t channel_pages[policy::kMaxChannels] = {};
    std::set<uint64_t> shares;
  };

  void realms() {
    std::map<uint16_t, uint64_t> vmids;
    for (const PhysAddr rd_pa : all(GranuleState::kRd)) {
      RealmDescriptor rd;
      if (!view_.realm(rd_pa, rd)) continue;
      const std::string name = "realm " + hex(rd_pa.value());
      if (static_cast<unsigned>(rd.state) > static_cast<unsigned>(RealmState::kSystemOff) ||
          static_cast<unsigned>(rd.hash_algo) > 1) {
        fail(name, ": state or hash algorithm out of range");
        continue;
      }
      const auto [vmid, fresh] = vmids.emplace(rd.vmid, rd_pa.value());
      if (!fresh) fail(name, " and realm ", hex(vmid->second), " share VMID ", rd.vmid);
      realm_vmids_.insert(rd.vmid);
      if (rd.num_root_rtts == 0 || rd.num_root_rtts > abi::kRttMaxRootTables || rd.s2sz < 16 || rd.s2sz > 52 ||
          rd.start_level < -1 || rd.start_level > abi::kRttPageLevel) {
        fail(name, ": stage-2 geometry out of range");
        continue;
      }
      RealmWalk walk{rd_pa, &rd, nullptr, 0, {}, {}};
      if (rd.mica.bound) binding(walk);
      walk_rtts(walk);
      if (walk.data != rd.mica.data_granules) {
        fail(name, " maps ", walk.data, " DATA granules but counts ", rd.mica.data_granules);
      }
      if (rd.mica.bound) {
        for (uint32_t c = 0; c < policy::kMaxChannels; ++c) {
          const ext::ChannelMapping& m = rd.mica.channels[c];
          if (m.mapped_pages != walk.channel_pages[c]) {
            fail(name, " channel ", c, ": ", walk.channel_pages[c], " pages mapped, ", m.mapped_pages, " counted");
          }
          if (m.mapped_pages == 0 && m.base_ipa != 0) fail(name, " channel ", c, " keeps a base with no page mapped");
        }
      }
      rim(rd_pa, rd);
      realm_refs_[rd_pa.value()] = 0;
      realms_[rd_pa.value()] = rd;
    }
    // RIMs of realms that are gone are forgotten: their RDs may be reused.
    for (auto it = rims_.begin(); it != rims_.end();) {
      it = realms_.count(it->first) == 0 ? rims_.erase(it) : std::next(it);
    }
  }

  // The RIM of a realm seen ACTIVE (or later SYSTEM_OFF) never changes again.
  void rim(PhysAddr rd_pa, const RealmDescriptor& rd) {
    if (rd.state == RealmState::kNew) {
      rims_.erase(rd_pa.value());
      return;
    }
    std::vector<uint8_t> now(rd.rim(), rd.rim() + hash_size(rd.hash_algo));
    now.push_back(static_cast<uint8_t>(rd.hash_algo));
    const auto [it, fresh] = rims_.emplace(rd_pa.value(), now);
    if (!fresh && it->second != now) fail("realm ", hex(rd_pa.value()), ": the RIM of an active realm changed");
  }

  void binding(RealmWalk& walk) {
    const RealmDescriptor& rd = *walk.rd;
    const std::string name = "realm " + hex(walk.rd_pa.value());
    const auto wf_it = workflows_.find(rd.mica.workflow.value());
    if (wf_it == workflows_.end()) {
      fail(name, " is bound to ", hex(rd.mica.workflow.value()), ", which is not a WORKFLOW");
      return;
    }
    const ext::WorkflowDescriptor& wf = wf_it->second;
    walk.policy = policy_of(rd.mica.workflow);
    if (wf.slot != rd.mica.workflow_slot) fail(name, ": workflow slot ", unsigned{rd.mica.workflow_slot}, " is not its workflow's");
    if (rd.mica.component >= wf.component_count || walk.policy == nullptr) {
      fail(name, ": component ", rd.mica.component, " out of range");
      walk.policy = nullptr;
      return;
    }
    const ext::ComponentSlot& slot = wf.components[rd.mica.component];
    if (slot.rd != walk.rd_pa || slot.bind_generation != rd.mica.bind_generation) {
      fail(name, ": its workflow's slot for component ", rd.mica.component, " names ", hex(slot.rd.value()),
           " generation ", slot.bind_generation, ", the realm says generation ", rd.mica.bind_generation);
    }
    bound_to_[rd.mica.workflow.value()] += 1;
    const policy::Component& declared = walk.policy->components[rd.mica.component];
    const ext::ComponentPaths& paths = rd.mica.paths;
    bool same = paths.memory_bytes == declared.memory_bytes && paths.max_recs == declared.max_recs &&
                paths.host_calls == declared.host_calls && paths.mmio == declared.mmio &&
                paths.ripas_change == declared.ripas_change && paths.psci == declared.psci &&
                paths.window_count == declared.window_count;
    for (uint32_t i = 0; same && i < paths.window_count && i < policy::kMaxWindows; ++i) {
      same = paths.windows[i].offset == declared.windows[i].offset && paths.windows[i].size == declared.windows[i].size &&
             paths.windows[i].direction == declared.windows[i].direction;
    }
    if (!same) fail(name, ": the paths copied at bind differ from component ", rd.mica.component, "'s");
    if (rd.state != RealmState::kNew) {
      if (!declared.allows_measurement(rd.hash_algo, rd.rim())) fail(name, " is active with a RIM its component does not allow");
      if (rd.rec_count > declared.max_recs) fail(name, " is active with more RECs than its component allows");
      if (rd.mica.data_granules > declared.memory_bytes / kGranuleSize) {
        fail(name, " is active with more memory than its component allows");
      }
    }
  }

  void walk_rtts(RealmWalk& walk) {
    const RealmDescriptor& rd = *walk.rd;
    struct Table {
      PhysAddr pa;
      int level;
      uint64_t base;
    };
    std::vector<Table> pending;
    const uint64_t root_span = abi::kRttEntriesPerTable * abi::rtt_map_size(rd.start_level);
    for (unsigned i = 0; i < rd.num_root_rtts; ++i) {
      const PhysAddr root = rd.rtt_base.plus(uint64_t{i} * kGranuleSize);
      if (!is(root, GranuleState::kRtt)) {
        fail("realm ", hex(walk.rd_pa.value()), " root RTT ", hex(root.value()), " is not an RTT");
        continue;
      }
      own(rtt_owner_, root, walk.rd_pa.value(), "RTT");
      pending.push_back(Table{root, rd.start_level, i * root_span});
    }
    // Every RTT is visited once (ownership is claimed before it is queued).
    while (!pending.empty()) {
      const Table t = pending.back();
      pending.pop_back();
      uint32_t references = 0;
      const uint64_t step = abi::rtt_map_size(t.level);
      for (unsigned index = 0; index < abi::kRttEntriesPerTable; ++index) {
        uint64_t raw = 0;
        if (!view_.rtt_entry(t.pa, index, raw)) break;
        const uint64_t ipa = t.base + index * step;
        if (ipa >= rd.ipa_size()) {
          if (raw != 0) fail("RTT ", hex(t.pa.value()), " has an entry beyond the IPA space at ", hex(ipa));
          continue;
        }
        const Entry e = debug::decode_entry(raw, t.level);
        if (e.kind == EntryKind::kTable) {
          ++references;
          if (!is(e.pa, GranuleState::kRtt)) {
            fail("RTT ", hex(t.pa.value()), " entry ", index, " points at ", hex(e.pa.value()), ", not an RTT");
          } else if (owned(rtt_owner_, e.pa)) {
            fail("RTT ", hex(e.pa.value()), " is reachable twice");
          } else {
            own(rtt_owner_, e.pa, walk.rd_pa.value(), "RTT");
            pending.push_back(Table{e.pa, t.level + 1, ipa});
          }
          continue;
        }
        if (debug::is_assigned_protected(e.kind) || e.kind == EntryKind::kAssignedShared) ++references;
        entry(walk, t.pa, t.level, ipa, e);
      }
      const uint16_t counted = granule(t.pa).refcount;
      if (counted != references) {
        fail("RTT ", hex(t.pa.value()), " (level ", t.level, ") has ", references, " live entries, reference count ", counted);
      }
    }
  }

  void entry(RealmWalk& walk, PhysAddr table, int level, uint64_t ipa, const Entry& e) {
    const RealmDescriptor& rd = *walk.rd;
    const bool in_par = rd.in_par(Ipa(ipa));
    const Where where{walk.rd_pa.value(), ipa, level, e.kind};
    switch (e.kind) {
      case EntryKind::kMalformed:
        fail(where, ": malformed entry ", hex(e.raw), " in RTT ", hex(table.value()));
        return;
      case EntryKind::kUnassignedEmpty:
      case EntryKind::kUnassignedRam:
      case EntryKind::kUnassignedDestroyed:
        if (!in_par) fail(where, ": a protected entry outside the PAR");
        return;
      case EntryKind::kUnassignedNs:
        if (in_par) fail(where, ": an unprotected entry inside the PAR");
        return;
      case EntryKind::kTable:
        return;
      case EntryKind::kAssignedEmpty:
      case EntryKind::kAssignedRam:
      case EntryKind::kAssignedDestroyed: {
        if (!in_par) fail(where, ": a protected entry outside the PAR");
        if (level < abi::kRttMinBlockLevel) fail(where, ": an assigned entry above level 1");
        const uint64_t granules = abi::rtt_map_size(level) / kGranuleSize;
        for (uint64_t k = 0; k < granules; ++k) {
          const PhysAddr data = e.pa.plus(k * kGranuleSize);
          if (!is(data, GranuleState::kData)) {
            fail(where, ": maps ", hex(data.value()), ", which is not DATA");
            return;
          }
          uint64_t& owner = data_owner_[index(data)];
          if (owner != 0) {
            fail("DATA granule ", hex(data.value()), " is mapped twice (realms ", hex(owner), " and ",
                 hex(walk.rd_pa.value()), ")");
          }
          owner = walk.rd_pa.value();
        }
        walk.data += granules;
        return;
      }
      case EntryKind::kAssignedNs:
        if (in_par) fail(where, ": an unprotected entry inside the PAR");
        if (rd.mica.bound) window(walk, ipa, level, e, where);
        return;
      case EntryKind::kAssignedShared:
        shared(walk, ipa, e, where);
        return;
    }
  }

  // Every byte of the mapping lies in some window of the component (RTT_FOLD
  // may join pages of adjacent windows into one block), and a writable
  // mapping has no byte in an `in` window.
  void window(const RealmWalk& walk, uint64_t ipa, int level, const Entry& e, const Where& where) {
    const ext::ComponentPaths& paths = walk.rd->mica.paths;
    const uint64_t offset = ipa - walk.rd->ipa_size() / 2;
    const uint64_t end = offset + abi::rtt_map_size(level);
    uint64_t at = offset;
    // Each step moves `at` to the end of a window: at most window_count steps.
    for (uint32_t step = 0; step <= policy::kMaxWindows && at < end; ++step) {
      const policy::Window* covering = nullptr;
      for (uint32_t i = 0; i < paths.window_count && i < policy::kMaxWindows; ++i) {
        if (paths.windows[i].contains(at, 1)) covering = &paths.windows[i];
      }
      if (covering == nullptr) {
        fail(where, ": an unprotected mapping outside every window of its component (offset ", hex(at), ")");
        return;
      }
      if (covering->direction == policy::WindowDirection::kIn && e.writable) {
        fail(where, ": writable inside an `in` window");
      }
      at = covering->offset + covering->size;
    }
  }

  void shared(RealmWalk& walk, uint64_t ipa, const Entry& e, const Where& where) {
    const RealmDescriptor& rd = *walk.rd;
    if (!rd.in_par(Ipa(ipa))) fail(where, ": outside the PAR");
    if (e.executable) fail(where, ": a channel page mapped executable");
    if (!is(e.pa, GranuleState::kShared)) {
      fail(where, ": maps ", hex(e.pa.value()), ", which is not SHARED");
      return;
    }
    share_mappings_[index(e.pa)] += 1;
    if (!walk.shares.insert(e.pa.value()).second) fail(where, ": SHARED ", hex(e.pa.value()), " mapped twice in one realm");
    if (!rd.mica.bound || walk.policy == nullptr) {
      fail(where, ": a channel page in a realm that is not bound");
      return;
    }
    ext::ShareTag tag{};
    if (!view_.share_tag(e.pa, tag)) return;
    if (tag.workflow_slot != rd.mica.workflow_slot || view_.workflow_slot(tag.workflow_slot) != rd.mica.workflow.value()) {
      fail(where, ": a page of workflow slot ", unsigned{tag.workflow_slot}, " in a realm of slot ",
           unsigned{rd.mica.workflow_slot});
      return;
    }
    if (tag.channel >= walk.policy->channel_count) {
      fail(where, ": channel ", unsigned{tag.channel}, " out of range");
      return;
    }
    const policy::Channel& channel = walk.policy->channels[tag.channel];
    if (!channel.is_endpoint(rd.mica.component)) fail(where, ": component ", rd.mica.component, " is no endpoint of channel ", unsigned{tag.channel});
    if (e.writable && !channel.can_write(rd.mica.component)) fail(where, ": writable for a reader");
    const uint64_t place = rd.mica.channels[tag.channel].base_ipa + uint64_t{tag.page} * kGranuleSize;
    if (ipa != place) fail(where, ": page ", tag.page, " of channel ", unsigned{tag.channel}, " belongs at ", hex(place));
    walk.channel_pages[tag.channel] += 1;
  }

  // --- RECs. ---
  void recs() {
    std::set<std::pair<uint64_t, uint64_t>> indices;
    for (const PhysAddr rec_pa : all(GranuleState::kRec)) {
      RecState rec;
      if (!view_.rec(rec_pa, rec)) continue;
      const std::string name = "REC " + hex(rec_pa.value());
      const uint16_t expected_refs = running_.count(rec_pa.value()) != 0 ? 1 : 0;
      if (granule(rec_pa).refcount != expected_refs) {
        fail(name, expected_refs == 0 ? " is running at a quiescent point" : " should be running but is not");
      }
      const auto rd = realms_.find(rec.rd.value());
      if (rd == realms_.end()) {
        fail(name, " belongs to ", hex(rec.rd.value()), ", which is not an RD");
        continue;
      }
      realm_refs_[rec.rd.value()] += 1;
      if (rec.index >= rd->second.rec_count) fail(name, " has index ", rec.index, " beyond its realm's count");
      if (!indices.emplace(rec.rd.value(), rec.index).second) fail(name, ": index ", rec.index, " used twice");
      if (rec.num_aux != rd->second.num_rec_aux || rec.num_aux > abi::rec_params::kMaxAux) {
        fail(name, " has ", rec.num_aux, " aux granules");
        continue;
      }
      for (unsigned i = 0; i < rec.num_aux; ++i) {
        if (!is(rec.aux[i], GranuleState::kRecAux)) fail(name, " aux ", i, " is not REC_AUX");
        own(aux_owner_, rec.aux[i], rec_pa.value(), "REC_AUX");
      }
      if (static_cast<unsigned>(rec.gate.role) > static_cast<unsigned>(ext::GateRole::kServing)) {
        fail(name, ": gate role out of range");
      }
    }
    for (const auto& [rd, refs] : realm_refs_) {
      if (granule(PhysAddr(rd)).refcount != refs) {
        fail("realm ", hex(rd), " has ", refs, " RECs, reference count ", granule(PhysAddr(rd)).refcount);
      }
    }
  }

  // --- Granules that must have exactly one owner. ---
  void owners() {
    for (const PhysAddr pa : all(GranuleState::kRtt)) {
      if (!owned(rtt_owner_, pa)) fail("RTT ", hex(pa.value()), " belongs to no realm");
    }
    for (const PhysAddr pa : all(GranuleState::kData)) {
      if (!owned(data_owner_, pa)) fail("DATA ", hex(pa.value()), " is mapped by no realm");
      if (granule(pa).refcount != 0) fail("DATA ", hex(pa.value()), " has a reference count");
    }
    for (const GranuleState state : {GranuleState::kRecAux, GranuleState::kWorkflowAux}) {
      for (const PhysAddr pa : all(state)) {
        if (!owned(aux_owner_, pa)) fail(granule_state_name(state), " ", hex(pa.value()), " has no owner");
        if (granule(pa).refcount != 0) fail(granule_state_name(state), " ", hex(pa.value()), " has a reference count");
      }
    }
    for (const auto& [wf_pa, wf] : workflows_) {
      uint32_t slots = 0;
      for (uint32_t c = 0; c < policy::kMaxComponents; ++c) {
        const ext::ComponentSlot& slot = wf.components[c];
        if (slot.rd.value() == 0) continue;
        ++slots;
        const auto rd = realms_.find(slot.rd.value());
        if (c >= wf.component_count || rd == realms_.end() || !rd->second.mica.bound ||
            rd->second.mica.workflow.value() != wf_pa || rd->second.mica.component != c) {
          fail("workflow ", hex(wf_pa), " component ", c, " names ", hex(slot.rd.value()), ", which is not bound there");
        }
        if (slot.bind_generation == 0 || slot.bind_generation > wf.bind_generation) {
          fail("workflow ", hex(wf_pa), " component ", c, " has generation ", slot.bind_generation);
        }
      }
      if (slots != wf.bound_realms || bound_to_[wf_pa] != wf.bound_realms) {
        fail("workflow ", hex(wf_pa), " counts ", wf.bound_realms, " bound realms; slots name ", slots,
             ", realms bound to it: ", bound_to_[wf_pa]);
      }
    }
  }

  // --- SHARED granules: tags, reference counts, the workflows' page counters. ---
  void shares() {
    std::map<uint64_t, uint64_t> per_workflow;
    std::map<std::pair<uint64_t, uint32_t>, std::set<uint32_t>> pages;
    for (const PhysAddr pa : all(GranuleState::kShared)) {
      const std::string name = "SHARED " + hex(pa.value());
      const uint16_t counted = granule(pa).refcount;
      const uint64_t mapped = share_mappings_[index(pa)];
      if (counted != mapped) fail(name, " is mapped ", mapped, " times, reference count ", counted);
      ext::ShareTag tag{};
      if (!view_.share_tag(pa, tag)) continue;
      const auto wf_it = wf_by_slot_.find(tag.workflow_slot);
      if (wf_it == wf_by_slot_.end()) {
        fail(name, " belongs to workflow slot ", unsigned{tag.workflow_slot}, ", which holds no workflow");
        continue;
      }
      const ext::WorkflowDescriptor& wf = workflows_.at(wf_it->second);
      if (tag.channel >= wf.channel_count || tag.page >= wf.channel_pages[tag.channel]) {
        fail(name, " is page ", tag.page, " of channel ", unsigned{tag.channel}, ", beyond what its workflow created");
      }
      per_workflow[wf_it->second] += 1;
      if (!pages[{wf_it->second, tag.channel}].insert(tag.page).second) {
        fail(name, ": page ", tag.page, " of channel ", unsigned{tag.channel}, " exists twice");
      }
    }
    for (const auto& [wf_pa, wf] : workflows_) {
      if (per_workflow[wf_pa] != wf.shares) {
        fail("workflow ", hex(wf_pa), " counts ", wf.shares, " shares, ", per_workflow[wf_pa], " exist");
      }
      for (uint32_t c = 0; c < wf.channel_count && c < policy::kMaxChannels; ++c) {
        const auto it = pages.find({wf_pa, c});
        const size_t exist = it == pages.end() ? 0 : it->second.size();
        if (exist != wf.channel_pages[c]) {
          fail("workflow ", hex(wf_pa), " channel ", c, " counts ", wf.channel_pages[c], " pages, ", exist, " exist");
        }
      }
    }
  }

  // --- VMIDs: in use exactly for live realms. ---
  void vmids() {
    for (uint32_t w = 0; w < MonitorView::kVmidWords; ++w) {
      uint64_t live = 0;
      for (auto it = realm_vmids_.lower_bound(static_cast<uint16_t>(w * 64));
           it != realm_vmids_.end() && *it < (w + 1) * 64; ++it) {
        live |= uint64_t{1} << (*it % 64);
      }
      const uint64_t used = view_.vmid_word(w);
      if (used == live) continue;
      for (uint32_t bit = 0; bit < 64; ++bit) {
        const bool u = (used >> bit) & 1, l = (live >> bit) & 1;
        if (u != l) fail("VMID ", w * 64 + bit, l ? " of a live realm is not reserved" : " is reserved by no realm");
      }
    }
  }

  MonitorView view_;
  const platform::Gpt& gpt_;
  std::map<uint64_t, std::vector<uint8_t>>& rims_;
  std::vector<std::string> violations_;
  std::vector<PhysAddr> by_state_[16];
  // Per granule (by index): who owns it (0: nobody), and how often a SHARED one is mapped.
  std::vector<uint64_t>& rtt_owner_;
  std::vector<uint64_t>& data_owner_;
  std::vector<uint64_t>& aux_owner_;
  std::vector<uint16_t>& share_mappings_;
  std::map<uint64_t, ext::WorkflowDescriptor> workflows_;
  std::map<uint64_t, std::unique_ptr<policy::Policy>> policies_;
  std::map<unsigned, uint64_t> wf_by_slot_;
  std::map<uint64_t, RealmDescriptor> realms_;
  std::map<uint64_t, uint64_t> realm_refs_;
  std::map<uint64_t, uint32_t> bound_to_;
  std::set<uint16_t> realm_vmids_;
  std::set<uint64_t> running_;
};

}  // namespace

std::vector<std::string> InvariantChecker::check(const std::vector<PhysAddr>& running) {
  ++checks_;
  return Check(monitor_, gpt_, rims_, running, owners_, mappings_).run();
}

std::string describe(const std::vector<std::string>& violations) {
  std::string out;
  for (const std::string& v : violations) out += "  invariant violated: " + v + "\n";
  return out;
}

}  // namespace mica::monitor::testing
