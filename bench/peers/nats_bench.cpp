// nats_bench: the NATS JetStream side of the benchmark suite (bench/run-suite.sh).
//
// Publishes the shared workload (bench_common.hpp) to one file-storage stream through the
// libnats C client, reads it back through a pull consumer, checks count and order, and
// prints one RESULT line.
//   throughput: js_PublishAsync with PublishAsync.MaxPending = --window (256) in flight,
//               then js_PublishAsyncComplete; acks and errors counted by an ack handler;
//   latency:    js_Publish, one at a time, per-record time from send to the stream's ack.
// Durability: the server runs in JetStream's default configuration, which acknowledges a
// message once it is written to the file store but does not fsync it (fsync happens every
// sync interval, 2 minutes in 2.9, which has no per-message option); the RESULT line says
// fsync=interval-2m.
//
// Stream PINBENCH_<MODE> (or --stream) with subject pinbench.<stream>; deleted and created
// fresh at start. --replicas N (nats_bench's own flag, default 1) creates it with N replicas
// on a clustered server (JetStream then acknowledges a publish once a quorum of the
// stream's Raft group stored it); the RESULT line then names the system nats-rN. Exit status: 0 ok, 1 read-back check failed, 2 setup or server error.
#include <nats/nats.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/peers/bench_common.hpp"
#include "common/logging.hpp"

namespace pinpipe::bench {
namespace {

status nats_error(const std::string& what, natsStatus s,
                  jsErrCode jerr = static_cast<jsErrCode>(0)) {
  std::string msg = what + ": " + natsStatus_GetText(s);
  if (jerr != 0) msg += " (JetStream error " + std::to_string(static_cast<int>(jerr)) + ")";
  const char* last = nats_GetLastError(nullptr);
  if (last && *last) msg += std::string(" - ") + last;
  return {s == NATS_TIMEOUT ? errc::timeout : errc::unavailable, msg};
}

// Owns the connection, the JetStream context and the options; destroyed in reverse order.
struct nats_session {
  natsOptions* opts = nullptr;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  ~nats_session() {
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
  }
};

// Counted by the library's ack thread, read by the main thread after PublishAsyncComplete.
struct ack_counters {
  std::atomic<uint64_t> ok{0};
  std::atomic<uint64_t> failed{0};
};

void on_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
  auto* counters = static_cast<ack_counters*>(closure);
  if (pa != nullptr && pae == nullptr)
    counters->ok.fetch_add(1, std::memory_order_relaxed);
  else
    counters->failed.fetch_add(1, std::memory_order_relaxed);
  natsMsg_Destroy(msg);
}

status connect(nats_session& s, const options& opts, ack_counters& counters) {
  const std::string url =
      "nats://" + opts.host + ":" + std::to_string(opts.port ? opts.port : 4222);
  natsStatus st = natsOptions_Create(&s.opts);
  if (st == NATS_OK) st = natsOptions_SetURL(s.opts, url.c_str());
  if (st == NATS_OK) st = natsOptions_SetTimeout(s.opts, 5000);
  if (st == NATS_OK) st = natsOptions_SetAllowReconnect(s.opts, false);
  if (st == NATS_OK) st = natsConnection_Connect(&s.nc, s.opts);
  if (st != NATS_OK)
    return nats_error("connecting to " + url + " (is nats-server -js running there?)", st);
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = 30000;
  jo.PublishAsync.MaxPending = opts.window;
  jo.PublishAsync.AckHandler = on_ack;
  jo.PublishAsync.AckHandlerClosure = &counters;
  jo.PublishAsync.StallWait = 30000; // a stall this long means the server stopped answering
  st = natsConnection_JetStream(&s.js, s.nc, &jo);
  if (st != NATS_OK) return nats_error("creating the JetStream context", st);
  return status::success();
}

// Deletes any stream left from an earlier run and creates it fresh with file storage.
// JetStream may still be starting when the server already accepts connections: retry for
// up to 10 s.
status create_stream(jsCtx* js, const std::string& name, const std::string& subject,
                     int replicas) {
  const char* subjects[] = {subject.c_str()};
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = name.c_str();
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Replicas = replicas;
  natsStatus st = NATS_OK;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  for (int attempt = 0; attempt < 100; ++attempt) {
    js_DeleteStream(js, name.c_str(), nullptr, nullptr); // absent on a fresh server: fine
    jsStreamInfo* si = nullptr;
    st = js_AddStream(&si, js, &cfg, nullptr, &jerr);
    jsStreamInfo_Destroy(si);
    if (st == NATS_OK) return status::success();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return nats_error("creating stream " + name, st, jerr);
}

result<uint64_t> write_throughput(jsCtx* js, const options& opts, const std::string& subject,
                                  record_generator& gen, ack_counters& counters, double& secs) {
  stopwatch sw{opts.seconds};
  uint64_t sent = 0;
  for (; sent < opts.records && !sw.expired(); ++sent) {
    auto rec = gen.make(sent);
    // Blocks (up to StallWait) while MaxPending publishes are unacknowledged.
    natsStatus st = js_PublishAsync(js, subject.c_str(), rec.data(), int(rec.size()), nullptr);
    if (st != NATS_OK) return nats_error("js_PublishAsync of record " + std::to_string(sent), st);
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = 60000;
  natsStatus st = js_PublishAsyncComplete(js, &po);
  if (st != NATS_OK) return nats_error("waiting for the last publish acks", st);
  secs = sw.elapsed_s();
  if (counters.failed.load() > 0)
    return status{errc::unavailable, std::to_string(counters.failed.load()) + " of " +
                                         std::to_string(sent) + " async publishes failed"};
  return counters.ok.load();
}

result<latency_run> write_latency(jsCtx* js, const options& opts, const std::string& subject,
                                  record_generator& gen) {
  return run_latency(opts, gen, [&](uint64_t i, std::string_view rec) {
    jsPubAck* pa = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus st =
        js_Publish(&pa, js, subject.c_str(), rec.data(), int(rec.size()), nullptr, &jerr);
    jsPubAck_Destroy(pa);
    if (st != NATS_OK) return nats_error("js_Publish of record " + std::to_string(i), st, jerr);
    return status::success();
  });
}

// A pull consumer without acks, fetching --readback-batch messages per request. Once the
// expected count is reached, one more short fetch looks for records that should not exist.
status read_back(jsCtx* js, const options& opts, const std::string& stream,
                 const std::string& subject, readback_check& check, uint64_t expected,
                 double& secs) {
  stopwatch sw{opts.readback_seconds};
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Config.AckPolicy = js_AckNone;
  so.Config.DeliverPolicy = js_DeliverAll;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus st = js_PullSubscribe(&sub, js, subject.c_str(), "bench_reader", nullptr, &so, &jerr);
  if (st != NATS_OK) return nats_error("creating the pull consumer", st, jerr);
  std::unique_ptr<natsSubscription, void (*)(natsSubscription*)> guard{sub,
                                                                       natsSubscription_Destroy};
  uint64_t seen = 0;
  const uint64_t max_requests = expected + 4; // every request returns >= 1 message or ends
  for (uint64_t i = 0; i < max_requests; ++i) {
    if (sw.expired())
      return {errc::timeout, "read-back took longer than --readback-seconds " +
                                 std::to_string(opts.readback_seconds)};
    const bool all_seen = seen >= expected;
    natsMsgList list{};
    // Before the end: wait up to 5 s for a batch (a gap means lost records: the check
    // will say so). After it: 200 ms is plenty to see an extra record.
    st = natsSubscription_Fetch(&list, sub, opts.readback_batch, all_seen ? 200 : 5000, &jerr);
    if (st != NATS_OK) {
      natsMsgList_Destroy(&list);
      if (st == NATS_TIMEOUT || st == NATS_NOT_FOUND) break; // nothing more to read
      return nats_error("fetching from the pull consumer", st, jerr);
    }
    for (int m = 0; m < list.Count; ++m)
      check.add(std::string_view(natsMsg_GetData(list.Msgs[m]),
                                 static_cast<size_t>(natsMsg_GetDataLength(list.Msgs[m]))));
    seen += static_cast<uint64_t>(list.Count);
    natsMsgList_Destroy(&list);
    if (!all_seen && seen >= expected) secs = sw.elapsed_s(); // the extra probe is not timed
  }
  if (seen < expected) secs = sw.elapsed_s();
  return status::success();
}

int run(const options& opts, int replicas) {
  auto log = logging::get("bench");
  std::string stream = opts.stream;
  if (stream.empty()) {
    stream = std::string("PINBENCH_") + to_string(opts.mode);
    for (auto& ch : stream)
      ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  const std::string subject = "pinbench." + stream;
  ack_counters counters;
  nats_session session;
  if (auto s = connect(session, opts, counters); !s.ok()) {
    log->error("{}", s.message());
    return 2;
  }
  if (auto s = create_stream(session.js, stream, subject, replicas); !s.ok()) {
    log->error("{}", s.message());
    return 2;
  }

  run_result res;
  res.system = replicas > 1 ? "nats-r" + std::to_string(replicas) : "nats";
  res.tier = opts.tier;
  res.fsync = "interval-2m"; // JetStream default: no fsync per message
  res.mode = opts.mode;
  record_generator gen{opts.seed};
  if (opts.mode == bench_mode::throughput) {
    auto acked = write_throughput(session.js, opts, subject, gen, counters, res.secs);
    if (!acked) {
      log->error("{}", acked.error().message());
      return 2;
    }
    res.records = *acked;
  } else {
    auto run = write_latency(session.js, opts, subject, gen);
    if (!run) {
      log->error("{}", run.error().message());
      return 2;
    }
    res.records = run->acked;
    res.secs = run->secs;
    res.latency = summarize_ns(std::move(run->latencies_ns));
  }

  readback_check check{res.records, opts.fault_skip_readback};
  if (auto s = read_back(session.js, opts, stream, subject, check, res.records, res.readback_secs);
      !s.ok()) {
    log->error("{}", s.message());
    return 2;
  }
  res.readback_records = check.count();
  const status verdict = check.finish();
  res.check_ok = verdict.ok();
  std::printf("%s\n", format_result_line(res).c_str());
  std::fflush(stdout);
  if (!verdict.ok()) {
    log->error("nats {} {}: {}", opts.tier, to_string(opts.mode), verdict.message());
    return 1;
  }
  return 0;
}

} // namespace
} // namespace pinpipe::bench

int main(int argc, char** argv) {
  // --replicas N is nats_bench's own flag; the rest are the shared ones.
  int replicas = 1;
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) != "--replicas") {
      rest.push_back(argv[i]);
      continue;
    }
    char* end = nullptr;
    const long v = i + 1 < argc ? std::strtol(argv[i + 1], &end, 10) : 0;
    if (i + 1 >= argc || *end != '\0' || v < 1 || v > 5) {
      std::fprintf(stderr, "--replicas: want 1..5 (stream replicas; > 1 needs a clustered nats-server)\n");
      return 2;
    }
    replicas = static_cast<int>(v);
    ++i;
  }
  argc = static_cast<int>(rest.size());
  argv = rest.data();
  auto opts = pinpipe::bench::parse_options(argc, argv);
  if (!opts) {
    std::fprintf(stderr, "%s\n", opts.error().message().c_str());
    const bool help =
        argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h");
    return help ? 0 : 2;
  }
  int rc = pinpipe::bench::run(*opts, replicas);
  nats_Close(); // stops the library's threads before exit
  return rc;
}
