// Errors as values (STYLE point 5): every expected failure is an `errc` plus a human
// readable message that says what was wrong and what to do. Broken invariants abort
// via PINPIPE_ASSERT instead.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace pinpipe {

/// One error enum for the whole project. Values are part of the wire format
/// (messages carry them as integers): append only, never renumber.
enum class errc : uint16_t {
  ok = 0,
  unknown_topic = 1,
  unknown_partition = 2,
  topic_exists = 3,
  record_too_large = 4,
  request_too_large = 5,
  invalid_request = 6,     // malformed or semantically wrong request
  malformed_message = 7,   // bytes that do not decode
  unsupported_version = 8, // a message from a newer protocol version
  offset_out_of_range = 9,
  out_of_order_sequence = 10, // idempotent producer sequence gap
  corrupt_data = 11,          // CRC mismatch or damaged structure on disk
  io_error = 12,
  timeout = 13,
  not_leader = 14,
  unavailable = 15, // peer or node not reachable
  invalid_config = 16,
  unknown_consumer = 17,
  disk_full = 18,
  internal = 19,
  not_found = 20,
  invalid_argument = 21,
};

/// Short stable name of an error code ("unknown_topic").
const char* to_string(errc e);

/// An error code plus a message. `ok()` when code == errc::ok.
class status {
public:
  status() = default;
  status(errc code, std::string message) : code_(code), message_(std::move(message)) {}
  static status success() { return {}; }
  bool ok() const { return code_ == errc::ok; }
  explicit operator bool() const { return ok(); }
  errc code() const { return code_; }
  const std::string& message() const { return message_; }
  /// "unknown_topic: topic 'x' does not exist; create it with `pinpipe topics create`"
  std::string to_string() const;

private:
  errc code_ = errc::ok;
  std::string message_;
};

/// A value or an error status.
template <class T> class result {
public:
  result(T value) : v_(std::move(value)) {}
  result(status err) : v_(std::move(err)) {}
  result(errc code, std::string msg) : v_(status{code, std::move(msg)}) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const status& error() const { return std::get<1>(v_); }

private:
  std::variant<T, status> v_;
};

[[noreturn]] void assertion_failed(const char* expr, const char* file, int line, const char* msg);

} // namespace pinpipe

/// Checks an invariant; aborts loudly with file and line when it does not hold.
#define PINPIPE_ASSERT(expr, msg)                                                                  \
  do {                                                                                             \
    if (!(expr)) ::pinpipe::assertion_failed(#expr, __FILE__, __LINE__, msg);                      \
  } while (0)
