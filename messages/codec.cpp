#include "messages/codec.hpp"

#include <exception>

namespace pinpipe::messages {

const char* to_string(msg_type t) {
  switch (t) {
  case msg_type::none:
    return "none";
  case msg_type::error_response:
    return "error_response";
  case msg_type::create_topic_request:
    return "create_topic_request";
  case msg_type::create_topic_response:
    return "create_topic_response";
  case msg_type::delete_topic_request:
    return "delete_topic_request";
  case msg_type::delete_topic_response:
    return "delete_topic_response";
  case msg_type::list_topics_request:
    return "list_topics_request";
  case msg_type::list_topics_response:
    return "list_topics_response";
  case msg_type::describe_topic_request:
    return "describe_topic_request";
  case msg_type::describe_topic_response:
    return "describe_topic_response";
  case msg_type::produce_request:
    return "produce_request";
  case msg_type::produce_response:
    return "produce_response";
  case msg_type::fetch_request:
    return "fetch_request";
  case msg_type::fetch_response:
    return "fetch_response";
  case msg_type::list_offsets_request:
    return "list_offsets_request";
  case msg_type::list_offsets_response:
    return "list_offsets_response";
  case msg_type::commit_offsets_request:
    return "commit_offsets_request";
  case msg_type::commit_offsets_response:
    return "commit_offsets_response";
  case msg_type::fetch_offsets_request:
    return "fetch_offsets_request";
  case msg_type::fetch_offsets_response:
    return "fetch_offsets_response";
  case msg_type::flush_lake_request:
    return "flush_lake_request";
  case msg_type::flush_lake_response:
    return "flush_lake_response";
  case msg_type::node_stats_request:
    return "node_stats_request";
  case msg_type::node_stats_response:
    return "node_stats_response";
  case msg_type::batch_runs_request:
    return "batch_runs_request";
  case msg_type::batch_runs_response:
    return "batch_runs_response";
  case msg_type::batch_trigger_request:
    return "batch_trigger_request";
  case msg_type::batch_trigger_response:
    return "batch_trigger_response";
  case msg_type::warehouse_counts_request:
    return "warehouse_counts_request";
  case msg_type::warehouse_counts_response:
    return "warehouse_counts_response";
  case msg_type::raft_message:
    return "raft_message";
  case msg_type::heartbeat_batch:
    return "heartbeat_batch";
  case msg_type::cluster_admin_request:
    return "cluster_admin_request";
  case msg_type::cluster_admin_response:
    return "cluster_admin_response";
  }
  return "unknown";
}

namespace detail {

// The one place where msgpack exceptions are caught.
status unpack_and_convert(std::string_view bytes, const char* what,
                          const std::function<void(const msgpack::object&)>& convert) {
  auto fail = [&](const std::string& why) {
    return status{errc::malformed_message,
                  std::string{what} + " does not decode (" + why +
                      "); the sender speaks another protocol or the bytes are damaged"};
  };
  if (bytes.empty()) return fail("no bytes");
  // No container or string can hold more elements than there are input bytes.
  const std::size_t n = bytes.size();
  msgpack::unpack_limit limit(n, n, n, n, n, 32);
  try {
    std::size_t off = 0;
    // Referencing str/bin/ext in place is safe: `convert` runs while `bytes` is alive.
    auto reference = [](msgpack::type::object_type, std::size_t, void*) { return true; };
    msgpack::object_handle oh = msgpack::unpack(bytes.data(), n, off, reference, nullptr, limit);
    if (off != n) return fail(std::to_string(n - off) + " trailing bytes");
    convert(oh.get());
    return {};
  } catch (const msgpack::insufficient_bytes&) {
    return fail("truncated");
  } catch (const msgpack::type_error&) {
    return fail("a field has the wrong type");
  } catch (const std::bad_alloc&) {
    return fail("sizes out of range");
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

std::string pack_to_string(const std::function<void(string_packer&)>& fn) {
  std::string out;
  string_writer w{&out};
  string_packer pk(w);
  fn(pk);
  return out;
}

} // namespace detail

std::string encode_envelope(const envelope& env) {
  return detail::pack_to_string([&](detail::string_packer& pk) { pk.pack(env); });
}

std::string encode_envelope(msg_type type, uint64_t correlation_id, const std::string& source,
                            const std::string& payload) {
  // Same bytes as packing an envelope struct (MSGPACK_DEFINE: an array of the fields).
  std::string out;
  out.reserve(payload.size() + source.size() + 32);
  detail::string_writer w{&out};
  detail::string_packer pk(w);
  pk.pack_array(6);
  pk.pack(protocol_version);
  pk.pack(type);
  pk.pack(source);
  pk.pack(std::string{});
  pk.pack(correlation_id);
  pk.pack_bin(static_cast<uint32_t>(payload.size()));
  pk.pack_bin_body(payload.data(), static_cast<uint32_t>(payload.size()));
  return out;
}

result<envelope> decode_envelope(std::string_view bytes) {
  envelope env;
  env.version = 0;
  auto st = detail::unpack_and_convert(bytes, "envelope", [&](const msgpack::object& o) {
    // An envelope needs at least version, type and correlation id to be useful.
    if (o.type != msgpack::type::ARRAY || o.via.array.size < 6) throw msgpack::type_error();
    o.convert(env);
  });
  if (!st.ok()) return st;
  if (env.version == 0) return status{errc::malformed_message, "envelope has version 0"};
  if (env.version > protocol_version)
    return status{errc::unsupported_version,
                  "envelope has protocol version " + std::to_string(env.version) +
                      ", this node speaks up to " + std::to_string(protocol_version) +
                      "; upgrade this node or use an older client"};
  return env;
}

uint64_t peek_correlation_id(std::string_view bytes) {
  uint64_t id = 0;
  auto st = detail::unpack_and_convert(bytes, "envelope", [&](const msgpack::object& o) {
    if (o.type == msgpack::type::ARRAY && o.via.array.size >= 5 &&
        o.via.array.ptr[4].type == msgpack::type::POSITIVE_INTEGER)
      id = o.via.array.ptr[4].via.u64;
  });
  return st.ok() ? id : 0;
}

} // namespace pinpipe::messages
