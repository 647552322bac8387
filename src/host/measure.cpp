#include "host/measure.h"

namespace mica::host {
namespace {

using json = nlohmann::ordered_json;

json hex_json(uint64_t value) { return hex(value); }

json realm_params_json(const MeasuredRealmParams& p) {
  return json{{"flags", p.flags},       {"s2sz", p.s2sz},
              {"sve_vl", p.sve_vl},     {"num_bps", p.num_bps},
              {"num_wps", p.num_wps},   {"pmu_num_ctrs", p.pmu_num_ctrs},
              {"hash_algo", static_cast<unsigned>(p.hash_algo)}};
}

json rec_params_json(const MeasuredRecParams& p) {
  json gprs = json::array();
  for (uint64_t r : p.gprs) gprs.push_back(hex_json(r));
  return json{{"flags", p.flags}, {"pc", hex_json(p.pc)}, {"gprs", gprs}};
}

struct StepJson {
  json operator()(const measured::RealmCreate& s) const {
    return json{{"command", "RMI_REALM_CREATE"},
                {"measured_params", realm_params_json(s.params)},
                {"rim_after", s.rim_after.hex()}};
  }
  json operator()(const measured::Ripas& s) const {
    return json{{"command", "RMI_RTT_INIT_RIPAS"},
                {"base", hex_json(s.base)},
                {"top", hex_json(s.top)},
                {"level", s.level},
                {"entry_size", hex_json(s.entry_size)},
                {"entries", (s.top - s.base) / s.entry_size},
                {"rim_after", s.rim_after.hex()}};
  }
  json operator()(const measured::Data& s) const {
    return json{{"command", "RMI_DATA_CREATE"},
                {"ipa", hex_json(s.ipa)},
                {"flags", s.flags},
                {"content_hash", s.content_hash.hex()},
                {"rim_after", s.rim_after.hex()}};
  }
  json operator()(const measured::Rec& s) const {
    return json{{"command", "RMI_REC_CREATE"},
                {"rec", s.index},
                {"measured_params", rec_params_json(s.params)},
                {"params_hash", s.params_hash.hex()},
                {"rim_after", s.rim_after.hex()}};
  }
};

}  // namespace

Result<MeasureResult> measure_image(const ElfImage& image, const MeasureOptions& options) {
  auto plan = build_load_plan(image, options);
  if (!plan) return Error{plan.error()};
  RimComputation computation = compute_rim(*plan);
  Digest rim = computation.rim;
  return MeasureResult{std::move(rim), std::move(plan).value(), std::move(computation)};
}

Result<MeasureResult> measure_image(const std::string& path, const MeasureOptions& options) {
  auto image = ElfImage::load(path);
  if (!image) return Error{image.error()};
  auto result = measure_image(*image, options);
  if (!result) return fail(path, ": ", result.error());
  return result;
}

json measurement_to_json(const MeasureResult& result) {
  const LoadPlan& plan = result.plan;
  const RealmConfig& c = plan.config;
  uint64_t unknown_pages = 0;
  uint64_t rtts_created = 0;
  json recs = json::array();
  for (const LoadStep& s : plan.steps) {
    if (const auto* u = std::get_if<step::DataCreateUnknown>(&s)) unknown_pages += (u->top - u->base) / kGranuleSize;
    if (std::holds_alternative<step::RttCreate>(s)) ++rtts_created;
    if (const auto* r = std::get_if<step::RecCreate>(&s)) {
      recs.push_back(json{{"rec", r->index},
                          {"mpidr", hex_json(r->mpidr)},
                          {"runnable", (r->params.flags & kRecFlagRunnable) != 0},
                          {"measured", (r->params.flags & kRecFlagRunnable) != 0}});
    }
  }
  json steps = json::array();
  for (const MeasuredStep& s : result.computation.steps) steps.push_back(std::visit(StepJson{}, s));
  return json{
      {"rim", result.rim.hex()},
      {"hash_algo", std::string(hash_algo_name(c.hash_algo))},
      {"method", "RMM 1.0 RIM descriptors over the Mica VMM load plan (docs/load-plan.md)"},
      {"layout",
       {{"ipa_width", c.ipa_width},
        {"rtt_start_level", plan.geometry.start_level},
        {"root_rtts", plan.geometry.num_root_rtts},
        {"rtts_created", rtts_created},
        {"ram_base", hex_json(c.ram_base)},
        {"ram_size", hex_json(c.ram_size)},
        {"ripas_granularity", "4 KiB level-3 entries over all RAM"},
        {"entry", hex_json(plan.entry)},
        {"recs", c.num_recs},
        {"measured_pages", plan.pages.size()},
        {"unmeasured_pages", unknown_pages}}},
      {"recs", recs},
      {"measured_steps", steps},
  };
}

}  // namespace mica::host
