// A fast, allocation-free check that a line of the lake is one JSON value (RFC 8259) in
// valid UTF-8. The lake reader runs it on every line so that a damaged record is reported
// with a reason instead of reaching the cleaner as garbage; it builds no document, so it
// keeps up with reading the lake (hundreds of MB/s). Pure function, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace pinpipe::lake {

/// True when `text` is exactly one JSON value, optionally surrounded by whitespace, and
/// all of it is valid UTF-8 (no overlong forms, no surrogates, no lone \u surrogates).
/// Otherwise false and `*reason` (when given) says what and where, starting with
/// "not valid UTF-8" or "not JSON".
bool check_json(std::string_view text, std::string* reason = nullptr);

} // namespace pinpipe::lake
