// A value or an error message: how the host side reports bad input (hostile
// ELF files, impossible realm configurations) without exceptions crossing
// library boundaries.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace mica::host {

struct Error {
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}      // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const std::string& error() const { return std::get<Error>(state_).message; }

 private:
  std::variant<T, Error> state_;
};

// "0x1f000": how addresses and fields appear in error messages.
std::string hex(uint64_t value);
std::string dec(uint64_t value);

// Builds an Error from text pieces, e.g. fail("segment ", dec(i), ": p_offset ", hex(off)).
// Only text is accepted so that a number can never be appended as a character.
template <class... Parts>
Error fail(const Parts&... parts) {
  static_assert((std::is_convertible_v<const Parts&, std::string_view> && ...),
                "format numbers with hex() or dec()");
  std::string message;
  (message.append(std::string_view(parts)), ...);
  return Error{std::move(message)};
}

}  // namespace mica::host
