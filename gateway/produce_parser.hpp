// Internal to gateway/: a fast parser for the common REST Proxy produce body,
// {"records":[{"value":...,"key":...,"partition":n}, ...]}, that avoids building an
// nlohmann DOM (the produce path's largest user-space cost in profiles).
//
// It is exact or it declines: it returns nullopt for anything whose stored bytes or error
// might differ from the general path (nlohmann parse, then dump() of each value), e.g.
// other top-level keys, duplicate keys, floats, integers over 18 digits, "-0", the escapes
// \/ and \uXXXX, invalid UTF-8, any syntax error. The caller then takes the general path,
// which also produces every error message. For accepted bodies the minified text equals
// nlohmann's dump(): no whitespace, key order kept, strings and integers as written.
//
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pinpipe::gateway {

struct fast_produce_record {
  enum class kind : uint8_t { absent, null, string, other };
  kind key_kind = kind::absent;
  kind value_kind = kind::absent;
  std::string key;            ///< minified JSON text (strings keep their quotes)
  std::string value;          ///< minified JSON text
  bool has_partition = false; ///< "partition" present and not null
  int64_t partition = 0;      ///< a non-negative integer as written
};

/// The records of a produce body, or nullopt (take the general path).
std::optional<std::vector<fast_produce_record>> parse_produce_fast(std::string_view body);

/// Minifies one JSON value exactly as nlohmann's dump() would print it after parsing, or
/// nullopt when it cannot promise that (see above). Exposed for tests.
std::optional<std::string> minify_json_exact(std::string_view text);

} // namespace pinpipe::gateway
