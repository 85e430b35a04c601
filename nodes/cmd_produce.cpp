// `pinpipe produce TOPIC [--partition P] [--key K] [--acks 0|1|all] [--file F]`: one
// record per input line (stdin or --file), sent in batches; prints a summary on stderr.
// Lines for a pipeline topic (<uid>.* or streaming-<uid>-*) that are not JSON are sent as
// given, with a warning: the pipeline will store them as dead letters.
#include <fstream>
#include <iostream>

#include "nodes/command.hpp"
#include "pipeline/lake/json_check.hpp"
#include "pipeline/lake/lake_layout.hpp"

namespace pinpipe::cli {
namespace {

namespace m = pinpipe::messages;

struct produce_flags {
  std::string topic;
  int32_t partition = 0;
  std::string key;
  std::string acks = "1";
  std::string file;
  int32_t batch = 500;
};

constexpr size_t max_batch_bytes = 512 * 1024;

/// Records of these topics go through the cleaner, which takes JSON objects only.
bool is_pipeline_topic(const std::string& topic, const std::string& uid) {
  return lake::topic_matches_uid(topic, uid) || topic.rfind("streaming-" + uid + "-", 0) == 0;
}

/// Warns about non-JSON lines (the first few by number, then a count).
struct json_warner {
  bool active = false;
  std::string topic;
  int64_t bad = 0;
  void check(int64_t line_no, const std::string& line) {
    if (!active) return;
    std::string why;
    if (lake::check_json(line, &why)) return;
    if (++bad <= 3)
      std::cerr << "warning: line " << line_no << " is " << why.substr(0, why.find(':'))
                << "; " << topic
                << " is a pipeline topic, whose records the cleaner files as dead letters "
                   "unless they are JSON objects (use a topic of your own for other text)"
                << std::endl;
  }
  void summary() const {
    if (bad > 3) std::cerr << "warning: " << bad << " lines in all were not JSON" << std::endl;
  }
};

int run_produce(const common_options& common, const produce_flags& f) {
  int8_t acks = 0;
  if (f.acks == "0")
    acks = 0;
  else if (f.acks == "1")
    acks = 1;
  else if (f.acks == "all" || f.acks == "-1")
    acks = -1;
  else
    return fail_usage("--acks " + f.acks + " is not valid (use 0, 1 or all)");
  json_warner warner;
  if (auto cfg = load_config(common); cfg) {
    warner.active = is_pipeline_topic(f.topic, cfg->pipeline.user_id);
    warner.topic = f.topic;
  }
  std::ifstream file;
  if (!f.file.empty()) {
    file.open(f.file);
    if (!file) return fail("cannot read " + f.file, "check the path given to --file");
  }
  std::istream& in = f.file.empty() ? std::cin : file;
  auto c = connect_broker(common);
  if (!c) return fail(c.error());

  m::produce_request req;
  req.topic = f.topic;
  req.partition = partition_id{f.partition};
  req.acks = acks;
  int64_t sent = 0;
  offset_t first{-1}, last{-1};
  size_t batch_bytes = 0;
  auto flush = [&]() -> int {
    if (req.records.empty()) return 0;
    auto resp = transport::request(**c, req, request_timeout_ms);
    if (!resp) return fail(resp.error());
    if (auto st = m::status_of(*resp); !st) return fail(st);
    if (first.get() < 0) first = resp->base_offset;
    last = resp->last_offset;
    sent += static_cast<int64_t>(req.records.size());
    req.records.clear();
    batch_bytes = 0;
    return 0;
  };
  int64_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    warner.check(++line_no, line);
    m::wire_record r;
    r.has_key = !f.key.empty();
    r.key = f.key;
    r.value = std::move(line);
    batch_bytes += r.value.size() + r.key.size();
    req.records.push_back(std::move(r));
    if (static_cast<int32_t>(req.records.size()) >= f.batch || batch_bytes >= max_batch_bytes)
      if (int rc = flush()) return rc;
  }
  if (int rc = flush()) return rc;
  warner.summary();
  std::cerr << "produced " << sent << " record(s) to " << f.topic << "/" << f.partition;
  if (sent > 0 && acks != 0) std::cerr << " (offsets " << first << ".." << last << ")";
  std::cerr << std::endl;
  return 0;
}

} // namespace

command make_produce_command(const std::shared_ptr<common_options>& common) {
  auto f = std::make_shared<produce_flags>();
  command c;
  c.name = "produce";
  c.help = "send lines of stdin (or --file) as records, one per line";
  c.options = {
      {"topic", "topic to produce to", &f->topic, true},
      {"--partition,-p", "partition (default 0)", &f->partition},
      {"--key,-k", "key of every record (default: no key)", &f->key},
      {"--acks", "0 (no wait), 1 (written, default) or all (fsynced)", &f->acks},
      {"--file,-f", "read records from this file instead of stdin", &f->file},
      {"--batch", "records per request (default 500)", &f->batch},
  };
  c.run = [common, f] { return run_produce(*common, *f); };
  return c;
}

} // namespace pinpipe::cli
