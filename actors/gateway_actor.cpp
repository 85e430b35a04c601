#include "actors/gateway_actor.hpp"

#include <memory>

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
        return out;
      },
  };
}

} // namespace

result<std::pair<caf::actor, int>> spawn_gateway(caf::actor_system& sys, storage::log_store& log,
                                                 gateway::gateway_options opt) {
  auto gw = std::make_shared<gateway::gateway>(log, std::move(opt));
  if (auto st = gw->start(); !st.ok()) return st;
  int port = gw->port();
  return std::make_pair(sys.spawn(gateway_fn, gw), port);
}

} // namespace pinpipe::actors
