#include "host/realm_loader.h"

#include <algorithm>

namespace mica::host {
namespace {

constexpr uint64_t kGranule = kGranuleSize;

template <size_t N>
void put_le(std::array<uint8_t, N>& page, uint64_t offset, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) page[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

GranuleBytes encode_realm_params(const step::RealmCreate& s, uint16_t vmid, PhysAddr rtt_base) {
  namespace rp = abi::realm_params;
  GranuleBytes page{};
  put_le(page, rp::kFlags, s.params.flags, 8);
  put_le(page, rp::kS2sz, s.params.s2sz, 4);
  put_le(page, rp::kSveVl, s.params.sve_vl, 4);
  put_le(page, rp::kNumBps, s.params.num_bps, 4);
  put_le(page, rp::kNumWps, s.params.num_wps, 4);
  put_le(page, rp::kPmuNumCtrs, s.params.pmu_num_ctrs, 4);
  put_le(page, rp::kHashAlgo, static_cast<uint8_t>(s.params.hash_algo), 1);
  std::copy(s.rpv.begin(), s.rpv.end(), page.begin() + rp::kRpv);
  put_le(page, rp::kVmid, vmid, 2);
  put_le(page, rp::kRttBase, rtt_base.value(), 8);
  put_le(page, rp::kRttLevelStart, static_cast<uint64_t>(static_cast<int64_t>(s.rtt_level_start)), 8);
  put_le(page, rp::kRttNumStart, s.rtt_num_start, 4);
  return page;
}

GranuleBytes encode_rec_params(const step::RecCreate& s, const std::vector<PhysAddr>& aux) {
  namespace rp = abi::rec_params;
  GranuleBytes page{};
  put_le(page, rp::kFlags, s.params.flags, 8);
  put_le(page, rp::kMpidr, s.mpidr, 8);
  put_le(page, rp::kPc, s.params.pc, 8);
  for (size_t i = 0; i < s.params.gprs.size(); ++i) put_le(page, rp::kGprs + 8 * i, s.params.gprs[i], 8);
  put_le(page, rp::kNumAux, aux.size(), 8);
  for (size_t i = 0; i < aux.size(); ++i) put_le(page, rp::kAux + 8 * i, aux[i].value(), 8);
  return page;
}

std::string describe(const RmiClient& rmi) { return rmi.last_call().to_string(); }

// Builds one realm; on failure tears down what it built.
class Loader {
 public:
  Loader(RmiClient& rmi, PhysicalMemory& memory, GranuleAllocator& granules, const LoadPlan& plan,
         const LoaderOptions& options)
      : rmi_(rmi), memory_(memory), granules_(granules), plan_(plan), options_(options) {}

  Result<LoadedRealm> run() {
    auto staging = granules_.allocate();
    if (!staging) return fail("no free NS granule for the RMI parameter staging page");
    staging_ = *staging;
    Result<bool> built = build();
    granules_.release(staging_);
    if (!built) {
      (void)destroy_realm(rmi_, granules_, realm_);
      return Error{built.error()};
    }
    return std::move(realm_);
  }

 private:
  Result<bool> build() {
    realm_.vmid = options_.vmid;
    for (const LoadStep& s : plan_.steps) {
      Result<bool> done = std::visit([this](const auto& typed) { return execute(typed); }, s);
      if (!done) return done;
    }
    return true;
  }

  // Allocates `count` contiguous granules and delegates each.
  Result<PhysAddr> take_granules(uint64_t count, std::string_view purpose) {
    auto first = granules_.allocate(count);
    if (!first) {
      return fail("out of NS granules for ", purpose, " (", dec(count), " needed; the plan needs ",
                  dec(plan_.granules_to_delegate(abi::kRecAuxCount)), " in all)");
    }
    for (uint64_t i = 0; i < count; ++i) {
      const PhysAddr pa = first->plus(i * kGranule);
      if (auto r = rmi_.granule_delegate(pa); !r.ok()) {
        const std::string call = describe(rmi_);
        give_back(*first, i);
        granules_.release(pa, count - i);
        return fail(call, ": delegation of a granule for ", purpose, " refused");
      }
    }
    return *first;
  }

  // Undelegates and releases granules that never became realm objects.
  // (Callers format the failed call first: undelegation makes new calls.)
  // A granule the monitor keeps (undelegation refused) is not reused.
  void give_back(PhysAddr first, uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) {
      const PhysAddr pa = first.plus(i * kGranule);
      if (rmi_.granule_undelegate(pa).ok()) granules_.release(pa);
    }
  }

  Result<bool> stage(const GranuleBytes& page, std::string_view what) {
    if (!memory_.write(staging_, page)) {
      return fail("writing ", what, " to the NS staging granule ", hex(staging_.value()), " faulted");
    }
    return true;
  }

  Result<bool> execute(const step::RealmCreate& s) {
    auto rd = take_granules(1, "the RD");
    if (!rd) return Error{rd.error()};
    auto roots = take_granules(s.rtt_num_start, "the root RTTs");
    if (!roots) {
      give_back(*rd, 1);
      return Error{roots.error()};
    }
    if (auto staged = stage(encode_realm_params(s, realm_.vmid, *roots), "RmiRealmParams"); !staged) {
      give_back(*rd, 1);
      give_back(*roots, s.rtt_num_start);
      return staged;
    }
    if (auto r = rmi_.realm_create(*rd, staging_); !r.ok()) {
      const std::string call = describe(rmi_);
      give_back(*rd, 1);
      give_back(*roots, s.rtt_num_start);
      return fail(call, ": REALM_CREATE refused (vmid ", dec(realm_.vmid), ")");
    }
    realm_.rd = *rd;
    realm_.rtt_base = *roots;
    realm_.num_root_rtts = s.rtt_num_start;
    return true;
  }

  Result<bool> execute(const step::RttCreate& s) {
    auto rtt = take_granules(1, "an RTT");
    if (!rtt) return Error{rtt.error()};
    if (auto r = rmi_.rtt_create(realm_.rd, *rtt, Ipa(s.ipa), s.level); !r.ok()) {
      const std::string call = describe(rmi_);
      give_back(*rtt, 1);
      return fail(call, ": RTT_CREATE refused");
    }
    realm_.rtts.push_back({s.ipa, s.level, *rtt});
    return true;
  }

  Result<bool> execute(const step::InitRipas& s) {
    // The monitor may stop early (end of an RTT); continue from where it stopped.
    for (uint64_t base = s.base; base < s.top;) {
      auto r = rmi_.rtt_init_ripas(realm_.rd, Ipa(base), Ipa(s.top));
      if (!r.ok()) return fail(describe(rmi_), ": RTT_INIT_RIPAS refused");
      if (r.out.next <= base || r.out.next > s.top) {
        return fail(describe(rmi_), ": RTT_INIT_RIPAS reported progress to ", hex(r.out.next),
                    ", outside (", hex(base), ", ", hex(s.top), "]");
      }
      base = r.out.next;
    }
    return true;
  }

  Result<bool> execute(const step::DataCreate& s) {
    if (auto staged = stage(plan_.pages.at(s.page), "page content"); !staged) return staged;
    auto data = take_granules(1, "a DATA granule");
    if (!data) return Error{data.error()};
    const auto flags = static_cast<abi::RmiDataFlags>(s.flags);
    if (auto r = rmi_.data_create(realm_.rd, *data, Ipa(s.ipa), staging_, flags); !r.ok()) {
      const std::string call = describe(rmi_);
      give_back(*data, 1);
      return fail(call, ": DATA_CREATE refused");
    }
    realm_.data.push_back({s.ipa, *data});
    return true;
  }

  Result<bool> execute(const step::DataCreateUnknown& s) {
    for (uint64_t ipa = s.base; ipa < s.top; ipa += kGranule) {
      auto data = take_granules(1, "a DATA granule");
      if (!data) return Error{data.error()};
      if (auto r = rmi_.data_create_unknown(realm_.rd, *data, Ipa(ipa)); !r.ok()) {
        const std::string call = describe(rmi_);
        give_back(*data, 1);
        return fail(call, ": DATA_CREATE_UNKNOWN refused");
      }
      realm_.data.push_back({ipa, *data});
    }
    return true;
  }

  Result<bool> execute(const step::RecCreate& s) {
    auto aux_count = rmi_.rec_aux_count(realm_.rd);
    if (!aux_count.ok()) return fail(describe(rmi_), ": REC_AUX_COUNT refused");
    if (aux_count.out.value > abi::rec_params::kMaxAux) {
      return fail("the monitor asks for ", dec(aux_count.out.value), " auxiliary granules per REC, more than ",
                  dec(abi::rec_params::kMaxAux));
    }
    auto rec = take_granules(1, "a REC");
    if (!rec) return Error{rec.error()};
    std::vector<PhysAddr> aux;
    for (uint64_t i = 0; i < aux_count.out.value; ++i) {
      auto granule = take_granules(1, "a REC auxiliary granule");
      if (!granule) {
        give_back(*rec, 1);
        for (PhysAddr a : aux) give_back(a, 1);
        return Error{granule.error()};
      }
      aux.push_back(*granule);
    }
    auto give_back_all = [&] {
      give_back(*rec, 1);
      for (PhysAddr a : aux) give_back(a, 1);
    };
    if (auto staged = stage(encode_rec_params(s, aux), "RmiRecParams"); !staged) {
      give_back_all();
      return staged;
    }
    if (auto r = rmi_.rec_create(realm_.rd, *rec, staging_); !r.ok()) {
      const std::string call = describe(rmi_);
      give_back_all();
      return fail(call, ": REC_CREATE of REC ", dec(s.index), " refused");
    }
    realm_.recs.push_back({*rec, s.mpidr, std::move(aux)});
    return true;
  }

  Result<bool> execute(const step::RealmActivate&) {
    if (auto r = rmi_.realm_activate(realm_.rd); !r.ok()) return fail(describe(rmi_), ": REALM_ACTIVATE refused");
    realm_.active = true;
    return true;
  }

  RmiClient& rmi_;
  PhysicalMemory& memory_;
  GranuleAllocator& granules_;
  const LoadPlan& plan_;
  const LoaderOptions& options_;
  PhysAddr staging_;
  LoadedRealm realm_;
};

}  // namespace

RangeGranuleAllocator::RangeGranuleAllocator(PhysAddr base, uint64_t size)
    : base_(base), used_(size / kGranule, false), free_count_(size / kGranule) {}

std::optional<PhysAddr> RangeGranuleAllocator::allocate(uint64_t count) {
  if (count == 0 || count > free_count_) return std::nullopt;
  const uint64_t total = used_.size();
  // Single granules: continue from the last allocation (allocations come in
  // runs); aligned runs: search from the start.
  const uint64_t start = count == 1 ? search_hint_ : 0;
  for (uint64_t pass = 0; pass < 2; ++pass) {
    const uint64_t from = pass == 0 ? start : 0;
    for (uint64_t first = from; first + count <= total; ++first) {
      if ((base_.value() / kGranule + first) % count != 0) continue;  // align to count * 4 KiB
      bool free = true;
      for (uint64_t i = 0; i < count && free; ++i) free = !used_[first + i];
      if (!free) continue;
      for (uint64_t i = 0; i < count; ++i) used_[first + i] = true;
      free_count_ -= count;
      search_hint_ = first + count;
      return base_.plus(first * kGranule);
    }
  }
  return std::nullopt;
}

void RangeGranuleAllocator::release(PhysAddr first, uint64_t count) {
  if (first < base_ || !first.is_granule_aligned()) return;
  const uint64_t index = (first.value() - base_.value()) / kGranule;
  for (uint64_t i = index; i < index + count && i < used_.size(); ++i) {
    if (used_[i]) {
      used_[i] = false;
      ++free_count_;
    }
  }
}

Result<LoadedRealm> load_realm(RmiClient& rmi, PhysicalMemory& memory, GranuleAllocator& granules,
                               const LoadPlan& plan, const LoaderOptions& options) {
  return Loader(rmi, memory, granules, plan, options).run();
}

Result<bool> destroy_realm(RmiClient& rmi, GranuleAllocator& granules, LoadedRealm& realm) {
  std::string errors;
  auto note = [&](const std::string& what) {
    if (!errors.empty()) errors += "; ";
    errors += what;
  };
  auto undelegate = [&](PhysAddr pa) {
    if (auto r = rmi.granule_undelegate(pa); r.ok()) {
      granules.release(pa);
    } else {
      note("RMI_GRANULE_UNDELEGATE " + hex(pa.value()) + ": " + r.status.to_string());
    }
  };

  for (auto rec = realm.recs.rbegin(); rec != realm.recs.rend(); ++rec) {
    if (auto r = rmi.rec_destroy(rec->pa); !r.ok()) {
      note("RMI_REC_DESTROY " + hex(rec->pa.value()) + ": " + r.status.to_string());
      continue;
    }
    undelegate(rec->pa);
    for (PhysAddr aux : rec->aux) undelegate(aux);
  }
  for (const LoadedRealm::Data& d : realm.data) {
    auto r = rmi.data_destroy(realm.rd, Ipa(d.ipa));
    if (!r.ok()) {
      note("RMI_DATA_DESTROY ipa " + hex(d.ipa) + ": " + r.status.to_string());
      continue;
    }
    undelegate(r.out.pa);
  }
  for (auto rtt = realm.rtts.rbegin(); rtt != realm.rtts.rend(); ++rtt) {
    auto r = rmi.rtt_destroy(realm.rd, Ipa(rtt->ipa), rtt->level);
    if (!r.ok()) {
      note("RMI_RTT_DESTROY ipa " + hex(rtt->ipa) + " level " + std::to_string(rtt->level) + ": " +
           r.status.to_string());
      continue;
    }
    undelegate(r.out.pa);
  }
  if (realm.num_root_rtts != 0) {
    if (auto r = rmi.realm_destroy(realm.rd); !r.ok()) {
      note("RMI_REALM_DESTROY " + hex(realm.rd.value()) + ": " + r.status.to_string());
    } else {
      undelegate(realm.rd);
      for (uint32_t i = 0; i < realm.num_root_rtts; ++i) undelegate(realm.rtt_base.plus(i * kGranule));
    }
  }
  realm = LoadedRealm{};
  if (!errors.empty()) return fail("realm teardown incomplete: ", errors);
  return true;
}

}  // namespace mica::host
