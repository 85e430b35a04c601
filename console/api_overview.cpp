// Overview (node, topics/partitions/offsets, consumer groups and lag, the pipeline's own
// positions, warehouse counts), records/s history, pipeline counters and /metrics.
#include <chrono>
#include <filesystem>
#include <set>

#include "common/clock.hpp"
#include "console/console_impl.hpp"
#include "storage/log.hpp"

namespace fs = std::filesystem;

namespace pinpipe::console {
namespace {

/// Group names from the keys "<group>/<topic>/<partition>" of __consumer_offsets (bounded).
std::set<std::string> group_names(storage::log_store& log) {
  std::set<std::string> out;
  auto info = log.describe_topic("__consumer_offsets");
  if (!info || info->partitions.empty()) return out;
  const auto& p = info->partitions[0];
  offset_t next = p.log_start;
  for (int round = 0; next < p.high_watermark && round < 256; ++round) {
    auto r = log.fetch(info->name, p.id, next, 1 << 20);
    if (!r || r->records.empty()) break;
    for (const auto& s : r->records) {
      next = s.offset + 1;
      if (!s.rec.key) continue;
      const std::string& key = *s.rec.key;
      auto b = key.rfind('/');
      if (b == std::string::npos || b == 0) continue;
      auto a = key.rfind('/', b - 1);
      if (a == std::string::npos || a == 0) continue;
      out.insert(key.substr(0, a));
    }
  }
  return out;
}

json topics_json(storage::log_store& log, std::map<std::pair<std::string, int32_t>, int64_t>& hw) {
  json topics = json::array();
  for (const auto& t : log.list_topics()) {
    if (t.name.rfind("__", 0) == 0) continue;
    json parts = json::array();
    int64_t records = 0;
    for (const auto& p : t.partitions) {
      const int64_t n = p.high_watermark.get() - p.log_start.get();
      records += n;
      hw[{t.name, p.id.get()}] = p.high_watermark.get();
      parts.push_back({{"partition", p.id.get()},
                       {"log_start", p.log_start.get()},
                       {"high_watermark", p.high_watermark.get()},
                       {"records", n},
                       {"size_bytes", p.size_bytes},
                       {"segments", p.segments},
                       {"leader", "this node"},
                       {"replicas", 1}});
    }
    topics.push_back({{"name", t.name},
                      {"kind", t.config.is_stream ? "stream" : "topic"},
                      {"records", records},
                      {"partitions", parts}});
  }
  std::sort(topics.begin(), topics.end(),
            [](const json& a, const json& b) { return a["name"] < b["name"]; });
  return topics;
}

json warehouse_counts(context& c, json& sink_positions) {
  json tables = json::array();
  ro_db db(c.src.warehouse_path);
  if (!db) return tables;
  const std::string& uid = c.src.uid;
  for (const std::string& t : {uid + "_pin_table", uid + "_geo_table", uid + "_user_table",
                               std::string("pin_clean"), std::string("geo_clean"),
                               std::string("user_clean"), std::string("dead_letters")}) {
    std::vector<std::vector<json>> rows;
    std::string err;
    json n = nullptr;
    if (table_exists(db.db, t) &&
        query_rows(db.db, "SELECT COUNT(*) FROM \"" + t + "\"", {}, rows, err) && !rows.empty())
      n = rows[0][0];
    tables.push_back({{"table", t}, {"rows", n}});
  }
  std::vector<std::vector<json>> rows;
  std::string err;
  if (table_exists(db.db, "stream_positions") &&
      query_rows(db.db, "SELECT topic, partition, next_offset FROM stream_positions ORDER BY 1, 2",
                 {}, rows, err))
    for (auto& r : rows)
      sink_positions.push_back({{"topic", r[0]}, {"partition", r[1]}, {"position", r[2]}});
  return tables;
}

} // namespace

void sample_rates(context& c) {
  if (!c.src.log) return;
  const int64_t t = now_ms();
  std::map<std::string, int64_t> totals;
  for (const auto& info : c.src.log->list_topics()) {
    if (info.name.rfind("__", 0) == 0) continue;
    int64_t n = 0;
    for (const auto& p : info.partitions)
      n += p.high_watermark.get();
    totals[info.name] = n;
  }
  std::lock_guard<std::mutex> lk(c.rates_mu);
  for (const auto& [name, total] : totals) {
    auto& h = c.rates[name];
    if (h.last_total >= 0 && t > h.last_ms) {
      const double rate = std::max<int64_t>(0, total - h.last_total) * 1000.0 /
                          static_cast<double>(t - h.last_ms);
      h.samples.emplace_back(t, rate);
      while (h.samples.size() > context::max_samples)
        h.samples.pop_front();
    }
    h.last_total = total;
    h.last_ms = t;
  }
}

reply api_overview(context& c, const http_request&) {
  json node = {{"id", c.src.node_id},       {"up", true},
               {"roles", c.src.roles},       {"endpoint", c.src.node_endpoint},
               {"data_dir", c.src.data_dir}, {"console", c.own_origin + "/"}};
  std::map<std::pair<std::string, int32_t>, int64_t> hw;
  json topics = json::array(), groups = json::array();
  if (c.src.log) {
    topics = topics_json(*c.src.log, hw);
    for (const auto& g : group_names(*c.src.log))
      for (const auto& o : c.src.log->committed_offsets(g)) {
        auto it = hw.find({o.topic, o.partition.get()});
        groups.push_back({{"group", g},
                          {"topic", o.topic},
                          {"partition", o.partition.get()},
                          {"committed", o.offset.get()},
                          {"lag", it == hw.end() ? json(nullptr)
                                                 : json(it->second - o.offset.get())}});
      }
  }
  json sink = json::array();
  json tables = warehouse_counts(c, sink);
  for (auto& s : sink) {
    auto it = hw.find({s["topic"].get<std::string>(), s["partition"].get<int32_t>()});
    s["lag"] = it == hw.end() ? json(nullptr) : json(it->second - s["position"].get<int64_t>());
  }
  return json_reply({{"nodes", json::array({node})},
                     {"topics", topics},
                     {"groups", groups},
                     {"sink_positions", sink},
                     {"tables", tables},
                     {"log_on_this_node", c.src.log != nullptr}});
}

reply api_throughput(context& c, const http_request& r) {
  int64_t seconds = 0;
  std::string err;
  if (!int_param(r, "seconds", 300, 1, 600, seconds, err)) return error_reply(400, err);
  const int64_t since = now_ms() - seconds * 1000;
  json topics = json::object();
  std::lock_guard<std::mutex> lk(c.rates_mu);
  for (const auto& [name, h] : c.rates) {
    json pts = json::array();
    for (const auto& [t, v] : h.samples)
      if (t >= since) pts.push_back({t, std::round(v * 10) / 10});
    topics[name] = pts;
  }
  return json_reply({{"interval_ms", c.opt.sample_interval_ms}, {"topics", topics}});
}

reply api_pipeline(context& c, const http_request&) {
  json actors = json::array();
  if (c.src.actor_stats)
    for (const auto& s : c.src.actor_stats())
      actors.push_back({{"name", s.name},
                        {"items", s.items},
                        {"errors", s.errors},
                        {"dead_letters", s.dead_letters},
                        {"objects", s.objects},
                        {"finished", s.finished},
                        {"last_error", s.last_error}});
  json lag = nullptr;
  if (c.src.stream_lag)
    if (auto l = c.src.stream_lag()) lag = *l;
  return json_reply({{"actors", actors},
                     {"stream_lag", lag},
                     {"pipeline_on_this_node", static_cast<bool>(c.src.actor_stats)}});
}

namespace {

std::string label_value(const std::string& v) {
  std::string out;
  for (char ch : v) {
    if (ch == '\\' || ch == '"') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

} // namespace

reply metrics(context& c, const http_request&) {
  std::string m;
  auto help = [&](const char* name, const char* text) {
    m += std::string("# HELP ") + name + " " + text + "\n# TYPE " + name + " gauge\n";
  };
  help("pinpipe_console_up", "1 while the console serves");
  m += "pinpipe_console_up 1\n";
  if (c.src.log) {
    auto topics = c.src.log->list_topics();
    help("pinpipe_partition_high_watermark", "next offset to be written");
    for (const auto& t : topics)
      if (t.name.rfind("__", 0) != 0)
        for (const auto& p : t.partitions)
          m += "pinpipe_partition_high_watermark{topic=\"" + label_value(t.name) +
               "\",partition=\"" + std::to_string(p.id.get()) + "\"} " +
               std::to_string(p.high_watermark.get()) + "\n";
    help("pinpipe_partition_records", "high watermark - log start");
    for (const auto& t : topics)
      if (t.name.rfind("__", 0) != 0)
        for (const auto& p : t.partitions)
          m += "pinpipe_partition_records{topic=\"" + label_value(t.name) + "\",partition=\"" +
               std::to_string(p.id.get()) + "\"} " +
               std::to_string(p.high_watermark.get() - p.log_start.get()) + "\n";
  }
  if (c.src.actor_stats || c.src.node_api_stats) {
    std::vector<actors::actor_stats> stats;
    if (c.src.actor_stats) stats = c.src.actor_stats();
    if (c.src.node_api_stats) stats.push_back(c.src.node_api_stats());
    help("pinpipe_actor_items", "events sent, records moved or rows written by a pipeline actor");
    for (const auto& s : stats)
      m += "pinpipe_actor_items{actor=\"" + label_value(s.name) + "\"} " +
           std::to_string(s.items) + "\n";
    help("pinpipe_actor_errors", "errors of a pipeline actor");
    for (const auto& s : stats)
      m += "pinpipe_actor_errors{actor=\"" + label_value(s.name) + "\"} " +
           std::to_string(s.errors) + "\n";
    help("pinpipe_actor_dead_letters", "dead letters of a pipeline actor");
    for (const auto& s : stats)
      m += "pinpipe_actor_dead_letters{actor=\"" + label_value(s.name) + "\"} " +
           std::to_string(s.dead_letters) + "\n";
    help("pinpipe_bad_requests", "requests rejected as malformed or over a limit (gateway, node-api)");
    for (const auto& s : stats)
      m += "pinpipe_bad_requests{actor=\"" + label_value(s.name) + "\"} " +
           std::to_string(s.bad_requests) + "\n";
    help("pinpipe_log_lines_suppressed",
         "warnings about rejected requests left out of the log by its rate limit");
    for (const auto& s : stats)
      m += "pinpipe_log_lines_suppressed{actor=\"" + label_value(s.name) + "\"} " +
           std::to_string(s.log_lines_suppressed) + "\n";
  }
  ro_db db(c.src.warehouse_path);
  if (db && table_exists(db.db, "batch_runs")) {
    std::vector<std::vector<json>> rows;
    std::string err;
    if (query_rows(db.db, "SELECT state, COUNT(*) FROM batch_runs WHERE dag_id = ? GROUP BY 1",
                   {c.src.uid + "_dag"}, rows, err)) {
      help("pinpipe_batch_runs", "batch run attempts per state");
      for (auto& r : rows)
        m += "pinpipe_batch_runs{state=\"" + label_value(r[0].get<std::string>()) + "\"} " +
             std::to_string(r[1].get<int64_t>()) + "\n";
    }
  }
  reply out;
  out.body = std::move(m);
  out.content_type = "text/plain; version=0.0.4";
  return out;
}

} // namespace pinpipe::console
