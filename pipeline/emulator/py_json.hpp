// JSON text exactly as Python's `json.dumps(obj)` writes it with default arguments, which is
// what the course scripts put on the wire: separators ", " and ": ", ensure_ascii (every
// non-ASCII character as \uXXXX, lower-case hex, astral characters as surrogate pairs), keys
// in insertion order, floats in shortest round-trip form. http_sender uses it so that our
// requests are byte-for-byte those of the original emulator.
//
// Threading: pure function.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace pinpipe::emulator {

/// Python-style serialisation of `j`. Invalid UTF-8 in strings becomes U+FFFD.
std::string python_json_dumps(const nlohmann::ordered_json& j);

} // namespace pinpipe::emulator
