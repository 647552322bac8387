// MICA_REALM_BIND: a NEW realm becomes the realm of one component of one
// workflow, for the rest of its life. The RD records the workflow, the
// component, the bind generation and a copy of the component's paths to the
// untrusted world (mica/state.h); the workflow records the realm in the
// component's slot. At most one realm per component at a time.
#pragma once

#include "mica/context.h"

namespace mica::monitor::ext {

Status realm_bind(Context& ctx, const SmcArgs& in, Outputs& out);

}  // namespace mica::monitor::ext
