// `pinpipe produce TOPIC [--partition P] [--key K] [--acks 0|1|all] [--file F]
//  [--no-idempotent] [--retry-ms MS] [--acked FILE]`: one record per input line (stdin or
// --file), sent in batches; prints a summary on stderr. Every batch carries a producer id
// and sequence (as Kafka's idempotent producer) and a failed one is resent unchanged (to
// any node of a -b list) until it is acknowledged or --retry-ms passes: a retry never
// duplicates. --no-idempotent sends plain batches and stops at the first error.
// --acked appends "OFFSET<TAB>VALUE<TAB>ACK_TIME_MS" for every acknowledged record (the chaos checker's
// input, cluster-scripts/chaos.sh).
// Lines for a pipeline topic (<uid>.* or streaming-<uid>-*) that are not JSON are sent as
// given, with a warning: the pipeline will store them as dead letters.
#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

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
  bool idempotent = true; // --no-idempotent turns it off
  bool no_idempotent = false;
  int64_t retry_ms = 30000;
  std::string acked;
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

  std::ofstream acked;
  if (!f.acked.empty()) {
    acked.open(f.acked, std::ios::app);
    if (!acked) return fail("cannot write " + f.acked, "check the path given to --acked");
  }
  m::produce_request req;
  req.topic = f.topic;
  req.partition = partition_id{f.partition};
  req.acks = acks;
  if (f.idempotent) {
    std::random_device rd;
    req.producer_id = static_cast<int64_t>((uint64_t{rd()} << 32 | rd()) >> 2);
    req.base_sequence = 0;
  }
  int64_t sent = 0, retries = 0;
  offset_t first{-1}, last{-1};
  size_t batch_bytes = 0;
  // Worth resending unchanged: nothing was decided, or (idempotent) the node dedupes.
  auto retriable = [](errc e) {
    return e == errc::unavailable || e == errc::timeout || e == errc::not_leader ||
           e == errc::io_error;
  };
  auto flush = [&]() -> int {
    if (req.records.empty()) return 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(f.retry_ms);
    result<m::produce_response> resp = status{errc::unavailable, "not sent"};
    for (int attempt = 0;; ++attempt) {
      resp = transport::request(**c, req, request_timeout_ms);
      status st = resp ? m::status_of(*resp) : resp.error();
      if (st.ok()) break;
      // Resend only where it can help: a node answered before (it may be failing over),
      // or there are other nodes to try. A lone node that never answered fails at once.
      const bool may_retry = sent > 0 || common.broker.find(',') != std::string::npos;
      if (!f.idempotent || !may_retry || !retriable(st.code()) ||
          std::chrono::steady_clock::now() >= deadline)
        return fail(st);
      ++retries;
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(50 << std::min(attempt, 4), 500)));
      if (auto again = connect_broker(common); again) c = std::move(again); // another node
    }
    if (first.get() < 0) first = resp->base_offset;
    last = resp->last_offset;
    if (acked) {
      const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
      for (size_t i = 0; i < req.records.size(); ++i)
        acked << (resp->base_offset.get() + static_cast<int64_t>(i)) << '\t' << req.records[i].value
              << '\t' << now_ms << '\n';
      acked.flush();
    }
    sent += static_cast<int64_t>(req.records.size());
    if (f.idempotent) req.base_sequence += static_cast<int32_t>(req.records.size());
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
  if (retries > 0) std::cerr << " after " << retries << " resent batch(es)";
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
      {"--no-idempotent", "send without a producer id and do not resend a failed batch (by default every batch carries a producer id and sequence and a failed one is resent unchanged until acknowledged, which never duplicates)", &f->no_idempotent},
      {"--retry-ms", "give up resending a batch after this long (default 30000)", &f->retry_ms},
      {"--acked", "append OFFSET<TAB>VALUE<TAB>ACK_TIME_MS (epoch ms) of every acknowledged record to this file", &f->acked},
  };
  c.run = [common, f] {
    f->idempotent = !f->no_idempotent;
    return run_produce(*common, *f);
  };
  return c;
}

} // namespace pinpipe::cli
