// topic.meta encoding (format in storage/file_log.hpp).
#include <sstream>

#include "storage/file_log.hpp"

namespace pinpipe::storage {

std::string encode_topic_meta(const topic_config& cfg) {
  std::ostringstream os;
  os << "version=1\n"
     << "partitions=" << cfg.partitions << "\n"
     << "is_stream=" << (cfg.is_stream ? 1 : 0) << "\n"
     << "retention_bytes=" << cfg.retention_bytes << "\n"
     << "retention_ms=" << cfg.retention_ms << "\n"
     << "segment_bytes=" << cfg.segment_bytes << "\n"
     << "segment_ms=" << cfg.segment_ms << "\n"
     << "incarnation=" << cfg.incarnation << "\n";
  return os.str();
}

result<topic_config> decode_topic_meta(const std::string& text, const std::string& path) {
  topic_config cfg;
  std::istringstream is(text);
  std::string line;
  bool have_partitions = false;
  while (std::getline(is, line)) {
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      return status{errc::corrupt_data, path + ": line '" + line + "' is not key=value"};
    }
    const std::string key = line.substr(0, eq);
    long long v = 0;
    try {
      size_t used = 0;
      v = std::stoll(line.substr(eq + 1), &used);
      if (used != line.size() - eq - 1) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return status{errc::corrupt_data, path + ": value of '" + key + "' is not an integer"};
    }
    if (key == "version" && v != 1) {
      return status{errc::unsupported_version, path + ": version " + std::to_string(v) +
                                                   " is newer than this pinpipe understands"};
    }
    if (key == "partitions") {
      cfg.partitions = static_cast<int32_t>(v);
      have_partitions = true;
    }
    if (key == "is_stream") cfg.is_stream = v != 0;
    if (key == "retention_bytes") cfg.retention_bytes = v;
    if (key == "retention_ms") cfg.retention_ms = v;
    if (key == "segment_bytes") cfg.segment_bytes = v;
    if (key == "segment_ms") cfg.segment_ms = v;
    if (key == "incarnation") cfg.incarnation = v; // absent in older files: 0
  }
  if (!have_partitions || cfg.partitions < 1) {
    return status{errc::corrupt_data, path + ": no valid 'partitions' line"};
  }
  return cfg;
}

} // namespace pinpipe::storage
