// GET /consumers/{group}/instances/{name}/records: fetch from every subscribed partition in
// turn (rotating the first for fairness), long-poll through log watches when nothing is
// there, splice json values in (non-JSON values as strings), auto-commit if enabled.
#include <algorithm>
#include <chrono>
#include <condition_variable>

#include "gateway/codec.hpp"
#include "gateway/rest_consumer_instance.hpp"
#include "gateway/rest_proxy.hpp"

namespace pinpipe::gateway {
namespace {

constexpr int64_t k_default_timeout_ms = 1000;
constexpr int64_t k_max_timeout_ms = 30000;
constexpr int64_t k_default_max_bytes = 4 << 20;
constexpr int64_t k_max_max_bytes = 64 << 20;
constexpr int32_t k_partition_fetch_bytes = 1 << 20;

} // namespace

reply consumer_registry::records(const request_view& rv, instance& in) {
  const std::string fmt = in.binary ? "binary" : "json";
  const std::string want = "application/vnd.kafka." + fmt + ".v2+json";
  std::string accept = rv.header("Accept");
  if (accept.find("application/vnd.kafka.") != std::string::npos &&
      accept.find(want) == std::string::npos &&
      accept.find("application/vnd.kafka.v2+json") == std::string::npos) {
    return rest_error(40601, "consumer '" + in.name + "' was created with format " + fmt +
                                 "; ask with Accept: " + want);
  }
  if (in.position.empty()) {
    return rest_error(40903, "consumer '" + in.name +
                                 "' is not subscribed to any topic; POST "
                                 "its subscription first");
  }
  int64_t timeout = k_default_timeout_ms;
  int64_t max_bytes = k_default_max_bytes;
  if (rv.has_param("timeout")) {
    auto v = json_int(ojson(rv.param("timeout")), true);
    if (!v) return rest_error(42201, "query parameter timeout must be milliseconds >= 0");
    timeout = std::min(*v, k_max_timeout_ms);
  }
  if (rv.has_param("max_bytes")) {
    auto v = json_int(ojson(rv.param("max_bytes")), true);
    if (!v || *v < 1) return rest_error(42201, "query parameter max_bytes must be >= 1");
    max_bytes = std::min(*v, k_max_max_bytes);
  }
  std::vector<std::pair<const tp, int64_t>*> parts;
  for (auto& kv : in.position)
    parts.push_back(&kv);
  const size_t n = parts.size();
  std::string out = "[";
  size_t count = 0;
  auto collect = [&]() {
    int64_t remaining = max_bytes;
    for (size_t k = 0; k < n && remaining > 0; ++k) {
      auto& [key, pos] = *parts[(in.rotate + k) % n];
      partition_id pid{key.partition};
      while (remaining > 0) {
        auto f =
            log_.fetch(key.topic, pid, offset_t{pos},
                       static_cast<int32_t>(std::min<int64_t>(remaining, k_partition_fetch_bytes)));
        if (!f && f.error().code() == errc::offset_out_of_range) {
          // Retention moved the start, or the topic was recreated: reset like Kafka.
          auto spec =
              in.reset_earliest ? storage::offset_spec::earliest : storage::offset_spec::latest;
          auto start = log_.list_offset(key.topic, pid, storage::offset_spec::earliest);
          auto reset = log_.list_offset(key.topic, pid, spec);
          if (!start || !reset) break;
          pos = pos < start->get() ? start->get() : reset->get();
          continue;
        }
        if (!f || f->records.empty()) break;
        for (auto& r : f->records) {
          if (r.offset.get() < pos) continue;
          if (count++ > 0) out += ',';
          out += "{\"topic\":" + json_quote(key.topic) + ",\"key\":";
          if (!r.rec.key) {
            out += "null";
          } else if (in.binary) {
            out += '"' + base64_encode(*r.rec.key) + '"';
          } else {
            out += nlohmann::json::accept(*r.rec.key) ? *r.rec.key : json_quote(*r.rec.key);
          }
          out += ",\"value\":";
          if (in.binary) {
            out += '"' + base64_encode(r.rec.value) + '"';
          } else {
            out += nlohmann::json::accept(r.rec.value) ? r.rec.value : json_quote(r.rec.value);
          }
          out += ",\"partition\":" + std::to_string(key.partition) +
                 ",\"offset\":" + std::to_string(r.offset.get()) + "}";
          remaining -=
              static_cast<int64_t>(r.rec.value.size() + (r.rec.key ? r.rec.key->size() : 0));
          pos = r.offset.get() + 1;
          in.fetched.insert(key);
        }
      }
    }
    in.rotate = n ? (in.rotate + 1) % n : 0;
  };
  collect();
  if (count == 0 && timeout > 0) {
    // Long poll: wake when any partition gets a record at its position.
    struct waker {
      std::mutex mu;
      std::condition_variable cv;
      bool fired = false;
    };
    auto w = std::make_shared<waker>();
    std::vector<uint64_t> ids;
    for (auto* kv : parts) {
      ids.push_back(
          log_.watch(kv->first.topic, partition_id{kv->first.partition}, offset_t{kv->second}, [w] {
            std::lock_guard<std::mutex> l(w->mu);
            w->fired = true;
            w->cv.notify_all();
          }));
    }
    {
      std::unique_lock<std::mutex> l(w->mu);
      w->cv.wait_for(l, std::chrono::milliseconds(timeout), [&] { return w->fired; });
    }
    for (auto id : ids)
      log_.cancel_watch(id);
    collect();
  }
  out += ']';
  if (in.auto_commit && count > 0) {
    std::vector<storage::group_offset> offs;
    for (const auto& key : in.fetched) {
      offs.push_back({key.topic, partition_id{key.partition}, offset_t{in.position[key]}, ""});
    }
    auto st = log_.commit_offsets(in.group, offs);
    if (!st.ok()) return rest_error_from(st);
  }
  reply r;
  r.content_type = want;
  r.body = std::move(out);
  return r;
}

} // namespace pinpipe::gateway
