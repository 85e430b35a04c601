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

} // namespace

void server::run(std::promise<status>* started) {
  auto log = logging::get("transport");
  const std::string wake_ep =
      "inproc://pinpipe-wake-" + std::to_string(reinterpret_cast<uintptr_t>(this));
  zmq::socket_t router(impl_->ctx, zmq::socket_type::router);
  zmq::socket_t wake_in(impl_->ctx, zmq::socket_type::pair);
  try {
    router.set(zmq::sockopt::linger, 0);
    router.set(zmq::sockopt::maxmsgsize, opts_.max_message_bytes);
    router.set(zmq::sockopt::sndhwm, 100000);
    router.set(zmq::sockopt::rcvhwm, 100000);
    if (!opts_.curve_secret_key.empty()) {
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
            opts_.curve_secret_key.empty() ? "" : " (CURVE)");

  zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                             {wake_in.handle(), 0, ZMQ_POLLIN, 0}};
  std::vector<zmq::message_t> frames;
  messages::fast::envelope_view fast_env;
  int last_burst = 0;
  while (!stop_) {
    try {
      // Adaptive spin (server_options::spin_us): only after a burst of one or two.
      int ready = 0;
      if (last_burst > 0 && last_burst <= 2 && opts_.spin_us > 0) {
        const auto until =
            std::chrono::steady_clock::now() + std::chrono::microseconds(opts_.spin_us);
        while ((ready = zmq::poll(items, 2, std::chrono::milliseconds(0))) == 0 &&
               std::chrono::steady_clock::now() < until) {
        }
      }
      if (ready == 0) zmq::poll(items, 2, std::chrono::milliseconds(opts_.poll_timeout_ms));
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
        if (frames.size() < 2) continue;
        std::string identity = frames[0].to_string();
        std::string_view body(static_cast<const char*>(frames.back().data()), frames.back().size());
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
          log->warn("bad request: {}", env.error().to_string());
          rsp.reply(error_envelope(env.error()));
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
  log->info("transport on {} stopped", bound_endpoint_);
}

} // namespace pinpipe::transport
