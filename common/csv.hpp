// CSV fields as RFC 4180 writes them, one copy for the project (query result CSVs, the
// emulator's manifests): a field is quoted, with quotes doubled, when it holds a comma, a
// quote, CR or LF; otherwise it is written as is.
#pragma once

#include <string>
#include <string_view>

namespace pinpipe::csv {

/// Appends `s` as one field. `quote_empty`: write an empty string as "" so that a reader
/// can tell it from a missing value (written as nothing), as the query CSVs do.
void append_field(std::string& out, std::string_view s, bool quote_empty = false);

/// `s` as one field (see append_field).
std::string field(std::string_view s, bool quote_empty = false);

} // namespace pinpipe::csv
