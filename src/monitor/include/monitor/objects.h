// Vocabulary of the monitor's realm objects that introspection and the test
// hooks of monitor.h expose: realm states and a REC's pending requests.
#pragma once

#include <cstdint>

#include "monitor/abi/rmi.h"
#include "monitor/types.h"

namespace mica::monitor {

using abi::Ripas;

enum class RealmState : uint8_t {
  kNew = 0,
  kActive = 1,
  kSystemOff = 2,
};
const char* realm_state_name(RealmState state);

// A RIPAS change the realm asked for with RSI_IPA_STATE_SET and the host
// works through with RMI_RTT_SET_RIPAS. Pending while base != top.
struct RipasChangeRequest {
  Ipa base;
  Ipa top;
  Ipa progress;              // next IPA whose RIPAS has not been changed yet
  Ripas value = Ripas::kEmpty;
  bool change_destroyed = false;
  abi::RmiResponse response = abi::RmiResponse::kAccept;
};

}  // namespace mica::monitor
