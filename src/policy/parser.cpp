#include "policy/parser.h"

#include <array>
#include <utility>

namespace mica::policy {

namespace {

using ast::SizeUnit;
namespace schema = monitor::policy::schema;

struct UnitSpelling {
  std::string_view text;
  SizeUnit unit;
};
constexpr std::array<UnitSpelling, 5> kUnits = {{
    {"B", SizeUnit::kBytes}, {"KiB", SizeUnit::kKiB}, {"MiB", SizeUnit::kMiB},
    {"GiB", SizeUnit::kGiB}, {"TiB", SizeUnit::kTiB},
}};
// Decimal (and sloppy) spellings people write, with the binary unit meant.
constexpr std::array<UnitSpelling, 12> kDecimalUnits = {{
    {"KB", SizeUnit::kKiB}, {"kB", SizeUnit::kKiB}, {"K", SizeUnit::kKiB}, {"k", SizeUnit::kKiB},
    {"MB", SizeUnit::kMiB}, {"M", SizeUnit::kMiB}, {"GB", SizeUnit::kGiB}, {"G", SizeUnit::kGiB},
    {"TB", SizeUnit::kTiB}, {"T", SizeUnit::kTiB}, {"KIB", SizeUnit::kKiB}, {"MIB", SizeUnit::kMiB},
}};

struct PsciSpelling {
  std::string_view text;
  uint8_t bit;
};
constexpr std::array<PsciSpelling, 5> kPsciFunctions = {{
    {"cpu_on", schema::kPsciCpuOn},
    {"cpu_off", schema::kPsciCpuOff},
    {"cpu_suspend", schema::kPsciCpuSuspend},
    {"affinity_info", schema::kPsciAffinityInfo},
    {"system_reset", schema::kPsciSystemReset},
}};

bool is_declaration_keyword(const Token& token) {
  return token.is(Keyword::kRealm) || token.is(Keyword::kChannel) || token.is(Keyword::kGate) ||
         token.is(Keyword::kRequire) || token.is(Keyword::kWorkflow);
}
bool is_realm_item_keyword(const Token& token) {
  return token.is(Keyword::kMeasurement) || token.is(Keyword::kMemory) || token.is(Keyword::kRecs) ||
         token.is(Keyword::kUntrusted);
}
bool is_path_keyword(const Token& token) {
  return token.is(Keyword::kWindow) || token.is(Keyword::kHostCalls) || token.is(Keyword::kMmio) ||
         token.is(Keyword::kRipas) || token.is(Keyword::kPsci);
}

class Parser {
 public:
  Parser(const SourceFile& file, DiagnosticEngine& diagnostics)
      : file_(file), diagnostics_(diagnostics) {
    LexResult lexed = lex(file, diagnostics);
    tokens_ = std::move(lexed.tokens);
    strings_ = std::move(lexed.strings);
    digests_ = std::move(lexed.digests);
    result_.comments = std::move(lexed.comments);
  }

  // file = "workflow" NAME ";" { declaration } EOF
  ast::File run() {
    parse_workflow();
    while (!at(TokenKind::kEnd)) {
      const size_t before = index_;
      if (!parse_declaration()) synchronize_declaration();
      if (index_ == before) advance();  // never stall on a token nothing wants
    }
    return std::move(result_);
  }

 private:
  // --- token access ----------------------------------------------------------
  const Token& peek(size_t ahead = 0) const {
    const size_t at = index_ + ahead;
    return at < tokens_.size() ? tokens_[at] : tokens_.back();
  }
  bool at(TokenKind kind) const { return peek().is(kind); }
  bool at(Keyword keyword) const { return peek().is(keyword); }
  const Token& advance() {
    const Token& token = peek();
    if (index_ + 1 < tokens_.size()) ++index_;
    previous_end_ = token.range.end;
    previous_malformed_ = token.malformed;
    return token;
  }
  bool accept(TokenKind kind) {
    if (!at(kind)) return false;
    advance();
    return true;
  }
  bool accept(Keyword keyword) {
    if (!at(keyword)) return false;
    advance();
    return true;
  }
  SourceRange from(SourceRange begin) const { return {begin.begin, previous_end_}; }

  // "expected X, found Y". A missing terminator is shown right after the
  // previous token when what follows is on another line.
  void error_expected(std::string_view what) {
    const Token& found = peek();
    SourceRange where = found.range;
    if (index_ > 0) {
      const uint32_t previous_line = file_.line_column(previous_end_).line;
      if (found.is(TokenKind::kEnd) || file_.line_column(found.range.begin).line != previous_line) {
        where = {previous_end_, previous_end_};
      }
    }
    // The lexer has said what is wrong with a malformed token; what is
    // missing right after one (an unterminated string ate the ';') is a
    // consequence, not a second cause.
    if (found.malformed || found.after_garbage || previous_malformed_) return;
    diagnostics_.report(DiagId::kExpected, where, {std::string(what), describe(found)});
  }
  bool expect(TokenKind kind, std::string_view what) {
    if (accept(kind)) return true;
    error_expected(what);
    return false;
  }
  bool expect(Keyword keyword) {
    if (accept(keyword)) return true;
    std::string quoted = "'";  // (appended, not concatenated: GCC 12's -Wrestrict misfires)
    quoted += keyword_spelling(keyword);
    quoted += '\'';
    error_expected(quoted);
    return false;
  }

  // NAME. Where a declaration introduces a name, a keyword there is reported
  // as a keyword used as a name; elsewhere as what it is.
  bool parse_name(ast::Name& name, std::string_view what, bool declaring = false) {
    const Token& token = peek();
    if (token.is(TokenKind::kIdentifier)) {
      name.text = std::string(token.text);
      name.range = token.range;
      advance();
      return !token.malformed;
    }
    if (declaring && token.is(TokenKind::kKeyword)) {
      diagnostics_.report(DiagId::kKeywordAsName, token.range, {std::string(token.text)});
      return false;
    }
    error_expected(what);
    return false;
  }

  // --- recovery ----------------------------------------------------------------
  // Skips to just after the next ';' or to the next declaration keyword, at
  // brace depth zero.
  void synchronize_declaration() {
    int depth = 0;
    while (!at(TokenKind::kEnd)) {
      const Token& token = peek();
      if (depth == 0 && is_declaration_keyword(token)) return;
      if (token.is(TokenKind::kLeftBrace)) ++depth;
      if (token.is(TokenKind::kRightBrace)) {
        if (depth == 0) {  // a stray '}': drop it
          advance();
          return;
        }
        if (--depth == 0) {
          advance();
          return;
        }
      }
      advance();
      if (depth == 0 && token.is(TokenKind::kSemicolon)) return;
    }
  }

  // Inside a block: skips to just after ';', or to '}', the next item keyword
  // or a declaration keyword (not consumed).
  void synchronize_item(bool (*is_item_keyword)(const Token&)) {
    int depth = 0;
    while (!at(TokenKind::kEnd)) {
      const Token& token = peek();
      if (depth == 0 && (token.is(TokenKind::kRightBrace) || is_item_keyword(token) ||
                         is_declaration_keyword(token))) {
        return;
      }
      if (token.is(TokenKind::kLeftBrace)) ++depth;
      if (token.is(TokenKind::kRightBrace)) --depth;
      advance();
      if (depth == 0 && token.is(TokenKind::kSemicolon)) return;
    }
  }

  // --- declarations ------------------------------------------------------------
  // "workflow" NAME ";"
  void parse_workflow() {
    const Token& first = peek();
    if (!first.is(Keyword::kWorkflow)) {
      if (!first.malformed) diagnostics_.report(DiagId::kExpectedWorkflow, first.range, {describe(first)});
      return;
    }
    advance();
    ast::Name name;
    if (parse_name(name, "the workflow's name", true) && expect(TokenKind::kSemicolon, "';'")) {
      result_.workflow = std::move(name);
      result_.workflow_range = from(first.range);
      return;
    }
    if (!name.text.empty()) result_.workflow = std::move(name);
    result_.workflow_range = from(first.range);
    synchronize_declaration();
  }

  // declaration = realm | channel | gate | require
  bool parse_declaration() {
    const Token& token = peek();
    if (token.is(Keyword::kRealm)) return parse_realm();
    if (token.is(Keyword::kChannel)) return parse_channel();
    if (token.is(Keyword::kGate)) return parse_gate();
    if (token.is(Keyword::kRequire)) return parse_require();
    if (token.is(Keyword::kWorkflow)) {
      diagnostics_.report(DiagId::kSecondWorkflow, token.range);
      advance();
      return false;
    }
    if (!token.malformed && !token.after_garbage) diagnostics_.report(DiagId::kExpectedDeclaration, token.range, {describe(token)});
    return false;
  }

  // realm = "realm" NAME "{" { realm_item } "}"
  bool parse_realm() {
    ast::Realm realm;
    const SourceRange begin = advance().range;
    if (!parse_name(realm.name, "the realm's name", true) || !expect(TokenKind::kLeftBrace, "'{'")) {
      // Keep what was understood so that uses of the name resolve.
      if (!realm.name.text.empty() && at(TokenKind::kLeftBrace)) {
        advance();
        realm.had_error = true;
        parse_realm_body(realm);
        realm.range = from(begin);
        result_.declarations.emplace_back(std::move(realm));
        return true;
      }
      return false;
    }
    parse_realm_body(realm);
    realm.range = from(begin);
    result_.declarations.emplace_back(std::move(realm));
    return true;
  }

  void parse_realm_body(ast::Realm& realm) {
    while (!at(TokenKind::kRightBrace)) {
      if (at(TokenKind::kEnd) || is_declaration_keyword(peek())) {
        error_expected("'}' to close realm '" + realm.name.text + "'");
        realm.had_error = true;
        return;
      }
      const size_t before = index_;
      if (!parse_realm_item(realm)) {
        realm.had_error = true;
        synchronize_item(is_realm_item_keyword);
        if (index_ == before) advance();
      }
    }
    realm.close_range = peek().range;
    advance();
  }

  // realm_item = measurement_item | memory_item | recs_item | untrusted_item
  bool parse_realm_item(ast::Realm& realm) {
    const Token& token = peek();
    if (token.is(Keyword::kMeasurement)) return parse_measurement_item(realm);
    if (token.is(Keyword::kMemory)) return parse_memory_item(realm);
    if (token.is(Keyword::kRecs)) return parse_recs_item(realm);
    if (token.is(Keyword::kUntrusted)) return parse_untrusted_item(realm);
    if (!token.malformed && !token.after_garbage) diagnostics_.report(DiagId::kExpectedRealmItem, token.range, {describe(token)});
    return false;
  }

  // measurement_item = "measurement" measurement { "," measurement } ";"
  bool parse_measurement_item(ast::Realm& realm) {
    ast::MeasurementItem item;
    const SourceRange begin = advance().range;
    do {
      ast::Measurement measurement;
      if (!parse_measurement(measurement)) return false;
      item.measurements.push_back(std::move(measurement));
    } while (accept(TokenKind::kComma));
    if (!expect(TokenKind::kSemicolon, "';'")) return false;
    item.range = from(begin);
    realm.items.emplace_back(std::move(item));
    return true;
  }

  // measurement = DIGEST | "image" STRING [ "using" ALGORITHM ] | "any"
  bool parse_measurement(ast::Measurement& measurement) {
    const Token& token = peek();
    measurement.range = token.range;
    if (token.is(TokenKind::kDigest)) {
      measurement.kind = ast::Measurement::Kind::kDigest;
      measurement.algo = token.digest_algo;
      if (!token.malformed) measurement.digest = std::move(digests_[token.payload]);
      measurement.valid = !token.malformed;
      advance();
      return true;
    }
    if (token.is(Keyword::kAny)) {
      measurement.kind = ast::Measurement::Kind::kAny;
      advance();
      return true;
    }
    if (token.is(Keyword::kImage)) {
      advance();
      measurement.kind = ast::Measurement::Kind::kImage;
      const Token& path = peek();
      if (!path.is(TokenKind::kString)) {
        error_expected("the image's file name as a string");
        return false;
      }
      measurement.image = std::move(strings_[path.payload]);
      measurement.valid = !path.malformed;
      advance();
      if (accept(Keyword::kUsing)) {
        const Token& algorithm = peek();
        if (!algorithm.is(TokenKind::kIdentifier) || (algorithm.text != "sha256" && algorithm.text != "sha512")) {
          error_expected("'sha256' or 'sha512'");
          return false;
        }
        measurement.algo = algorithm.text == "sha512" ? monitor::HashAlgo::kSha512 : monitor::HashAlgo::kSha256;
        measurement.explicit_algo = true;
        advance();
      }
      measurement.range = from(measurement.range);
      return true;
    }
    error_expected("a measurement (sha256:..., sha512:..., image \"...\" or any)");
    return false;
  }

  // memory_item = "memory" size ";"
  bool parse_memory_item(ast::Realm& realm) {
    ast::MemoryItem item;
    const SourceRange begin = advance().range;
    if (!parse_size(item.size) || !expect(TokenKind::kSemicolon, "';'")) return false;
    item.range = from(begin);
    realm.items.emplace_back(std::move(item));
    return true;
  }

  // recs_item = "recs" INTEGER ";"
  bool parse_recs_item(ast::Realm& realm) {
    ast::RecsItem item;
    const SourceRange begin = advance().range;
    const Token& count = peek();
    if (!count.is(TokenKind::kInteger)) {
      error_expected("the number of RECs");
      return false;
    }
    item.count = count.integer;
    item.valid = !count.malformed;
    item.count_range = count.range;
    advance();
    if (!expect(TokenKind::kSemicolon, "';'")) return false;
    item.range = from(begin);
    realm.items.emplace_back(std::move(item));
    return true;
  }

  // untrusted_item = "untrusted" ( "none" ";" | "{" { path_item } "}" )
  bool parse_untrusted_item(ast::Realm& realm) {
    ast::UntrustedItem item;
    item.keyword_range = advance().range;
    if (accept(Keyword::kNone)) {
      if (!expect(TokenKind::kSemicolon, "';'")) return false;
      item.none = true;
      item.range = from(item.keyword_range);
      realm.items.emplace_back(std::move(item));
      return true;
    }
    if (!expect(TokenKind::kLeftBrace, "'none' or '{'")) return false;
    bool ok = true;
    while (!at(TokenKind::kRightBrace)) {
      if (at(TokenKind::kEnd) || is_declaration_keyword(peek()) || is_realm_item_keyword(peek())) {
        error_expected("'}' to close the untrusted block");
        item.range = from(item.keyword_range);
        realm.items.emplace_back(std::move(item));
        return false;
      }
      const size_t before = index_;
      if (!parse_path_item(item)) {
        ok = false;
        synchronize_item(is_path_keyword);
        if (index_ == before) advance();
      }
    }
    item.close_range = peek().range;
    advance();
    item.range = from(item.keyword_range);
    realm.items.emplace_back(std::move(item));
    if (!ok) realm.had_error = true;
    return true;
  }

  // path_item = window_item | switch_item | psci_item
  bool parse_path_item(ast::UntrustedItem& untrusted) {
    const Token& token = peek();
    if (token.is(Keyword::kWindow)) return parse_window_item(untrusted);
    if (token.is(Keyword::kHostCalls)) return parse_switch_item(untrusted, ast::Switch::kHostCalls);
    if (token.is(Keyword::kMmio)) return parse_switch_item(untrusted, ast::Switch::kMmio);
    if (token.is(Keyword::kRipas)) return parse_switch_item(untrusted, ast::Switch::kRipas);
    if (token.is(Keyword::kPsci)) return parse_psci_item(untrusted);
    if (!token.malformed && !token.after_garbage) diagnostics_.report(DiagId::kExpectedPathItem, token.range, {describe(token)});
    return false;
  }

  // window_item = "window" NAME ( "in" | "out" ) size [ "at" INTEGER ] ";"
  bool parse_window_item(ast::UntrustedItem& untrusted) {
    ast::WindowItem item;
    const SourceRange begin = advance().range;
    if (!parse_name(item.name, "the window's name", true)) return false;
    if (accept(Keyword::kIn)) {
      item.direction = schema::WindowDirection::kIn;
    } else if (accept(Keyword::kOut)) {
      item.direction = schema::WindowDirection::kOut;
    } else {
      error_expected("'in' or 'out'");
      return false;
    }
    if (!parse_size(item.size)) return false;
    if (accept(Keyword::kAt)) {
      const Token& offset = peek();
      if (!offset.is(TokenKind::kInteger)) {
        error_expected("the window's offset");
        return false;
      }
      if (!offset.malformed) item.at = offset.integer;
      item.at_range = offset.range;
      advance();
    }
    if (!expect(TokenKind::kSemicolon, "';'")) return false;
    item.range = from(begin);
    untrusted.paths.emplace_back(std::move(item));
    return true;
  }

  // switch_item = ( "host_calls" | "mmio" | "ripas" ) ( "allow" | "deny" ) ";"
  bool parse_switch_item(ast::UntrustedItem& untrusted, ast::Switch which) {
    ast::SwitchItem item;
    item.which = which;
    const SourceRange begin = advance().range;
    if (accept(Keyword::kAllow)) {
      item.allow = true;
    } else if (accept(Keyword::kDeny)) {
      item.allow = false;
    } else {
      error_expected("'allow' or 'deny'");
      return false;
    }
    if (!expect(TokenKind::kSemicolon, "';'")) return false;
    item.range = from(begin);
    untrusted.paths.emplace_back(std::move(item));
    return true;
  }

  // psci_item = "psci" ( "allow" | "deny" | PSCI_FUNCTION { "," PSCI_FUNCTION } ) ";"
  bool parse_psci_item(ast::UntrustedItem& untrusted) {
    ast::PsciItem item;
    const SourceRange begin = advance().range;
    if (accept(Keyword::kAllow)) {
      item.mode = ast::PsciItem::Mode::kAllow;
      item.mask = schema::kPsciAll;
    } else if (accept(Keyword::kDeny)) {
      item.mode = ast::PsciItem::Mode::kDeny;
    } else {
      item.mode = ast::PsciItem::Mode::kList;
      do {
        ast::Name function;
        if (!at(TokenKind::kIdentifier)) {
          error_expected("'allow', 'deny' or a PSCI function");
          return false;
        }
        parse_name(function, "a PSCI function");
        bool known = false;
        for (const PsciSpelling& spelling : kPsciFunctions) {
          if (function.text == spelling.text) {
            known = true;
            item.mask |= spelling.bit;
          }
        }
        if (!known) diagnostics_.report(DiagId::kUnknownPsciFunction, function.range, {function.text});
        item.functions.push_back(std::move(function));
      } while (accept(TokenKind::kComma));
    }
    if (!expect(TokenKind::kSemicolon, "';'")) return false;
    item.range = from(begin);
    untrusted.paths.emplace_back(std::move(item));
    return true;
  }

  // channel = "channel" NAME ":" NAME ( "->" NAME { "," NAME } | "<->" NAME ) "size" size ";"
  bool parse_channel() {
    ast::Channel channel;
    const SourceRange begin = advance().range;
    if (!parse_name(channel.name, "the channel's name", true) || !expect(TokenKind::kColon, "':'") ||
        !parse_name(channel.writer, "the writing realm")) {
      return false;
    }
    if (accept(TokenKind::kBothArrow)) {
      channel.bidirectional = true;
      ast::Name other;
      if (!parse_name(other, "the other realm")) return false;
      channel.readers.push_back(std::move(other));
    } else if (accept(TokenKind::kArrow)) {
      do {
        ast::Name reader;
        if (!parse_name(reader, "a reading realm")) return false;
        channel.readers.push_back(std::move(reader));
      } while (accept(TokenKind::kComma));
    } else {
      error_expected("'->' or '<->'");
      return false;
    }
    if (!expect(Keyword::kSize) || !parse_size(channel.size) || !expect(TokenKind::kSemicolon, "';'")) {
      return false;
    }
    channel.range = from(begin);
    result_.declarations.emplace_back(std::move(channel));
    return true;
  }

  // gate = "gate" NAME "->" NAME ";"
  bool parse_gate() {
    ast::Gate gate;
    const SourceRange begin = advance().range;
    if (!parse_name(gate.caller, "the calling realm") || !expect(TokenKind::kArrow, "'->'") ||
        !parse_name(gate.callee, "the called realm") || !expect(TokenKind::kSemicolon, "';'")) {
      return false;
    }
    gate.range = from(begin);
    result_.declarations.emplace_back(std::move(gate));
    return true;
  }

  // require = "require" NAME "!->" ( NAME | "untrusted" ) [ "except" "via" NAME { "," NAME } ] ";"
  bool parse_require() {
    ast::Require require;
    const SourceRange begin = advance().range;
    if (!parse_name(require.from, "a realm") || !expect(TokenKind::kNotArrow, "'!->'")) return false;
    require.to_range = peek().range;
    if (!accept(Keyword::kUntrusted)) {
      ast::Name to;
      if (!at(TokenKind::kIdentifier) && !at(TokenKind::kKeyword)) {
        error_expected("a realm or 'untrusted'");
        return false;
      }
      if (!parse_name(to, "a realm or 'untrusted'")) return false;
      require.to = std::move(to);
    }
    if (accept(Keyword::kExcept)) {
      if (!expect(Keyword::kVia)) return false;
      do {
        ast::Name via;
        if (!parse_name(via, "a realm")) return false;
        require.via.push_back(std::move(via));
      } while (accept(TokenKind::kComma));
    }
    if (!expect(TokenKind::kSemicolon, "';'")) return false;
    require.range = from(begin);
    result_.declarations.emplace_back(std::move(require));
    return true;
  }

  // size = INTEGER UNIT
  bool parse_size(ast::Size& size) {
    const Token& amount = peek();
    if (!amount.is(TokenKind::kInteger)) {
      error_expected("a size such as '4 MiB'");
      return false;
    }
    advance();
    size.amount = amount.integer;
    size.range = amount.range;
    const Token& unit = peek();
    if (!unit.is(TokenKind::kIdentifier)) {
      if (!amount.malformed) diagnostics_.report(DiagId::kMissingUnit, amount.range, {std::string(amount.text)});
      return !amount.malformed;  // the error is the unit's, the item still parses
    }
    bool known = false;
    for (const UnitSpelling& spelling : kUnits) {
      if (unit.text == spelling.text) {
        known = true;
        size.unit = spelling.unit;
      }
    }
    advance();
    size.range = from(amount.range);
    if (!known) {
      for (const UnitSpelling& spelling : kDecimalUnits) {
        if (unit.text == spelling.text) {
          diagnostics_.report(DiagId::kDecimalUnit, unit.range,
                              {std::string(unit.text), std::string(amount.text) + " " +
                                                           std::string(ast::unit_spelling(spelling.unit))});
          return true;
        }
      }
      diagnostics_.report(DiagId::kUnknownUnit, unit.range, {std::string(unit.text)});
      return true;
    }
    if (amount.malformed) return true;
    const uint64_t scale = ast::unit_bytes(size.unit);
    if (size.amount > ~uint64_t{0} / scale) {
      diagnostics_.report(DiagId::kIntegerTooLarge, size.range, {std::string(file_.slice(size.range))});
      return true;
    }
    size.bytes = size.amount * scale;
    size.valid = true;
    return true;
  }

  const SourceFile& file_;
  DiagnosticEngine& diagnostics_;
  std::vector<Token> tokens_;
  std::vector<std::string> strings_;
  std::vector<std::vector<uint8_t>> digests_;
  size_t index_ = 0;
  uint32_t previous_end_ = 0;
  bool previous_malformed_ = false;
  ast::File result_;
};

}  // namespace

ast::File parse(const SourceFile& file, DiagnosticEngine& diagnostics) {
  const size_t first = diagnostics.all().size();
  ast::File result = Parser(file, diagnostics).run();
  diagnostics.sort_by_position(first);  // lexical and syntax errors in source order
  return result;
}

}  // namespace mica::policy
