// `pinpipe node --config FILE [--data-dir DIR] [--listen ADDR]`: runs one node until
// SIGINT/SIGTERM. The startup sequence is fixed and numbered below; shutdown runs it
// backwards so that every acknowledged record is flushed before the process exits.
// Besides the broker, the node runs the pipeline roles its config lists in [node] roles
// (gateway, connector, cleaner/sink, scheduler: actors/pipeline_runtime.hpp).
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include "actors/broker_actor.hpp"
#include "actors/pipeline_runtime.hpp"
#include "actors/system_setup.hpp"
#include "actors/type_ids.hpp"
#include "common/logging.hpp"
#include "nodes/cluster_start.hpp"
#include "nodes/command.hpp"
#include "nodes/console_start.hpp"
#include "nodes/control_requests.hpp"
#include "nodes/fault_switch.hpp"
#include "actors/request_router.hpp"
#include "nodes/settings_check.hpp"
#include "pipeline/paths.hpp"
#include "storage/file_log.hpp"
#include "storage/log.hpp"
#include "transport/curve.hpp"
#include "transport/server.hpp"

namespace pinpipe::cli {
namespace {

struct node_flags {
  std::string data_dir;
  std::string listen;
};

// Opens (and recovers) the durable log under <data_dir>/log.
result<std::shared_ptr<storage::log_store>> open_log(const config::config& cfg) {
  auto lc = log_config_of(cfg, data_paths::of(cfg.node.data_dir, cfg).log);
  std::error_code ec;
  std::filesystem::create_directories(lc.dir, ec);
  if (ec)
    return status{errc::io_error, "cannot create " + lc.dir + ": " + ec.message() +
                                      " (check [node] data_dir and its permissions)"};
  auto opened = storage::open_file_log(lc);
  if (!opened) return opened.error();
  return std::shared_ptr<storage::log_store>(std::move(*opened));
}

bool has_role(const config::config& cfg, const std::string& role) {
  return std::find(cfg.node.roles.begin(), cfg.node.roles.end(), role) != cfg.node.roles.end();
}

/// The pipeline roles of [node] roles as runtime options; `any` = at least one is listed.
actors::runtime_options pipeline_roles(const config::config& cfg, bool* any) {
  actors::runtime_options ro;
  ro.cfg = cfg;
  ro.data_dir = cfg.node.data_dir;
  ro.gateway = has_role(cfg, "gateway");
  ro.connector = has_role(cfg, "connector");
  ro.streams = has_role(cfg, "cleaner") || has_role(cfg, "sink"); // readers + cleaner + sink
  ro.scheduler = has_role(cfg, "scheduler");
  *any = ro.gateway || ro.connector || ro.streams || ro.scheduler;
  return ro;
}

std::string roles_text(const actors::runtime_options& ro) {
  std::string out;
  for (auto [on, name] :
       {std::pair{ro.gateway, "gateway"}, std::pair{ro.connector, "connector"},
        std::pair{ro.streams, "cleaner+sink"}, std::pair{ro.scheduler, "scheduler"}})
    if (on) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

int run_node(const common_options& common, const node_flags& flags) {
  // 0. Block SIGINT/SIGTERM before any thread exists; every thread inherits the mask and
  //    the main thread takes them with sigwait() in step 7.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // 1. Configuration: defaults -> file -> environment -> flags, validated.
  auto cfg = load_config(common);
  if (!cfg) return fail(cfg.error());
  if (!flags.data_dir.empty())
    if (auto st = config::apply_override(*cfg, "node", "data_dir", flags.data_dir); !st)
      return fail(st);
  if (!flags.listen.empty())
    if (auto st = config::apply_override(*cfg, "node", "listen", flags.listen); !st)
      return fail(st);
  if (auto st = check_pipeline_settings(*cfg); !st) return fail(st); // before the data dir

  // 2. Logging.
  logging::init(cfg->node.log_level);
  auto log = logging::get("node");
  // Every active segment holds 3 descriptors (closed ones share storage's fd cache).
  uint64_t fd_soft_before = 0;
  const uint64_t fd_soft = storage::raise_open_files_limit(&fd_soft_before);
  if (fd_soft != fd_soft_before)
    log->info("raised the open files limit from {} to {}", fd_soft_before, fd_soft);

  // 3. The log: under <data_dir>/log (recovery runs here), or with [cluster] nodes the
  //    replicated log under <data_dir>/cluster and the links to the other nodes.
  auto membership = cluster::membership_of(*cfg);
  if (!membership) return fail(membership.error());
  std::unique_ptr<cluster_runtime> cluster;
  std::shared_ptr<storage::log_store> lg;
  if (membership->replicated()) {
    const auto* me = membership->find(membership->self);
    if (cfg->node.listen == config::defaults().node.listen && flags.listen.empty())
      cfg->node.listen = me->endpoint; // serve where the others reach this node
    auto rt = cluster_runtime::start(*cfg, *membership);
    if (!rt) return fail(rt.error());
    cluster = std::move(*rt);
    lg = cluster->log();
    log->info("cluster '{}': node {} of {} (replication factor {})", membership->cluster_id,
              membership->self.value, membership->members.size(),
              membership->replication_factor);
  } else {
    auto store = open_log(*cfg);
    if (!store) return fail(store.error());
    lg = *store;
  }
  // [faults]: a test hook (off unless [faults] allow = true); released before close.
  auto faults = fault_switch::start(cfg->faults);
  if (!faults) {
    lg->close();
    return fail(faults.error());
  }

  // 4. Default topics and streams, if missing. A cluster needs a quorum for that: the
  //    node creates them in the background once the metadata group has a leader.
  logclient::local_log_client client(*lg);
  std::thread default_topics;
  if (!cluster) {
    if (auto st = ensure_default_topics(client, *cfg); !st) {
      lg->close();
      return fail(st);
    }
  } else {
    default_topics = std::thread([&client, &cfg, cl = cluster->log(), log] {
      for (int attempt = 0; attempt < 30; ++attempt) {
        if (!cl->wait_for_quorum(2000)) continue;
        auto st = ensure_default_topics(client, *cfg);
        if (st) return;
        if (st.code() != errc::unavailable && st.code() != errc::timeout &&
            st.code() != errc::not_leader) {
          log->error("cannot create the default topics: {}", st.to_string());
          return;
        }
      }
      log->warn("the default topics are not created yet: no quorum in 60 s");
    });
  }

  // 5. The actor system with the broker actor and the request router.
  caf::actor_system_config sys_cfg;
  actors::configure_actor_system(sys_cfg);
  int exit_code = 0;
  {
    caf::actor_system sys{sys_cfg};
    actors::broker_options bopts;
    bopts.default_partitions = cfg->log.default_partitions;
    auto broker = actors::spawn_broker(sys, lg, bopts);
    caf::actor router;
    auto handler = node::make_request_handler(sys, broker, &router, lg);

    // 6. The pipeline roles of [node] roles, over the same log (after the broker, before
    //    the transport thread).
    bool pipeline_wanted = false;
    auto roles = pipeline_roles(*cfg, &pipeline_wanted);
    std::unique_ptr<actors::pipeline_runtime> pipeline;
    for (const char* manual : {"emulator", "query"})
      if (has_role(*cfg, manual))
        log->info("role '{}' has no resident part: use `pinpipe {}`", manual,
                  std::string(manual) == "emulator" ? "emulate" : "query");
    if (pipeline_wanted) {
      auto rt = actors::pipeline_runtime::start(sys, *lg, roles);
      if (rt)
        pipeline = std::move(*rt);
      else
        exit_code = fail(rt.error());
    }

    // 7. The transport thread.
    transport::server_options sopts;
    sopts.endpoint = cfg->node.listen;
    sopts.curve_secret_key = cfg->node.curve_secret_key;
    sopts.curve_public_key = cfg->node.curve_public_key;
    sopts.spin_us = cfg->node.spin_us;
    sopts.heartbeat_ivl_ms = cfg->node.heartbeat_ivl_ms;
    sopts.heartbeat_timeout_ms = cfg->node.heartbeat_timeout_ms;
    sopts.heartbeat_ttl_ms = cfg->node.heartbeat_ttl_ms;
    sopts.max_message_bytes = cfg->node.max_frame_bytes;
    if (auto allowed = transport::allowed_client_keys(cfg->node.curve_allowed_clients,
                                                      cfg->node.curve_allowed_clients_dir);
        !allowed) {
      if (exit_code == 0) exit_code = fail(allowed.error());
    } else {
      sopts.curve_allowed_clients = std::move(*allowed);
      sopts.curve_check_clients = !cfg->node.curve_allowed_clients.empty() ||
                                  !cfg->node.curve_allowed_clients_dir.empty();
    }
    handler = node::with_control(std::move(handler), pipeline.get()); // flush_lake_request
    if (cluster) {
      handler = cluster->with_links(std::move(handler)); // Raft messages of the node links
      auto keys = cluster->member_keys();
      if (!keys.empty()) { // only members (and the allowed clients) may connect
        sopts.curve_allowed_clients.insert(sopts.curve_allowed_clients.end(), keys.begin(),
                                           keys.end());
        sopts.curve_check_clients = true;
      }
    }
    transport::server server(sopts, handler);
    std::unique_ptr<console::console_server> web_console; // [console] listen
    if (exit_code != 0) {
      // a pipeline role failed to start: do not serve
    } else if (auto st = server.start(); !st) {
      exit_code = fail(st);
    } else {
      std::cout << "pinpipe node " << cfg->node.id << " serving on " << server.endpoint()
                << " (data " << cfg->node.data_dir << ")" << std::endl;
      if (pipeline) {
        std::cout << "pipeline roles: " << roles_text(roles) << std::endl;
        if (roles.gateway) {
          auto host = cfg->gateway.listen.substr(0, cfg->gateway.listen.rfind(':'));
          if (host == "0.0.0.0" || host == "*") host = "127.0.0.1";
          std::cout << "gateway listening on http://" << host << ":" << pipeline->gateway_port()
                    << " (REST Proxy v2 + Kinesis)" << std::endl;
        }
      }

      // 7b. The web console (docs/console.md): every node serves one unless [console]
      //     listen is ""; a port already taken is a warning, not a reason to stop the node.
      auto api_stats = [&server] {
        auto s = actors::named_stats("node-api");
        s.bad_requests = static_cast<int64_t>(server.bad_requests());
        s.log_lines_suppressed = static_cast<int64_t>(server.log_lines_suppressed());
        return s;
      };
      if (auto con = start_console(*cfg, lg, pipeline.get(), server.endpoint(), "", api_stats);
          !con) {
        std::cout << "warning: no web console: " << con.error().message() << std::endl;
        log->warn("no web console: {}", con.error().message());
      } else if (*con) {
        web_console = std::move(*con);
        std::cout << "console on " << web_console->url() << std::endl;
      }
      // 8. Serve until SIGINT or SIGTERM.
      int sig = 0;
      sigwait(&signals, &sig);
      log->info("signal {} received, shutting down", sig);
    }

    // 9. Shutdown, in reverse: stop taking requests, stop the pipeline roles (the connector
    //    writes its partly full objects, the sink closes the warehouse), stop the broker.
    if (web_console) web_console->stop();
    if (cluster) cluster->stop(2000); // hand leaderships over first, then stop the links
    server.stop();
    if (pipeline) pipeline->stop();
    caf::anon_send_exit(router, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
  }
  // 10. Flush and close the log last: every acknowledged record is on disk.
  faults->reset();
  lg->close();
  if (default_topics.joinable()) default_topics.join();
  log->info("node {} stopped", cfg->node.id);
  return exit_code;
}

} // namespace

command make_node_command(const std::shared_ptr<common_options>& common) {
  auto flags = std::make_shared<node_flags>();
  command c;
  c.name = "node";
  c.help = "run a node: the log broker on [node] listen, plus the pipeline roles of [node] roles";
  c.options = {
      {"--data-dir", "data directory (overrides [node] data_dir)", &flags->data_dir},
      {"--listen", "ZeroMQ endpoint to serve on, e.g. tcp://127.0.0.1:7070 (port 0 = any)",
       &flags->listen},
  };
  c.run = [common, flags] { return run_node(*common, *flags); };
  return c;
}

} // namespace pinpipe::cli
