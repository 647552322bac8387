// A policy source file and positions in it. Every syntax node and every
// diagnostic carries a byte range into the one file being compiled.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace mica::policy {

// Byte offsets [begin, end) into the source text. A default range is
// "nowhere": it belongs to things that do not come from source text
// (a policy decoded from CBOR, for instance).
struct SourceRange {
  static constexpr uint32_t kNowhere = ~uint32_t{0};
  uint32_t begin = kNowhere;
  uint32_t end = kNowhere;

  bool valid() const { return begin != kNowhere; }
  static SourceRange span(SourceRange first, SourceRange last) { return {first.begin, last.end}; }
  friend bool operator==(const SourceRange&, const SourceRange&) = default;
};

struct LineColumn {
  uint32_t line = 0;    // 1-based
  uint32_t column = 0;  // 1-based, in bytes
};

class SourceFile {
 public:
  // `name` is how diagnostics refer to the file; `directory` is where
  // relative image paths are resolved.
  SourceFile(std::string name, std::string text, std::filesystem::path directory = {});

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  const std::filesystem::path& directory() const { return directory_; }

  LineColumn line_column(uint32_t offset) const;
  // The line's text without its line terminator.
  std::string_view line_text(uint32_t line) const;
  uint32_t line_count() const { return static_cast<uint32_t>(line_starts_.size()); }
  std::string_view slice(SourceRange range) const;

 private:
  std::string name_;
  std::string text_;
  std::filesystem::path directory_;
  std::vector<uint32_t> line_starts_;
};

}  // namespace mica::policy
