// The names of a pipeline's log topics, one copy for the project. A user id (12 lower-case
// hex characters, [pipeline] user_id) owns:
//   - the batch topics "<uid>.pin", "<uid>.geo", "<uid>.user" (the course's Kafka topics,
//     drained into the lake by the connector);
//   - the streams "streaming-<uid>-pin", "-geo", "-user" (the course's Kinesis streams,
//     read by the stream readers into the warehouse's stream tables);
//   - the DAG "<uid>_dag" (the scheduler's run history).
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace pinpipe::names {

/// The three record kinds, in the order the pipeline uses them.
constexpr std::array<std::string_view, 3> kinds = {"pin", "geo", "user"};

/// "<uid>.<kind>".
inline std::string batch_topic(std::string_view uid, std::string_view kind) {
  return std::string(uid) + "." + std::string(kind);
}

/// "streaming-": every stream name starts with it.
constexpr std::string_view stream_name_prefix = "streaming-";

/// "streaming-<uid>-": every stream of `uid` starts with it.
inline std::string stream_prefix(std::string_view uid) {
  return std::string(stream_name_prefix) + std::string(uid) + "-";
}

/// "streaming-<uid>-<kind>".
inline std::string stream_name(std::string_view uid, std::string_view kind) {
  return stream_prefix(uid) + std::string(kind);
}

/// Whether `name` is a stream's name ("streaming-...").
inline bool is_stream_name(std::string_view name) {
  return name.substr(0, stream_name_prefix.size()) == stream_name_prefix;
}

/// The part after the owner in a stream "streaming-<uid>-<kind>" (after the last '-') or a
/// batch topic "<uid>.<kind>" (after the last '.'): the kind, not checked against `kinds`.
/// Empty when `name` has neither shape (no owner part, or no separator).
inline std::string_view kind_suffix(std::string_view name) {
  if (is_stream_name(name)) {
    name.remove_prefix(stream_name_prefix.size());
    auto dash = name.rfind('-');
    return dash != std::string_view::npos && dash > 0 ? name.substr(dash + 1) : std::string_view{};
  }
  auto dot = name.rfind('.');
  return dot != std::string_view::npos && dot > 0 ? name.substr(dot + 1) : std::string_view{};
}

/// "<uid>_dag".
inline std::string dag_id(std::string_view uid) {
  return std::string(uid) + "_dag";
}

} // namespace pinpipe::names
