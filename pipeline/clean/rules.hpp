// The value-level rules of the cleaner (PIPELINE.md section 6), separate from JSON handling
// so that each rule can be unit tested on its own. Used by cleaner.cpp; not needed by other
// modules (they call clean()).
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pinpipe::clean::rules {

/// The pin text columns that have placeholders.
enum class pin_column { title, description, poster_name, tag_list, image_src, other };

/// True when `value` is exactly one of the placeholders of `column` (PIPELINE.md section 1):
/// title "No Title Data Available"; description "No description available Story format",
/// "No description available", "Untitled"; poster_name "User Info Error"; tag_list
/// "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e"; image_src "Image src error.". Exact, case-sensitive.
bool is_placeholder(pin_column column, std::string_view value);

/// follower_count text -> integer: "437" -> 437, "12k" -> 12000, "8M" -> 8000000. Anything
/// else (empty, "User Info Error", "1.5k", "12K", " 12", "-5", overflow) -> nullopt.
std::optional<int64_t> parse_follower_count(std::string_view text);

/// Drops a leading "Local save in " (with its space); other values are returned unchanged.
std::string_view strip_save_location(std::string_view text);

/// Parses "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS" (exactly 19 characters, a real
/// calendar date, hour 0-23, minute and second 0-59) and returns it in the space form.
std::optional<std::string> normalize_timestamp(std::string_view text);

/// Shortest round-trip text of a double, always with a decimal point or exponent ("10.0").
std::string format_double(double v);

} // namespace pinpipe::clean::rules
