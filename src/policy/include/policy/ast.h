// Syntax tree of a policy file, as written: declaration order, spelling of
// sizes and every source range kept. Meaning (resolved names, canonical order)
// is the checker's business (policy/model.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mica/policy_schema.h"
#include "monitor/types.h"
#include "policy/lexer.h"
#include "policy/source.h"

namespace mica::policy::ast {

struct Name {
  std::string text;
  SourceRange range;
};

enum class SizeUnit : uint8_t { kBytes, kKiB, kMiB, kGiB, kTiB };

struct Size {
  uint64_t amount = 0;  // as written, in `unit`
  SizeUnit unit = SizeUnit::kBytes;
  uint64_t bytes = 0;   // amount x unit
  bool valid = false;   // false after a syntax or overflow error (already reported)
  SourceRange range;
};

struct Measurement {
  enum class Kind : uint8_t { kDigest, kImage, kAny };
  Kind kind = Kind::kDigest;
  monitor::HashAlgo algo = monitor::HashAlgo::kSha256;  // digest, or the image's RIM algorithm
  std::vector<uint8_t> digest;                          // kDigest
  std::string image;                                    // kImage: the path as written
  bool explicit_algo = false;                           // kImage: `using shaNNN` given
  bool valid = true;
  SourceRange range;
};

// measurement M {, M} ;
struct MeasurementItem {
  std::vector<Measurement> measurements;
  SourceRange range;
};

// memory SIZE ;
struct MemoryItem {
  Size size;
  SourceRange range;
};

// recs N ;
struct RecsItem {
  uint64_t count = 0;
  bool valid = false;
  SourceRange count_range;
  SourceRange range;
};

// window NAME (in|out) SIZE [at OFFSET] ;
struct WindowItem {
  Name name;
  monitor::policy::schema::WindowDirection direction = monitor::policy::schema::WindowDirection::kIn;
  Size size;
  std::optional<uint64_t> at;
  SourceRange at_range;
  SourceRange range;
};

enum class Switch : uint8_t { kHostCalls, kMmio, kRipas };

// (host_calls|mmio|ripas) (allow|deny) ;
struct SwitchItem {
  Switch which = Switch::kHostCalls;
  bool allow = false;
  SourceRange range;
};

// psci (allow | deny | FUNCTION {, FUNCTION}) ;
struct PsciItem {
  enum class Mode : uint8_t { kAllow, kDeny, kList };
  Mode mode = Mode::kDeny;
  std::vector<Name> functions;  // kList
  uint8_t mask = 0;             // functions known so far (unknown ones reported)
  SourceRange range;
};

using PathItem = std::variant<WindowItem, SwitchItem, PsciItem>;

// untrusted none ;  |  untrusted { PATH_ITEM... }
struct UntrustedItem {
  bool none = false;
  std::vector<PathItem> paths;
  SourceRange keyword_range;
  SourceRange range;
  SourceRange close_range;  // the closing '}' (fmt puts comments before it)
};

using RealmItem = std::variant<MeasurementItem, MemoryItem, RecsItem, UntrustedItem>;

// realm NAME { REALM_ITEM... }
struct Realm {
  Name name;
  std::vector<RealmItem> items;
  bool had_error = false;  // the parser recovered inside: missing items are not reported
  SourceRange range;
  SourceRange close_range;
};

// channel NAME : W -> R {, R} size SIZE ;  |  channel NAME : A <-> B size SIZE ;
struct Channel {
  Name name;
  Name writer;
  std::vector<Name> readers;
  bool bidirectional = false;
  Size size;
  SourceRange range;
};

// gate CALLER -> CALLEE ;
struct Gate {
  Name caller;
  Name callee;
  SourceRange range;
};

// require FROM !-> (NAME | untrusted) [except via NAME {, NAME}] ;
struct Require {
  Name from;
  std::optional<Name> to;  // empty: untrusted
  SourceRange to_range;
  std::vector<Name> via;
  SourceRange range;
};

using Declaration = std::variant<Realm, Channel, Gate, Require>;

struct File {
  std::optional<Name> workflow;
  SourceRange workflow_range;
  std::vector<Declaration> declarations;
  std::vector<Comment> comments;
};

std::string_view unit_spelling(SizeUnit unit);
uint64_t unit_bytes(SizeUnit unit);
SourceRange range_of(const Declaration& declaration);
SourceRange range_of(const RealmItem& item);
SourceRange range_of(const PathItem& item);

}  // namespace mica::policy::ast
