// Status and Result<T>: how every fallible call in Confide reports failure.
//
// A Status is either ok or carries a code, a human message and, for input
// errors, the name of the offending field. Result<T> holds a T or a non-ok
// Status. Both are plain values: copyable, not thread-safe to mutate.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace confide {

enum class Code {
  kOk,
  kInvalidArgument,     // bad input; field() names it
  kNotFound,
  kAlreadyExists,
  kUnauthenticated,
  kPermissionDenied,
  kFailedPrecondition,
  kResourceExhausted,   // a limit was exceeded
  kUnavailable,
  kDataLoss,            // stored data failed authentication or decoding
  kIoError,
  kInternal,
};

// The stable lower-case name of a code, as used in JSON errors.
const char* CodeName(Code code);

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& field() const { return field_; }
  // "field: message" when a field is set, else the message.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string field_;
};

inline Status InvalidArgument(std::string field, std::string message) {
  return {Code::kInvalidArgument, std::move(message), std::move(field)};
}

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}                 // NOLINT
  Result(Status status) : value_(std::move(status)) {}          // NOLINT

  bool ok() const { return std::holds_alternative<T>(value_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(value_);
  }
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace confide

#define CONFIDE_RETURN_IF_ERROR(expr)          \
  do {                                         \
    ::confide::Status _st = (expr);            \
    if (!_st.ok()) return _st;                 \
  } while (0)
