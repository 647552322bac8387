#include "policy/lexer.h"

#include <array>
#include <utility>

#include "mica/policy_schema.h"

namespace mica::policy {

namespace {

constexpr std::array<std::pair<std::string_view, Keyword>, 26> kKeywords = {{
    {"workflow", Keyword::kWorkflow},   {"realm", Keyword::kRealm},
    {"channel", Keyword::kChannel},     {"gate", Keyword::kGate},
    {"require", Keyword::kRequire},     {"measurement", Keyword::kMeasurement},
    {"image", Keyword::kImage},         {"any", Keyword::kAny},
    {"memory", Keyword::kMemory},       {"recs", Keyword::kRecs},
    {"untrusted", Keyword::kUntrusted}, {"none", Keyword::kNone},
    {"window", Keyword::kWindow},       {"in", Keyword::kIn},
    {"out", Keyword::kOut},             {"at", Keyword::kAt},
    {"host_calls", Keyword::kHostCalls}, {"mmio", Keyword::kMmio},
    {"ripas", Keyword::kRipas},         {"psci", Keyword::kPsci},
    {"allow", Keyword::kAllow},         {"deny", Keyword::kDeny},
    {"size", Keyword::kSize},           {"except", Keyword::kExcept},
    {"via", Keyword::kVia},             {"using", Keyword::kUsing},
}};

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_letter(c) || is_digit(c); }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the UTF-8 sequence starting at text[i], or 0 when it is invalid.
size_t utf8_length(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t length = 0;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0 && lead >= 0xC2) length = 2;
  else if ((lead & 0xF0) == 0xE0) length = 3;
  else if ((lead & 0xF8) == 0xF0 && lead <= 0xF4) length = 4;
  else return 0;
  if (text.size() - i < length) return 0;
  uint32_t code = lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) return 0;
    code = (code << 6) | (next & 0x3F);
  }
  if ((length == 3 && code < 0x800) || (length == 4 && code < 0x10000)) return 0;
  if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// A character as it is quoted in a diagnostic.
std::string quote_character(std::string_view text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  const size_t length = utf8_length(text, i);
  static constexpr char kHex[] = "0123456789abcdef";
  if (length == 0) return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 15];
  if (c < 0x20 || c == 0x7F) return std::string("U+00") + kHex[c >> 4] + kHex[c & 15];
  return std::string("'") + std::string(text.substr(i, length)) + "'";
}

class Lexer {
 public:
  Lexer(const SourceFile& file, DiagnosticEngine& diagnostics)
      : text_(file.text()), diagnostics_(diagnostics) {}

  LexResult run() {
    while (true) {
      skip_space_and_comments();
      if (pos_ >= text_.size()) break;
      lex_token();
    }
    Token end;
    end.kind = TokenKind::kEnd;
    end.range = {static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(text_.size())};
    result_.tokens.push_back(std::move(end));
    return std::move(result_);
  }

 private:
  SourceRange range(size_t begin, size_t end) const {
    return {static_cast<uint32_t>(begin), static_cast<uint32_t>(end)};
  }
  char peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }

  void skip_space_and_comments() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++pos_;
      } else if (c == '#' || (c == '/' && peek(1) == '/')) {
        const size_t begin = pos_;
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
        size_t end = pos_;
        if (end > begin && text_[end - 1] == '\r') --end;
        add_comment(begin, end);
      } else if (c == '/' && peek(1) == '*') {
        const size_t begin = pos_;
        const size_t close = text_.find("*/", pos_ + 2);
        if (close == std::string_view::npos) {
          diagnostics_.report(DiagId::kUnterminatedComment, range(begin, begin + 2));
          pos_ = text_.size();
        } else {
          pos_ = close + 2;
        }
        add_comment(begin, pos_);
      } else {
        return;
      }
    }
  }

  void add_comment(size_t begin, size_t end) {
    result_.comments.push_back(Comment{range(begin, end), text_.substr(begin, end - begin)});
  }

  Token& emit(TokenKind kind, size_t begin) {
    Token token;
    token.kind = kind;
    token.range = range(begin, pos_);
    token.text = text_.substr(begin, pos_ - begin);
    token.after_garbage = std::exchange(garbage_before_next_, false);
    result_.tokens.push_back(std::move(token));
    return result_.tokens.back();
  }

  void lex_token() {
    const size_t begin = pos_;
    const char c = text_[pos_];
    if (is_letter(c)) return lex_word();
    if (is_digit(c)) return lex_number();
    if (c == '"') return lex_string();
    switch (c) {
      case '{': ++pos_; emit(TokenKind::kLeftBrace, begin); return;
      case '}': ++pos_; emit(TokenKind::kRightBrace, begin); return;
      case ';': ++pos_; emit(TokenKind::kSemicolon, begin); return;
      case ':': ++pos_; emit(TokenKind::kColon, begin); return;
      case ',': ++pos_; emit(TokenKind::kComma, begin); return;
      default: break;
    }
    if (c == '-' && peek(1) == '>') {
      pos_ += 2;
      emit(TokenKind::kArrow, begin);
      return;
    }
    if (c == '<' && peek(1) == '-' && peek(2) == '>') {
      pos_ += 3;
      emit(TokenKind::kBothArrow, begin);
      return;
    }
    if (c == '!' && peek(1) == '-' && peek(2) == '>') {
      pos_ += 3;
      emit(TokenKind::kNotArrow, begin);
      return;
    }
    lex_unexpected();
  }

  // A run of characters that start no token is reported once.
  void lex_unexpected() {
    const size_t begin = pos_;
    const std::string shown = quote_character(text_, pos_);
    auto starts_token = [&](size_t at) {
      const char c = text_[at];
      if (is_alnum(c) || c == '"' || c == '{' || c == '}' || c == ';' || c == ':' || c == ',') return true;
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '#' || c == '/') return true;
      const std::string_view rest = text_.substr(at);
      return rest.starts_with("->") || rest.starts_with("<->") || rest.starts_with("!->");
    };
    do {
      const size_t length = utf8_length(text_, pos_);
      pos_ += length == 0 ? 1 : length;
    } while (pos_ < text_.size() && !starts_token(pos_));
    diagnostics_.report(DiagId::kUnexpectedCharacter, range(begin, pos_), {shown});
    garbage_before_next_ = true;
  }

  void lex_word() {
    const size_t begin = pos_;
    while (pos_ < text_.size() && is_alnum(text_[pos_])) ++pos_;
    const std::string_view word = text_.substr(begin, pos_ - begin);
    if ((word == "sha256" || word == "sha512") && peek() == ':') return lex_digest(begin, word);
    for (const auto& [spelling, keyword] : kKeywords) {
      if (word == spelling) {
        emit(TokenKind::kKeyword, begin).keyword = keyword;
        return;
      }
    }
    Token& token = emit(TokenKind::kIdentifier, begin);
    if (word.size() > monitor::policy::schema::kMaxNameBytes) {
      token.malformed = true;
      diagnostics_.report(DiagId::kNameTooLong, token.range,
                          {std::to_string(word.size()), std::to_string(monitor::policy::schema::kMaxNameBytes)});
    }
  }

  void lex_digest(size_t begin, std::string_view algorithm) {
    ++pos_;  // ':'
    const size_t digits_begin = pos_;
    while (pos_ < text_.size() && is_alnum(text_[pos_])) ++pos_;
    const std::string_view digits = text_.substr(digits_begin, pos_ - digits_begin);
    Token& token = emit(TokenKind::kDigest, begin);
    const bool sha512 = algorithm == "sha512";
    token.digest_algo = sha512 ? monitor::HashAlgo::kSha512 : monitor::HashAlgo::kSha256;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (hex_value(digits[i]) < 0) {
        token.malformed = true;
        diagnostics_.report(DiagId::kDigestCharacter, range(digits_begin + i, digits_begin + i + 1),
                            {quote_character(digits, i)});
        return;
      }
    }
    const size_t expected = 2 * monitor::hash_size(token.digest_algo);
    if (digits.size() != expected) {
      token.malformed = true;
      diagnostics_.report(DiagId::kDigestLength, token.range,
                          {std::string(algorithm), std::to_string(digits.size()), std::to_string(expected)});
      return;
    }
    std::vector<uint8_t> digest;
    digest.reserve(digits.size() / 2);
    for (size_t i = 0; i < digits.size(); i += 2) {
      digest.push_back(static_cast<uint8_t>(hex_value(digits[i]) * 16 + hex_value(digits[i + 1])));
    }
    token.payload = static_cast<uint32_t>(result_.digests.size());
    result_.digests.push_back(std::move(digest));
  }

  void lex_number() {
    const size_t begin = pos_;
    unsigned base = 10;
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      base = 16;
      pos_ += 2;
    }
    const size_t digits_begin = pos_;
    while (pos_ < text_.size() &&
           (text_[pos_] == '_' || (base == 16 ? hex_value(text_[pos_]) >= 0 : is_digit(text_[pos_])))) {
      ++pos_;
    }
    // A hex literal runs into letters that are not hex digits: report the whole word.
    bool bad = false;
    if (base == 16) {
      while (pos_ < text_.size() && is_alnum(text_[pos_])) {
        bad = true;
        ++pos_;
      }
    }
    Token& token = emit(TokenKind::kInteger, begin);
    const std::string_view digits = text_.substr(digits_begin, pos_ - digits_begin);
    if (bad || digits.empty() || digits.front() == '_' || digits.back() == '_') {
      token.malformed = true;
      diagnostics_.report(DiagId::kBadNumber, token.range, {std::string(token.text)});
      return;
    }
    uint64_t value = 0;
    for (const char c : digits) {
      if (c == '_') continue;
      const auto digit = static_cast<uint64_t>(hex_value(c));
      if (value > (~uint64_t{0} - digit) / base) {
        token.malformed = true;
        diagnostics_.report(DiagId::kIntegerTooLarge, token.range, {std::string(token.text)});
        return;
      }
      value = value * base + digit;
    }
    token.integer = value;
  }

  void lex_string() {
    const size_t begin = pos_;
    ++pos_;  // opening quote
    std::string value;
    bool malformed = false;
    bool closed = false;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        closed = true;
        break;
      }
      if (c == '\n' || c == '\r') break;
      if (c == '\\') {
        malformed |= !lex_escape(value);
        continue;
      }
      const size_t length = utf8_length(text_, pos_);
      if (length == 0) {
        if (!malformed) {
          diagnostics_.report(DiagId::kInvalidUtf8, range(pos_, pos_ + 1), {"string literal"});
        }
        malformed = true;
        ++pos_;
        continue;
      }
      value.append(text_.substr(pos_, length));
      pos_ += length;
    }
    Token& token = emit(TokenKind::kString, begin);
    token.payload = static_cast<uint32_t>(result_.strings.size());
    result_.strings.push_back(std::move(value));
    token.malformed = malformed;
    if (!closed) {
      token.malformed = true;
      diagnostics_.report(DiagId::kUnterminatedString, range(begin, begin + 1));
    }
  }

  // One escape sequence starting at the backslash; false when invalid.
  bool lex_escape(std::string& value) {
    const size_t begin = pos_;
    const char kind = peek(1);
    pos_ += 2;
    switch (kind) {
      case '"': value += '"'; return true;
      case '\\': value += '\\'; return true;
      case 'n': value += '\n'; return true;
      case 't': value += '\t'; return true;
      case 'r': value += '\r'; return true;
      case '0': value += '\0'; return true;
      case 'x': {
        const int high = hex_value(peek());
        const int low = hex_value(peek(1));
        if (high >= 0 && low >= 0 && high < 8) {
          pos_ += 2;
          value += static_cast<char>(high * 16 + low);
          return true;
        }
        break;
      }
      case 'u': {
        if (peek() != '{') break;
        size_t at = pos_ + 1;
        uint32_t code = 0;
        size_t digits = 0;
        while (at < text_.size() && hex_value(text_[at]) >= 0 && digits < 6) {
          code = code * 16 + static_cast<uint32_t>(hex_value(text_[at]));
          ++at;
          ++digits;
        }
        if (digits > 0 && at < text_.size() && text_[at] == '}' && code <= 0x10FFFF &&
            !(code >= 0xD800 && code <= 0xDFFF)) {
          pos_ = at + 1;
          append_utf8(value, code);
          return true;
        }
        break;
      }
      default:
        break;
    }
    // Point at the backslash and the character after it (not past a line end).
    size_t end = begin + 1;
    if (end < text_.size() && text_[end] != '\n' && text_[end] != '\r') {
      const size_t length = utf8_length(text_, end);
      end += length == 0 ? 1 : length;
    }
    pos_ = end;
    diagnostics_.report(DiagId::kInvalidEscape, range(begin, end),
                        {std::string(text_.substr(begin, end - begin))});
    return false;
  }

  std::string_view text_;
  DiagnosticEngine& diagnostics_;
  size_t pos_ = 0;
  bool garbage_before_next_ = false;
  LexResult result_;
};

}  // namespace

std::string_view keyword_spelling(Keyword keyword) {
  for (const auto& [spelling, value] : kKeywords) {
    if (value == keyword) return spelling;
  }
  return "";
}

LexResult lex(const SourceFile& file, DiagnosticEngine& diagnostics) {
  return Lexer(file, diagnostics).run();
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd: return "end of file";
    case TokenKind::kIdentifier: return std::string("name '") + std::string(token.text) + "'";
    case TokenKind::kKeyword: return std::string("keyword '") + std::string(token.text) + "'";
    case TokenKind::kInteger: return std::string("number ") + std::string(token.text);
    case TokenKind::kString: return "string literal";
    case TokenKind::kDigest: return "digest";
    case TokenKind::kLeftBrace: return "'{'";
    case TokenKind::kRightBrace: return "'}'";
    case TokenKind::kSemicolon: return "';'";
    case TokenKind::kColon: return "':'";
    case TokenKind::kComma: return "','";
    case TokenKind::kArrow: return "'->'";
    case TokenKind::kBothArrow: return "'<->'";
    case TokenKind::kNotArrow: return "'!->'";
  }
  return "token";
}

}  // namespace mica::policy
