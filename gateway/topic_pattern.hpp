// Internal to gateway/: the matcher for a REST consumer's `topic_pattern` subscription.
// std::regex backtracks (exponential time on `(a|aa)*c`) and recurses per nesting level
// (a stack overflow on 100,000 `(`), so patterns are compiled to a Thompson NFA and run as a
// set of states (Pike's simulation): time O(pattern x topic name), memory O(pattern), no
// recursion deeper than k_max_pattern_nesting.
//
// The subset of Java/ECMAScript regex syntax accepted (what Kafka clients use: literal names,
// `prefix.*`, alternations, classes), always matched against the WHOLE topic name:
//   literal characters; `.`; `\` before a punctuation character (a literal), `\d`, `\w`,
//   `\s`; classes `[abc]`, `[a-z0-9_.-]`, `[^...]` (with `\` escapes inside); groups `(...)`
//   and `(?:...)`; alternation `|`; quantifiers `*`, `+`, `?` (one per atom); `^` at the
//   very start and `$` at the very end (accepted, no effect: the match is whole-name).
// Anything else (`{m,n}`, backreferences, lookaround, lazy/possessive quantifiers, other
// escapes) is refused with a message naming it, as are patterns over k_max_pattern_bytes or
// nested deeper than k_max_pattern_nesting.
//
// Thread-safe after construction (match() is const and allocates its own state).
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace pinpipe::gateway {

constexpr size_t k_max_pattern_bytes = 512;
constexpr int k_max_pattern_nesting = 32;

class topic_pattern {
public:
  /// Compiles `pattern`; invalid_argument with a message naming the problem and position.
  static result<topic_pattern> compile(std::string_view pattern);
  /// True when the whole `name` matches.
  bool match(std::string_view name) const;

  struct inst {
    enum class op : uint8_t { ch, any, cls, split, jmp, match } code = op::match;
    unsigned char c = 0;
    int32_t x = 0; ///< class index (cls) or first target (split, jmp)
    int32_t y = 0; ///< second target (split)
  };

private:
  std::vector<inst> prog_;
  std::vector<std::bitset<256>> classes_;
  friend class pattern_compiler;
};

} // namespace pinpipe::gateway
