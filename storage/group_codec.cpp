#include "storage/group_codec.hpp"

#include <cstdlib>

namespace pinpipe::storage {

record encode_group_offset(const std::string& group, const group_offset& off) {
  record r;
  r.key = group + "/" + off.topic + "/" + std::to_string(off.partition.get());
  r.value = std::to_string(off.offset.get()) + "\n" + off.metadata;
  return r;
}

std::optional<std::pair<std::string, group_offset>> decode_group_offset(const record& r) {
  if (!r.key) return std::nullopt;
  const std::string& k = *r.key;
  const auto p_slash = k.rfind('/');
  if (p_slash == std::string::npos || p_slash == 0) return std::nullopt;
  const auto t_slash = k.rfind('/', p_slash - 1);
  if (t_slash == std::string::npos) return std::nullopt;
  group_offset off;
  off.topic = k.substr(t_slash + 1, p_slash - t_slash - 1);
  const std::string part = k.substr(p_slash + 1);
  if (part.empty() || off.topic.empty()) return std::nullopt;
  char* end = nullptr;
  const long pv = std::strtol(part.c_str(), &end, 10);
  if (*end != '\0' || pv < 0) return std::nullopt;
  off.partition = partition_id{static_cast<int32_t>(pv)};
  const auto nl = r.value.find('\n');
  if (nl == std::string::npos || nl == 0) return std::nullopt;
  const std::string num = r.value.substr(0, nl);
  const long long ov = std::strtoll(num.c_str(), &end, 10);
  if (*end != '\0') return std::nullopt;
  off.offset = offset_t{ov};
  off.metadata = r.value.substr(nl + 1);
  return std::make_pair(k.substr(0, t_slash), std::move(off));
}

void apply_group_offset(group_offsets_map& m, const std::string& group, const group_offset& off) {
  m[group][{off.topic, off.partition.get()}] = off;
}

std::vector<group_offset> list_group_offsets(const group_offsets_map& m, const std::string& group) {
  std::vector<group_offset> out;
  auto it = m.find(group);
  if (it == m.end()) return out;
  for (const auto& kv : it->second)
    out.push_back(kv.second);
  return out;
}

status validate_group_commit(const std::string& group, const std::vector<group_offset>& offs) {
  if (group.empty()) return {errc::invalid_argument, "consumer group name is empty"};
  if (group.size() > 1024)
    return {errc::invalid_argument, "consumer group name is over 1024 bytes"};
  for (const auto& o : offs) {
    if (o.offset.get() < 0) {
      return {errc::invalid_argument, "commit of group '" + group + "' for " + o.topic + "/" +
                                          std::to_string(o.partition.get()) +
                                          " has a negative offset"};
    }
    if (o.partition.get() < 0) {
      return {errc::invalid_argument, "commit of group '" + group + "' has a negative partition"};
    }
  }
  return status::success();
}

} // namespace pinpipe::storage
