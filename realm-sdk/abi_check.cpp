// Compile-time proof that the realm SDK's C ABI header (what realm programs
// use) and the monitor's C++ ABI headers (what the monitor implements) agree.
#include "mica/rsi_abi.h"
#include "monitor/abi/rsi.h"
#include "monitor/abi/smccc.h"

namespace {

namespace abi = mica::monitor::abi;
using abi::RsiCommand;

static_assert(MICA_RSI_VERSION == abi::rsi_fid(RsiCommand::kVersion));
static_assert(MICA_RSI_FEATURES == abi::rsi_fid(RsiCommand::kFeatures));
static_assert(MICA_RSI_MEASUREMENT_READ == abi::rsi_fid(RsiCommand::kMeasurementRead));
static_assert(MICA_RSI_MEASUREMENT_EXTEND == abi::rsi_fid(RsiCommand::kMeasurementExtend));
static_assert(MICA_RSI_ATTEST_TOKEN_INIT == abi::rsi_fid(RsiCommand::kAttestTokenInit));
static_assert(MICA_RSI_ATTEST_TOKEN_CONTINUE == abi::rsi_fid(RsiCommand::kAttestTokenContinue));
static_assert(MICA_RSI_REALM_CONFIG == abi::rsi_fid(RsiCommand::kRealmConfig));
static_assert(MICA_RSI_IPA_STATE_SET == abi::rsi_fid(RsiCommand::kIpaStateSet));
static_assert(MICA_RSI_IPA_STATE_GET == abi::rsi_fid(RsiCommand::kIpaStateGet));
static_assert(MICA_RSI_HOST_CALL == abi::rsi_fid(RsiCommand::kHostCall));
static_assert(MICA_RSI_ABI_VERSION == abi::kRsiVersion_1_0);

static_assert(MICA_RSI_SUCCESS == static_cast<uint64_t>(abi::RsiStatus::kSuccess));
static_assert(MICA_RSI_ERROR_INPUT == static_cast<uint64_t>(abi::RsiStatus::kErrorInput));
static_assert(MICA_RSI_ERROR_STATE == static_cast<uint64_t>(abi::RsiStatus::kErrorState));
static_assert(MICA_RSI_INCOMPLETE == static_cast<uint64_t>(abi::RsiStatus::kIncomplete));
static_assert(MICA_RSI_ERROR_UNKNOWN == static_cast<uint64_t>(abi::RsiStatus::kErrorUnknown));
static_assert(MICA_RSI_ACCEPT == static_cast<unsigned>(abi::RsiResponse::kAccept));
static_assert(MICA_RSI_REJECT == static_cast<unsigned>(abi::RsiResponse::kReject));
static_assert(MICA_RSI_CHANGE_DESTROYED == abi::kRsiChangeDestroyed);

static_assert(MICA_MEASUREMENT_SLOTS == abi::kMeasurementSlots);
static_assert(MICA_MEASUREMENT_SIZE == abi::kMeasurementSlotSize);
static_assert(MICA_MEASUREMENT_EXTEND_MAX == abi::kMeasurementExtendMaxSize);
static_assert(MICA_ATTEST_CHALLENGE_SIZE == abi::kAttestChallengeSize);
static_assert(MICA_REALM_CONFIG_IPA_WIDTH == abi::realm_config::kIpaWidth);
static_assert(MICA_REALM_CONFIG_HASH_ALGO == abi::realm_config::kHashAlgo);
static_assert(MICA_REALM_CONFIG_RPV == abi::realm_config::kRpv);
static_assert(MICA_HOST_CALL_IMM == abi::host_call::kImm);
static_assert(MICA_HOST_CALL_GPRS == abi::host_call::kGprs);
static_assert(MICA_HOST_CALL_SIZE == abi::host_call::kSize);
static_assert(MICA_HOST_CALL_GPR_COUNT == abi::host_call::kGprCount);

static_assert(MICA_PSCI_VERSION == abi::psci::kVersion);
static_assert(MICA_PSCI_CPU_SUSPEND == abi::psci::kCpuSuspend64);
static_assert(MICA_PSCI_CPU_OFF == abi::psci::kCpuOff);
static_assert(MICA_PSCI_CPU_ON == abi::psci::kCpuOn64);
static_assert(MICA_PSCI_AFFINITY_INFO == abi::psci::kAffinityInfo64);
static_assert(MICA_PSCI_SYSTEM_OFF == abi::psci::kSystemOff);
static_assert(MICA_PSCI_SYSTEM_RESET == abi::psci::kSystemReset);
static_assert(MICA_PSCI_FEATURES == abi::psci::kFeatures);
static_assert(MICA_PSCI_SUCCESS == abi::psci::kSuccess);
static_assert(MICA_PSCI_NOT_SUPPORTED == abi::psci::kNotSupported);
static_assert(MICA_PSCI_INVALID_PARAMETERS == abi::psci::kInvalidParams);
static_assert(MICA_PSCI_DENIED == abi::psci::kDenied);
static_assert(MICA_PSCI_ALREADY_ON == abi::psci::kAlreadyOn);
static_assert(MICA_PSCI_INVALID_ADDRESS == abi::psci::kInvalidAddress);
static_assert(MICA_PSCI_AFFINITY_ON == abi::psci::kAffinityOn);
static_assert(MICA_PSCI_AFFINITY_OFF == abi::psci::kAffinityOff);

static_assert(MICA_SMCCC_VERSION_FID == abi::kSmcccVersionFid);
static_assert(MICA_SMC_UNKNOWN == abi::kSmcUnknownFunction);

// The SDK's host-call immediates must fit the 32 bits the monitor forwards.
static_assert(MICA_HOST_CALL_CONSOLE_WRITE <= 0xFFFFFFFFu && MICA_HOST_CALL_EXIT <= 0xFFFFFFFFu);
static_assert(MICA_HOST_CALL_CONSOLE_MAX == (MICA_HOST_CALL_GPR_COUNT - 1) * 8);
static_assert(MICA_HOST_CALL_ATTEST_CHUNK_MAX == (MICA_HOST_CALL_GPR_COUNT - 3) * 8);
static_assert(MICA_HOST_CALL_ATTEST_CHALLENGE <= 0xFFFFFFFFu && MICA_HOST_CALL_ATTEST_TOKEN <= 0xFFFFFFFFu);

}  // namespace
