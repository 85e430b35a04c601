#include "storage/filename.hpp"

#include <cstdio>

namespace pinpipe::storage::filename {
namespace {

std::string base_name(offset_t base, const char* suffix) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%020lld%s", static_cast<long long>(base.get()), suffix);
  return buf;
}

} // namespace

std::string lock_file(const std::string& dir) {
  return dir + "/.lock";
}
const std::vector<std::string>& reserved_names() {
  // Every top-level name of the log, current and past ("." and ".." are the directory's).
  static const std::vector<std::string> names{".lock", ".", ".."};
  return names;
}
bool is_reserved(const std::string& name) {
  if (!name.empty() && name[0] == '.') return true;
  for (const auto& r : reserved_names()) {
    if (name == r) return true;
  }
  return false;
}
std::string topic_dir(const std::string& dir, const std::string& topic) {
  return dir + "/" + topic;
}
std::string topic_meta(const std::string& dir, const std::string& topic) {
  return topic_dir(dir, topic) + "/topic.meta";
}
std::string partition_dir(const std::string& dir, const std::string& topic, partition_id p) {
  return topic_dir(dir, topic) + "/" + std::to_string(p.get());
}
std::string segment(const std::string& pdir, offset_t base) {
  return pdir + "/" + base_name(base, ".log");
}
std::string offset_index(const std::string& pdir, offset_t base) {
  return pdir + "/" + base_name(base, ".index");
}
std::string time_index(const std::string& pdir, offset_t base) {
  return pdir + "/" + base_name(base, ".timeindex");
}
std::string temp_of(const std::string& path) {
  return path + ".tmp";
}

file_kind parse(const std::string& name, offset_t& base) {
  if (name.size() < 21) return file_kind::other;
  for (size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return file_kind::other;
  }
  const std::string suffix = name.substr(20);
  file_kind k = file_kind::other;
  if (suffix == ".log")
    k = file_kind::segment;
  else if (suffix == ".index")
    k = file_kind::offset_index;
  else if (suffix == ".timeindex")
    k = file_kind::time_index;
  if (k != file_kind::other) base = offset_t{std::stoll(name.substr(0, 20))};
  return k;
}

} // namespace pinpipe::storage::filename
