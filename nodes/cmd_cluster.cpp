// `pinpipe cluster status | cut NODE | flaky NODE [--drop P] [--duplicate P] [--delay P]
//  [--reorder P] | heal [NODE]`: a cluster node's view of its
// cluster, and the node-link fault switch tests and cluster-scripts/cluster.sh use
// (refused unless the node's config sets [faults] allow = true).
#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "messages/cluster_api.hpp"
#include "nodes/command.hpp"

namespace pinpipe::cli {
namespace {

namespace m = pinpipe::messages;

struct cluster_flags {
  int32_t node = 0;
  std::string drop, duplicate, delay, reorder;
  int64_t seed = 1;
};

/// A probability flag: "" = 0, else a number in [0, 1].
bool probability(const std::string& flag, const std::string& text, double* out) {
  if (text.empty()) return (*out = 0, true);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || v < 0 || v > 1) {
    fail_usage(flag + " " + text + " is not a probability (a number from 0 to 1)");
    return false;
  }
  *out = v;
  return true;
}

int admin(const common_options& common, const m::cluster_admin_request& req,
          m::cluster_admin_response* out) {
  auto c = connect_broker(common);
  if (!c) return fail(c.error());
  auto resp = transport::request(**c, req, request_timeout_ms);
  const std::string why = resp ? resp->message : resp.error().message();
  if (why.find("does not serve message type") != std::string::npos)
    return fail(status{errc::invalid_request, "this node is not part of a cluster ([cluster] nodes "
                                              "is empty in its config)"});
  if (!resp) return fail(resp.error());
  if (auto st = m::status_of(*resp); !st) return fail(st);
  *out = *resp;
  return 0;
}

} // namespace

command make_cluster_command(const std::shared_ptr<common_options>& common) {
  auto f = std::make_shared<cluster_flags>();
  command status_cmd{"status",
                     "this node's view of the cluster as JSON: members up or down, the metadata leader, the partitions it leads",
                     {},
                     [common, f] {
                       m::cluster_admin_request req;
                       req.action = "status";
                       m::cluster_admin_response resp;
                       if (int rc = admin(*common, req, &resp); rc != 0) return rc;
                       std::cout << resp.body << "\n";
                       return 0;
                     },
                     {}};
  command cut{"cut",
              "TEST HOOK: cut this node's links to and from NODE (needs [faults] allow = true)",
              {{"node", "node id to cut off from the node -b names", &f->node, true}},
              [common, f] {
                m::cluster_admin_request req;
                req.action = "link_faults";
                req.node = f->node;
                req.cut = true;
                m::cluster_admin_response resp;
                if (int rc = admin(*common, req, &resp); rc != 0) return rc;
                std::cout << "cut the links to and from node " << f->node << "\n";
                return 0;
              },
              {}};
  command flaky{"flaky",
                "TEST HOOK: make this node's link to NODE drop, duplicate, delay or reorder frames (needs [faults] allow = true)",
                {{"node", "node id of the other end", &f->node, true},
                 {"--drop", "probability that a frame is lost (0-1)", &f->drop},
                 {"--duplicate", "probability that a frame is sent twice (0-1)", &f->duplicate},
                 {"--delay", "probability that a frame is held 10-100 ms (0-1)", &f->delay},
                 {"--reorder", "probability that a frame is overtaken by later ones (0-1)", &f->reorder},
                 {"--seed", "seed of the fault decisions (default 1)", &f->seed}},
                [common, f] {
                  m::cluster_admin_request req;
                  req.action = "link_faults";
                  req.node = f->node;
                  if (!probability("--drop", f->drop, &req.drop) ||
                      !probability("--duplicate", f->duplicate, &req.duplicate) ||
                      !probability("--delay", f->delay, &req.delay) ||
                      !probability("--reorder", f->reorder, &req.reorder))
                    return 2;
                  req.seed = static_cast<uint64_t>(f->seed);
                  m::cluster_admin_response resp;
                  if (int rc = admin(*common, req, &resp); rc != 0) return rc;
                  std::cout << "link to node " << f->node << ": drop " << req.drop << ", duplicate "
                            << req.duplicate << ", delay " << req.delay << ", reorder "
                            << req.reorder << "\n";
                  return 0;
                },
                {}};
  command heal{"heal",
               "TEST HOOK: restore this node's links (to NODE, or all when NODE is 0 or omitted)",
               {{"node", "node id (0 or none: every link)", &f->node, false}},
               [common, f] {
                 m::cluster_admin_request req;
                 req.action = "link_faults";
                 req.node = f->node;
                 req.cut = false;
                 m::cluster_admin_response resp;
                 if (int rc = admin(*common, req, &resp); rc != 0) return rc;
                 std::cout << "healed " << (f->node ? "the links to node " + std::to_string(f->node)
                                                    : std::string("every link"))
                           << "\n";
                 return 0;
               },
               {}};
  command c;
  c.name = "cluster";
  c.help = "a cluster node's view (status) and the node-link test switch (cut, flaky, heal)";
  c.subcommands = {status_cmd, cut, flaky, heal};
  return c;
}

} // namespace pinpipe::cli
