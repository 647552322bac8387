// Tokens of the policy language. The lexer reports lexical errors itself and
// always produces a usable token stream (ending in kEnd), so that the parser
// can go on and report every other error too.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/types.h"
#include "policy/diagnostics.h"
#include "policy/source.h"

namespace mica::policy {

enum class TokenKind : uint8_t {
  kEnd,
  kIdentifier,
  kKeyword,
  kInteger,
  kString,
  kDigest,      // sha256:<hex> or sha512:<hex>
  kLeftBrace,   // {
  kRightBrace,  // }
  kSemicolon,   // ;
  kColon,       // :
  kComma,       // ,
  kArrow,       // ->
  kBothArrow,   // <->
  kNotArrow,    // !->
};

// Reserved words. Size units and PSCI function names are not reserved: they
// are identifiers that the parser interprets where they may appear.
enum class Keyword : uint8_t {
  kNotKeyword,
  kWorkflow,
  kRealm,
  kChannel,
  kGate,
  kRequire,
  kMeasurement,
  kImage,
  kAny,
  kMemory,
  kRecs,
  kUntrusted,
  kNone,
  kWindow,
  kIn,
  kOut,
  kAt,
  kHostCalls,
  kMmio,
  kRipas,
  kPsci,
  kAllow,
  kDeny,
  kSize,
  kExcept,
  kVia,
  kUsing,
};

std::string_view keyword_spelling(Keyword keyword);

struct Token {
  TokenKind kind = TokenKind::kEnd;
  Keyword keyword = Keyword::kNotKeyword;
  SourceRange range;
  std::string_view text;            // the token's source text
  uint64_t integer = 0;             // kInteger
  uint32_t payload = 0;             // kString: index in LexResult::strings; kDigest: in LexResult::digests
  monitor::HashAlgo digest_algo = monitor::HashAlgo::kSha256;  // kDigest
  bool malformed = false;           // a lexical error about it was reported
  bool after_garbage = false;       // unexpected characters (reported) come right before it

  bool is(TokenKind k) const { return kind == k; }
  bool is(Keyword k) const { return kind == TokenKind::kKeyword && keyword == k; }
};

struct Comment {
  SourceRange range;
  std::string_view text;  // including the comment markers
};

// Token values that need storage live beside the tokens, which stay small
// (a policy of 10,000 realms has about 650,000 of them).
struct LexResult {
  std::vector<Token> tokens;  // always ends with kEnd
  std::vector<Comment> comments;
  std::vector<std::string> strings;           // string literals, escapes decoded
  std::vector<std::vector<uint8_t>> digests;  // digest literals
};

LexResult lex(const SourceFile& file, DiagnosticEngine& diagnostics);

// How a token is named in "expected X, found Y": "';'", "keyword 'realm'",
// "name 'ingest'", "end of file", ...
std::string describe(const Token& token);

}  // namespace mica::policy
