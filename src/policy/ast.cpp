#include "policy/ast.h"

namespace mica::policy::ast {

std::string_view unit_spelling(SizeUnit unit) {
  switch (unit) {
    case SizeUnit::kBytes: return "B";
    case SizeUnit::kKiB: return "KiB";
    case SizeUnit::kMiB: return "MiB";
    case SizeUnit::kGiB: return "GiB";
    case SizeUnit::kTiB: return "TiB";
  }
  return "B";
}

uint64_t unit_bytes(SizeUnit unit) {
  switch (unit) {
    case SizeUnit::kBytes: return 1;
    case SizeUnit::kKiB: return uint64_t{1} << 10;
    case SizeUnit::kMiB: return uint64_t{1} << 20;
    case SizeUnit::kGiB: return uint64_t{1} << 30;
    case SizeUnit::kTiB: return uint64_t{1} << 40;
  }
  return 1;
}

SourceRange range_of(const Declaration& declaration) {
  return std::visit([](const auto& node) { return node.range; }, declaration);
}

SourceRange range_of(const RealmItem& item) {
  return std::visit([](const auto& node) { return node.range; }, item);
}

SourceRange range_of(const PathItem& item) {
  return std::visit([](const auto& node) { return node.range; }, item);
}

}  // namespace mica::policy::ast
