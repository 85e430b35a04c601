// `pinpipe topics list | create NAME [--partitions N] [--replicas R] [--stream] |
//  describe NAME [--json] | delete NAME | move-leader NAME PARTITION NODE`
#include <iostream>
#include <sstream>

#include "messages/cluster_api.hpp"
#include "nodes/command.hpp"

namespace pinpipe::cli {
namespace {

namespace m = pinpipe::messages;

struct topics_flags {
  std::string name;
  int32_t partitions = 0; // 0: the node's [log] default_partitions
  int32_t replicas = 0;   // 0: the cluster's [cluster] replication_factor
  bool stream = false;
  bool json = false;
  int32_t partition = 0;
  int32_t node = 0;
};

// Sends `req`, checks transport and response errors, and hands the response to `print`.
template <class Req, class Print>
int call(const common_options& common, const Req& req, Print print) {
  auto c = connect_broker(common);
  if (!c) return fail(c.error());
  auto resp = transport::request(**c, req, request_timeout_ms);
  if (!resp) return fail(resp.error());
  if (auto st = m::status_of(*resp); !st) return fail(st);
  print(*resp);
  return 0;
}

std::string id_list(const std::vector<int32_t>& ids, const char* sep) {
  std::ostringstream os;
  for (size_t i = 0; i < ids.size(); ++i) os << (i ? sep : "") << ids[i];
  return os.str();
}

void print_topic(const m::wire_topic_info& t) {
  std::cout << "topic " << t.name << (t.config.is_stream ? " (stream)" : "")
            << " partitions=" << t.partitions.size() << "\n";
  for (const auto& p : t.partitions) {
    std::cout << "  partition " << p.id << " log_start=" << p.log_start
              << " high_watermark=" << p.high_watermark << " size_bytes=" << p.size_bytes
              << " segments=" << p.segments;
    if (!p.replicas.empty())
      std::cout << " leader=" << (p.leader > 0 ? std::to_string(p.leader) : "none")
                << " term=" << p.leader_term << " replicas=" << id_list(p.replicas, ",")
                << " in_sync=" << id_list(p.in_sync, ",");
    std::cout << "\n";
  }
}

// The --json shape scripts rely on (docs/cli.md): one line, exactly these keys.
void print_topic_json(const m::wire_topic_info& t) {
  std::string name;
  for (char c : t.name) name += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  std::cout << "{\"topic\":\"" << name << "\",\"partitions\":[";
  for (size_t i = 0; i < t.partitions.size(); ++i) {
    const auto& p = t.partitions[i];
    std::cout << (i ? "," : "") << "{\"partition\":" << p.id << ",\"leader\":"
              << (p.leader > 0 ? std::to_string(p.leader) : "null") << ",\"term\":" << p.leader_term
              << ",\"replicas\":[" << id_list(p.replicas, ",") << "],\"in_sync\":["
              << id_list(p.in_sync, ",") << "],\"high_watermark\":" << p.high_watermark
              << ",\"log_start\":" << p.log_start << "}";
  }
  std::cout << "]}\n";
}

} // namespace

command make_topics_command(const std::shared_ptr<common_options>& common) {
  auto f = std::make_shared<topics_flags>();
  command list{"list",
               "list topics: name, partitions, stream or not",
               {},
               [common] {
                 return call(*common, m::list_topics_request{},
                             [](const m::list_topics_response& r) {
                               for (const auto& t : r.topics)
                                 std::cout << t.name << " partitions=" << t.partitions.size()
                                           << (t.config.is_stream ? " stream" : "") << "\n";
                             });
               },
               {}};
  command create{"create",
                 "create a topic (a stream with --stream)",
                 {{"name", "topic name ([A-Za-z0-9._-], up to 249 chars)", &f->name, true},
                  {"--partitions,-p", "number of partitions (shards)", &f->partitions},
                  {"--replicas,-r", "replicas per partition in a cluster (default [cluster] replication_factor)", &f->replicas},
                  {"--stream", "a Kinesis-style stream (partitions shown as shards)", &f->stream}},
                 [common, f] {
                   m::create_topic_request req;
                   req.name = f->name;
                   req.config.partitions = f->partitions; // 0: the node's default_partitions
                   req.config.is_stream = f->stream;
                   if (f->replicas < 0) return fail_usage("--replicas must be at least 1");
                   req.config.replication_factor = f->replicas > 0 ? f->replicas : -1;
                   return call(*common, req, [&](const m::create_topic_response&) {
                     std::cout << "created " << f->name << "\n";
                   });
                 },
                 {}};
  command describe{"describe",
                   "show a topic's partitions and offsets",
                   {{"name", "topic name", &f->name, true},
                    {"--json", "one JSON object: partitions with leader, term, replicas, in_sync, high_watermark, log_start", &f->json}},
                   [common, f] {
                     return call(*common, m::describe_topic_request{m::protocol_version, f->name},
                                 [f](const m::describe_topic_response& r) {
                                   if (f->json)
                                     print_topic_json(r.topic);
                                   else
                                     print_topic(r.topic);
                                 });
                   },
                   {}};
  command del{"delete",
              "delete a topic and all its records",
              {{"name", "topic name", &f->name, true}},
              [common, f] {
                return call(*common, m::delete_topic_request{m::protocol_version, f->name},
                            [&](const m::delete_topic_response&) {
                              std::cout << "deleted " << f->name << "\n";
                            });
              },
              {}};
  command move{"move-leader",
               "move a partition's leadership to another replica (a cluster's node id)",
               {{"name", "topic name", &f->name, true},
                {"partition", "partition", &f->partition, true},
                {"node", "node id of the replica to lead it", &f->node, true}},
               [common, f] {
                 m::cluster_admin_request req;
                 req.action = "move_leader";
                 req.topic = f->name;
                 req.partition = f->partition;
                 req.node = f->node;
                 auto c = connect_broker(*common);
                 if (!c) return fail(c.error());
                 for (int hop = 0; hop < 3; ++hop) {
                   auto resp = transport::request(**c, req, std::max(request_timeout_ms, 5000));
                   if (!resp) return fail(resp.error());
                   if (resp->error == errc::not_leader && !resp->leader_endpoint.empty()) {
                     common_options there = *common;
                     there.broker = resp->leader_endpoint;
                     c = connect_broker(there);
                     if (!c) return fail(c.error());
                     continue;
                   }
                   if (auto st = m::status_of(*resp); !st) return fail(st);
                   std::cout << "node " << f->node << " leads " << f->name << "/" << f->partition
                             << "\n";
                   return 0;
                 }
                 return fail(status{errc::unavailable, "leadership kept moving; retry"});
               },
               {}};
  command c;
  c.name = "topics";
  c.help = "list, create, describe, delete topics, or move a partition's leader";
  c.subcommands = {list, create, describe, del, move};
  return c;
}

} // namespace pinpipe::cli
