// The CLI's questions to a running node about its batch runs and warehouse
// (messages/warehouse_api.hpp): `pinpipe batch runs`, `batch trigger` and `status` ask the
// node first, so they never open the warehouse file while a node owns it. Each answer is
// taken only when the node answered from the warehouse the command would read itself (the
// same --data-dir); otherwise `why_not` says why, and the command reads the file through
// the one warehouse module (pipeline/warehouse/inspect.hpp, pipeline/batch/scheduler.hpp)
// as it does when no node runs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "messages/warehouse_api.hpp"
#include "nodes/command.hpp"
#include "pipeline/batch/scheduler.hpp"
#include "transport/client.hpp"

namespace pinpipe::cli {

/// A node's answer to one request, or why the command should read the file instead.
template <class T> struct node_answer {
  std::optional<T> value;
  std::string endpoint;  ///< the node asked ("" when no client could be made)
  bool answered = false; ///< a node answered (maybe with an error, or for another directory)
  std::string why_not;   ///< when !value: "no node answered at ...", "the node at ... uses ..."
};

/// Same file or directory? Both may be relative to the working directory, or not exist.
bool same_path(const std::string& a, const std::string& b);

/// Sends `req` to `c` and keeps the response when it is ok and its warehouse_path is
/// `warehouse`. Never an error: every failure becomes why_not.
template <class Req>
node_answer<messages::response_of<Req>>
ask_node_about(transport::client& c, const Req& req, const std::string& warehouse, int timeout_ms);

/// ask_node_about over a new connection to -b / [node] listen.
template <class Req>
node_answer<messages::response_of<Req>> ask_node_about(const common_options& common, const Req& req,
                                                       const std::string& warehouse,
                                                       int timeout_ms);

/// The scheduler's run records from the wire (batch_runs_response::runs).
std::vector<batch::run_record> runs_of(const messages::batch_runs_response& r);

} // namespace pinpipe::cli
