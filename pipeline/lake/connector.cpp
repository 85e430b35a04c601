#include <optional>

#include "common/file_write.hpp"
#include "common/logging.hpp"
#include "pipeline/lake/file_util.hpp"
#include "pipeline/lake/lake_writer.hpp"
#include "logclient/log_client.hpp"

namespace pinpipe::lake {

connector::connector(logclient::log_client& log, std::string uid, writer_options opt)
    : log_(log), uid_(std::move(uid)), writer_(std::move(opt)) {}

status connector::poll_partition(const std::string& topic, int32_t partition, int64_t log_start,
                                 int64_t high_watermark, int32_t max_bytes, int64_t& moved) {
  auto pos = writer_.resume_offset(topic, partition);
  if (!pos) return pos.error();
  if (*pos == high_watermark) return {};
  if (*pos > high_watermark)
    return {errc::offset_out_of_range,
            "the lake holds topic '" + topic + "' partition " + std::to_string(partition) +
                " up to offset " + std::to_string(*pos) + " but the log ends at " +
                std::to_string(high_watermark) +
                "; the log was recreated or the lake belongs to another log: move the lake "
                "directory away or point connector.lake_dir elsewhere"};
  if (*pos < log_start) {
    logging::get("connector")
        ->warn("topic '{}' partition {}: offsets {}..{} were deleted by log retention before "
               "the connector read them; they are missing from the lake",
               topic, partition, *pos, log_start - 1);
    if (auto st = writer_.skip_to(topic, partition, log_start); !st.ok()) return st;
    pos = log_start;
  }
  auto fetched = log_.fetch(topic, partition_id{partition}, offset_t{*pos}, max_bytes);
  if (!fetched) return fetched.error();
  for (auto& r : fetched->records) {
    if (auto st = writer_.add(topic, partition, r.offset.get(), r.rec.timestamp_ms, r.rec.value);
        !st.ok())
      return st;
    ++moved;
  }
  return {};
}

status connector::check_incarnation(const std::string& topic, int64_t incarnation) {
  auto known = incarnations_.find(topic);
  if (known != incarnations_.end() && known->second == incarnation) return {};
  const std::string dir = writer_.options().lake_dir + "/incarnations";
  const std::string marker = dir + "/" + topic;
  std::optional<int64_t> recorded;
  if (known != incarnations_.end()) {
    recorded = known->second;
  } else {
    std::string text;
    if (fs::read_file(marker, text).ok()) {
      try {
        recorded = std::stoll(text);
      } catch (...) {
        logging::get("connector")->warn("ignoring '{}': not a number", marker);
      }
    }
  }
  if (recorded && *recorded != incarnation) {
    const std::string to = writer_.options().lake_dir + "/retired/" + topic + "/incarnation=" +
                           std::to_string(*recorded);
    logging::get("connector")
        ->warn("topic '{}' was deleted and recreated (incarnation {} -> {}): starting it over "
               "from offset 0; the lake objects of the old topic keep their names under {}",
               topic, *recorded, incarnation, to);
    if (auto st = writer_.retire_topic(topic, to); !st.ok()) return st;
  }
  if (!recorded || *recorded != incarnation) {
    if (auto st = fs::make_dirs(dir); !st.ok()) return st;
    if (auto st = files::write_file_atomic(marker, std::to_string(incarnation) + "\n"); !st.ok())
      return st;
  }
  incarnations_[topic] = incarnation;
  return {};
}

result<int64_t> connector::poll_once(int32_t max_bytes_per_partition) {
  int64_t moved = 0;
  status first_error;
  for (auto& t : log_.list_topics()) {
    if (!topic_matches_uid(t.name, uid_)) continue;
    if (auto st = check_incarnation(t.name, t.config.incarnation); !st.ok()) {
      logging::get("connector")->error("{}", st.to_string());
      if (first_error.ok()) first_error = st;
      continue;
    }
    for (auto& p : t.partitions) {
      auto st = poll_partition(t.name, p.id.get(), p.log_start.get(), p.high_watermark.get(),
                               max_bytes_per_partition, moved);
      if (!st.ok()) {
        logging::get("connector")->error("{}", st.to_string());
        if (first_error.ok()) first_error = st;
      }
    }
  }
  if (moved == 0 && !first_error.ok()) return first_error;
  return moved;
}

result<int64_t> connector::catch_up(int32_t max_bytes_per_partition) {
  int64_t moved = 0;
  status first_error;
  auto note = [&](const status& st) {
    if (st.ok()) return;
    logging::get("connector")->error("{}", st.to_string());
    if (first_error.ok()) first_error = st;
  };
  for (auto& t : log_.list_topics()) { // the snapshot: high watermarks now
    if (!topic_matches_uid(t.name, uid_)) continue;
    if (auto st = check_incarnation(t.name, t.config.incarnation); !st.ok()) {
      note(st);
      continue;
    }
    for (auto& p : t.partitions) {
      const int64_t target = p.high_watermark.get();
      // Bounded: each fetch moves at least one record or the loop ends.
      for (int64_t fetches = 0; fetches <= target; ++fetches) {
        auto pos = writer_.resume_offset(t.name, p.id.get());
        if (!pos) {
          note(pos.error());
          break;
        }
        if (*pos >= target) break;
        int64_t before = moved;
        auto st = poll_partition(t.name, p.id.get(), p.log_start.get(), target,
                                 max_bytes_per_partition, moved);
        if (!st.ok()) {
          note(st);
          break;
        }
        if (moved == before) break; // nothing more to read below the snapshot
      }
    }
  }
  note(writer_.flush_all());
  if (!first_error.ok()) return first_error;
  return moved;
}

} // namespace pinpipe::lake
