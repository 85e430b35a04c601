#include "nodes/cli_suggest.hpp"

#include <algorithm>

namespace pinpipe::cli {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closest_flag(const std::string& typed,
                                        const std::vector<std::string>& candidates) {
  std::string name = typed.substr(0, typed.find('=')); // --evnts=5
  std::optional<std::string> best;
  size_t best_d = 3;
  for (const auto& c : candidates) {
    size_t d = edit_distance(name, c);
    if (d < best_d && d * 2 < name.size()) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

} // namespace pinpipe::cli
