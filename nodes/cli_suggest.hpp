// "did you mean --events?" for a mistyped flag: the closest known name by edit distance.
// Plain functions (no CLI11), used by main.cpp when the parser rejects an argument.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pinpipe::cli {

/// Levenshtein distance (insert, delete, substitute; each costs 1).
size_t edit_distance(const std::string& a, const std::string& b);

/// The candidate closest to `typed` ("--evnts" -> "--events"), if it is close enough to be
/// a typo: at most 2 edits, and fewer than half the typed name. Ties: the first candidate.
std::optional<std::string> closest_flag(const std::string& typed,
                                        const std::vector<std::string>& candidates);

} // namespace pinpipe::cli
