// `mica fmt`: the canonical text layout of a policy. Declarations and items
// keep their order and comments; spacing, indentation, size units, digests
// and string escapes become canonical. Formatting a formatted file changes
// nothing, and the result compiles to the same bytes as the input.
#pragma once

#include <string>

#include "policy/ast.h"
#include "policy/source.h"

namespace mica::policy {

// `file` must come from parsing `source` without lexical or syntax errors.
std::string format_policy(const SourceFile& source, const ast::File& file);

}  // namespace mica::policy
