// The edges of a connection, with real sockets on 127.0.0.1: a refused connection, frames
// over the size limit, the CURVE client allowlist (ZAP), a mechanism mismatch, key files
// and the exposure warning. (A stopped node and the CLI: link_process_test.cpp.)
#include "transport/client.hpp"
#include "transport/curve.hpp"
#include "transport/server.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "messages/codec.hpp"
#include "tests/transport/echo_util.hpp"

namespace pinpipe::transport {
namespace {

using namespace pinpipe::transport::test;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

std::unique_ptr<client> client_for(const std::string& endpoint, const std::string& server_key = {},
                                   const curve_keypair& own = {}) {
  client_options o;
  o.endpoint = endpoint;
  o.server_public_key = server_key;
  o.curve_public_key = own.public_key;
  o.curve_secret_key = own.secret_key;
  auto c = client::connect(o);
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  return std::move(*c);
}

/// An endpoint on 127.0.0.1 where nothing listens (a port bound once, then released).
std::string closed_endpoint() {
  server s(local_options(), [](m::envelope, responder) {});
  EXPECT_TRUE(s.start().ok());
  std::string ep = s.endpoint();
  s.stop();
  return ep;
}

TEST(TransportLink, CallToAClosedPortFailsAtOnceSayingNoNodeAnswers) {
  const auto ep = closed_endpoint();
  auto c = client_for(ep);
  auto t0 = clock_type::now();
  auto rep = c->call(request_with("anyone?"), 10000);
  ASSERT_FALSE(rep.ok());
  EXPECT_LT(seconds_since(t0), 2.0) << "waited for the timeout instead of failing fast";
  EXPECT_EQ(rep.error().code(), errc::unavailable);
  EXPECT_NE(rep.error().message().find("no node answering at " + ep), std::string::npos)
      << rep.error().message();
  EXPECT_NE(rep.error().message().find("is `pinpipe node` running?"), std::string::npos);
}

TEST(TransportLink, ClientThatConnectedOnceRidesANodeRestart) {
  // After a first answer, a refused reconnect is not final: the request waits for the node.
  server a(local_options(), [](m::envelope req, responder r) { r.reply(echo_of(req)); });
  ASSERT_TRUE(a.start().ok());
  const auto ep = a.endpoint();
  auto c = client_for(ep);
  ASSERT_TRUE(c->call(request_with("one"), 5000).ok());
  a.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(300)); // reconnects get refused
  auto o = local_options(ep);
  server b(o, [](m::envelope req, responder r) { r.reply(echo_of(req)); });
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_TRUE(b.start().ok());
  });
  auto rep = c->call(request_with("two"), 5000);
  later.join();
  ASSERT_TRUE(rep.ok()) << rep.error().to_string();
  EXPECT_EQ(reply_text(*rep), "owt");
}

TEST(TransportLink, FrameOverTheLimitGetsAnErrorNamingTheLimit) {
  auto opts = local_options();
  opts.max_message_bytes = 4096;
  std::atomic<int> handled{0};
  server s(opts, [&](m::envelope req, responder r) {
    ++handled;
    r.reply(echo_of(req));
  });
  ASSERT_TRUE(s.start().ok());
  auto c = client_for(s.endpoint());
  auto big = request_with(std::string(6000, 'x'), 31337);
  auto t0 = clock_type::now();
  auto rep = c->call(big, 10000);
  ASSERT_TRUE(rep.ok()) << rep.error().to_string();
  EXPECT_LT(seconds_since(t0), 2.0);
  EXPECT_EQ(rep->correlation_id, 31337u);
  auto err = m::decode_payload<m::error_response>(rep->payload.data);
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->error, errc::request_too_large);
  EXPECT_NE(err->message.find("limit of 4096 bytes"), std::string::npos) << err->message;
  EXPECT_NE(err->message.find("max_frame_bytes"), std::string::npos) << err->message;
  EXPECT_EQ(handled.load(), 0);
  EXPECT_EQ(s.oversized_frames(), 1u);
  // The connection stays usable.
  auto ok = c->call(request_with("small"), 5000);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(reply_text(*ok), "llams");
}

TEST(TransportLink, FrameFarOverTheLimitFailsTheCallAtOnceInsteadOfTimingOut) {
  // Over twice the limit libzmq closes the connection; the client says so at once.
  auto opts = local_options();
  opts.max_message_bytes = 4096;
  server s(opts, [](m::envelope req, responder r) { r.reply(echo_of(req)); });
  ASSERT_TRUE(s.start().ok());
  auto c = client_for(s.endpoint());
  ASSERT_TRUE(c->call(request_with("hello"), 5000).ok());
  auto t0 = clock_type::now();
  auto rep = c->call(request_with(std::string(20000, 'y')), 10000);
  ASSERT_FALSE(rep.ok());
  EXPECT_LT(seconds_since(t0), 2.0);
  EXPECT_EQ(rep.error().code(), errc::unavailable);
  EXPECT_NE(rep.error().message().find("lost"), std::string::npos) << rep.error().message();
}

struct curve_node {
  curve_keypair server_keys, alice, mallory;
  std::atomic<int> handled{0};
  std::unique_ptr<server> srv;

  explicit curve_node(bool with_allowlist) {
    server_keys = *make_curve_keypair();
    alice = *make_curve_keypair();
    mallory = *make_curve_keypair();
    auto opts = local_options();
    opts.curve_secret_key = server_keys.secret_key;
    opts.curve_public_key = server_keys.public_key;
    opts.curve_check_clients = with_allowlist;
    opts.curve_allowed_clients = {alice.public_key};
    srv = std::make_unique<server>(opts, [this](m::envelope req, responder r) {
      ++handled;
      r.reply(echo_of(req));
    });
  }
};

TEST(TransportLink, CurveAllowlistServesListedClientsAndRefusesOthersWithAClearError) {
  curve_node n(true);
  ASSERT_TRUE(n.srv->start().ok());
  auto alice = client_for(n.srv->endpoint(), n.server_keys.public_key, n.alice);
  auto rep = alice->call(request_with("alice"), 5000);
  ASSERT_TRUE(rep.ok()) << rep.error().to_string();
  EXPECT_EQ(reply_text(*rep), "ecila");

  auto mallory = client_for(n.srv->endpoint(), n.server_keys.public_key, n.mallory);
  auto t0 = clock_type::now();
  auto refused = mallory->call(request_with("mallory"), 10000);
  ASSERT_FALSE(refused.ok());
  EXPECT_LT(seconds_since(t0), 3.0);
  EXPECT_EQ(refused.error().code(), errc::unavailable);
  EXPECT_NE(refused.error().message().find("refused this client's CURVE key"), std::string::npos)
      << refused.error().message();
  // An ephemeral key (no key pair given) is not on the list either.
  auto anonymous = client_for(n.srv->endpoint(), n.server_keys.public_key);
  EXPECT_FALSE(anonymous->call(request_with("anon"), 3000).ok());
  EXPECT_EQ(n.handled.load(), 1);
  EXPECT_GE(n.srv->refused_clients(), 2u);
}

TEST(TransportLink, WithoutAllowlistAnyClientKnowingTheServerKeyIsServed) {
  curve_node n(false);
  ASSERT_TRUE(n.srv->start().ok());
  auto mallory = client_for(n.srv->endpoint(), n.server_keys.public_key, n.mallory);
  ASSERT_TRUE(mallory->call(request_with("m"), 5000).ok());
}

TEST(TransportLink, EmptyAllowlistRefusesEveryone) {
  auto keys = *make_curve_keypair();
  auto opts = local_options();
  opts.curve_secret_key = keys.secret_key;
  opts.curve_public_key = keys.public_key;
  opts.curve_check_clients = true;
  server s(opts, [](m::envelope req, responder r) { r.reply(echo_of(req)); });
  ASSERT_TRUE(s.start().ok());
  auto c = client_for(s.endpoint(), keys.public_key, *make_curve_keypair());
  auto rep = c->call(request_with("x"), 5000);
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(rep.error().message().find("refused"), std::string::npos);
}

TEST(TransportLink, MalformedAllowlistKeyFailsStartNamingIt) {
  auto keys = *make_curve_keypair();
  auto opts = local_options();
  opts.curve_secret_key = keys.secret_key;
  opts.curve_public_key = keys.public_key;
  opts.curve_check_clients = true;
  opts.curve_allowed_clients = {"not-a-key"};
  server s(opts, [](m::envelope, responder) {});
  auto st = s.start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("not-a-key"), std::string::npos) << st.message();
}

TEST(TransportLink, PlainClientToACurveNodeIsToldAboutTheHandshakeAtOnce) {
  curve_node n(false);
  ASSERT_TRUE(n.srv->start().ok());
  auto plain = client_for(n.srv->endpoint());
  auto t0 = clock_type::now();
  auto rep = plain->call(request_with("plain"), 10000);
  ASSERT_FALSE(rep.ok());
  EXPECT_LT(seconds_since(t0), 3.0);
  // Which end notices the mismatch first varies; both messages name the handshake.
  EXPECT_NE(rep.error().message().find("handshake"), std::string::npos)
      << rep.error().message();
}

TEST(TransportLink, KeyFilesAsKeygenWritesThemAreRead) {
  namespace fs = std::filesystem;
  auto dir = fs::temp_directory_path() / ("pinpipe-keys-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto a = *make_curve_keypair(), b = *make_curve_keypair();
  std::ofstream(dir / "alice.key") << "# pinpipe CURVE key pair\ncurve_public_key = \""
                                   << a.public_key << "\"\ncurve_secret_key = \"" << a.secret_key
                                   << "\"\n";
  std::ofstream(dir / "bob.pub") << b.public_key << "\n";
  std::ofstream(dir / ".hidden") << "ignored";
  auto keys = read_public_key_dir(dir.string());
  ASSERT_TRUE(keys.ok()) << keys.error().to_string();
  EXPECT_EQ(*keys, (std::vector<std::string>{a.public_key, b.public_key}));
  auto pair = read_key_file((dir / "alice.key").string());
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->secret_key, a.secret_key);

  std::ofstream(dir / "broken.pub") << "curve_public_key = \"tooshort\"\n";
  auto bad = read_public_key_dir(dir.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("broken.pub"), std::string::npos);
  fs::remove_all(dir);
  EXPECT_FALSE(read_public_key_dir(dir.string()).ok());
}

TEST(TransportLink, ListeningBeyondLoopbackWithoutCurveIsWarnedAbout) {
  server_options o;
  for (const char* quiet : {"tcp://127.0.0.1:7070", "tcp://localhost:7070", "tcp://[::1]:7070",
                            "ipc:///tmp/pinpipe.sock", "inproc://x"}) {
    o.endpoint = quiet;
    EXPECT_EQ(exposure_warning(o), "") << quiet;
  }
  for (const char* loud : {"tcp://0.0.0.0:7070", "tcp://*:7070", "tcp://10.1.2.3:7070",
                           "tcp://eth0:7070", "tcp://[::]:7070"}) {
    o.endpoint = loud;
    auto w = exposure_warning(o);
    EXPECT_NE(w.find("without CURVE"), std::string::npos) << loud;
    EXPECT_NE(w.find(loud), std::string::npos) << w;
  }
  o.curve_secret_key = "set";
  EXPECT_EQ(exposure_warning(o), "");
}

} // namespace
} // namespace pinpipe::transport
