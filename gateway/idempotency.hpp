// Internal to gateway/: the opt-in `Idempotency-Key` of HTTP produces (REST Proxy produce,
// Kinesis PutRecord/PutRecords over both the API Gateway routes and the native API).
//
// A produce that carries the header runs through idempotency_cache::run with the topic as
// scope. The first request with a key runs; a 2xx reply is remembered with a fingerprint
// of the request (MD5 of method, path, X-Amz-Target, Content-Type and body). A later request
// with the same scope and key, within the window:
//   - same fingerprint: gets the remembered reply, byte for byte, and stores nothing;
//     while the first is still running, it waits for it;
//   - another fingerprint: `mismatched` (the caller answers 422).
// A non-2xx reply is not remembered (nothing was stored, or, for a 5xx timeout, the outcome
// is unknown): a retry with the key runs again.
//
// Bounds: per scope, at most `keys_per_scope` keys, each for `window_ms` (oldest forgotten
// first); and at most k_max_cached_bytes of remembered replies in all (oldest of the scope
// being written forgotten first). The window is a promise only within these bounds and
// within one gateway process (the cache is in memory, not in the log).
//
// Threading: run() is called concurrently; one mutex guards the maps (never held while the
// produce runs).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gateway/http_common.hpp"

namespace pinpipe::gateway {

/// Longest accepted Idempotency-Key header value.
constexpr size_t k_max_idempotency_key_bytes = 256;

class idempotency_cache {
public:
  /// Remembered reply bytes across all scopes.
  static constexpr int64_t k_max_cached_bytes = 64 << 20;

  idempotency_cache(int64_t window_ms, int64_t keys_per_scope)
      : window_ms_(window_ms), keys_per_scope_(keys_per_scope) {}

  enum class outcome { produced, replayed, mismatched };
  struct result {
    outcome how = outcome::produced;
    reply r; ///< the reply (empty when mismatched)
  };

  /// Runs `produce` at most once per (scope, key, fingerprint) in the window (see above).
  result run(const std::string& scope, const std::string& key, const std::string& fingerprint,
             const std::function<reply()>& produce);

  /// The fingerprint of a request: MD5 over the parts that define what it stores.
  static std::string fingerprint(std::string_view method, std::string_view path,
                                 std::string_view target, std::string_view content_type,
                                 std::string_view body);

  /// Keys remembered now (tests, stats).
  size_t size() const;

private:
  struct entry {
    std::string key;
    std::string fingerprint;
    int64_t created_ms = 0;
    bool done = false;
    reply r;
  };
  struct scope_state {
    std::unordered_map<std::string, std::shared_ptr<entry>> by_key;
    std::deque<std::shared_ptr<entry>> order; ///< insertion order, oldest first
  };
  void forget_locked(scope_state& s, const std::shared_ptr<entry>& e);
  void evict_locked(scope_state& s, int64_t now);

  const int64_t window_ms_;
  const int64_t keys_per_scope_;
  mutable std::mutex mu_;
  std::condition_variable done_cv_;
  std::unordered_map<std::string, scope_state> scopes_;
  int64_t cached_bytes_ = 0;
};

/// How a produce route words the two Idempotency-Key errors: a bad header (400) and a key
/// reused with another request (422).
using idempotency_error = std::function<reply(int http_status, const std::string& message)>;

/// Runs `produce` directly when the request has no Idempotency-Key header, else through
/// `cache` with `scope` (the topic or stream); counts replays in `c`.
reply with_idempotency(idempotency_cache& cache, counters& c, const request_view& rv,
                       const std::string& scope, const std::function<reply()>& produce,
                       const idempotency_error& error);

} // namespace pinpipe::gateway
