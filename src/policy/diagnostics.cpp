#include "policy/diagnostics.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <ostream>
#include <sstream>

namespace mica::policy {

namespace {

constexpr std::array kDiagInfos = {
#define MICA_DIAG(name, code, severity, message, hint) DiagInfo{code, Severity::severity, message, hint},
#include "policy/diagnostics.def"
#undef MICA_DIAG
};

const char* severity_name(Severity severity) {
  switch (severity) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kNote: return "note";
  }
  return "error";
}

// ANSI styles, used only when colours are wanted.
struct Style {
  bool on;
  std::string_view bold() const { return on ? "\033[1m" : ""; }
  std::string_view reset() const { return on ? "\033[0m" : ""; }
  std::string_view caret() const { return on ? "\033[1;32m" : ""; }
  std::string_view severity(Severity severity) const {
    if (!on) return "";
    switch (severity) {
      case Severity::kError: return "\033[1;31m";
      case Severity::kWarning: return "\033[1;35m";
      case Severity::kNote: return "\033[1;36m";
    }
    return "";
  }
};

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The caret line under `line`: spaces (tabs kept, so the terminal aligns both
// lines alike) up to `from`, then '^' and '~' up to `to` (byte columns, 0-based).
std::string caret_line(std::string_view line, size_t from, size_t to) {
  std::string out;
  from = std::min(from, line.size());
  to = std::min(std::max(to, from + 1), std::max(line.size(), from + 1));
  for (size_t i = 0; i < from; ++i) {
    if (is_utf8_continuation(line[i])) continue;
    out += line[i] == '\t' ? '\t' : ' ';
  }
  out += '^';
  for (size_t i = from + 1; i < to; ++i) {
    if (i < line.size() && is_utf8_continuation(line[i])) continue;
    out += '~';
  }
  return out;
}

void render_location(const SourceFile& file, SourceRange range, const Style& style,
                     std::ostream& out) {
  out << style.bold() << file.name();
  if (range.valid()) {
    const LineColumn at = file.line_column(range.begin);
    out << ':' << at.line << ':' << at.column;
  }
  out << ':' << style.reset() << ' ';
}

void render_snippet(const SourceFile& file, SourceRange range, const Style& style, std::ostream& out) {
  if (!range.valid()) return;
  const LineColumn at = file.line_column(range.begin);
  const std::string_view line = file.line_text(at.line);
  const size_t from = at.column - 1;
  // A range spanning lines is underlined to the end of its first line.
  const LineColumn end = file.line_column(range.end);
  const size_t to = end.line == at.line ? end.column - 1 : line.size();
  out << line << '\n';
  out << style.caret() << caret_line(line, from, to) << style.reset() << '\n';
}

void render_one(const SourceFile& file, const Diagnostic& diagnostic, const Style& style,
                std::ostream& out) {
  render_location(file, diagnostic.range, style, out);
  out << style.severity(diagnostic.severity) << severity_name(diagnostic.severity) << ':'
      << style.reset() << ' ' << style.bold() << diagnostic.message << " ["
      << diag_info(diagnostic.id).code << ']' << style.reset() << '\n';
  render_snippet(file, diagnostic.range, style, out);
  if (!diagnostic.hint.empty()) out << style.bold() << "hint:" << style.reset() << ' ' << diagnostic.hint << '\n';
  for (const DiagNote& note : diagnostic.notes) {
    render_location(file, note.range, style, out);
    out << style.severity(Severity::kNote) << "note:" << style.reset() << ' ' << note.message << '\n';
    render_snippet(file, note.range, style, out);
  }
}

std::string plural(size_t count, std::string_view word) {
  std::string text = std::to_string(count) + ' ' + std::string(word);
  if (count != 1) text += 's';
  return text;
}

}  // namespace

const DiagInfo& diag_info(DiagId id) { return kDiagInfos.at(static_cast<size_t>(id)); }

std::string format_diag(std::string_view format, const std::vector<std::string>& args) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '%' && i + 1 < format.size()) {
      const char next = format[i + 1];
      if (next >= '0' && next <= '9') {
        const auto index = static_cast<size_t>(next - '0');
        if (index < args.size()) out += args[index];
        ++i;
        continue;
      }
      if (next == '%') {
        out += '%';
        ++i;
        continue;
      }
    }
    out += format[i];
  }
  return out;
}

Diagnostic& Diagnostic::note(DiagId note_id, SourceRange at, std::initializer_list<std::string> args) {
  notes.push_back(DiagNote{note_id, at, format_diag(diag_info(note_id).message, args)});
  return *this;
}

Diagnostic& DiagnosticEngine::report(DiagId id, SourceRange at, std::initializer_list<std::string> args) {
  const DiagInfo& info = diag_info(id);
  const std::vector<std::string> arguments(args);
  if (stopped_) {
    discarded_ = Diagnostic{id, info.severity, at, {}, {}, {}};
    return discarded_;
  }
  if (info.severity == Severity::kError && errors_ == kMaxErrors) {
    stopped_ = true;
    const DiagInfo& stop = diag_info(DiagId::kTooManyErrors);
    diagnostics_.push_back(Diagnostic{DiagId::kTooManyErrors, stop.severity, at, stop.message, {}, {}});
    ++errors_;
    discarded_ = Diagnostic{id, info.severity, at, {}, {}, {}};
    return discarded_;
  }
  if (info.severity == Severity::kError) ++errors_;
  if (info.severity == Severity::kWarning) ++warnings_;
  diagnostics_.push_back(Diagnostic{id, info.severity, at, format_diag(info.message, arguments),
                                    format_diag(info.hint, arguments), {}});
  return diagnostics_.back();
}

void DiagnosticEngine::sort_by_position(size_t first) {
  if (first >= diagnostics_.size()) return;
  // "too many errors" stays last wherever it was found.
  auto end = diagnostics_.end();
  if (stopped_ && diagnostics_.back().id == DiagId::kTooManyErrors) --end;
  std::stable_sort(diagnostics_.begin() + static_cast<std::ptrdiff_t>(first), end,
                   [](const Diagnostic& a, const Diagnostic& b) { return a.range.begin < b.range.begin; });
}

void render(const SourceFile& file, const DiagnosticEngine& engine, std::ostream& out,
            const RenderOptions& options) {
  const Style style{options.colour};
  for (const Diagnostic& diagnostic : engine.all()) render_one(file, diagnostic, style, out);
  if (options.summary && (engine.error_count() > 0 || engine.warning_count() > 0)) {
    std::string summary;
    if (engine.error_count() > 0) summary = plural(engine.error_count(), "error");
    if (engine.warning_count() > 0) {
      if (!summary.empty()) summary += " and ";
      summary += plural(engine.warning_count(), "warning");
    }
    out << summary << " generated.\n";
  }
}

std::string render_to_string(const SourceFile& file, const DiagnosticEngine& engine,
                             const RenderOptions& options) {
  std::ostringstream out;
  render(file, engine, out, options);
  return out.str();
}

bool wants_colour(int file_descriptor) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && no_colour[0] != '\0') return false;
  return isatty(file_descriptor) == 1;
}

}  // namespace mica::policy
