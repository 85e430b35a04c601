// `pinpipe status [--broker E] [--data-dir D] [--prometheus]`: one view of the pipeline.
// From the node (ZeroMQ: list_topics, fetch of "__consumer_offsets" to find the groups,
// fetch_offsets per group): every partition's log start and high watermark, and each consumer
// group's committed offsets and lag; its counters (node_stats); and, when it answers from
// the warehouse this command would read, the warehouse table counts, the sink's position per
// stream shard and the batch runs (warehouse_counts / batch_runs, nodes/node_queries.hpp).
// From local files: the connector's position per batch partition (the offset after the last
// complete lake object), lake objects and records, and what the node did not answer from the
// warehouse (read-only, through pipeline/warehouse/inspect.hpp). When the node does not
// answer, says so and prints the local parts. --prometheus prints the same as Prometheus text
// (nodes/metrics.hpp). Reads only: never creates or changes a file.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <tuple>


#include "actors/stats.hpp"
#include "common/topic_names.hpp"
#include "common/logging.hpp"
#include "messages/control_api.hpp"
#include "nodes/command.hpp"
#include "nodes/metrics.hpp"
#include "nodes/node_queries.hpp"
#include "pipeline/batch/scheduler.hpp"
#include "pipeline/lake/lake_layout.hpp"
#include "pipeline/paths.hpp"
#include "pipeline/warehouse/inspect.hpp"

namespace fs = std::filesystem;

namespace pinpipe::cli {
namespace {

namespace m = pinpipe::messages;

struct status_flags {
  std::string data_dir;
  bool prometheus = false;
  int32_t timeout_ms = 3000;
};

constexpr const char* consumer_offsets_topic = "__consumer_offsets";

/// (stream, shard) -> the sink's next offset.
using position_map = std::map<std::pair<std::string, int32_t>, int64_t>;

/// What the node answered from the warehouse (the rest is read from the file).
struct node_warehouse {
  bool counts = false; ///< table counts and sink positions
  bool runs = false;
  position_map positions;
};

int64_t count_lines(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
}

/// (topic, partition) -> next offset after the last complete lake object; counts objects and
/// records on the way.
std::map<std::pair<std::string, int32_t>, int64_t> scan_lake(status_snapshot& s) {
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  std::error_code ec;
  const fs::path topics = fs::path(s.lake_dir) / "topics";
  if (!fs::is_directory(topics, ec)) return next;
  for (const auto& t : fs::directory_iterator(topics, ec)) {
    if (!t.is_directory()) continue;
    const std::string topic = t.path().filename().string();
    for (const auto& p : fs::directory_iterator(t.path(), ec)) {
      auto partition = lake::parse_partition_dir_name(p.path().filename().string());
      if (!partition || !p.is_directory()) continue;
      int64_t last_start = -1, last_lines = 0;
      for (const auto& o : fs::directory_iterator(p.path(), ec)) {
        auto start = lake::parse_object_file_name(o.path().filename().string(), topic, *partition);
        if (!start) continue;
        const int64_t lines = count_lines(o.path());
        ++s.lake_objects;
        s.lake_records += lines;
        if (*start > last_start) {
          last_start = *start;
          last_lines = lines;
        }
      }
      next[{topic, *partition}] = last_start < 0 ? 0 : last_start + last_lines;
    }
  }
  return next;
}

/// The warehouse file read-only, for what the node did not answer: table counts, stream
/// positions (missing tables count -1), the run history.
void read_warehouse(status_snapshot& s, const std::string& uid, const node_warehouse& from_node,
                    position_map& positions) {
  if (from_node.counts) {
    positions = from_node.positions;
  } else {
    std::error_code ec;
    s.warehouse_exists = fs::exists(s.warehouse_path, ec);
    if (!s.warehouse_exists) return;
    auto counts = warehouse::table_counts(s.warehouse_path, warehouse::reported_tables(uid));
    if (!counts) {
      s.warehouse_exists = false;
      return;
    }
    s.tables = std::move(*counts);
    if (auto pos = warehouse::stream_positions(s.warehouse_path)) positions = std::move(*pos);
  }
  if (from_node.runs || !s.warehouse_exists) return;
  if (auto runs = batch::read_run_history(s.warehouse_path, names::dag_id(uid)))
    s.runs = std::move(*runs);
}

/// The warehouse as the node sees it, when it answers from the file this command reads.
void ask_node_warehouse(transport::client& c, int timeout_ms, status_snapshot& s,
                        node_warehouse& w) {
  auto counts = ask_node_about(c, m::warehouse_counts_request{}, s.warehouse_path, timeout_ms);
  if (counts.value) {
    w.counts = true;
    s.warehouse_exists = counts.value->exists;
    for (const auto& t : counts.value->tables)
      s.tables.emplace_back(t.table, t.rows);
    for (const auto& p : counts.value->positions)
      w.positions[{p.stream, p.shard}] = p.next_offset;
  }
  auto runs = ask_node_about(c, m::batch_runs_request{}, s.warehouse_path, timeout_ms);
  if (runs.value) {
    w.runs = true;
    s.runs = runs_of(*runs.value);
  }
}

/// Group names from the keys "<group>/<topic>/<partition>" of __consumer_offsets.
result<std::set<std::string>> group_names(transport::client& c, const m::wire_topic_info& t,
                                          int timeout_ms) {
  std::set<std::string> groups;
  if (t.partitions.empty()) return groups;
  offset_t next = t.partitions[0].log_start;
  const offset_t end = t.partitions[0].high_watermark;
  for (int round = 0; next < end && round < 256; ++round) {
    m::fetch_request req;
    req.topic = t.name;
    req.partition = t.partitions[0].id;
    req.offset = next;
    auto resp = transport::request(c, req, timeout_ms);
    if (!resp) return resp.error();
    if (auto st = m::status_of(*resp); !st) return st;
    if (resp->records.empty()) break;
    for (const auto& r : resp->records) {
      next = r.offset + 1;
      const auto& key = r.record.key;
      auto b = key.rfind('/');
      if (b == std::string::npos || b == 0) continue;
      auto a = key.rfind('/', b - 1);
      if (a == std::string::npos || a == 0) continue;
      groups.insert(key.substr(0, a));
    }
  }
  return groups;
}

/// Asks the node; on failure fills node_error and leaves the node parts empty.
void ask_node(const common_options& common, const status_flags& f, status_snapshot& s,
              node_warehouse& w) {
  auto c = connect_broker(common);
  if (!c) {
    s.node_error = c.error().to_string();
    return;
  }
  s.endpoint = (*c)->endpoint();
  auto topics = transport::request(**c, m::list_topics_request{}, f.timeout_ms);
  if (!topics) {
    s.node_error = topics.error().code() == errc::timeout
                       ? "no answer within " + std::to_string(f.timeout_ms) +
                             " ms; start it with `pinpipe node`"
                       : topics.error().to_string();
    return;
  }
  if (auto st = m::status_of(*topics); !st) {
    s.node_error = st.to_string();
    return;
  }
  s.node_up = true;
  // The node's counters (the console's /metrics shows the same): a node without pipeline
  // roles, or an older one, answers with an error and the counters stay unknown.
  if (auto ns = transport::request(**c, m::node_stats_request{}, f.timeout_ms);
      ns && m::status_of(*ns).ok()) {
    for (const auto& a : ns->actors) {
      auto st = actors::named_stats(a.name);
      st.items = a.items;
      st.errors = a.errors;
      st.dead_letters = a.dead_letters;
      st.bad_requests = a.bad_requests;
      st.log_lines_suppressed = a.log_lines_suppressed;
      s.actors.push_back(std::move(st));
    }
    if (ns->disk_full_errors >= 0) s.disk_full_errors = ns->disk_full_errors;
  }
  ask_node_warehouse(**c, f.timeout_ms, s, w);
  std::map<std::pair<std::string, int32_t>, int64_t> hw;
  const m::wire_topic_info* offsets_topic = nullptr;
  for (const auto& t : topics->topics) {
    if (t.name == consumer_offsets_topic) offsets_topic = &t;
    if (t.name.rfind("__", 0) == 0) continue;
    for (const auto& p : t.partitions) {
      s.partitions.push_back(
          {t.name, p.id.get(), t.config.is_stream, p.log_start.get(), p.high_watermark.get()});
      hw[{t.name, p.id.get()}] = p.high_watermark.get();
    }
  }
  std::sort(s.partitions.begin(), s.partitions.end(),
            [](const partition_status& a, const partition_status& b) {
              return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
            });
  if (!offsets_topic) return;
  auto groups = group_names(**c, *offsets_topic, request_timeout_ms);
  if (!groups) {
    logging::get("cli")->warn("cannot read the consumer groups: {}", groups.error().to_string());
    return;
  }
  for (const auto& g : *groups) {
    auto offs = transport::request(**c, m::fetch_offsets_request{m::protocol_version, g},
                                   request_timeout_ms);
    if (!offs || !m::status_of(*offs).ok()) continue;
    for (const auto& o : offs->offsets) {
      auto it = hw.find({o.topic, o.partition.get()});
      s.groups.push_back({g, o.topic, o.partition.get(), o.offset.get(),
                          it == hw.end() ? -1 : it->second - o.offset.get()});
    }
  }
}

int run_status(const common_options& common, const status_flags& f) {
  auto cfg = load_config(common);
  if (!cfg) return fail(cfg.error());
  if (!f.data_dir.empty())
    if (auto st = config::apply_override(*cfg, "node", "data_dir", f.data_dir); !st)
      return fail(st);
  logging::init("error");
  const auto paths = data_paths::of(cfg->node.data_dir, *cfg);
  const auto& uid = cfg->pipeline.user_id;

  status_snapshot s;
  s.data_dir = fs::absolute(paths.root).lexically_normal().string();
  s.endpoint = common.broker.empty() ? cfg->node.listen : common.broker;
  s.lake_dir = paths.lake;
  s.warehouse_path = paths.warehouse;
  node_warehouse from_node;
  ask_node(common, f, s, from_node);

  // The pipeline's own consumers: connector -> lake (batch topics), sink -> stream tables.
  auto lake_next = scan_lake(s);
  position_map sink_next;
  read_warehouse(s, uid, from_node, sink_next);
  if (s.node_up) { // partitions nothing has read yet start at 0
    for (const auto& p : s.partitions) {
      if (lake::topic_matches_uid(p.topic, uid)) lake_next.insert({{p.topic, p.partition}, 0});
      if (p.topic.rfind(names::stream_prefix(uid), 0) == 0)
        sink_next.insert({{p.topic, p.partition}, 0});
    }
  }
  std::map<std::pair<std::string, int32_t>, int64_t> hw;
  for (const auto& p : s.partitions)
    hw[{p.topic, p.partition}] = p.high_watermark;
  auto add = [&](const std::string& who,
                 const std::map<std::pair<std::string, int32_t>, int64_t>& ps) {
    for (const auto& [tp, pos] : ps) {
      auto it = hw.find(tp);
      s.pipeline.push_back(
          {who, tp.first, tp.second, pos, s.node_up && it != hw.end() ? it->second - pos : -1});
    }
  };
  add("connector (lake)", lake_next);
  add("sink (stream tables)", sink_next);

  if (f.prometheus)
    print_prometheus(std::cout, s);
  else
    print_status(std::cout, s);
  return 0;
}

} // namespace

command make_status_command(const std::shared_ptr<common_options>& common) {
  auto f = std::make_shared<status_flags>();
  command c;
  c.name = "status";
  c.help = "offsets, consumer lag, lake, warehouse counts and batch runs in one view";
  c.options = {
      {"--data-dir", "data directory with lake/ and warehouse.db (default ./data)", &f->data_dir},
      {"--prometheus", "print Prometheus text format instead of tables", &f->prometheus},
      {"--timeout-ms", "how long to wait for the node (default 3000)", &f->timeout_ms},
  };
  c.run = [common, f] { return run_status(*common, *f); };
  return c;
}

} // namespace pinpipe::cli
