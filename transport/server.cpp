#include "transport/server.hpp"

#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "common/logging.hpp"
#include "messages/codec.hpp"
#include "messages/fast_codec.hpp"
#include "messages/log_api.hpp"
#include "transport/warn_limiter.hpp"
#include "transport/zap_handler.hpp"

namespace pinpipe::transport {

namespace detail {

/// Replies waiting for the transport thread. Shared with every responder so a late reply
/// after stop() finds a closed box instead of a dangling server.
struct outbox {
  std::mutex mu;
  std::deque<std::pair<std::string, std::string>> queue; // identity, envelope bytes
  std::unique_ptr<zmq::socket_t> wake;                   // PAIR, connected to the thread's end
  bool wake_pending = false;
  bool closed = false;
  std::thread::id owner; // the transport thread: it sends the queue after each burst anyway
  std::atomic<uint64_t> bad_requests{0};
  warn_limiter warnings{logging::get("transport")};

  void push(std::string identity, std::string bytes) {
    std::lock_guard<std::mutex> lock(mu);
    if (closed) return;
    queue.emplace_back(std::move(identity), std::move(bytes));
    if (!wake_pending && wake && std::this_thread::get_id() != owner) {
      wake_pending = true;
      // Under the mutex: the PAIR socket is only ever touched by one thread at a time.
      wake->send(zmq::const_buffer("", 0), zmq::send_flags::dontwait);
    }
  }
};

} // namespace detail

void responder::reply(messages::envelope env) const {
  if (!box_) return;
  env.correlation_id = correlation_id_;
  box_->push(identity_, messages::encode_envelope(env));
}

void responder::reject(const status& st, const std::string& kind) const {
  if (!box_) return;
  ++box_->bad_requests;
  box_->warnings.warn(kind, st.to_string());
  messages::error_response err;
  err.error = st.code();
  err.message = st.message();
  reply(messages::make_envelope(err, 0, "transport"));
}

void responder::reply_payload(messages::msg_type type, const std::string& payload,
                              const std::string& source) const {
  if (!box_) return;
  box_->push(identity_, messages::encode_envelope(type, correlation_id_, source, payload));
}

struct server::impl {
  zmq::context_t ctx{1};
};

server::server(server_options opts, request_handler handler)
    : opts_(std::move(opts)), handler_(std::move(handler)),
      outbox_(std::make_shared<detail::outbox>()), impl_(std::make_unique<impl>()) {}

server::server(server_options opts, handlers h)
    : opts_(std::move(opts)), handler_(std::move(h.on_request)), drained_(std::move(h.on_drained)),
      fast_(std::move(h.on_fast)), outbox_(std::make_shared<detail::outbox>()),
      impl_(std::make_unique<impl>()) {}

server::~server() {
  stop();
}

status server::start() {
  std::promise<status> started;
  auto fut = started.get_future();
  thread_ = std::thread([this, &started] { run(&started); });
  auto st = fut.get();
  if (!st.ok()) {
    thread_.join();
    return st;
  }
  return st;
}

void server::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  {
    // Wake the thread so it notices stop_ without waiting for the poll timeout.
    std::lock_guard<std::mutex> lock(outbox_->mu);
    if (outbox_->wake && !outbox_->wake_pending) {
      outbox_->wake_pending = true;
      outbox_->wake->send(zmq::const_buffer("", 0), zmq::send_flags::dontwait);
    }
  }
  thread_.join();
}

namespace {

messages::envelope error_envelope(const status& st) {
  messages::error_response err;
  err.error = st.code();
  err.message = st.message();
  return messages::make_envelope(err, 0, "transport");
}

/// Host part of a tcp:// endpoint ("tcp://127.0.0.1:7070" -> "127.0.0.1"), or empty.
std::string tcp_host(const std::string& ep) {
  if (ep.rfind("tcp://", 0) != 0) return {};
  std::string rest = ep.substr(6);
  if (auto semi = rest.find(';'); semi != std::string::npos) rest = rest.substr(semi + 1);
  if (!rest.empty() && rest[0] == '[') return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.rfind(':'));
}

std::string oversized_message(size_t size, int64_t limit) {
  return "request frame of " + std::to_string(size) + " bytes is over this node's limit of " +
         std::to_string(limit) +
         " bytes ([node] max_frame_bytes); send fewer or smaller records per request";
}

} // namespace

uint64_t server::bad_requests() const {
  return outbox_->bad_requests.load();
}

uint64_t server::log_lines_suppressed() const {
  return outbox_->warnings.suppressed();
}

std::string exposure_warning(const server_options& opts) {
  if (!opts.curve_secret_key.empty()) return {};
  const std::string& ep = opts.endpoint;
  if (ep.rfind("ipc://", 0) == 0 || ep.rfind("inproc://", 0) == 0) return {};
  const std::string host = tcp_host(ep);
  if (host.rfind("127.", 0) == 0 || host == "localhost" || host == "::1" || host == "lo")
    return {};
  return "the node's ZeroMQ API on " + ep +
         " listens beyond loopback without CURVE: anyone who reaches the port can read, write "
         "and delete every topic, in clear text; set [node] curve_secret_key and "
         "curve_public_key (`pinpipe keygen`) and curve_allowed_clients, or listen on "
         "127.0.0.1";
}

void server::run(std::promise<status>* started) {
  auto log = logging::get("transport");
  const std::string wake_ep =
      "inproc://pinpipe-wake-" + std::to_string(reinterpret_cast<uintptr_t>(this));
  zmq::socket_t router(impl_->ctx, zmq::socket_type::router);
  zmq::socket_t wake_in(impl_->ctx, zmq::socket_type::pair);
  std::unique_ptr<zap_handler> zap;
  const bool curve = !opts_.curve_secret_key.empty();
  try {
    router.set(zmq::sockopt::linger, 0);
    // Frames up to twice the limit are read and answered with an error (see server.hpp).
    router.set(zmq::sockopt::maxmsgsize,
               opts_.max_message_bytes > 0 ? 2 * opts_.max_message_bytes : int64_t{-1});
    router.set(zmq::sockopt::sndhwm, 100000);
    router.set(zmq::sockopt::rcvhwm, 100000);
    router.set(zmq::sockopt::heartbeat_ivl, opts_.heartbeat_ivl_ms);
    router.set(zmq::sockopt::heartbeat_timeout, opts_.heartbeat_timeout_ms);
    router.set(zmq::sockopt::heartbeat_ttl, opts_.heartbeat_ttl_ms);
    if (curve && opts_.curve_check_clients) {
      // Bound before the ROUTER: no handshake may find the ZAP endpoint missing.
      auto z = zap_handler::bind(impl_->ctx, opts_.curve_allowed_clients);
      if (!z) {
        started->set_value(z.error());
        return;
      }
      zap = std::move(*z);
      router.set(zmq::sockopt::zap_domain, "pinpipe");
    }
    if (curve) {
      router.set(zmq::sockopt::curve_server, 1);
      router.set(zmq::sockopt::curve_secretkey, opts_.curve_secret_key);
      router.set(zmq::sockopt::curve_publickey, opts_.curve_public_key);
    }
    std::string ep = opts_.endpoint;
    // ZeroMQ spells "any port" as '*'; accept the more familiar ":0" too.
    if (ep.size() > 2 && ep.compare(ep.size() - 2, 2, ":0") == 0)
      ep = ep.substr(0, ep.size() - 1) + "*";
    router.bind(ep);
    bound_endpoint_ = router.get(zmq::sockopt::last_endpoint);
    wake_in.bind(wake_ep);
    auto wake_out = std::make_unique<zmq::socket_t>(impl_->ctx, zmq::socket_type::pair);
    wake_out->set(zmq::sockopt::linger, 0);
    wake_out->connect(wake_ep);
    std::lock_guard<std::mutex> lock(outbox_->mu);
    outbox_->wake = std::move(wake_out);
    outbox_->owner = std::this_thread::get_id();
  } catch (const zmq::error_t& e) {
    started->set_value(status{errc::unavailable, "cannot listen on " + opts_.endpoint + ": " +
                                                     e.what() +
                                                     " (is another node using the port?)"});
    return;
  }
  started->set_value(status{});
  log->info("transport listening on {}{}", bound_endpoint_,
            !curve ? ""
            : zap  ? " (CURVE, " + std::to_string(opts_.curve_allowed_clients.size()) +
                        " allowed client keys)"
                   : std::string{" (CURVE, any client that knows the server key)"});
  if (auto w = exposure_warning(opts_); !w.empty()) log->warn("{}", w);
  if (zap && opts_.curve_allowed_clients.empty())
    log->warn("the CURVE client allowlist is empty: every client will be refused");

  zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                             {wake_in.handle(), 0, ZMQ_POLLIN, 0},
                             {zap ? zap->handle() : nullptr, 0, static_cast<short>(zap ? ZMQ_POLLIN : 0), 0}};
  const int n_items = zap ? 3 : 2;
  auto last_oversized_log = std::chrono::steady_clock::time_point{};
  std::vector<zmq::message_t> frames;
  messages::fast::envelope_view fast_env;
  int last_burst = 0;
  size_t last_remote_replies = 0; // replies sent in the last round that read no request
  while (!stop_) {
    try {
      // Adaptive spin (server_options::spin_us): only after a burst of one or two.
      int ready = 0;
      // Also after sending one or two replies that other threads produced (acks=all from
      // the sync thread, actor replies) with no request read: their clients send next.
      const bool spin = (last_burst > 0 && last_burst <= 2) ||
                        (last_burst == 0 && last_remote_replies > 0 && last_remote_replies <= 2);
      if (spin && opts_.spin_us > 0) {
        const auto until =
            std::chrono::steady_clock::now() + std::chrono::microseconds(opts_.spin_us);
        while ((ready = zmq::poll(items, n_items, std::chrono::milliseconds(0))) == 0 &&
               std::chrono::steady_clock::now() < until) {
        }
      }
      if (ready == 0)
        zmq::poll(items, n_items, std::chrono::milliseconds(opts_.poll_timeout_ms));
      last_burst = 0;
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      log->error("poll failed: {}", e.what());
      break;
    }
    if (items[0].revents & ZMQ_POLLIN) {
      // Drain a bounded number of requests so replies are not starved.
      for (int i = 0; i < opts_.max_burst; ++i) {
        frames.clear();
        if (!zmq::recv_multipart(router, std::back_inserter(frames), zmq::recv_flags::dontwait))
          break;
        ++received_;
        ++last_burst;
        if (frames.size() < 2) { // no identity frame: nowhere to answer
          ++outbox_->bad_requests;
          continue;
        }
        std::string identity = frames[0].to_string();
        std::string_view body(static_cast<const char*>(frames.back().data()), frames.back().size());
        if (opts_.max_message_bytes > 0 &&
            body.size() > static_cast<size_t>(opts_.max_message_bytes)) {
          ++oversized_;
          ++outbox_->bad_requests;
          auto msg = oversized_message(body.size(), opts_.max_message_bytes);
          if (auto now = std::chrono::steady_clock::now();
              now - last_oversized_log >= std::chrono::seconds(10)) {
            log->warn("{} (answered with request_too_large; {} such frames so far)", msg,
                      oversized_.load());
            last_oversized_log = now;
          }
          responder(outbox_, identity, messages::peek_correlation_id(body))
              .reply(error_envelope(status{errc::request_too_large, msg}));
          continue;
        }
        if (fast_ && frames.size() == 2 && messages::fast::read_envelope(body, fast_env)) {
          responder rsp(outbox_, identity, fast_env.correlation_id);
          try {
            if (fast_(fast_env, rsp)) continue;
          } catch (const std::exception& e) {
            log->error("request handler threw: {}", e.what());
            rsp.reply(error_envelope(status{errc::internal, e.what()}));
            continue;
          }
        }
        auto env = frames.size() == 2
                       ? messages::decode_envelope(body)
                       : result<messages::envelope>(errc::malformed_message,
                                                    "expected one frame per envelope");
        responder rsp(outbox_, identity,
                      env ? env->correlation_id : messages::peek_correlation_id(body));
        if (!env) {
          rsp.reject(env.error(), "undecodable request frame");
          continue;
        }
        try {
          handler_(std::move(*env), rsp);
        } catch (const std::exception& e) {
          log->error("request handler threw: {}", e.what());
          rsp.reply(error_envelope(status{errc::internal, e.what()}));
        }
      }
      if (drained_) {
        try {
          drained_();
        } catch (const std::exception& e) {
          log->error("drain handler threw: {}", e.what());
        }
      }
    }
    if (zap && (items[2].revents & ZMQ_POLLIN)) {
      zap->serve_queued();
      refused_ = zap->refused();
    }
    if (items[1].revents & ZMQ_POLLIN) {
      zmq::message_t m;
      while (wake_in.recv(m, zmq::recv_flags::dontwait)) {
      }
    }
    std::deque<std::pair<std::string, std::string>> out;
    {
      std::lock_guard<std::mutex> lock(outbox_->mu);
      out.swap(outbox_->queue);
      outbox_->wake_pending = false;
    }
    last_remote_replies = last_burst == 0 ? out.size() : 0;
    for (auto& [identity, bytes] : out) {
      try {
        router.send(zmq::buffer(identity), zmq::send_flags::sndmore);
        if (bytes.size() < 4096) {
          router.send(zmq::buffer(bytes), zmq::send_flags::none);
        } else {
          // Large replies (fetches): hand the string to ZeroMQ instead of copying it.
          auto* owned = new std::string(std::move(bytes));
          zmq::message_t m(
              owned->data(), owned->size(),
              [](void*, void* hint) { delete static_cast<std::string*>(hint); }, owned);
          router.send(m, zmq::send_flags::none);
        }
      } catch (const zmq::error_t& e) {
        log->warn("reply dropped: {}", e.what());
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(outbox_->mu);
    outbox_->closed = true;
    outbox_->queue.clear();
    outbox_->wake.reset();
  }
  router.close();
  wake_in.close();
  outbox_->warnings.flush();
  log->info("transport on {} stopped: {} requests, {} bad requests, {} bad-request warning "
            "lines suppressed",
            bound_endpoint_, received_.load(), bad_requests(), log_lines_suppressed());
}

} // namespace pinpipe::transport
