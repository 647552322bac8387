#include "host/rim.h"

#include <optional>
#include <stdexcept>

namespace mica::host {
namespace {

class Replay {
 public:
  explicit Replay(const LoadPlan& plan) : plan_(plan) {}

  void operator()(const step::RealmCreate& s) {
    if (rim_) throw std::invalid_argument("load plan creates the realm twice");
    rim_ = initial_rim(s.params);
    steps_.emplace_back(measured::RealmCreate{s.params, *rim_});
  }
  void operator()(const step::RttCreate&) { require_realm(); }
  void operator()(const step::InitRipas& s) {
    Digest& rim = require_realm();
    const uint64_t size = rtt_map_size(s.level);
    for (uint64_t entry = s.base; entry < s.top; entry += size) rim = extend_rim_ripas(rim, entry, entry + size);
    steps_.emplace_back(measured::Ripas{s.base, s.top, s.level, size, rim});
  }
  void operator()(const step::DataCreate& s) {
    Digest& rim = require_realm();
    const Digest content = s.flags == kDataFlagMeasureContent
                               ? data_content_hash(rim.algo(), plan_.pages.at(s.page))
                               : Digest(rim.algo());
    rim = extend_rim_data(rim, s.ipa, s.flags, content);
    steps_.emplace_back(measured::Data{s.ipa, s.flags, content, rim});
  }
  void operator()(const step::DataCreateUnknown&) { require_realm(); }  // not measured
  void operator()(const step::RecCreate& s) {
    Digest& rim = require_realm();
    if ((s.params.flags & kRecFlagRunnable) == 0) return;  // REC_CREATE measures runnable RECs only
    const Digest params_hash = rec_params_hash(rim.algo(), s.params);
    rim = extend_rim_rec(rim, params_hash);
    steps_.emplace_back(measured::Rec{s.index, s.params, params_hash, rim});
  }
  void operator()(const step::RealmActivate&) { require_realm(); }

  RimComputation finish() && {
    return RimComputation{require_realm(), std::move(steps_)};
  }

 private:
  Digest& require_realm() {
    if (!rim_) throw std::invalid_argument("load plan issues a realm command before RMI_REALM_CREATE");
    return *rim_;
  }

  const LoadPlan& plan_;
  std::optional<Digest> rim_;
  std::vector<MeasuredStep> steps_;
};

}  // namespace

RimComputation compute_rim(const LoadPlan& plan) {
  Replay replay(plan);
  for (const LoadStep& s : plan.steps) std::visit(replay, s);
  return std::move(replay).finish();
}

}  // namespace mica::host
