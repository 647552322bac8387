// RMI_GRANULE_DELEGATE and RMI_GRANULE_UNDELEGATE.
#include "core/assert.h"
#include "rmi/handlers.h"

namespace mica::monitor::rmi {

Status rmi_granule_delegate(Context& ctx, const SmcArgs& in, Outputs&) {
  const PhysAddr pa(in.x[1]);
  GranuleLock granule = ctx.granules.find_lock(pa, GranuleState::kUndelegated);
  if (!granule) return error_input();
  // EL3 may refuse (e.g. the granule is not NS in the GPT); nothing changed then.
  if (!ctx.platform.gtsi_delegate(pa)) return error_input();

  granule.zero();
  granule.transition(GranuleState::kDelegated);
  return success();
}

Status rmi_granule_undelegate(Context& ctx, const SmcArgs& in, Outputs&) {
  const PhysAddr pa(in.x[1]);
  GranuleLock granule = ctx.granules.find_lock(pa, GranuleState::kDelegated);
  if (!granule) return error_input();

  // A DELEGATED granule is in the Realm PAS by construction: EL3 refusing to
  // give it back is a platform failure the monitor cannot recover from.
  const bool returned_to_ns = ctx.platform.gtsi_undelegate(pa);
  MICA_MONITOR_ASSERT(returned_to_ns);
  granule.transition(GranuleState::kUndelegated);
  return success();
}

}  // namespace mica::monitor::rmi
