#include "pipeline/paths.hpp"

#include <filesystem>

#include "common/topic_names.hpp"

namespace fs = std::filesystem;

namespace pinpipe {

data_paths data_paths::of(const std::string& data_dir, const config::config& cfg) {
  data_paths p;
  p.root = data_dir;
  p.source = (fs::path(data_dir) / "source.db").string();
  p.log = (fs::path(data_dir) / "log").string();
  p.lake = cfg.connector.lake_dir.empty() ? (fs::path(data_dir) / "lake").string()
                                          : cfg.connector.lake_dir;
  p.warehouse = (fs::path(data_dir) / "warehouse.db").string();
  p.results = (fs::path(data_dir) / "results").string();
  p.manifests = (fs::path(data_dir) / "manifests").string();
  return p;
}

storage::log_config log_config_of(const config::config& cfg, const std::string& dir) {
  storage::log_config lc;
  lc.dir = dir;
  lc.segment_bytes = cfg.log.segment_bytes;
  lc.segment_ms = cfg.log.segment_ms;
  lc.retention_bytes = cfg.log.retention_bytes;
  lc.retention_ms = cfg.log.retention_ms;
  lc.max_record_bytes = cfg.log.max_record_bytes;
  lc.index_interval_bytes = cfg.log.index_interval_bytes;
  lc.preallocate = cfg.log.preallocate;
  lc.flush_max_delay_us = cfg.log.flush_max_delay_us;
  lc.max_open_files = cfg.log.max_open_files;
  return lc;
}

status ensure_default_topics(logclient::log_client& log, const config::config& cfg) {
  const auto& uid = cfg.pipeline.user_id;
  for (const char* t : {"pin", "geo", "user"}) {
    storage::topic_config topic;
    topic.partitions = cfg.pipeline.topic_partitions;
    auto st = log.create_topic(names::batch_topic(uid, t), topic);
    if (!st.ok() && st.code() != errc::topic_exists) return st;
    storage::topic_config stream;
    stream.partitions = cfg.pipeline.stream_shards;
    stream.is_stream = true;
    st = log.create_topic(names::stream_name(uid, t), stream);
    if (!st.ok() && st.code() != errc::topic_exists) return st;
  }
  return {};
}

} // namespace pinpipe
