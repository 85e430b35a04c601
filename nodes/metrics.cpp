#include "nodes/metrics.hpp"

#include <algorithm>
#include <map>

namespace pinpipe::cli {
namespace {

bool is_integer_cell(const std::string& s) {
  if (s.empty() || s == "-") return true;
  size_t i = (s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i), s.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

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

class prom_writer {
public:
  explicit prom_writer(std::ostream& os) : os_(os) {}
  void family(const std::string& name, const std::string& help) {
    os_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n";
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

std::string num(int64_t v) {
  return std::to_string(v);
}

} // namespace

progress_line::progress_line(std::ostream& os, bool tty, std::chrono::milliseconds interval)
    : os_(os), tty_(tty), interval_(interval), last_(std::chrono::steady_clock::now()) {}

void progress_line::update(const std::string& text, bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (!force && shown_ && now - last_ < std::chrono::milliseconds(100)) return;
    os_ << "\r\033[K" << text << std::flush;
  } else {
    if (!force && now - last_ < interval_) return;
    if (text != last_text_) os_ << text << std::endl;
  }
  last_ = now;
  last_text_ = text;
  shown_ = true;
}

void progress_line::finish(const std::string& text) {
  if (tty_)
    os_ << "\r\033[K" << text << std::endl;
  else if (text != last_text_)
    os_ << text << std::endl;
  last_text_.clear();
  shown_ = false;
}

void print_table(std::ostream& os, const text_table& t, const std::string& indent) {
  const size_t cols = t.header.size();
  std::vector<size_t> width(cols, 0);
  std::vector<bool> right(cols, true);
  for (size_t c = 0; c < cols; ++c) {
    width[c] = t.header[c].size();
    bool any = false;
    for (const auto& r : t.rows) {
      if (c >= r.size()) continue;
      width[c] = std::max(width[c], r[c].size());
      if (!r[c].empty() && r[c] != "-") any = true;
      if (!is_integer_cell(r[c])) right[c] = false;
    }
    if (!any) right[c] = false;
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out = indent;
    for (size_t c = 0; c < cols; ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      const std::string pad(width[c] - std::min(width[c], cell.size()), ' ');
      if (c) out += "  ";
      out += right[c] ? pad + cell : cell + (c + 1 < cols ? pad : "");
    }
    while (!out.empty() && out.back() == ' ')
      out.pop_back();
    os << out << "\n";
  };
  line(t.header);
  for (const auto& r : t.rows)
    line(r);
}

text_table runs_table(const std::vector<batch::run_record>& runs) {
  text_table t;
  t.header = {"RUN ID", "SCHEDULED", "START", "END", "STATE", "ATTEMPT", "ERROR"};
  for (const auto& r : runs)
    t.rows.push_back({r.run_id, r.scheduled_time, r.start_time.empty() ? "-" : r.start_time,
                      r.end_time.empty() ? "-" : r.end_time, r.state, num(r.attempt),
                      r.error.empty() ? "-" : r.error});
  return t;
}

void print_status(std::ostream& os, const status_snapshot& s) {
  os << "pinpipe status: data directory " << s.data_dir << "\n\n";
  if (s.node_up) {
    os << "node " << s.endpoint << ": up\n";
  } else {
    os << "node " << s.endpoint << ": NOT REACHABLE (" << s.node_error
       << "); showing local files only\n";
  }

  if (s.node_up) {
    os << "\ntopics\n";
    text_table t;
    t.header = {"TOPIC", "PARTITION", "LOG START", "HIGH WATERMARK", "RECORDS"};
    for (const auto& p : s.partitions)
      t.rows.push_back({p.topic + (p.is_stream ? " (stream)" : ""), num(p.partition),
                        num(p.log_start), num(p.high_watermark),
                        num(p.high_watermark - p.log_start)});
    print_table(os, t, "  ");
  }

  auto positions = [&](const char* title, const std::vector<consumer_position>& ps) {
    os << "\n" << title << "\n";
    if (ps.empty()) {
      os << "  (none)\n";
      return;
    }
    text_table t;
    t.header = {"CONSUMER", "TOPIC", "PARTITION", "POSITION", "LAG"};
    for (const auto& p : ps)
      t.rows.push_back(
          {p.consumer, p.topic, num(p.partition), num(p.position), p.lag < 0 ? "-" : num(p.lag)});
    print_table(os, t, "  ");
  };
  if (s.node_up) positions("consumer groups (committed offsets)", s.groups);
  positions("pipeline consumers (lake = connector, stream tables = sink)", s.pipeline);

  os << "\nlake (" << s.lake_dir << ")\n  " << s.lake_objects << " objects holding "
     << s.lake_records << " records\n";

  os << "\nwarehouse (" << s.warehouse_path << ")\n";
  if (!s.warehouse_exists) {
    os << "  (no warehouse yet: it is created by the sink role or `pinpipe batch run`)\n";
  } else {
    text_table t;
    t.header = {"TABLE", "ROWS"};
    for (const auto& [name, n] : s.tables)
      t.rows.push_back({name, n < 0 ? "-" : num(n)});
    print_table(os, t, "  ");
  }

  const size_t shown = std::min(s.runs.size(), status_runs_shown);
  os << "\nbatch runs (last " << shown << " of " << s.runs.size() << " attempts)\n";
  if (s.runs.empty())
    os << "  (none yet: `pinpipe batch run` runs one now)\n";
  else
    print_table(os,
                runs_table(std::vector<batch::run_record>(
                    s.runs.end() - static_cast<std::ptrdiff_t>(shown), s.runs.end())),
                "  ");
  os.flush();
}

void print_prometheus(std::ostream& os, const status_snapshot& s) {
  prom_writer w(os);
  w.family("pinpipe_node_up", "1 when the node answered, 0 when it was not reachable");
  w.sample("pinpipe_node_up", {}, s.node_up ? 1 : 0);
  if (!s.partitions.empty()) {
    w.family("pinpipe_partition_log_start", "first offset still stored");
    for (const auto& p : s.partitions)
      w.sample("pinpipe_partition_log_start", {{"topic", p.topic}, {"partition", num(p.partition)}},
               p.log_start);
    w.family("pinpipe_partition_high_watermark", "offset the next record will get");
    for (const auto& p : s.partitions)
      w.sample("pinpipe_partition_high_watermark",
               {{"topic", p.topic}, {"partition", num(p.partition)}}, p.high_watermark);
    w.family("pinpipe_partition_records", "records stored (high watermark - log start)");
    for (const auto& p : s.partitions)
      w.sample("pinpipe_partition_records", {{"topic", p.topic}, {"partition", num(p.partition)}},
               p.high_watermark - p.log_start);
  }
  if (!s.groups.empty()) {
    w.family("pinpipe_group_committed_offset", "next offset a consumer group will read");
    for (const auto& g : s.groups)
      w.sample("pinpipe_group_committed_offset",
               {{"group", g.consumer}, {"topic", g.topic}, {"partition", num(g.partition)}},
               g.position);
    if (s.node_up) w.family("pinpipe_group_lag", "high watermark - committed offset");
    for (const auto& g : s.groups)
      if (g.lag >= 0)
        w.sample("pinpipe_group_lag",
                 {{"group", g.consumer}, {"topic", g.topic}, {"partition", num(g.partition)}},
                 g.lag);
  }
  if (!s.pipeline.empty()) {
    auto consumer = [](const std::string& c) { return c.substr(0, c.find(' ')); };
    w.family("pinpipe_consumer_position",
             "next offset of the connector (lake) or the sink (stream tables)");
    for (const auto& p : s.pipeline)
      w.sample(
          "pinpipe_consumer_position",
          {{"consumer", consumer(p.consumer)}, {"topic", p.topic}, {"partition", num(p.partition)}},
          p.position);
    if (s.node_up) w.family("pinpipe_consumer_lag", "high watermark - consumer position");
    for (const auto& p : s.pipeline)
      if (p.lag >= 0)
        w.sample("pinpipe_consumer_lag",
                 {{"consumer", consumer(p.consumer)},
                  {"topic", p.topic},
                  {"partition", num(p.partition)}},
                 p.lag);
  }
  w.family("pinpipe_lake_objects", "objects in the lake directory");
  w.sample("pinpipe_lake_objects", {}, s.lake_objects);
  w.family("pinpipe_lake_records", "records in the lake objects");
  w.sample("pinpipe_lake_records", {}, s.lake_records);
  if (s.warehouse_exists) {
    w.family("pinpipe_warehouse_rows", "rows per warehouse table");
    for (const auto& [name, n] : s.tables)
      if (n >= 0) w.sample("pinpipe_warehouse_rows", {{"table", name}}, n);
  }
  std::map<std::string, int64_t> states;
  for (const char* st : {"queued", "running", "up_for_retry", "success", "failed"})
    states[st] = 0;
  int64_t last_success = -1;
  for (const auto& r : s.runs) {
    ++states[r.state];
    if (r.state == "success" && !r.end_time.empty())
      if (auto t = batch::parse_utc(r.end_time); t) last_success = std::max(last_success, *t);
  }
  w.family("pinpipe_batch_runs", "batch run attempts per state");
  for (const auto& [st, n] : states)
    w.sample("pinpipe_batch_runs", {{"state", st}}, n);
  if (last_success >= 0) {
    w.family("pinpipe_batch_last_success_timestamp_seconds",
             "end time of the last successful batch run, Unix seconds");
    w.sample("pinpipe_batch_last_success_timestamp_seconds", {}, last_success);
  }
  os.flush();
}

} // namespace pinpipe::cli
