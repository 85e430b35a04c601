// `pinpipe consume TOPIC [--partition P] [--offset N|--from-beginning] [--group G]
//  [--count N] [--timeout-ms T]`: prints record values, one per line.
// Start: --offset, else the group's committed offset, else earliest with
// --from-beginning, else the end (only new records). With --group the next offset is
// committed after every printed batch. Stops after --count records, or once no record
// arrived for --timeout-ms (default: wait forever).
#include <algorithm>
#include <chrono>
#include <iostream>

#include "nodes/command.hpp"

namespace pinpipe::cli {
namespace {

namespace m = pinpipe::messages;

struct consume_flags {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  bool from_beginning = false;
  std::string group;
  int64_t count = -1;
  int64_t timeout_ms = -1;
  bool print_offsets = false;
};

result<offset_t> start_offset(transport::client& c, const consume_flags& f) {
  if (f.offset >= 0) return offset_t{f.offset};
  if (!f.group.empty()) {
    auto got = transport::request(c, m::fetch_offsets_request{m::protocol_version, f.group},
                                  request_timeout_ms);
    if (!got) return got.error();
    for (const auto& o : got->offsets)
      if (o.topic == f.topic && o.partition == partition_id{f.partition}) return o.offset;
  }
  m::list_offsets_request lo;
  lo.topic = f.topic;
  lo.partition = partition_id{f.partition};
  lo.spec = f.from_beginning ? 0 : 1;
  auto off = transport::request(c, lo, request_timeout_ms);
  if (!off) return off.error();
  if (auto st = m::status_of(*off); !st) return st;
  return off->offset;
}

int run_consume(const common_options& common, const consume_flags& f) {
  auto c = connect_broker(common);
  if (!c) return fail(c.error());
  auto start = start_offset(**c, f);
  if (!start) return fail(start.error());
  using clock = std::chrono::steady_clock;
  offset_t next = *start;
  int64_t printed = 0;
  auto idle_since = clock::now();
  while (f.count < 0 || printed < f.count) {
    int32_t wait = 1000;
    if (f.timeout_ms >= 0) {
      auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - idle_since);
      if (idle.count() >= f.timeout_ms) break;
      wait = static_cast<int32_t>(std::min<int64_t>(wait, f.timeout_ms - idle.count()));
    }
    m::fetch_request req;
    req.topic = f.topic;
    req.partition = partition_id{f.partition};
    req.offset = next;
    req.max_wait_ms = std::max(wait, 1);
    auto resp = transport::request(**c, req, req.max_wait_ms + request_timeout_ms);
    if (!resp) return fail(resp.error());
    if (auto st = m::status_of(*resp); !st) return fail(st);
    if (resp->records.empty()) continue;
    for (const auto& r : resp->records) {
      if (f.print_offsets) std::cout << r.offset << '\t';
      std::cout << r.record.value << "\n";
      next = r.offset + 1;
      if (f.count >= 0 && ++printed >= f.count) break;
    }
    std::cout.flush();
    idle_since = clock::now();
    if (!f.group.empty()) {
      m::commit_offsets_request commit;
      commit.group = f.group;
      commit.offsets.push_back(
          m::wire_group_offset{m::protocol_version, f.topic, partition_id{f.partition}, next, ""});
      auto done = transport::request(**c, commit, request_timeout_ms);
      if (!done) return fail(done.error());
      if (auto st = m::status_of(*done); !st) return fail(st);
    }
  }
  return 0;
}

} // namespace

command make_consume_command(const std::shared_ptr<common_options>& common) {
  auto f = std::make_shared<consume_flags>();
  command c;
  c.name = "consume";
  c.help = "print record values of a partition, one per line";
  c.options = {
      {"topic", "topic to read", &f->topic, true},
      {"--partition,-p", "partition (default 0)", &f->partition},
      {"--offset", "first offset to read", &f->offset},
      {"--from-beginning", "start at the earliest offset (default: only new records)",
       &f->from_beginning},
      {"--group,-g", "consumer group: resume from and commit its offset", &f->group},
      {"--count,-n", "stop after this many records", &f->count},
      {"--timeout-ms", "stop after this long without a new record", &f->timeout_ms},
      {"--print-offsets", "print OFFSET<TAB>VALUE instead of the value alone", &f->print_offsets},
  };
  c.run = [common, f] { return run_consume(*common, *f); };
  return c;
}

} // namespace pinpipe::cli
