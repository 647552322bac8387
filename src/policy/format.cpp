#include "policy/format.h"

#include <cstdio>

#include "policy/model.h"

namespace mica::policy {

namespace {

template <class... Visitors>
struct Overloaded : Visitors... {
  using Visitors::operator()...;
};
template <class... Visitors>
Overloaded(Visitors...) -> Overloaded<Visitors...>;

std::string quote(const std::string& value) {
  std::string out = "\"";
  for (const char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\0': out += "\\0"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned>(c));
          out += escape;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string size_text(const ast::Size& size) { return format_size(size.bytes); }

std::string hex_offset(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

std::string names(const std::vector<ast::Name>& list) {
  std::string out;
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ", ";
    out += list[i].text;
  }
  return out;
}

class Formatter {
 public:
  Formatter(const SourceFile& source, const ast::File& file) : source_(source), file_(file) {}

  std::string run() {
    if (file_.workflow) {
      leading(file_.workflow_range.begin, 0);
      line(0, "workflow " + file_.workflow->text + ";", file_.workflow_range.end);
    }
    bool previous_was_realm = true;  // the workflow line is followed by a blank line
    for (const ast::Declaration& declaration : file_.declarations) {
      const SourceRange range = ast::range_of(declaration);
      const bool is_realm = std::holds_alternative<ast::Realm>(declaration);
      const bool blank = is_realm || previous_was_realm || blank_before(first_offset_before(range.begin));
      if (blank && !out_.empty()) out_ += '\n';
      leading(range.begin, 0);
      std::visit(Overloaded{
                     [&](const ast::Realm& realm) { format_realm(realm); },
                     [&](const ast::Channel& channel) { format_channel(channel); },
                     [&](const ast::Gate& gate) {
                       line(0, "gate " + gate.caller.text + " -> " + gate.callee.text + ";", gate.range.end);
                     },
                     [&](const ast::Require& require) { format_require(require); },
                 },
                 declaration);
      previous_was_realm = is_realm;
    }
    if (next_comment_ < file_.comments.size() && !out_.empty()) out_ += '\n';
    leading(static_cast<uint32_t>(source_.text().size()) + 1, 0);
    return out_;
  }

 private:
  static std::string indent(int depth) { return std::string(static_cast<size_t>(depth) * 2, ' '); }

  // Where the declaration's leading comments start (or the declaration itself).
  uint32_t first_offset_before(uint32_t begin) const {
    return next_comment_ < file_.comments.size() && file_.comments[next_comment_].range.begin < begin
               ? file_.comments[next_comment_].range.begin
               : begin;
  }

  // True when an empty line separates `offset` from the text before it.
  bool blank_before(uint32_t offset) const {
    const std::string& text = source_.text();
    int newlines = 0;
    for (size_t i = offset; i > 0; --i) {
      const char c = text[i - 1];
      if (c == '\n') {
        ++newlines;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        break;
      }
    }
    return newlines >= 2;
  }

  // Comments that start before `offset`, each on its own line; an empty line
  // between them, or between the last of them and `offset`, is kept.
  void leading(uint32_t offset, int depth) {
    bool first = true;
    while (next_comment_ < file_.comments.size() && file_.comments[next_comment_].range.begin < offset) {
      const Comment& comment = file_.comments[next_comment_++];
      if (!first && blank_before(comment.range.begin)) out_ += '\n';
      out_ += indent(depth) + std::string(comment.text) + '\n';
      first = false;
    }
    if (!first && offset < source_.text().size() && blank_before(offset)) out_ += '\n';
  }

  // One output line; a comment that follows `end` on the same source line,
  // with nothing but punctuation between, stays at the end of it.
  void line(int depth, const std::string& text, uint32_t end) {
    out_ += indent(depth) + text;
    const uint32_t end_line = source_.line_column(end > 0 ? end - 1 : 0).line;
    while (next_comment_ < file_.comments.size()) {
      const Comment& comment = file_.comments[next_comment_];
      if (comment.range.begin < end || source_.line_column(comment.range.begin).line != end_line) break;
      const std::string_view between = source_.slice({end, comment.range.begin});
      if (between.find_first_not_of(" \t{};") != std::string_view::npos) break;
      out_ += "  " + std::string(comment.text);
      ++next_comment_;
    }
    out_ += '\n';
  }

  void format_realm(const ast::Realm& realm) {
    line(0, "realm " + realm.name.text + " {", realm.name.range.end);
    for (const ast::RealmItem& item : realm.items) {
      const SourceRange range = ast::range_of(item);
      leading(range.begin, 1);
      std::visit(Overloaded{
                     [&](const ast::MeasurementItem& measurement) { format_measurements(measurement); },
                     [&](const ast::MemoryItem& memory) {
                       line(1, "memory " + size_text(memory.size) + ";", memory.range.end);
                     },
                     [&](const ast::RecsItem& recs) {
                       line(1, "recs " + std::to_string(recs.count) + ";", recs.range.end);
                     },
                     [&](const ast::UntrustedItem& untrusted) { format_untrusted(untrusted); },
                 },
                 item);
    }
    leading(realm.close_range.begin, 1);
    line(0, "}", realm.close_range.end);
  }

  void format_measurements(const ast::MeasurementItem& item) {
    std::string text = "measurement ";
    for (size_t i = 0; i < item.measurements.size(); ++i) {
      const ast::Measurement& m = item.measurements[i];
      if (i > 0) text += ", ";
      switch (m.kind) {
        case ast::Measurement::Kind::kAny: text += "any"; break;
        case ast::Measurement::Kind::kDigest:
          text += std::string(m.algo == HashAlgo::kSha256 ? "sha256:" : "sha512:") + hex_string(m.digest);
          break;
        case ast::Measurement::Kind::kImage:
          text += "image " + quote(m.image);
          if (m.explicit_algo) text += m.algo == HashAlgo::kSha256 ? " using sha256" : " using sha512";
          break;
      }
    }
    line(1, text + ";", item.range.end);
  }

  void format_untrusted(const ast::UntrustedItem& item) {
    if (item.none) {
      line(1, "untrusted none;", item.range.end);
      return;
    }
    line(1, "untrusted {", item.keyword_range.end);
    for (const ast::PathItem& path : item.paths) {
      const SourceRange range = ast::range_of(path);
      leading(range.begin, 2);
      std::visit(Overloaded{
                     [&](const ast::WindowItem& window) {
                       std::string text = "window " + window.name.text +
                                          (window.direction == WindowDirection::kIn ? " in " : " out ") +
                                          size_text(window.size);
                       if (window.at) text += " at " + hex_offset(*window.at);
                       line(2, text + ";", window.range.end);
                     },
                     [&](const ast::SwitchItem& item_switch) {
                       static constexpr const char* kNames[] = {"host_calls", "mmio", "ripas"};
                       line(2, std::string(kNames[static_cast<size_t>(item_switch.which)]) +
                                   (item_switch.allow ? " allow;" : " deny;"),
                            item_switch.range.end);
                     },
                     [&](const ast::PsciItem& psci) {
                       std::string text = "psci ";
                       if (psci.mode == ast::PsciItem::Mode::kAllow) text += "allow";
                       if (psci.mode == ast::PsciItem::Mode::kDeny) text += "deny";
                       if (psci.mode == ast::PsciItem::Mode::kList) text += names(psci.functions);
                       line(2, text + ";", psci.range.end);
                     },
                 },
                 path);
    }
    leading(item.close_range.begin, 2);
    line(1, "}", item.close_range.end);
  }

  void format_channel(const ast::Channel& channel) {
    std::string text = "channel " + channel.name.text + " : " + channel.writer.text +
                       (channel.bidirectional ? " <-> " : " -> ") + names(channel.readers) + " size " +
                       size_text(channel.size) + ";";
    line(0, text, channel.range.end);
  }

  void format_require(const ast::Require& require) {
    std::string text = "require " + require.from.text + " !-> " + (require.to ? require.to->text : "untrusted");
    if (!require.via.empty()) text += " except via " + names(require.via);
    line(0, text + ";", require.range.end);
  }

  const SourceFile& source_;
  const ast::File& file_;
  std::string out_;
  size_t next_comment_ = 0;
};

}  // namespace

std::string format_policy(const SourceFile& source, const ast::File& file) { return Formatter(source, file).run(); }

}  // namespace mica::policy
