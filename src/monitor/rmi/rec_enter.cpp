// RMI_REC_ENTER runs a REC on the realm CPU and turns its exits into
// RmiRecExit records (RMM 1.0 §5). It needs the realm CPU (src/vcpu) and the
// RSI handlers, which are not part of the monitor core yet: until that work
// fills this handler in, the command is answered as not implemented
// (SMC_UNKNOWN), so a host cannot mistake it for a REC that ran.
#include "rmi/handlers.h"

namespace mica::monitor::rmi {

Status rmi_rec_enter(Context&, const SmcArgs&, Outputs&) { return unknown_function(); }

}  // namespace mica::monitor::rmi
