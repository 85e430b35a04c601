// The cleaner: turns one raw pin/geo/user record (the JSON text stored in the log and in the
// lake) into a typed, cleaned row, or into the reason it cannot be cleaned (a dead letter).
// This is the ONE implementation of PIPELINE.md section 6, used by the batch path (lake ->
// batch tables) and by the stream path (log -> sink -> stream tables). docs/cleaning.md lists
// every rule with examples.
//
// Lifecycle/threading: stateless free functions. clean() keeps one JSON parser per thread
// (thread_local), so it is safe to call from any number of threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/status.hpp"

namespace pinpipe::clean {

enum class kind { pin, geo, user };

/// "pin" / "geo" / "user".
const char* to_string(kind k);

/// The kind of records a topic or stream carries: "<uid>.pin", "<uid>.geo", "<uid>.user"
/// (batch topics) or "streaming-<uid>-pin" / "-geo" / "-user" (streams); the uid must not be
/// empty. Anything else: nullopt.
std::optional<kind> kind_of(const std::string& topic_or_stream);

/// A cleaned pin, columns in the order of PIPELINE.md section 6.
struct pin_row {
  int64_t ind = 0;
  std::optional<std::string> unique_id, title, description;
  std::optional<int64_t> follower_count;
  std::optional<std::string> poster_name, tag_list, is_image_or_video, image_src, save_location,
      category;
  friend bool operator==(const pin_row& a, const pin_row& b);
};

/// A cleaned geolocation; coordinates are [latitude, longitude] (see coordinates_json).
struct geo_row {
  int64_t ind = 0;
  std::optional<std::string> country;
  double latitude = 0, longitude = 0;
  std::string timestamp; // "YYYY-MM-DD HH:MM:SS"
  friend bool operator==(const geo_row& a, const geo_row& b);
};

/// A cleaned user: user_name = first_name + " " + last_name.
struct user_row {
  int64_t ind = 0;
  std::string user_name;
  int64_t age = 0;
  std::string date_joined; // "YYYY-MM-DD HH:MM:SS"
  friend bool operator==(const user_row& a, const user_row& b);
};

using row = std::variant<pin_row, geo_row, user_row>;

/// Cleans one raw record. On error the status message is the dead-letter reason: a sentence
/// naming the record kind, the field and the problem ("geo record: field 'latitude' is
/// missing"). Error codes: malformed_message (not valid JSON), invalid_argument (valid JSON
/// that breaks a rule). Never throws.
result<row> clean(kind k, std::string_view raw_json);

/// The coordinates column as stored: "[lat, lon]" with each number in its shortest
/// round-trip form and always a decimal point ("[-89.9787, -173.293]", "[10.0, 0.5]").
std::string coordinates_json(const geo_row& g);

} // namespace pinpipe::clean
