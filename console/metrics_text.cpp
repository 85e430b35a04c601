#include "console/metrics_text.hpp"

namespace pinpipe::console {
namespace {

/// A label value escaped for the Prometheus text format (\\, \" and \n).
std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

using labels = std::vector<std::pair<std::string, std::string>>;

struct family_def {
  const char* name;
  const char* help;
};

// The one list of families, in output order. write_prometheus prints each one's header
// from here; a family missing from this list cannot be printed (family() asserts by lookup).
const family_def families[] = {
    {"pinpipe_node_up", "1 when the node answered, 0 when it was not reachable"},
    {"pinpipe_console_up", "1 while the web console serves"},
    {"pinpipe_partition_log_start", "first offset still stored"},
    {"pinpipe_partition_high_watermark", "offset the next record will get"},
    {"pinpipe_partition_records", "records stored (high watermark - log start)"},
    {"pinpipe_group_committed_offset", "next offset a consumer group will read"},
    {"pinpipe_group_lag", "high watermark - committed offset"},
    {"pinpipe_consumer_position", "next offset of the connector (lake) or the sink (stream tables)"},
    {"pinpipe_consumer_lag", "high watermark - consumer position"},
    {"pinpipe_lake_objects", "objects in the lake directory"},
    {"pinpipe_lake_records", "records in the lake objects"},
    {"pinpipe_warehouse_rows", "rows per warehouse table"},
    {"pinpipe_actor_items", "events sent, records moved or rows written by a pipeline actor"},
    {"pinpipe_actor_errors", "errors of a pipeline actor"},
    {"pinpipe_actor_dead_letters", "dead letters of a pipeline actor"},
    {"pinpipe_bad_requests", "requests rejected as malformed or over a limit (gateway, node-api)"},
    {"pinpipe_log_lines_suppressed",
     "warnings about rejected requests left out of the log by its rate limit"},
    {"pinpipe_disk_full_errors",
     "log writes refused because the disk was full (ENOSPC/EDQUOT); free space, no restart needed"},
    {"pinpipe_batch_runs", "batch run attempts per state"},
    {"pinpipe_batch_last_success_timestamp_seconds",
     "end time of the last successful batch run, Unix seconds"},
};

class writer {
public:
  explicit writer(std::ostream& os) : os_(os) {}
  void family(const std::string& name) {
    for (const auto& f : families) {
      if (name == f.name) {
        os_ << "# HELP " << f.name << " " << f.help << "\n# TYPE " << f.name << " gauge\n";
        return;
      }
    }
    os_ << "# TYPE " << name << " gauge\n"; // not reached: every caller names a listed one
  }
  void sample(const std::string& name, const labels& ls, int64_t value) {
    os_ << name;
    if (!ls.empty()) {
      os_ << "{";
      for (size_t i = 0; i < ls.size(); ++i)
        os_ << (i ? "," : "") << ls[i].first << "=\"" << escape_label(ls[i].second) << "\"";
      os_ << "}";
    }
    os_ << " " << value << "\n";
  }

private:
  std::ostream& os_;
};

labels tp(const std::string& topic, int32_t p) {
  return {{"topic", topic}, {"partition", std::to_string(p)}};
}

} // namespace

const std::vector<std::string>& metric_families() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& f : families)
      out.emplace_back(f.name);
    return out;
  }();
  return names;
}

void write_prometheus(std::ostream& os, const metrics_snapshot& s) {
  writer w(os);
  w.family("pinpipe_node_up");
  if (s.node_up) w.sample("pinpipe_node_up", {}, *s.node_up ? 1 : 0);
  w.family("pinpipe_console_up");
  if (s.console_up) w.sample("pinpipe_console_up", {}, *s.console_up ? 1 : 0);

  w.family("pinpipe_partition_log_start");
  for (const auto& p : s.partitions)
    w.sample("pinpipe_partition_log_start", tp(p.topic, p.partition), p.log_start);
  w.family("pinpipe_partition_high_watermark");
  for (const auto& p : s.partitions)
    w.sample("pinpipe_partition_high_watermark", tp(p.topic, p.partition), p.high_watermark);
  w.family("pinpipe_partition_records");
  for (const auto& p : s.partitions)
    w.sample("pinpipe_partition_records", tp(p.topic, p.partition), p.high_watermark - p.log_start);

  auto positions = [&](const char* pos_name, const char* lag_name, const char* who,
                       const std::vector<metrics_position>& ps) {
    w.family(pos_name);
    for (const auto& g : ps)
      w.sample(pos_name, {{who, g.consumer}, {"topic", g.topic}, {"partition", std::to_string(g.partition)}},
               g.position);
    w.family(lag_name);
    for (const auto& g : ps)
      if (g.lag >= 0)
        w.sample(lag_name,
                 {{who, g.consumer}, {"topic", g.topic}, {"partition", std::to_string(g.partition)}},
                 g.lag);
  };
  positions("pinpipe_group_committed_offset", "pinpipe_group_lag", "group", s.groups);
  positions("pinpipe_consumer_position", "pinpipe_consumer_lag", "consumer", s.consumers);

  w.family("pinpipe_lake_objects");
  if (s.lake_objects) w.sample("pinpipe_lake_objects", {}, *s.lake_objects);
  w.family("pinpipe_lake_records");
  if (s.lake_records) w.sample("pinpipe_lake_records", {}, *s.lake_records);
  w.family("pinpipe_warehouse_rows");
  for (const auto& [name, n] : s.tables)
    if (n >= 0) w.sample("pinpipe_warehouse_rows", {{"table", name}}, n);

  auto per_actor = [&](const char* name, int64_t actors::actor_stats::*field) {
    w.family(name);
    for (const auto& a : s.actors)
      w.sample(name, {{"actor", a.name}}, a.*field);
  };
  per_actor("pinpipe_actor_items", &actors::actor_stats::items);
  per_actor("pinpipe_actor_errors", &actors::actor_stats::errors);
  per_actor("pinpipe_actor_dead_letters", &actors::actor_stats::dead_letters);
  per_actor("pinpipe_bad_requests", &actors::actor_stats::bad_requests);
  per_actor("pinpipe_log_lines_suppressed", &actors::actor_stats::log_lines_suppressed);
  w.family("pinpipe_disk_full_errors");
  if (s.disk_full_errors) w.sample("pinpipe_disk_full_errors", {}, *s.disk_full_errors);

  w.family("pinpipe_batch_runs");
  for (const auto& [st, n] : s.batch_runs)
    w.sample("pinpipe_batch_runs", {{"state", st}}, n);
  w.family("pinpipe_batch_last_success_timestamp_seconds");
  if (s.batch_last_success_s)
    w.sample("pinpipe_batch_last_success_timestamp_seconds", {}, *s.batch_last_success_s);
  os.flush();
}

} // namespace pinpipe::console
