#include "pipeline/lake/lake_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "common/logging.hpp"
#include "pipeline/lake/file_util.hpp"

namespace pinpipe::lake {

namespace {

std::string where(const std::string& topic, int32_t partition) {
  return "topic '" + topic + "' partition " + std::to_string(partition);
}

} // namespace

lake_writer::lake_writer(writer_options opt) : opt_(std::move(opt)) {
  PINPIPE_ASSERT(opt_.flush_size >= 1, "writer_options.flush_size must be >= 1");
}

int64_t lake_writer::records_buffered() const {
  int64_t n = 0;
  for (auto& kv : parts_)
    n += kv.second.count;
  return n;
}

result<lake_writer::partition_state*> lake_writer::state(const std::string& topic,
                                                         int32_t partition) {
  auto it = parts_.find({topic, partition});
  if (it != parts_.end()) return &it->second;
  partition_state ps;
  ps.dir = opt_.lake_dir + "/" + partition_dir_key(topic, partition);
  if (auto st = scan(topic, partition, ps); !st.ok()) return st;
  return &parts_.emplace(part_key{topic, partition}, std::move(ps)).first->second;
}

status lake_writer::scan(const std::string& topic, int32_t partition, partition_state& ps) {
  auto log = logging::get("connector");
  ps.dir_exists = fs::is_directory(ps.dir);
  ps.next_offset = 0;
  if (!ps.dir_exists) return {};
  auto entries = fs::list_dir(ps.dir);
  if (!entries) return entries.error();
  bool removed = false;
  int64_t last_start = -1;
  for (auto& e : *entries) {
    if (e.kind != fs::entry_kind::file) continue;
    if (is_temp_file_name(e.name)) {
      log->info("removing '{}/{}': an object left half-written by a crash", ps.dir, e.name);
      if (auto st = fs::remove_file(ps.dir + "/" + e.name); !st.ok()) return st;
      removed = true;
    } else if (auto start = parse_object_file_name(e.name, topic, partition)) {
      last_start = std::max(last_start, *start);
    }
  }
  if (removed) {
    if (auto st = fs::fsync_dir(ps.dir); !st.ok()) return st;
  }
  if (last_start < 0) return {};
  std::string path = ps.dir + "/" + object_file_name(topic, partition, last_start);
  std::string data;
  if (auto st = fs::read_file(path, data); !st.ok()) return st;
  if (data.empty() || data.back() != '\n')
    return {errc::corrupt_data,
            "lake object '" + path +
                "' is empty or does not end with a newline, so it was not written by the "
                "connector's atomic writer or was damaged; the resume position of " +
                where(topic, partition) + " is unknown. Move the object away and restart"};
  ps.next_offset = last_start + std::count(data.begin(), data.end(), '\n');
  log->debug("{}: resuming at offset {} after '{}'", where(topic, partition), ps.next_offset, path);
  return {};
}

result<int64_t> lake_writer::resume_offset(const std::string& topic, int32_t partition) {
  auto ps = state(topic, partition);
  if (!ps) return ps.error();
  return (*ps)->next_offset;
}

status lake_writer::write_object(const std::string& topic, int32_t partition, partition_state& ps) {
  if (ps.count == 0) return {};
  if (!ps.dir_exists) {
    if (auto st = fs::make_dirs(ps.dir); !st.ok()) return st;
    ps.dir_exists = true;
  }
  std::string name = object_file_name(topic, partition, ps.start_offset);
  if (auto st = files::write_file_atomic(ps.dir + "/" + name, ps.buf,
                                         ps.dir + "/" + temp_file_name(name));
      !st.ok())
    return st;
  ++objects_written_;
  ps.count = 0;
  ps.buf.clear();
  return {};
}

status lake_writer::add(const std::string& topic, int32_t partition, int64_t offset,
                        int64_t timestamp_ms, std::string_view value) {
  auto psr = state(topic, partition);
  if (!psr) return psr.error();
  partition_state& ps = **psr;
  if (offset != ps.next_offset)
    return {errc::invalid_argument,
            "record offset " + std::to_string(offset) + " of " + where(topic, partition) +
                " is not the next expected offset " + std::to_string(ps.next_offset) +
                "; add records densely in offset order from resume_offset()"};
  // rotate.interval.ms on record time: this record starts a new object.
  if (ps.count > 0 && opt_.rotate_interval_ms > 0 &&
      timestamp_ms - ps.first_ts >= opt_.rotate_interval_ms) {
    if (auto st = write_object(topic, partition, ps); !st.ok()) return st;
  }
  size_t old_size = ps.buf.size();
  if (ps.count == 0) {
    ps.start_offset = offset;
    ps.first_ts = timestamp_ms;
  }
  ps.buf.append(value.data(), value.size());
  // One record per line, always: raw line breaks become spaces (JSON whitespace).
  for (size_t i = old_size; i < ps.buf.size(); ++i)
    if (ps.buf[i] == '\n' || ps.buf[i] == '\r') ps.buf[i] = ' ';
  ps.buf.push_back('\n');
  ++ps.count;
  ++ps.next_offset;
  if (ps.count >= opt_.flush_size) {
    if (auto st = write_object(topic, partition, ps); !st.ok()) {
      ps.buf.resize(old_size); // roll the record back: the caller may retry it
      --ps.count;
      --ps.next_offset;
      return st;
    }
  }
  return {};
}

status lake_writer::skip_to(const std::string& topic, int32_t partition, int64_t offset) {
  auto psr = state(topic, partition);
  if (!psr) return psr.error();
  partition_state& ps = **psr;
  if (offset < ps.next_offset)
    return {errc::invalid_argument, "cannot skip " + where(topic, partition) + " back from " +
                                        std::to_string(ps.next_offset) + " to " +
                                        std::to_string(offset)};
  if (auto st = write_object(topic, partition, ps); !st.ok()) return st;
  ps.next_offset = offset;
  return {};
}

status lake_writer::flush_due(int64_t now_ms) {
  if (opt_.rotate_interval_ms <= 0) return {};
  for (auto& [key, ps] : parts_) {
    if (ps.count > 0 && now_ms - ps.first_ts >= opt_.rotate_interval_ms) {
      if (auto st = write_object(key.first, key.second, ps); !st.ok()) return st;
    }
  }
  return {};
}

status lake_writer::retire_topic(const std::string& topic, const std::string& to_dir) {
  for (auto it = parts_.begin(); it != parts_.end();) {
    if (it->first.first != topic) {
      ++it;
      continue;
    }
    if (auto st = write_object(it->first.first, it->first.second, it->second); !st.ok()) return st;
    it = parts_.erase(it);
  }
  const std::string from = opt_.lake_dir + "/topics/" + topic;
  if (!fs::is_directory(from)) return {};
  const std::string parent = to_dir.substr(0, to_dir.rfind('/'));
  if (auto st = fs::make_dirs(parent); !st.ok()) return st;
  if (std::rename(from.c_str(), to_dir.c_str()) != 0)
    return fs::errno_status("rename to " + to_dir, from, errno);
  if (auto st = fs::fsync_dir(parent); !st.ok()) return st;
  return fs::fsync_dir(opt_.lake_dir + "/topics");
}

status lake_writer::flush_all() {
  for (auto& [key, ps] : parts_) {
    if (auto st = write_object(key.first, key.second, ps); !st.ok()) return st;
  }
  return {};
}

} // namespace pinpipe::lake
