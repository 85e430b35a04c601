// Word lists from Python Faker's en_US provider (countries, first and last names), the
// same family of lists the original course data was generated from. The .txt files in
// pipeline/source/vocab/ are embedded into the library at build time (CMake writes
// vocab_data.cpp), so nothing is read from disk at run time.
//
// Threading: the accessors build their vectors once (function-local statics) and are
// safe to call from any thread afterwards.
#pragma once

#include <string>
#include <vector>

namespace pinpipe::source::vocab {

/// Raw embedded file contents, one entry per line (defined in the generated vocab_data.cpp).
extern const char* const countries_txt;
extern const char* const first_names_txt;
extern const char* const last_names_txt;

/// Faker's country names in Faker's order (alphabetical; "Korea" appears twice, as in Faker).
const std::vector<std::string>& countries();
const std::vector<std::string>& first_names();
const std::vector<std::string>& last_names();

/// Splits embedded text into non-empty lines (trailing '\r' removed).
std::vector<std::string> split_lines(const char* text);

} // namespace pinpipe::source::vocab
