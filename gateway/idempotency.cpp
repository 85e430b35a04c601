#include "gateway/idempotency.hpp"

#include <chrono>

#include "common/md5.hpp"

namespace pinpipe::gateway {
namespace {

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

int64_t reply_bytes(const reply& r) {
  return static_cast<int64_t>(r.body.size() + r.content_type.size() + 64);
}

} // namespace

std::string idempotency_cache::fingerprint(std::string_view method, std::string_view path,
                                           std::string_view target, std::string_view content_type,
                                           std::string_view body) {
  std::string all;
  all.reserve(method.size() + path.size() + target.size() + content_type.size() + body.size() +
              4);
  for (auto part : {method, path, target, content_type}) {
    all.append(part);
    all += '\n';
  }
  all.append(body);
  auto d = md5(all);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

void idempotency_cache::forget_locked(scope_state& s, const std::shared_ptr<entry>& e) {
  auto it = s.by_key.find(e->key);
  if (it != s.by_key.end() && it->second == e) {
    if (e->done) cached_bytes_ -= reply_bytes(e->r);
    s.by_key.erase(it);
  }
}

void idempotency_cache::evict_locked(scope_state& s, int64_t now) {
  while (!s.order.empty()) {
    auto& oldest = s.order.front();
    const bool expired = now - oldest->created_ms > window_ms_;
    const bool over_keys = static_cast<int64_t>(s.order.size()) > keys_per_scope_;
    const bool over_bytes = cached_bytes_ > k_max_cached_bytes && s.order.size() > 1;
    if (!expired && !over_keys && !over_bytes) break;
    forget_locked(s, oldest);
    s.order.pop_front();
  }
}

idempotency_cache::result idempotency_cache::run(const std::string& scope, const std::string& key,
                                                 const std::string& fingerprint,
                                                 const std::function<reply()>& produce) {
  std::shared_ptr<entry> mine;
  {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      const int64_t now = steady_ms();
      auto& s = scopes_[scope];
      evict_locked(s, now);
      auto it = s.by_key.find(key);
      if (it == s.by_key.end()) break; // first (or forgotten): run it below
      auto e = it->second;
      if (e->fingerprint != fingerprint) return {outcome::mismatched, reply{}};
      if (e->done) return {outcome::replayed, e->r};
      // The first request with this key is still running: wait for its outcome.
      done_cv_.wait_for(lock, std::chrono::milliseconds(500));
    }
    mine = std::make_shared<entry>();
    mine->key = key;
    mine->fingerprint = fingerprint;
    mine->created_ms = steady_ms();
    auto& s = scopes_[scope];
    s.by_key[key] = mine;
    s.order.push_back(mine);
    evict_locked(s, mine->created_ms);
  }
  reply r = produce();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& s = scopes_[scope];
    if (r.status >= 200 && r.status < 300) {
      mine->r = r;
      mine->done = true;
      if (auto it = s.by_key.find(key); it != s.by_key.end() && it->second == mine) {
        cached_bytes_ += reply_bytes(r);
      }
      evict_locked(s, steady_ms());
    } else {
      forget_locked(s, mine); // not remembered: a retry runs again
      for (auto it = s.order.begin(); it != s.order.end(); ++it) {
        if (*it == mine) {
          s.order.erase(it);
          break;
        }
      }
    }
    if (s.by_key.empty() && s.order.empty()) scopes_.erase(scope);
  }
  done_cv_.notify_all();
  return {outcome::produced, std::move(r)};
}

size_t idempotency_cache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [name, s] : scopes_)
    n += s.by_key.size();
  return n;
}

reply with_idempotency(idempotency_cache& cache, counters& c, const request_view& rv,
                       const std::string& scope, const std::function<reply()>& produce,
                       const idempotency_error& error) {
  if (!rv.req.has_header("Idempotency-Key")) return produce();
  const std::string key = rv.header("Idempotency-Key");
  if (key.empty() || key.size() > k_max_idempotency_key_bytes) {
    return error(400, "the Idempotency-Key header must be 1 to " +
                          std::to_string(k_max_idempotency_key_bytes) + " characters (got " +
                          std::to_string(key.size()) + ")");
  }
  auto fp = idempotency_cache::fingerprint(rv.method(), rv.req_path(), rv.header("X-Amz-Target"),
                                           media_type(rv.header("Content-Type")), rv.body());
  auto res = cache.run(scope, key, fp, produce);
  switch (res.how) {
  case idempotency_cache::outcome::mismatched:
    return error(422, "Idempotency-Key '" + key + "' was already used for '" + scope +
                          "' with a different request; a retry must repeat the same request, "
                          "new records need a new key");
  case idempotency_cache::outcome::replayed:
    ++c.idempotent_replays;
    return std::move(res.r);
  case idempotency_cache::outcome::produced:
    break;
  }
  return std::move(res.r);
}

} // namespace pinpipe::gateway
