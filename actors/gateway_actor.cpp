#include "actors/gateway_actor.hpp"

#include <memory>

#include "logclient/local_log_client.hpp"

namespace pinpipe::actors {
namespace {

struct gateway_state {
  std::shared_ptr<gateway::gateway> gw;
};

caf::behavior gateway_fn(caf::stateful_actor<gateway_state>* self,
                         std::shared_ptr<gateway::gateway> gw) {
  self->state.gw = gw;
  // Runs after the state is destroyed: hold the gateway itself.
  self->attach_functor([gw] { gw->stop(); });
  return {
      [=](stats_atom) {
        auto s = self->state.gw->stats();
        actor_stats out = named_stats("gateway");
        out.items = s.records_produced;
        for (auto& [code, n] : s.errors_by_status)
          out.errors += n;
        out.bad_requests = s.bad_requests;
        out.log_lines_suppressed = s.log_lines_suppressed;
        return out;
      },
  };
}

} // namespace

result<std::pair<caf::actor, int>> spawn_gateway(caf::actor_system& sys, storage::log_store& log,
                                                 gateway::gateway_options opt) {
  // The gateway reaches the log through a local log_client, kept alive with it.
  struct holder {
    logclient::local_log_client client;
    gateway::gateway gw;
    holder(storage::log_store& l, gateway::gateway_options o) : client(l), gw(client, std::move(o)) {}
  };
  auto h = std::make_shared<holder>(log, std::move(opt));
  std::shared_ptr<gateway::gateway> gw(h, &h->gw);
  if (auto st = gw->start(); !st.ok()) return st;
  int port = gw->port();
  return std::make_pair(sys.spawn(gateway_fn, gw), port);
}

} // namespace pinpipe::actors
