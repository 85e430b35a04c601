#include "transport/zap_handler.hpp"

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "common/logging.hpp"

namespace pinpipe::transport {

namespace {
constexpr const char* zap_endpoint = "inproc://zeromq.zap.01";
constexpr auto log_every = std::chrono::seconds(10);
constexpr size_t max_logged_keys = 1024;
} // namespace

struct zap_handler::sockets {
  zmq::socket_t rep;
};

zap_handler::~zap_handler() = default;

result<std::unique_ptr<zap_handler>> zap_handler::bind(zmq::context_t& ctx,
                                                       const std::vector<std::string>& allowed) {
  std::unique_ptr<zap_handler> h(new zap_handler());
  for (const auto& k : allowed) {
    if (k.size() != 40)
      return status{errc::invalid_config,
                    "CURVE client key \"" + k +
                        "\" is not a 40-character Z85 public key (use the curve_public_key "
                        "line that `pinpipe keygen` prints)"};
    h->allowed_.insert(k);
  }
  try {
    h->s_ = std::make_unique<sockets>(sockets{zmq::socket_t(ctx, zmq::socket_type::rep)});
    h->s_->rep.set(zmq::sockopt::linger, 0);
    h->s_->rep.bind(zap_endpoint);
  } catch (const zmq::error_t& e) {
    return status{errc::unavailable,
                  std::string{"cannot start the CURVE client check (ZAP handler): "} + e.what()};
  }
  return h;
}

void* zap_handler::handle() const {
  return s_->rep.handle();
}

bool zap_handler::decide(const std::string& mechanism, const std::string& key_z85,
                         const std::string& address) {
  if (mechanism == "CURVE" && allowed_.count(key_z85)) {
    ++admitted_;
    return true;
  }
  ++refused_;
  auto now = std::chrono::steady_clock::now();
  if (logged_.size() >= max_logged_keys && !logged_.count(key_z85)) logged_.clear();
  auto [it, fresh] = logged_.try_emplace(key_z85);
  if (fresh || now - it->second.last >= log_every) {
    logging::get("transport")
        ->warn("refused a {} client from {} with public key {}: it is not in [node] "
               "curve_allowed_clients / curve_allowed_clients_dir{}",
               mechanism, address.empty() ? "?" : address, key_z85.empty() ? "-" : key_z85,
               it->second.suppressed
                   ? " (" + std::to_string(it->second.suppressed) + " more refusals since)"
                   : std::string{});
    it->second.last = now;
    it->second.suppressed = 0;
  } else {
    ++it->second.suppressed;
  }
  return false;
}

void zap_handler::serve_queued() {
  auto& rep = s_->rep;
  for (;;) {
    std::vector<zmq::message_t> req;
    try {
      if (!zmq::recv_multipart(rep, std::back_inserter(req), zmq::recv_flags::dontwait)) return;
    } catch (const zmq::error_t&) {
      return;
    }
    std::string version = req.size() > 0 ? req[0].to_string() : "";
    std::string request_id = req.size() > 1 ? req[1].to_string() : "";
    std::string address = req.size() > 3 ? req[3].to_string() : "";
    std::string mechanism = req.size() > 5 ? req[5].to_string() : "";
    std::string key;
    if (req.size() > 6 && req[6].size() == 32) {
      char z85[41] = {};
      if (zmq_z85_encode(z85, static_cast<const uint8_t*>(req[6].data()), 32)) key = z85;
    }
    const bool ok = version == "1.0" && decide(mechanism, key, address);
    std::vector<zmq::const_buffer> reply{zmq::str_buffer("1.0"), zmq::buffer(request_id),
                                         ok ? zmq::str_buffer("200") : zmq::str_buffer("400"),
                                         ok ? zmq::str_buffer("OK")
                                            : zmq::str_buffer("client key not allowed"),
                                         zmq::buffer(key), zmq::str_buffer("")};
    try {
      zmq::send_multipart(rep, reply, zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
      return;
    }
  }
}

} // namespace pinpipe::transport
