#include "pipeline/emulator/sender.hpp"

#include "common/topic_names.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

namespace pinpipe::emulator {

const char* to_string(mode m) {
  return m == mode::batch ? "batch" : "stream";
}

const char* to_string(table t) {
  switch (t) {
  case table::pin:
    return "pin";
  case table::geo:
    return "geo";
  default:
    return "user";
  }
}

std::string destination_name(const std::string& uid, mode m, table t) {
  return m == mode::batch ? names::batch_topic(uid, to_string(t))
                         : names::stream_name(uid, to_string(t));
}

namespace {
/// Fast path for our own values, which start with {"index":N or {"ind":N.
bool leading_key(const std::string& v, std::string& out) {
  for (const char* prefix : {"{\"index\":", "{\"ind\":", "{\"index\": ", "{\"ind\": "}) {
    const size_t n = std::char_traits<char>::length(prefix);
    if (v.compare(0, n, prefix) != 0) continue;
    size_t i = n;
    if (i < v.size() && v[i] == '-') ++i;
    size_t digits = i;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])))
      ++i;
    if (i > digits && i < v.size() && (v[i] == ',' || v[i] == '}' || v[i] == ' ')) {
      out = v.substr(n, i - n);
      return true;
    }
  }
  return false;
}
} // namespace

std::string stream_partition_key(const std::string& json_value) {
  std::string key;
  if (leading_key(json_value, key)) return key;
  auto j = nlohmann::json::parse(json_value, nullptr, /*allow_exceptions=*/false);
  if (j.is_object())
    for (const char* name : {"index", "ind"})
      if (auto it = j.find(name); it != j.end() && it->is_number_integer())
        return std::to_string(it->get<int64_t>());
  return "partition-1";
}

} // namespace pinpipe::emulator
