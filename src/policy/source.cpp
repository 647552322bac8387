#include "policy/source.h"

#include <algorithm>

namespace mica::policy {

SourceFile::SourceFile(std::string name, std::string text, std::filesystem::path directory)
    : name_(std::move(name)), text_(std::move(text)), directory_(std::move(directory)) {
  line_starts_.push_back(0);
  for (uint32_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

LineColumn SourceFile::line_column(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  const auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const auto line = static_cast<uint32_t>(after - line_starts_.begin());  // 1-based
  return {line, offset - line_starts_[line - 1] + 1};
}

std::string_view SourceFile::line_text(uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  const uint32_t begin = line_starts_[line - 1];
  uint32_t end = line < line_starts_.size() ? line_starts_[line] : static_cast<uint32_t>(text_.size());
  while (end > begin && (text_[end - 1] == '\n' || text_[end - 1] == '\r')) --end;
  return std::string_view(text_).substr(begin, end - begin);
}

std::string_view SourceFile::slice(SourceRange range) const {
  if (!range.valid() || range.begin > text_.size()) return {};
  const uint32_t end = std::min<uint32_t>(range.end, static_cast<uint32_t>(text_.size()));
  return std::string_view(text_).substr(range.begin, end - range.begin);
}

}  // namespace mica::policy
