// `pinpipe topics list | create NAME [--partitions N] [--stream] | describe NAME | delete NAME`
#include <iostream>

#include "nodes/command.hpp"

namespace pinpipe::cli {
namespace {

namespace m = pinpipe::messages;

struct topics_flags {
  std::string name;
  int32_t partitions = 0; // 0: the node's [log] default_partitions
  bool stream = false;
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

void print_topic(const m::wire_topic_info& t) {
  std::cout << "topic " << t.name << (t.config.is_stream ? " (stream)" : "")
            << " partitions=" << t.partitions.size() << "\n";
  for (const auto& p : t.partitions)
    std::cout << "  partition " << p.id << " log_start=" << p.log_start
              << " high_watermark=" << p.high_watermark << " size_bytes=" << p.size_bytes
              << " segments=" << p.segments << "\n";
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
                  {"--stream", "a Kinesis-style stream (partitions shown as shards)", &f->stream}},
                 [common, f] {
                   m::create_topic_request req;
                   req.name = f->name;
                   req.config.partitions = f->partitions; // 0: the node's default_partitions
                   req.config.is_stream = f->stream;
                   return call(*common, req, [&](const m::create_topic_response&) {
                     std::cout << "created " << f->name << "\n";
                   });
                 },
                 {}};
  command describe{"describe",
                   "show a topic's partitions and offsets",
                   {{"name", "topic name", &f->name, true}},
                   [common, f] {
                     return call(*common, m::describe_topic_request{m::protocol_version, f->name},
                                 [](const m::describe_topic_response& r) { print_topic(r.topic); });
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
  command c;
  c.name = "topics";
  c.help = "list, create, describe or delete topics";
  c.subcommands = {list, create, describe, del};
  return c;
}

} // namespace pinpipe::cli
