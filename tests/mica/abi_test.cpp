// The realm SDK's C view of the Mica RSI (realm-sdk/include/mica/mica_abi.h)
// and the monitor's C++ ABI header say the same thing; checked at compile
// time, and the FID ranges the monitor and the platform route agree.
#include <gtest/gtest.h>

#include "mica/mica_abi.h"
#include "monitor/abi/mica.h"
#include "monitor/abi/rmi.h"
#include "monitor/mica_extension.h"
#include "monitor/realm_run.h"
#include "platform/machine.h"

namespace mica::monitor::testing {
namespace {

using abi::MicaRsiCommand;

static_assert(MICA_RSI_MICA_VERSION == abi::mica_rsi_fid(MicaRsiCommand::kVersion));
static_assert(MICA_RSI_WORKFLOW_INFO == abi::mica_rsi_fid(MicaRsiCommand::kWorkflowInfo));
static_assert(MICA_RSI_PEER_INFO == abi::mica_rsi_fid(MicaRsiCommand::kPeerInfo));
static_assert(MICA_RSI_CHANNEL_INFO == abi::mica_rsi_fid(MicaRsiCommand::kChannelInfo));
static_assert(MICA_RSI_GATE_WAIT == abi::mica_rsi_fid(MicaRsiCommand::kGateWait));
static_assert(MICA_RSI_GATE_CALL == abi::mica_rsi_fid(MicaRsiCommand::kGateCall));
static_assert(MICA_RSI_GATE_REPLY == abi::mica_rsi_fid(MicaRsiCommand::kGateReply));
static_assert(MICA_ABI_VERSION == abi::kMicaVersion_1_0);
static_assert(MICA_PEER_UNBOUND == static_cast<unsigned>(abi::MicaPeerState::kUnbound));
static_assert(MICA_PEER_NEW == static_cast<unsigned>(abi::MicaPeerState::kNew));
static_assert(MICA_PEER_ACTIVE == static_cast<unsigned>(abi::MicaPeerState::kActive));
static_assert(MICA_PEER_SYSTEM_OFF == static_cast<unsigned>(abi::MicaPeerState::kSystemOff));
static_assert(MICA_CHANNEL_READ == abi::kChannelRead);
static_assert(MICA_CHANNEL_WRITE == abi::kChannelWrite);
static_assert(MICA_GATE_WORDS == abi::kGateWords);
static_assert(MICA_GATE_ERR_CALLEE_UNBOUND == static_cast<unsigned>(abi::MicaGateError::kCalleeUnbound));
static_assert(MICA_GATE_ERR_CALLEE_NOT_ACTIVE == static_cast<unsigned>(abi::MicaGateError::kCalleeNotActive));
static_assert(MICA_GATE_ERR_CALLEE_NOT_WAITING == static_cast<unsigned>(abi::MicaGateError::kCalleeNotWaiting));
static_assert(MICA_GATE_ERR_ABORTED == static_cast<unsigned>(abi::MicaGateError::kAborted));
static_assert(MICA_GATE_ERR_NESTED == static_cast<unsigned>(abi::MicaGateError::kNested));
static_assert(MICA_GATE_ERR_NOT_SERVING == static_cast<unsigned>(abi::MicaGateError::kNotServing));
static_assert(MICA_GATE_ERR_CALLER_BUSY == static_cast<unsigned>(abi::MicaGateError::kCallerBusy));

// The RSI extension range the core dispatches to Mica, and the RMI range
// the platform's EL3 forwards, are the ones the Mica ABI names.
static_assert(kMicaRsiFidFirst == abi::kSipSmc64Prefix + abi::kMicaRsiFunctionFirst);
static_assert(kMicaRsiFidLast == abi::kSipSmc64Prefix + abi::kMicaRsiFunctionLast);
static_assert(platform::kMicaRmiFidFirst == abi::kSipSmc64Prefix + abi::kMicaRmiFunctionFirst);
static_assert(platform::kMicaRmiFidLast == abi::kSipSmc64Prefix + abi::kMicaRmiFunctionLast);

TEST(MicaAbi, RangesDoNotOverlapTheStandardServices) {
  EXPECT_EQ(abi::kSipSmc64Prefix, 0xC2000000u);
  EXPECT_LT(abi::kMicaRmiFunctionLast, abi::kMicaRsiFunctionFirst);
  EXPECT_TRUE(MicaExtension::is_mica_rmi(abi::mica_rmi_fid(abi::MicaRmiCommand::kShareUnmap)));
  EXPECT_FALSE(MicaExtension::is_mica_rmi(abi::mica_rsi_fid(MicaRsiCommand::kGateCall)));
  EXPECT_FALSE(MicaExtension::is_mica_rmi(abi::rmi_fid(abi::RmiCommand::kRealmActivate)));
  EXPECT_FALSE(MicaExtension::is_mica_rmi(0xC3000F00u));
}

}  // namespace
}  // namespace mica::monitor::testing
