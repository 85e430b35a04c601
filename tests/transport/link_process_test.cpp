// The connection's edges with real processes: a `pinpipe node` that is SIGSTOPped (libzmq
// heartbeats end the wait), a node with a CURVE client allowlist (listed client served,
// unlisted refused, the refusal logged), and the CLI against a closed port (fails at once)
// and a stopped node (times out after --timeout-ms, with another message).
#include <fstream>
#include <iterator>
#include <signal.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "messages/codec.hpp"
#include "messages/log_api.hpp"
#include "tests/node/node_process.hpp"
#include "transport/client.hpp"
#include "transport/curve.hpp"

namespace pinpipe::test {
namespace {

using clock_type = std::chrono::steady_clock;
namespace m = pinpipe::messages;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

/// SIGSTOP takes effect asynchronously: kill() can return while the node still runs on the
/// other core and answers one more request. Waits (at most 2 s) until /proc shows it stopped.
bool stop_and_wait(pid_t pid) {
  if (kill(pid, SIGSTOP) != 0) return false;
  for (int i = 0; i < 200; ++i) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');
    if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'T')
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

/// Resumes a SIGSTOPped child whatever happens, so the node can be stopped at the end.
struct resume_on_exit {
  pid_t pid;
  ~resume_on_exit() {
    if (pid > 0) kill(pid, SIGCONT);
  }
};

std::unique_ptr<transport::client> client_for(const std::string& endpoint,
                                              transport::client_options o = {}) {
  o.endpoint = endpoint;
  auto c = transport::client::connect(o);
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  return std::move(*c);
}

std::string closed_endpoint() {
  // A port the kernel just handed out and nobody listens on.
  temp_dir d;
  node_process n;
  EXPECT_TRUE(n.start(d.file("data")));
  std::string ep = n.endpoint();
  n.stop();
  return ep;
}

TEST(TransportProcess, HeartbeatsEndTheWaitForAStoppedNode) {
  temp_dir d;
  node_process node;
  ASSERT_TRUE(node.start(d.file("data")));
  transport::client_options o;
  o.heartbeat_ivl_ms = 200;
  o.heartbeat_timeout_ms = 800;
  auto c = client_for(node.endpoint(), o);
  auto first = transport::request(*c, m::list_topics_request{}, 5000);
  ASSERT_TRUE(first.ok()) << first.error().to_string();

  ASSERT_TRUE(stop_and_wait(node.pid()));
  resume_on_exit resume{node.pid()};
  auto t0 = clock_type::now();
  auto rep = transport::request(*c, m::list_topics_request{}, 20000);
  const double waited = seconds_since(t0);
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.error().code(), errc::unavailable) << rep.error().to_string();
  EXPECT_NE(rep.error().message().find("heartbeats"), std::string::npos) << rep.error().message();
  EXPECT_LT(waited, 4.0) << "the heartbeat timeout (0.8 s) did not end the 20 s wait";
  EXPECT_GT(waited, 0.5);
}

TEST(TransportProcess, CurveAllowlistOfANodeServesListedAndRefusesAndLogsOthers) {
  temp_dir d;
  auto server = *transport::make_curve_keypair();
  auto alice = *transport::make_curve_keypair();
  auto mallory = *transport::make_curve_keypair();
  std::filesystem::create_directories(d.file("clients"));
  // A key file as `pinpipe keygen` writes it; the node reads only its public key.
  write_file(d.file("clients/alice.key"), "curve_public_key = \"" + alice.public_key +
                                              "\"\ncurve_secret_key = \"" + alice.secret_key +
                                              "\"\n");
  write_file(d.file("node.toml"), "[node]\ncurve_public_key = \"" + server.public_key +
                                      "\"\ncurve_secret_key = \"" + server.secret_key +
                                      "\"\ncurve_allowed_clients_dir = \"" + d.file("clients") +
                                      "\"\n");
  node_process node;
  ASSERT_TRUE(node.start(d.file("data"), {"--config", d.file("node.toml")}))
      << node.stderr_text();

  transport::client_options o;
  o.server_public_key = server.public_key;
  o.curve_public_key = alice.public_key;
  o.curve_secret_key = alice.secret_key;
  auto ok = transport::request(*client_for(node.endpoint(), o), m::list_topics_request{}, 5000);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();

  o.curve_public_key = mallory.public_key;
  o.curve_secret_key = mallory.secret_key;
  auto t0 = clock_type::now();
  auto refused =
      transport::request(*client_for(node.endpoint(), o), m::list_topics_request{}, 10000);
  ASSERT_FALSE(refused.ok());
  EXPECT_LT(seconds_since(t0), 3.0);
  EXPECT_NE(refused.error().message().find("refused this client's CURVE key"), std::string::npos)
      << refused.error().message();

  // The CLI with the listed key file is served; with a throwaway key it is refused.
  write_file(d.file("alice.key"), read_file(d.file("clients/alice.key")));
  auto listed = run_cli({"topics", "list", "--broker", node.endpoint(), "--server-key",
                         server.public_key, "--client-key", d.file("alice.key")});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  auto unlisted =
      run_cli({"topics", "list", "--broker", node.endpoint(), "--server-key", server.public_key});
  EXPECT_NE(unlisted.exit_code, 0);
  EXPECT_NE(unlisted.err.find("refused this client's CURVE key"), std::string::npos)
      << unlisted.err;

  node.stop();
  auto log = node.stderr_text();
  EXPECT_NE(log.find("refused a CURVE client"), std::string::npos) << log;
  EXPECT_NE(log.find(mallory.public_key), std::string::npos) << log;
  EXPECT_EQ(log.find("with public key " + alice.public_key), std::string::npos) << log;
}

TEST(TransportProcess, AllowlistWithoutCurveIsAConfigError) {
  temp_dir d;
  write_file(d.file("node.toml"),
             "[node]\ncurve_allowed_clients = [\"" + std::string(40, 'a') + "\"]\n");
  auto r = run_cli({"node", "--config", d.file("node.toml"), "--data-dir", d.file("data"),
                    "--listen", "tcp://127.0.0.1:0"},
                   {}, std::chrono::seconds(20));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("a client allowlist needs CURVE"), std::string::npos) << r.err;
}

TEST(TransportProcess, CliAgainstAClosedPortSaysNoNodeAnswersAtOnce) {
  const auto ep = closed_endpoint();
  for (const std::vector<std::string>& cmd :
       {std::vector<std::string>{"topics", "list"}, {"produce", "some-topic"}, {"status"}}) {
    auto args = cmd;
    args.insert(args.end(), {"--broker", ep, "--timeout-ms", "10000"});
    auto t0 = clock_type::now();
    auto r = run_cli(args, "x\n", std::chrono::seconds(15));
    const double took = seconds_since(t0);
    const std::string all = r.out + r.err;
    EXPECT_LT(took, 2.0) << cmd[0] << " waited instead of failing fast";
    EXPECT_NE(all.find("no node answering at " + ep + " (is `pinpipe node` running?)"),
              std::string::npos)
        << cmd[0] << ": " << all;
    if (cmd[0] != "status") EXPECT_NE(r.exit_code, 0) << cmd[0];
  }
}

TEST(TransportProcess, CliAgainstAStoppedNodeTimesOutAfterTimeoutMs) {
  temp_dir d;
  node_process node;
  ASSERT_TRUE(node.start(d.file("data")));
  ASSERT_TRUE(stop_and_wait(node.pid()));
  resume_on_exit resume{node.pid()};
  auto t0 = clock_type::now();
  auto r = run_cli({"topics", "list", "--broker", node.endpoint(), "--timeout-ms", "1200"}, {},
                   std::chrono::seconds(15));
  const double took = seconds_since(t0);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_GT(took, 1.1);
  EXPECT_LT(took, 3.5);
  EXPECT_NE(r.err.find("within 1200 ms"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("no node answering"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("handshake"), std::string::npos) << r.err;
}

} // namespace
} // namespace pinpipe::test
