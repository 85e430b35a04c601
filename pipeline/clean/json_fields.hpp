// Internal to the cleaner: reads the top-level fields of one JSON object into a fixed set of
// slots, one per field name the cleaner cares about. Two interchangeable backends: simdjson
// (fast, the default when it is installed) and nlohmann_json (always built, the fallback and a
// cross-check in tests). Both reject anything that is not exactly one valid JSON value, and
// both let the LAST occurrence of a duplicated key win.
//
// Threading: each backend keeps one parser per thread; string views in the slots stay valid
// until the next read_fields() call on the same thread and backend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/status.hpp"

namespace pinpipe::clean::detail {

enum class json_backend { simdjson, nlohmann };

/// True when the simdjson backend was compiled in.
bool have_simdjson();

/// The backend clean() uses: simdjson when available, else nlohmann.
json_backend default_backend();

enum class jtype : uint8_t {
  missing,
  null,
  boolean,
  integer,
  big_unsigned,
  floating,
  string,
  array,
  object
};

/// One top-level field's value. `i` holds integer (and boolean 0/1) values, `d` floating ones;
/// `s` the unescaped UTF-8 text of a string.
struct jvalue {
  jtype type = jtype::missing;
  int64_t i = 0;
  double d = 0;
  std::string_view s;
};

/// Fills slots[k] for every top-level key equal to keys[k] (others are ignored).
/// Errors: malformed_message "not valid JSON (...)"; invalid_argument "not a JSON object
/// (found an array)" when the document is another kind of value.
status read_fields(json_backend backend, std::string_view raw, const std::string_view* keys,
                   std::size_t n_keys, jvalue* slots);

/// Short name of a JSON type for messages: "a string", "a number with a fraction", ...
const char* describe(jtype t);

} // namespace pinpipe::clean::detail

#include "pipeline/clean/cleaner.hpp"

namespace pinpipe::clean::detail {

/// clean() with an explicit backend (tests run every rule against both).
result<row> clean_with(json_backend backend, kind k, std::string_view raw_json);

} // namespace pinpipe::clean::detail
