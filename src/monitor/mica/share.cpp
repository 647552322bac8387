// MICA_SHARE_CREATE, MICA_SHARE_DESTROY, MICA_SHARE_MAP, MICA_SHARE_UNMAP.
#include "mica/share.h"

#include "mica/workflow.h"
#include "realm/realm_descriptor.h"
#include "rmi/rtt_args.h"
#include "s2tt/descriptor.h"
#include "s2tt/rtt.h"

namespace mica::monitor::ext {

namespace {

using rmi::error_input;
using rmi::error_realm;
using rmi::error_rtt;
using rmi::success;
using s2tt::EntryState;
using s2tt::Rtte;

constexpr uint64_t pages_of(const policy::Channel& channel) { return channel.size / kGranuleSize; }

}  // namespace

Status share_create(Context& ctx, const SmcArgs& in, Outputs& out) {
  const PhysAddr wf_pa(in.x[1]);
  const PhysAddr share_pa(in.x[2]);
  const uint64_t channel_index = in.x[3];

  // The SHARED granule being created before its WORKFLOW (share.h); never the same granule twice.
  if (wf_pa == share_pa) return error_input();
  GranuleLock share_lock = ctx.granules.find_lock(share_pa, GranuleState::kDelegated);
  if (!share_lock) return error_input();
  GranuleLock wf_lock = ctx.granules.find_lock(wf_pa, GranuleState::kWorkflow);
  if (!wf_lock) return error_input();
  WorkflowDescriptor& wf = wf_lock.as<WorkflowDescriptor>();
  if (channel_index >= wf.channel_count) return error_input();
  const auto channel = static_cast<uint32_t>(channel_index);
  const policy::Channel declared = StoredPolicy(ctx.granules, wf).channel(channel);
  const uint32_t page = wf.channel_pages[channel];
  if (page >= pages_of(declared)) return error_input();

  // Commit. A DELEGATED granule is all zeros already: the page starts zeroed.
  ctx.share_tags[ctx.granule_index(share_pa)] = ShareTag{wf.slot, static_cast<uint8_t>(channel), page}.encode();
  wf.channel_pages[channel] = page + 1;
  wf.shares += 1;
  share_lock.transition(GranuleState::kShared);
  out.x1 = page;
  return success();
}

Status share_destroy(Context& ctx, const SmcArgs& in, Outputs&) {
  const PhysAddr share_pa(in.x[1]);

  GranuleLock share_lock = ctx.granules.find_lock(share_pa, GranuleState::kShared);
  if (!share_lock) return error_input();
  // Still mapped into some realm.
  if (share_lock.refcount() != 0) return error_realm();
  const ShareTag tag = ShareTag::decode(ctx.share_tags[ctx.granule_index(share_pa)]);
  // A SHARED granule keeps its workflow alive (MICA_WORKFLOW_DESTROY refuses).
  GranuleLock wf_lock = ctx.granules.lock_owned(workflow_of_slot(ctx, tag.workflow_slot), GranuleState::kWorkflow);
  WorkflowDescriptor& wf = wf_lock.as<WorkflowDescriptor>();
  // Pages go in the reverse order of their creation.
  if (tag.page + 1 != wf.channel_pages[tag.channel]) return error_input();

  // Commit: scrub the page before it can be given to anyone else.
  wf.channel_pages[tag.channel] = tag.page;
  wf.shares -= 1;
  ctx.share_tags[ctx.granule_index(share_pa)] = 0;
  share_lock.zero();
  share_lock.transition(GranuleState::kDelegated);
  return success();
}

Status share_map(Context& ctx, const SmcArgs& in, Outputs&) {
  const PhysAddr rd_pa(in.x[1]);
  const PhysAddr share_pa(in.x[2]);
  const Ipa ipa(in.x[3]);
  const uint64_t flags = in.x[4];

  if ((flags & ~abi::kShareMapFlagsMask) != 0) return error_input();
  if (rd_pa == share_pa) return error_input();
  GranuleLock rd_lock = ctx.granules.find_lock(rd_pa, GranuleState::kRd);
  if (!rd_lock) return error_input();
  GranuleLock share_lock = ctx.granules.find_lock(share_pa, GranuleState::kShared);
  if (!share_lock) return error_input();
  RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  if (!rmi::valid_data_ipa(rd, ipa)) return error_input();
  if (!rmi::pa_fits_realm(rd, share_pa)) return error_input();
  // Only a realm of this workflow instance, bound to an endpoint of the channel.
  if (!rd.mica.bound) return error_realm();
  const ShareTag tag = ShareTag::decode(ctx.share_tags[ctx.granule_index(share_pa)]);
  if (tag.workflow_slot != rd.mica.workflow_slot) return error_realm();
  policy::Channel declared;
  {
    GranuleLock wf_lock = ctx.granules.lock_owned(rd.mica.workflow, GranuleState::kWorkflow);
    declared = StoredPolicy(ctx.granules, wf_lock.as<WorkflowDescriptor>()).channel(tag.channel);
  }
  if (!declared.is_endpoint(rd.mica.component)) return error_realm();
  const bool writable = (flags & abi::kShareMapWrite) != 0;
  if (writable && !declared.can_write(rd.mica.component)) return error_input();
  // Page k of the channel sits at base + k * 4 KiB in this realm.
  ChannelMapping& mapping = rd.mica.channels[tag.channel];
  const uint64_t offset = uint64_t{tag.page} * kGranuleSize;
  if (mapping.mapped_pages != 0) {
    if (ipa.value() != mapping.base_ipa + offset) return error_input();
  } else if (ipa.value() < offset || ipa.value() - offset + declared.size > rd.ipa_size() / 2) {
    return error_input();
  }
  s2tt::RttWalk where = s2tt::walk(ctx.granules, rd, ipa, abi::kRttPageLevel);
  if (where.level < abi::kRttPageLevel) return error_rtt(where.level);
  // Only a page the realm holds nothing at (RIPAS EMPTY): never in place of
  // memory the realm takes for its own.
  if (where.entry().state(abi::kRttPageLevel) != EntryState::kUnassignedEmpty) {
    return error_rtt(abi::kRttPageLevel);
  }

  // Commit.
  where.rtt().set(where.index, Rtte::assigned_shared(share_pa, writable));
  where.table.refcount_add(1);
  share_lock.refcount_add(1);
  if (mapping.mapped_pages == 0) mapping.base_ipa = ipa.value() - offset;
  mapping.mapped_pages += 1;
  return success();
}

Status share_unmap(Context& ctx, const SmcArgs& in, Outputs& out) {
  const Ipa ipa(in.x[2]);

  GranuleLock rd_lock = ctx.granules.find_lock(PhysAddr(in.x[1]), GranuleState::kRd);
  if (!rd_lock) return error_input();
  RealmDescriptor& rd = rd_lock.as<RealmDescriptor>();
  if (!rmi::valid_data_ipa(rd, ipa)) return error_input();
  s2tt::RttWalk where = s2tt::walk(ctx.granules, rd, ipa, abi::kRttPageLevel);
  if (where.level < abi::kRttPageLevel) return error_rtt(where.level);
  const Rtte entry = where.entry();
  if (entry.state(abi::kRttPageLevel) != EntryState::kAssignedShared) return error_rtt(abi::kRttPageLevel);
  const PhysAddr share_pa = entry.output_address(abi::kRttPageLevel);
  GranuleLock share_lock = ctx.granules.lock_owned(share_pa, GranuleState::kShared);
  const ShareTag tag = ShareTag::decode(ctx.share_tags[ctx.granule_index(share_pa)]);

  // Commit: break the mapping and flush it.
  where.rtt().set(where.index, Rtte::unassigned(abi::Ripas::kEmpty));
  ctx.platform.tlbi_ipa(rd.vmid, ipa, kGranuleSize);
  where.table.refcount_sub(1);
  share_lock.refcount_sub(1);
  ChannelMapping& mapping = rd.mica.channels[tag.channel];
  mapping.mapped_pages -= 1;
  if (mapping.mapped_pages == 0) mapping.base_ipa = 0;
  out.x1 = share_pa.value();
  return success();
}

}  // namespace mica::monitor::ext
