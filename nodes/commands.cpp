// The subcommand table and the helpers shared by the command implementations.
#include "nodes/command.hpp"

#include <algorithm>
#include <iostream>

#include "transport/curve.hpp"

namespace pinpipe::cli {

std::vector<command_factory> command_table() {
  return {
      make_node_command,       // pinpipe node      (cmd_node.cpp)
      make_topics_command,     // pinpipe topics …  (cmd_topics.cpp)
      make_produce_command,    // pinpipe produce   (cmd_produce.cpp)
      make_consume_command,    // pinpipe consume   (cmd_consume.cpp)
      make_keygen_command,     // pinpipe keygen    (cmd_keygen.cpp)
      make_simulate_command,   // pinpipe simulate (cmd_simulate.cpp)
      make_gen_source_command, // pinpipe gen-source (cmd_gen_source.cpp)
      make_emulate_command,    // pinpipe emulate    (cmd_emulate.cpp)
      make_batch_command,      // pinpipe batch …    (cmd_batch.cpp)
      make_query_command,      // pinpipe query      (cmd_query.cpp)
      make_status_command,     // pinpipe status     (cmd_status.cpp)
      make_log_command,        // pinpipe log …      (cmd_log.cpp)
      make_cluster_command,    // pinpipe cluster …  (cmd_cluster.cpp)
                               // Add new subcommands here (bench).
  };
}

int fail(const std::string& what, const std::string& fix) {
  std::cerr << "error: " << what << " (" << fix << ")" << std::endl;
  return 1;
}

int fail(const status& st) {
  std::cerr << "error: " << st.to_string() << std::endl;
  return 1;
}

int fail_usage(const std::string& what) {
  std::cerr << "error: " << what << std::endl;
  return 2;
}

result<config::config> load_config(const common_options& common) {
  return config::load(common.config_path);
}

namespace {

std::vector<std::string> split_endpoints(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    auto item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

} // namespace

result<std::unique_ptr<transport::client>> connect_broker(const common_options& common) {
  // Several endpoints (-b a,b,c, or a config with [cluster] nodes and no -b): the first
  // node that answers. Any node of a cluster serves every request (it forwards to leaders).
  std::vector<std::string> endpoints = split_endpoints(common.broker);
  if (common.broker.empty()) {
    auto cfg = load_config(common);
    if (cfg && !cfg->cluster.nodes.empty())
      for (const auto& n : cfg->cluster.nodes)
        if (auto at = n.find('@'); at != std::string::npos) endpoints.push_back(n.substr(at + 1));
  }
  if (endpoints.size() > 1) {
    std::string tried;
    for (const auto& ep : endpoints) {
      common_options one = common;
      one.broker = ep;
      auto c = connect_broker(one);
      if (!c) return c;
      auto probe = transport::request(**c, messages::list_topics_request{},
                                      std::min(request_timeout_ms, 1000));
      if (probe) return c;
      tried += (tried.empty() ? "" : "; ") + ep + ": " + probe.error().message();
    }
    return status{errc::unavailable, "no node answered (" + tried +
                                         "); check that the cluster is running (cluster.sh status)"};
  }
  if (endpoints.size() == 1 && endpoints[0] != common.broker) {
    common_options one = common;
    one.broker = endpoints[0];
    return connect_broker(one);
  }
  transport::client_options opts;
  opts.name = "cli";
  opts.endpoint = common.broker;
  opts.server_public_key = common.server_key;
  if (opts.endpoint.empty() || opts.server_public_key.empty()) {
    auto cfg = load_config(common);
    if (!cfg) return cfg.error();
    if (opts.endpoint.empty()) {
      opts.endpoint = cfg->node.listen;
      for (const char* any : {"0.0.0.0", "*"}) {
        auto pos = opts.endpoint.find(std::string{"//"} + any);
        if (pos != std::string::npos)
          opts.endpoint.replace(pos + 2, std::string{any}.size(), "127.0.0.1");
      }
    }
    if (opts.server_public_key.empty()) opts.server_public_key = cfg->node.curve_public_key;
  }
  if (!common.client_key.empty()) {
    auto keys = transport::read_key_file(common.client_key);
    if (!keys) return status{keys.error().code(), "--client-key: " + keys.error().message()};
    if (keys->public_key.empty() || keys->secret_key.empty())
      return status{errc::invalid_argument,
                    "--client-key " + common.client_key +
                        " needs both curve_public_key and curve_secret_key lines (save the "
                        "output of `pinpipe keygen` there)"};
    opts.curve_public_key = keys->public_key;
    opts.curve_secret_key = keys->secret_key;
  }
  return transport::client::connect(opts);
}

} // namespace pinpipe::cli
