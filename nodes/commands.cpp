// The subcommand table and the helpers shared by the command implementations.
#include "nodes/command.hpp"

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

result<std::unique_ptr<transport::client>> connect_broker(const common_options& common) {
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
