#include "nodes/node_queries.hpp"

#include <filesystem>

namespace fs = std::filesystem;

namespace pinpipe::cli {

namespace m = pinpipe::messages;

bool same_path(const std::string& a, const std::string& b) {
  std::error_code ec1, ec2;
  auto ca = fs::weakly_canonical(a, ec1), cb = fs::weakly_canonical(b, ec2);
  return ec1 || ec2 ? a == b : ca == cb;
}

template <class Req>
node_answer<m::response_of<Req>> ask_node_about(transport::client& c, const Req& req,
                                                const std::string& warehouse, int timeout_ms) {
  node_answer<m::response_of<Req>> out;
  out.endpoint = c.endpoint();
  auto resp = transport::request(c, req, timeout_ms);
  if (!resp) {
    out.why_not =
        resp.error().code() == errc::timeout
            ? "no node answered at " + out.endpoint + " within " + std::to_string(timeout_ms) +
                  " ms"
            : "the node at " + out.endpoint + " did not answer: " + resp.error().to_string();
    return out;
  }
  out.answered = true;
  if (auto st = m::status_of(*resp); !st) {
    out.why_not = "the node at " + out.endpoint + " cannot answer (" + st.message() + ")";
    return out;
  }
  if (!same_path(resp->warehouse_path, warehouse)) {
    out.why_not = "the node at " + out.endpoint + " uses the warehouse " + resp->warehouse_path +
                  ", not " + warehouse + " (pass the node's config with -c, or its --data-dir)";
    return out;
  }
  out.value = std::move(*resp);
  return out;
}

template <class Req>
node_answer<m::response_of<Req>> ask_node_about(const common_options& common, const Req& req,
                                                const std::string& warehouse, int timeout_ms) {
  auto c = connect_broker(common);
  if (!c) {
    node_answer<m::response_of<Req>> out;
    out.why_not = "cannot reach a node: " + c.error().to_string();
    return out;
  }
  return ask_node_about(**c, req, warehouse, timeout_ms);
}

#define PINPIPE_ASK(Req)                                                                           \
  template node_answer<m::response_of<m::Req>> ask_node_about(transport::client&, const m::Req&,   \
                                                              const std::string&, int);            \
  template node_answer<m::response_of<m::Req>> ask_node_about(                                     \
      const common_options&, const m::Req&, const std::string&, int);
PINPIPE_ASK(batch_runs_request)
PINPIPE_ASK(batch_trigger_request)
PINPIPE_ASK(warehouse_counts_request)
#undef PINPIPE_ASK

std::vector<batch::run_record> runs_of(const m::batch_runs_response& r) {
  std::vector<batch::run_record> out;
  out.reserve(r.runs.size());
  for (const auto& w : r.runs)
    out.push_back({w.run_id, w.dag_id, w.scheduled_time, w.start_time, w.end_time, w.state,
                   w.attempt, w.error});
  return out;
}

} // namespace pinpipe::cli
