// Recursive-descent parser for the policy language (grammar in
// docs/policy-language.md). It reports syntax errors, recovers at the next
// ';', '}' or declaration keyword, and always returns a tree of what it
// understood.
#pragma once

#include "policy/ast.h"
#include "policy/diagnostics.h"
#include "policy/source.h"

namespace mica::policy {

ast::File parse(const SourceFile& file, DiagnosticEngine& diagnostics);

}  // namespace mica::policy
