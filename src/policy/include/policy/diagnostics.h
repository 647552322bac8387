// Diagnostics of the policy compiler: declared once in diagnostics.def with
// stable codes and severities, collected by a DiagnosticEngine, printed the
// way good compilers print them:
//
//   policy.mica:12:9: error: unknown realm 'modle' [E302]
//   channel results : modle -> egress size 256 KiB;
//                     ^~~~~
//   hint: did you mean 'model'?
//   policy.mica:4:7: note: ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "policy/source.h"

namespace mica::policy {

enum class Severity : uint8_t { kError, kWarning, kNote };

enum class DiagId : uint16_t {
#define MICA_DIAG(name, code, severity, message, hint) name,
#include "policy/diagnostics.def"
#undef MICA_DIAG
};

struct DiagInfo {
  const char* code;
  Severity severity;
  const char* message;
  const char* hint;
};

const DiagInfo& diag_info(DiagId id);

// Replaces %0..%9 in `format` by `args` ("%%" is a literal percent sign).
std::string format_diag(std::string_view format, const std::vector<std::string>& args);

struct DiagNote {
  DiagId id;
  SourceRange range;
  std::string message;
};

struct Diagnostic {
  DiagId id;
  Severity severity;
  SourceRange range;
  std::string message;
  std::string hint;
  std::vector<DiagNote> notes;

  Diagnostic& note(DiagId note_id, SourceRange at, std::initializer_list<std::string> args = {});
};

class DiagnosticEngine {
 public:
  // Errors after this many are dropped, and one "too many errors" is added.
  static constexpr size_t kMaxErrors = 50;

  // The returned reference stays valid for the engine's lifetime.
  Diagnostic& report(DiagId id, SourceRange at, std::initializer_list<std::string> args = {});

  const std::deque<Diagnostic>& all() const { return diagnostics_; }
  size_t error_count() const { return errors_; }
  size_t warning_count() const { return warnings_; }
  bool has_errors() const { return errors_ > 0; }
  // Orders diagnostics [first, end) by source position (stable).
  void sort_by_position(size_t first);

 private:
  std::deque<Diagnostic> diagnostics_;
  Diagnostic discarded_{};
  size_t errors_ = 0;
  size_t warnings_ = 0;
  bool stopped_ = false;
};

struct RenderOptions {
  bool colour = false;
  bool summary = true;  // "2 errors and 1 warning generated."
};

void render(const SourceFile& file, const DiagnosticEngine& engine, std::ostream& out,
            const RenderOptions& options = {});
std::string render_to_string(const SourceFile& file, const DiagnosticEngine& engine,
                             const RenderOptions& options = {});

// True when `stream` is a terminal that should get colours (and NO_COLOR is unset).
bool wants_colour(int file_descriptor);

}  // namespace mica::policy
