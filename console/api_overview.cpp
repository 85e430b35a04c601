// Overview (node, topics/partitions/offsets, consumer groups and lag, the pipeline's own
// positions, warehouse counts), records/s history, pipeline counters and /metrics.
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>

#include "common/clock.hpp"
#include "common/disk_full_count.hpp"
#include "console/console_impl.hpp"
#include "console/metrics_text.hpp"
#include "pipeline/batch/scheduler.hpp"

namespace fs = std::filesystem;

namespace pinpipe::console {
namespace {

/// Group names from the keys "<group>/<topic>/<partition>" of __consumer_offsets (bounded).
std::set<std::string> group_names(logclient::log_client& log) {
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

json topics_json(logclient::log_client& log,
                 std::map<std::pair<std::string, int32_t>, int64_t>& hw) {
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

// The same writer as `pinpipe status --prometheus` (console/metrics_text.hpp), filled from
// what this process holds: the log, the actors' counters, the warehouse.
reply metrics(context& c, const http_request&) {
  metrics_snapshot m;
  m.node_up = true; // the console runs inside the node
  m.console_up = true;
  std::map<std::pair<std::string, int32_t>, int64_t> hw;
  if (c.src.log) {
    for (const auto& t : c.src.log->list_topics()) {
      if (t.name.rfind("__", 0) == 0) continue;
      for (const auto& p : t.partitions) {
        m.partitions.push_back({t.name, p.id.get(), p.log_start.get(), p.high_watermark.get()});
        hw[{t.name, p.id.get()}] = p.high_watermark.get();
      }
    }
    for (const auto& g : group_names(*c.src.log))
      for (const auto& o : c.src.log->committed_offsets(g)) {
        auto it = hw.find({o.topic, o.partition.get()});
        m.groups.push_back({g, o.topic, o.partition.get(), o.offset.get(),
                            it == hw.end() ? -1 : it->second - o.offset.get()});
      }
  }
  m.disk_full_errors = static_cast<int64_t>(disk_full_refusals().load()); // this process's log
  json sink = json::array();
  for (const auto& t : warehouse_counts(c, sink))
    m.tables.emplace_back(t["table"].get<std::string>(),
                          t["rows"].is_null() ? -1 : t["rows"].get<int64_t>());
  for (const auto& s : sink) {
    metrics_position p{"sink", s["topic"].get<std::string>(), s["partition"].get<int32_t>(),
                       s["position"].get<int64_t>(), -1};
    if (auto it = hw.find({p.topic, p.partition}); it != hw.end()) p.lag = it->second - p.position;
    m.consumers.push_back(std::move(p));
  }
  if (c.src.actor_stats) m.actors = c.src.actor_stats();
  if (c.src.node_api_stats) m.actors.push_back(c.src.node_api_stats());
  ro_db db(c.src.warehouse_path);
  if (db && table_exists(db.db, "batch_runs")) {
    std::vector<std::vector<json>> rows;
    std::string err;
    if (query_rows(db.db, "SELECT state, COUNT(*) FROM batch_runs WHERE dag_id = ? GROUP BY 1",
                   {c.src.uid + "_dag"}, rows, err)) {
      for (const char* st : {"queued", "running", "up_for_retry", "success", "failed"})
        m.batch_runs[st] = 0;
      for (auto& r : rows)
        m.batch_runs[r[0].get<std::string>()] = r[1].get<int64_t>();
    }
    rows.clear();
    if (query_rows(db.db,
                   "SELECT MAX(end_time) FROM batch_runs WHERE dag_id = ? AND state = 'success'",
                   {c.src.uid + "_dag"}, rows, err) &&
        !rows.empty() && rows[0][0].is_string())
      if (auto t = batch::parse_utc(rows[0][0].get<std::string>()); t)
        m.batch_last_success_s = *t;
  }
  std::ostringstream text;
  write_prometheus(text, m);
  reply out;
  out.body = text.str();
  out.content_type = "text/plain; version=0.0.4";
  return out;
}

} // namespace pinpipe::console
