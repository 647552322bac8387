#include "mica_host.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <span>

#include "host/elf_image.h"
#include "mica/rsi_abi.h"

namespace mica::monitor::testing {

namespace rr = abi::rec_run;
using abi::RmiRecExitReason;

std::string realm_program_path(const std::string& name) {
  return std::string(MICA_REALM_PROGRAMS) + "/" + name + ".elf";
}

class MicaHost::Memory final : public host::PhysicalMemory {
 public:
  explicit Memory(platform::Machine& machine) : machine_(machine) {}
  bool write(PhysAddr pa, std::span<const uint8_t> bytes) override {
    return machine_.host_write(pa, bytes.data(), bytes.size()) == platform::AccessResult::kOk;
  }
  bool read(PhysAddr pa, std::span<uint8_t> bytes) override {
    return machine_.host_read(pa, bytes.data(), bytes.size()) == platform::AccessResult::kOk;
  }

 private:
  platform::Machine& machine_;
};

namespace {

platform::MachineConfig machine_config(uint64_t dram_size) {
  platform::MachineConfig config;
  config.dram_size = dram_size;
  config.state_dir = ::testing::TempDir() + "/mica-realm-test-state";
  std::filesystem::create_directories(config.state_dir);
  return config;
}

}  // namespace

MicaHost::MicaHost(uint64_t dram_size)
    : machine_(std::make_unique<platform::Machine>(machine_config(dram_size))),
      memory_(std::make_unique<Memory>(*machine_)),
      granules_(std::make_unique<host::RangeGranuleAllocator>(PhysAddr(machine_->dram().base()),
                                                              machine_->dram().size())),
      rmi_(std::make_unique<host::RmiClient>([this](const SmcArgs& args) {
        const SmcResult result = machine_->smc(args);
        if (after_smc) after_smc(args, result);
        return result;
      })) {
  rmi_->set_logging(false);
}

MicaHost::~MicaHost() = default;

SmcResult MicaHost::smc(uint64_t fid, uint64_t x1, uint64_t x2, uint64_t x3, uint64_t x4) {
  SmcArgs args;
  args.x[0] = fid;
  args.x[1] = x1;
  args.x[2] = x2;
  args.x[3] = x3;
  args.x[4] = x4;
  const SmcResult result = machine_->smc(args);
  if (after_smc) after_smc(args, result);
  return result;
}

Program& MicaHost::load(const std::string& name, unsigned num_recs) {
  auto program = std::make_unique<Program>();
  program->name = name;
  program->id = static_cast<unsigned>(programs_.size());
  host::RealmConfig config;
  config.ram_size = kRamSize;
  config.num_recs = num_recs;
  auto image = host::ElfImage::load(realm_program_path(name));
  EXPECT_TRUE(image) << image.error();
  host::LoadPlan plan = host::build_load_plan(*image, config).value();
  // Binding comes before activation: the plan stops short of it.
  EXPECT_TRUE(std::holds_alternative<host::step::RealmActivate>(plan.steps.back()));
  plan.steps.pop_back();
  host::LoaderOptions options;
  options.vmid = next_vmid_++;
  auto realm = host::load_realm(*rmi_, *memory_, *granules_, plan, options);
  EXPECT_TRUE(realm) << realm.error();
  program->realm = std::move(realm).value();
  RealmInfo info;
  EXPECT_TRUE(monitor().realm_info(program->realm.rd, info));
  program->rim.assign(info.rim(), info.rim() + info.measurement_size());
  program->run = granules_->allocate().value();
  program->on.assign(num_recs, false);
  program->on[0] = true;
  program->enter_gprs.assign(num_recs, std::vector<uint64_t>(31, 0));
  programs_.push_back(std::move(program));
  return *programs_.back();
}

PhysAddr MicaHost::delegated() {
  const PhysAddr pa = granules_->allocate().value();
  EXPECT_TRUE(rmi_->granule_delegate(pa).ok());
  return pa;
}

PhysAddr MicaHost::ns_granule() { return granules_->allocate().value(); }

PhysAddr MicaHost::create_workflow(const std::vector<uint8_t>& policy) {
  namespace wp = abi::workflow_params;
  std::vector<uint8_t> params(kGranuleSize, 0);
  auto put = [&params](uint64_t offset, uint64_t value) { std::memcpy(params.data() + offset, &value, 8); };
  put(wp::kPolicySize, policy.size());
  uint64_t sources = 0;
  for (size_t offset = 0; offset < policy.size(); offset += kGranuleSize, ++sources) {
    const PhysAddr src = granules_->allocate().value();
    const size_t chunk = std::min<size_t>(kGranuleSize, policy.size() - offset);
    EXPECT_TRUE(memory_->write(src, std::span(policy.data() + offset, chunk)));
    put(wp::kSources + 8 * sources, src.value());
  }
  put(wp::kNumSources, sources);
  put(wp::kNumAux, abi::kWorkflowAuxCount);
  for (uint64_t i = 0; i < abi::kWorkflowAuxCount; ++i) put(wp::kAux + 8 * i, delegated().value());
  const PhysAddr params_pa = granules_->allocate().value();
  EXPECT_TRUE(memory_->write(params_pa, params));
  const PhysAddr wf = delegated();
  const SmcResult r = mica(abi::MicaRmiCommand::kWorkflowCreate, wf.value(), params_pa.value());
  EXPECT_EQ(r.x[0], 0u) << "MICA_WORKFLOW_CREATE X1 " << r.x[1] << " X2 " << r.x[2];
  return wf;
}

void MicaHost::bind(Program& program, PhysAddr wf, uint32_t component) {
  EXPECT_EQ(mica(abi::MicaRmiCommand::kRealmBind, program.realm.rd.value(), wf.value(), component).x[0], 0u);
}

std::vector<PhysAddr> MicaHost::create_channel_pages(PhysAddr wf, uint32_t channel, unsigned pages) {
  std::vector<PhysAddr> out;
  for (unsigned i = 0; i < pages; ++i) {
    const PhysAddr pa = delegated();
    const SmcResult r = mica(abi::MicaRmiCommand::kShareCreate, wf.value(), pa.value(), channel);
    EXPECT_EQ(r.x[0], 0u);
    EXPECT_EQ(r.x[1], i);
    out.push_back(pa);
  }
  return out;
}

void MicaHost::map_channel(Program& program, const std::vector<PhysAddr>& pages, uint64_t offset, bool write) {
  const uint64_t base = kChannelIpa + offset;
  for (int level = 2; level <= 3; ++level) {
    const uint64_t aligned = base & ~(host::rtt_map_size(level - 1) - 1);
    const auto entry = rmi_->rtt_read_entry(program.realm.rd, Ipa(aligned), level - 1);
    if (entry.ok() && entry.out.level == level - 1 && entry.out.state == abi::RmiRttEntryState::kTable) continue;
    const auto created = rmi_->rtt_create(program.realm.rd, delegated(), Ipa(aligned), level);
    EXPECT_TRUE(created.ok()) << "RTT_CREATE 0x" << std::hex << aligned << " level " << level << ": "
                              << created.status.to_string();
  }
  for (size_t i = 0; i < pages.size(); ++i) {
    const SmcResult r = mica(abi::MicaRmiCommand::kShareMap, program.realm.rd.value(), pages[i].value(),
                             base + i * kGranuleSize, write ? abi::kShareMapWrite : 0);
    EXPECT_EQ(r.x[0], 0u) << "MICA_SHARE_MAP page " << i;
  }
}

void MicaHost::activate(Program& program) {
  const auto status = rmi_->realm_activate(program.realm.rd);
  EXPECT_TRUE(status.ok()) << program.name << ": " << status.status.to_string();
}

uint64_t MicaHost::enter(Program& program, unsigned rec) {
  std::vector<uint8_t> enter(0x800, 0);
  std::memcpy(enter.data() + rr::kEnterGprs, program.enter_gprs[rec].data(), 31 * 8);
  EXPECT_TRUE(memory_->write(program.run, enter));
  const auto status = rmi_->rec_enter(program.realm.recs[rec].pa, program.run);
  if (!status.ok()) return status.status.raw();
  std::vector<uint8_t> page(kGranuleSize);
  EXPECT_TRUE(memory_->read(program.run, page));
  auto u64 = [&page](uint64_t offset) {
    uint64_t v;
    std::memcpy(&v, page.data() + offset, 8);
    return v;
  };
  ExitRecord exit;
  exit.program = program.id;
  exit.rec = rec;
  exit.reason = static_cast<RmiRecExitReason>(u64(rr::kExitReason));
  exit.esr = u64(rr::kExitEsr);
  exit.far = u64(rr::kExitFar);
  exit.hpfar = u64(rr::kExitHpfar);
  for (unsigned i = 0; i < 31; ++i) exit.gprs[i] = u64(rr::kExitGprs + 8 * i);
  exit.imm = static_cast<uint32_t>(u64(rr::kExitImm));
  exit.ripas_base = u64(rr::kExitRipasBase);
  exit.ripas_top = u64(rr::kExitRipasTop);
  exits.push_back(exit);
  program.enter_gprs[rec].assign(31, 0);

  switch (exit.reason) {
    case RmiRecExitReason::kIrq:
      ++program.irq_exits;
      break;
    case RmiRecExitReason::kHostCall:
      if (exit.imm == MICA_HOST_CALL_CONSOLE_WRITE && exit.gprs[0] <= MICA_HOST_CALL_CONSOLE_MAX) {
        program.console.append(reinterpret_cast<const char*>(&exit.gprs[1]), exit.gprs[0]);
      } else if (exit.imm == MICA_HOST_CALL_EXIT) {
        program.exit_status = static_cast<int64_t>(exit.gprs[0]);
      }
      program.enter_gprs[rec].assign(exit.gprs, exit.gprs + 31);
      break;
    case RmiRecExitReason::kPsci: {
      const uint32_t fid = static_cast<uint32_t>(exit.gprs[0]);
      if (fid == MICA_PSCI_SYSTEM_OFF || fid == MICA_PSCI_SYSTEM_RESET) {
        program.system_off = true;
      } else if (fid == MICA_PSCI_CPU_OFF) {
        program.on[rec] = false;
      }
      break;
    }
    default:
      break;
  }
  return 0;
}

}  // namespace mica::monitor::testing
