// The measurement of the monitor's own build, which the platform token lists
// as its software component of type "RMM" (docs/attestation.md §3).
//
// It is SHA-256 of the monitor library archive (libmica_monitor.a) the
// emulator links: computed when the platform library is built, after the
// monitor, so any change to the monitor's compiled code (its sources, the
// compiler, the flags, a sanitizer build) changes it. On hardware the
// platform's boot ROM measures the RMM image it loads; the library archive is
// the closest thing the emulator has to that image. It identifies a build,
// not a source version: two build directories with different flags or debug
// paths measure differently, so reference values come from the build that runs.
#pragma once

#include <array>
#include <cstdint>

namespace mica::platform {

extern const std::array<uint8_t, 32> kMonitorBuildMeasurement;
// What was measured, for people ("SHA-256 of libmica_monitor.a").
extern const char* const kMonitorBuildMeasured;
// The project version the monitor was built from (the component's version field).
extern const char* const kMonitorBuildVersion;

}  // namespace mica::platform
