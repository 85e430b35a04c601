#include "actors/fetch_serving.hpp"

#include <algorithm>

#include "messages/codec.hpp"

namespace pinpipe::actors {

namespace {

void pack_str(messages::detail::string_packer& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

/// One wire_stored_record: [version, offset, [version, has_key, key, value, ts, headers]].
void pack_record(messages::detail::string_packer& pk, const storage::record_view& v) {
  pk.pack_array(3);
  pk.pack(messages::protocol_version);
  pk.pack(v.offset);
  pk.pack_array(6);
  pk.pack(messages::protocol_version);
  pk.pack(v.has_key);
  pack_str(pk, v.key);
  pack_str(pk, v.value);
  pk.pack(v.timestamp_ms);
  pk.pack_array(static_cast<uint32_t>(v.headers.size()));
  for (const auto& [name, value] : v.headers) {
    pk.pack_array(2);
    pack_str(pk, name);
    pack_str(pk, value);
  }
}

} // namespace

result<storage::fetch_result> fetch_from(const storage::log_store& log,
                                         const messages::fetch_request& req) {
  if (req.max_bytes <= 0)
    return status{errc::invalid_request,
                  "fetch max_bytes must be positive, got " + std::to_string(req.max_bytes)};
  return log.fetch(req.topic, req.partition, req.offset, req.max_bytes);
}

result<std::string> encode_fetch_from(const storage::log_store& log,
                                      const messages::fetch_request& req, size_t& count) {
  count = 0;
  if (req.max_bytes <= 0) return fetch_from(log, req).error(); // the same message
  std::string out;
  out.reserve(static_cast<size_t>(std::min(req.max_bytes, 4 << 20)) + 4096);
  messages::detail::string_writer w{&out};
  messages::detail::string_packer pk(w);
  // fetch_response: [version, error, message, records, high_watermark, log_start]
  pk.pack_array(6);
  pk.pack(messages::protocol_version);
  pk.pack(errc::ok);
  pk.pack(std::string{});
  const size_t count_at = out.size();
  out.append("\xdd\0\0\0\0", 5); // array32 header, count patched below
  uint32_t n = 0;
  auto r = log.fetch_each(req.topic, req.partition, req.offset, req.max_bytes,
                          [&](const storage::record_view& v) {
                            pack_record(pk, v);
                            ++n;
                            return true;
                          });
  if (!r) return r.error();
  for (int i = 0; i < 4; ++i)
    out[count_at + 1 + static_cast<size_t>(i)] = static_cast<char>((n >> (24 - 8 * i)) & 0xff);
  pk.pack(r->high_watermark);
  pk.pack(r->log_start);
  count = n;
  return out;
}

} // namespace pinpipe::actors
