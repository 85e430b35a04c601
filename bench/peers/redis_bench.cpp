// redis_bench: the Redis Streams side of the benchmark suite (bench/run-suite.sh).
//
// Appends the shared workload (bench_common.hpp) to one stream with XADD through hiredis,
// reads it back with XRANGE in COUNT batches, checks count and order, prints one RESULT line.
//   throughput: a sliding window of `--window` (256) pipelined XADDs on one connection;
//   latency:    one XADD at a time, per-record time from send to reply.
// The tier is a property of the server (appendfsync always = durable, everysec = relaxed):
// the client reads it with CONFIG GET, prints it as fsync=..., and refuses tier=durable on a
// server that does not fsync every write, so a row can never be mislabeled.
//
// Stream entries are {r: <record>}; the key is pinbench:<tier>:<mode> unless --stream.
// Exit status: 0 ok, 1 read-back check failed, 2 setup, usage or server error.
#include <hiredis/hiredis.h>

#include <cstdio>
#include <memory>
#include <string>

#include "bench/peers/bench_common.hpp"
#include "common/logging.hpp"

namespace pinpipe::bench {
namespace {

struct context_free {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct reply_free {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using context_ptr = std::unique_ptr<redisContext, context_free>;
using reply_ptr = std::unique_ptr<redisReply, reply_free>;

status connection_error(redisContext* c, const std::string& what) {
  return {errc::unavailable, what + ": " + (c && c->err ? c->errstr : "no reply") +
                                 " (is redis-server running on that host and port?)"};
}

// Runs one command and returns its reply; a Redis error reply is an error status.
result<reply_ptr> command(redisContext* c, std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  reply_ptr r{static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()))};
  if (!r) return connection_error(c, "redis command " + std::string(*args.begin()));
  if (r->type == REDIS_REPLY_ERROR)
    return status{errc::invalid_request, "redis " + std::string(*args.begin()) +
                                             " failed: " + std::string(r->str, r->len)};
  return r;
}

// "always" | "everysec" | "no" | "off" (appendonly no), from the server's own config.
result<std::string> server_fsync(redisContext* c) {
  auto aof = command(c, {"CONFIG", "GET", "appendonly"});
  if (!aof) return aof.error();
  auto fs = command(c, {"CONFIG", "GET", "appendfsync"});
  if (!fs) return fs.error();
  auto value = [](const reply_ptr& r) {
    return r->type == REDIS_REPLY_ARRAY && r->elements == 2 ? std::string(r->element[1]->str)
                                                            : std::string("?");
  };
  if (value(*aof) != "yes") return std::string("off");
  return value(*fs);
}

status check_xadd_reply(redisContext* c, redisReply* r) {
  if (!r) return connection_error(c, "XADD");
  if (r->type != REDIS_REPLY_STRING)
    return {errc::invalid_request,
            "XADD answered " +
                (r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len) : "a non-id reply")};
  return status::success();
}

// Sliding window: keep up to opts.window XADDs in flight. hiredis flushes the queued
// commands only when it runs out of buffered replies, so writes go out in natural batches.
result<uint64_t> write_throughput(redisContext* c, const options& opts, const std::string& key,
                                  record_generator& gen, double& secs) {
  uint64_t sent = 0, acked = 0;
  stopwatch sw{opts.seconds};
  const char* argv[5] = {"XADD", key.c_str(), "*", "r", nullptr};
  size_t lens[5] = {4, key.size(), 1, 1, 0};
  for (;;) {
    while (sent < opts.records && sent - acked < uint64_t(opts.window) && !sw.expired()) {
      auto rec = gen.make(sent);
      argv[4] = rec.data();
      lens[4] = rec.size();
      if (redisAppendCommandArgv(c, 5, argv, lens) != REDIS_OK)
        return connection_error(c, "queueing XADD");
      ++sent;
    }
    if (acked == sent) break;
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK) return connection_error(c, "reading XADD reply");
    reply_ptr r{static_cast<redisReply*>(raw)};
    if (auto s = check_xadd_reply(c, r.get()); !s.ok()) return s;
    ++acked;
  }
  secs = sw.elapsed_s();
  return acked;
}

result<latency_run> write_latency(redisContext* c, const options& opts, const std::string& key,
                                  record_generator& gen) {
  const char* argv[5] = {"XADD", key.c_str(), "*", "r", nullptr};
  size_t lens[5] = {4, key.size(), 1, 1, 0};
  return run_latency(opts, gen, [&](uint64_t, std::string_view rec) {
    argv[4] = rec.data();
    lens[4] = rec.size();
    reply_ptr r{static_cast<redisReply*>(redisCommandArgv(c, 5, argv, lens))};
    return check_xadd_reply(c, r.get());
  });
}

// XRANGE key <from> + COUNT batch, from "-" and then "(<last id>" (exclusive), until empty.
status read_back(redisContext* c, const options& opts, const std::string& key,
                 readback_check& check, uint64_t expected, double& secs) {
  stopwatch sw{opts.readback_seconds};
  std::string from = "-";
  const std::string count = std::to_string(opts.readback_batch);
  // Bounded: enough requests for every acknowledged record plus a few to see extras.
  const uint64_t max_requests = expected / opts.readback_batch + 4;
  for (uint64_t i = 0; i < max_requests; ++i) {
    if (sw.expired())
      return {errc::timeout, "read-back took longer than --readback-seconds " +
                                 std::to_string(opts.readback_seconds)};
    auto r = command(c, {"XRANGE", key, from, "+", "COUNT", count});
    if (!r) return r.error();
    redisReply* arr = r->get();
    if (arr->type != REDIS_REPLY_ARRAY)
      return {errc::malformed_message, "XRANGE did not answer an array"};
    if (arr->elements == 0) break;
    for (size_t e = 0; e < arr->elements; ++e) {
      redisReply* entry = arr->element[e]; // [id, [field, value]]
      if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
          entry->element[1]->type != REDIS_REPLY_ARRAY || entry->element[1]->elements != 2)
        return {errc::malformed_message, "XRANGE entry is not [id, [field, value]]"};
      redisReply* value = entry->element[1]->element[1];
      check.add(std::string_view(value->str, value->len));
      if (e + 1 == arr->elements) from = "(" + std::string(entry->element[0]->str);
    }
  }
  secs = sw.elapsed_s();
  return status::success();
}

int run(const options& opts) {
  auto log = logging::get("bench");
  timeval connect_timeout{5, 0};
  context_ptr c{
      redisConnectWithTimeout(opts.host.c_str(), opts.port ? opts.port : 6379, connect_timeout)};
  if (!c || c->err) {
    log->error("{}", connection_error(c.get(), "connecting to redis").message());
    return 2;
  }
  timeval command_timeout{30, 0};
  redisSetTimeout(c.get(), command_timeout);

  auto fsync = server_fsync(c.get());
  if (!fsync) {
    log->error("{}", fsync.error().message());
    return 2;
  }
  if (opts.tier == "durable" && *fsync != "always") {
    log->error("tier durable needs a server that fsyncs every write, but this one has fsync={}; "
               "start it with --appendonly yes --appendfsync always",
               *fsync);
    return 2;
  }
  const std::string key =
      opts.stream.empty() ? "pinbench:" + opts.tier + ":" + to_string(opts.mode) : opts.stream;
  if (auto d = command(c.get(), {"DEL", key}); !d) {
    log->error("{}", d.error().message());
    return 2;
  }

  run_result res;
  res.system = "redis";
  res.tier = opts.tier;
  res.fsync = *fsync;
  res.mode = opts.mode;
  record_generator gen{opts.seed};
  if (opts.mode == bench_mode::throughput) {
    auto acked = write_throughput(c.get(), opts, key, gen, res.secs);
    if (!acked) {
      log->error("{}", acked.error().message());
      return 2;
    }
    res.records = *acked;
  } else {
    auto run = write_latency(c.get(), opts, key, gen);
    if (!run) {
      log->error("{}", run.error().message());
      return 2;
    }
    res.records = run->acked;
    res.secs = run->secs;
    res.latency = summarize_ns(std::move(run->latencies_ns));
  }

  readback_check check{res.records, opts.fault_skip_readback};
  if (auto s = read_back(c.get(), opts, key, check, res.records, res.readback_secs); !s.ok()) {
    log->error("{}", s.message());
    return 2;
  }
  res.readback_records = check.count();
  const status verdict = check.finish();
  res.check_ok = verdict.ok();
  std::printf("%s\n", format_result_line(res).c_str());
  std::fflush(stdout);
  if (!verdict.ok()) {
    log->error("redis {} {}: {}", opts.tier, to_string(opts.mode), verdict.message());
    return 1;
  }
  return 0;
}

} // namespace
} // namespace pinpipe::bench

int main(int argc, char** argv) {
  auto opts = pinpipe::bench::parse_options(argc, argv);
  if (!opts) {
    std::fprintf(stderr, "%s\n", opts.error().message().c_str());
    const bool help =
        argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h");
    return help ? 0 : 2;
  }
  return pinpipe::bench::run(*opts);
}
