#include "messages/raft_wire.hpp"

#include <algorithm>
#include <stdexcept>

#include "messages/codec.hpp"
#include "messages/wire.hpp"

namespace pinpipe::messages {

namespace {

using detail::string_packer;

// ---- encoding ------------------------------------------------------------------------

void pack_entry(string_packer& pk, const raft::entry& e) {
  pk.pack_array(8);
  pk.pack(raft_wire_version);
  pk.pack(e.base.value);
  pk.pack(e.last.value);
  pk.pack(e.term.value);
  pk.pack(static_cast<uint8_t>(e.kind));
  pk.pack(e.producer_id);
  pk.pack(e.base_sequence);
  pk.pack_bin(static_cast<uint32_t>(e.payload.size()));
  pk.pack_bin_body(e.payload.data(), static_cast<uint32_t>(e.payload.size()));
}

void pack_producer(string_packer& pk, const raft::producer_state& p) {
  pk.pack_array(3);
  pk.pack(raft_wire_version);
  pk.pack(p.producer_id);
  pk.pack_array(static_cast<uint32_t>(p.recent.size()));
  for (const auto& b : p.recent) {
    pk.pack_array(5);
    pk.pack(raft_wire_version);
    pk.pack(b.first_seq);
    pk.pack(b.last_seq);
    pk.pack(b.base.value);
    pk.pack(b.last.value);
  }
}

void pack_message(string_packer& pk, const raft::message& m) {
  pk.pack_array(18);
  pk.pack(m.version);
  pk.pack(static_cast<uint8_t>(m.type));
  pk.pack(m.from.value);
  pk.pack(m.to.value);
  pk.pack(m.term.value);
  pk.pack(m.prev_last.value);
  pk.pack(m.prev_term.value);
  pk.pack_array(static_cast<uint32_t>(m.entries.size()));
  for (const auto& e : m.entries)
    pack_entry(pk, e);
  pk.pack(m.commit.value);
  pk.pack(m.reset);
  pk.pack_array(static_cast<uint32_t>(m.producers.size()));
  for (const auto& p : m.producers)
    pack_producer(pk, p);
  pk.pack(m.reject);
  pk.pack(m.match.value);
  pk.pack(m.rejected_prev.value);
  pk.pack(m.hint.value);
  pk.pack(m.last_offset.value);
  pk.pack(m.last_term.value);
  pk.pack(m.transfer);
}

void pack_items(string_packer& pk, const std::vector<heartbeat_item>& items) {
  pk.pack_array(static_cast<uint32_t>(items.size()));
  for (const auto& it : items) {
    pk.pack_array(4);
    pk.pack(it.version);
    pk.pack(it.group);
    pk.pack(it.term.value);
    pk.pack(it.commit.value);
  }
}

// ---- decoding ------------------------------------------------------------------------
// Readers throw std::runtime_error / msgpack::type_error on bad input; unpack_and_convert
// (codec.cpp) turns every exception into errc::malformed_message. A version newer than
// ours is remembered in `ctx` (and aborts the conversion) so it can be reported as
// errc::unsupported_version instead.

struct decode_context {
  uint16_t future_version = 0;
  std::string future_what;
};

struct future_version_seen : std::runtime_error {
  future_version_seen() : std::runtime_error("newer version") {}
};

/// The fields of one struct: an array whose first element is a supported version.
class fields {
public:
  fields(const msgpack::object& o, const char* what, decode_context& ctx) : what_(what) {
    if (o.type != msgpack::type::ARRAY)
      throw std::runtime_error(std::string{what} + " is not an array");
    p_ = o.via.array.ptr;
    n_ = o.via.array.size;
    if (n_ == 0) throw std::runtime_error(std::string{what} + " has no version field");
    version_ = p_[0].as<uint16_t>();
    if (version_ == 0) throw std::runtime_error(std::string{what} + " has version 0");
    if (version_ > raft_wire_version) {
      ctx.future_version = version_;
      ctx.future_what = what;
      throw future_version_seen();
    }
  }
  uint16_t version() const { return version_; }
  /// Field i, or `out` unchanged when the sender's (older) struct has no field i.
  template <class T> void get(uint32_t i, T& out) const {
    if (i < n_) out = p_[i].as<T>();
  }
  template <class Tag, class Rep> void get(uint32_t i, strong_int<Tag, Rep>& out) const {
    if (i < n_) out.value = p_[i].as<Rep>();
  }
  /// Field i as an array (empty when absent).
  std::pair<const msgpack::object*, uint32_t> array(uint32_t i, const char* name) const {
    if (i >= n_) return {nullptr, 0};
    if (p_[i].type != msgpack::type::ARRAY)
      throw std::runtime_error(std::string{what_} + "." + name + " is not an array");
    return {p_[i].via.array.ptr, p_[i].via.array.size};
  }
  void bytes(uint32_t i, std::string& out) const {
    if (i >= n_) return;
    const auto& o = p_[i];
    if (o.type == msgpack::type::BIN)
      out.assign(o.via.bin.ptr, o.via.bin.size);
    else if (o.type == msgpack::type::STR)
      out.assign(o.via.str.ptr, o.via.str.size);
    else
      throw std::runtime_error(std::string{what_} + " payload is not bin");
  }

private:
  const char* what_;
  const msgpack::object* p_ = nullptr;
  uint32_t n_ = 0;
  uint16_t version_ = 0;
};

raft::entry read_entry(const msgpack::object& o, decode_context& ctx) {
  fields f(o, "raft entry", ctx);
  raft::entry e;
  f.get(1, e.base);
  f.get(2, e.last);
  f.get(3, e.term);
  uint8_t kind = 0;
  f.get(4, kind);
  if (kind > static_cast<uint8_t>(raft::entry_kind::noop))
    throw std::runtime_error("raft entry kind " + std::to_string(kind) + " is unknown");
  e.kind = static_cast<raft::entry_kind>(kind);
  f.get(5, e.producer_id);
  f.get(6, e.base_sequence);
  f.bytes(7, e.payload);
  return e;
}

raft::producer_state read_producer(const msgpack::object& o, decode_context& ctx) {
  fields f(o, "producer state", ctx);
  raft::producer_state p;
  f.get(1, p.producer_id);
  auto [ptr, n] = f.array(2, "recent");
  for (uint32_t i = 0; i < n; ++i) {
    fields b(ptr[i], "producer batch", ctx);
    raft::producer_batch pb;
    b.get(1, pb.first_seq);
    b.get(2, pb.last_seq);
    b.get(3, pb.base);
    b.get(4, pb.last);
    p.recent.push_back(pb);
  }
  return p;
}

raft::message read_message(const msgpack::object& o, decode_context& ctx) {
  fields f(o, "raft message", ctx);
  raft::message m;
  m.version = f.version();
  uint8_t type = 0;
  f.get(1, type);
  if (type < static_cast<uint8_t>(raft::msg_type::append) ||
      type > static_cast<uint8_t>(raft::msg_type::timeout_now))
    throw std::runtime_error("raft message type " + std::to_string(type) + " is unknown");
  m.type = static_cast<raft::msg_type>(type);
  f.get(2, m.from);
  f.get(3, m.to);
  f.get(4, m.term);
  f.get(5, m.prev_last);
  f.get(6, m.prev_term);
  auto [eptr, en] = f.array(7, "entries");
  m.entries.reserve(en);
  for (uint32_t i = 0; i < en; ++i)
    m.entries.push_back(read_entry(eptr[i], ctx));
  f.get(8, m.commit);
  f.get(9, m.reset);
  auto [pptr, pn] = f.array(10, "producers");
  for (uint32_t i = 0; i < pn; ++i)
    m.producers.push_back(read_producer(pptr[i], ctx));
  f.get(11, m.reject);
  f.get(12, m.match);
  f.get(13, m.rejected_prev);
  f.get(14, m.hint);
  f.get(15, m.last_offset);
  f.get(16, m.last_term);
  f.get(17, m.transfer);
  return m;
}

std::vector<heartbeat_item> read_items(const fields& f, uint32_t i, const char* name,
                                       decode_context& ctx) {
  std::vector<heartbeat_item> out;
  auto [ptr, n] = f.array(i, name);
  out.reserve(n);
  for (uint32_t k = 0; k < n; ++k) {
    fields it(ptr[k], "heartbeat item", ctx);
    heartbeat_item h;
    h.version = it.version();
    it.get(1, h.group);
    it.get(2, h.term);
    it.get(3, h.commit);
    out.push_back(h);
  }
  return out;
}

/// Runs `read` over exactly one MessagePack object; maps a newer version to
/// unsupported_version and everything else that fails to malformed_message.
template <class T, class Read>
result<T> decode(std::string_view bytes, const char* what, Read&& read) {
  decode_context ctx;
  T out;
  auto st = detail::unpack_and_convert(bytes, what,
                                       [&](const msgpack::object& o) { out = read(o, ctx); });
  if (ctx.future_version != 0)
    return status{errc::unsupported_version,
                  std::string{what} + ": " + ctx.future_what + " has version " +
                      std::to_string(ctx.future_version) + ", this build reads up to " +
                      std::to_string(raft_wire_version) +
                      "; upgrade this node (all nodes of a cluster should run one release)"};
  if (!st.ok()) return st;
  return out;
}

} // namespace

std::string encode_raft_message(const raft::message& m) {
  return detail::pack_to_string([&](string_packer& pk) { pack_message(pk, m); });
}

result<raft::message> decode_raft_message(std::string_view bytes) {
  return decode<raft::message>(bytes, "raft message", read_message);
}

std::string encode_peer_message(const peer_message& m) {
  return detail::pack_to_string([&](string_packer& pk) {
    pk.pack_array(6);
    pk.pack(m.version);
    pk.pack(m.cluster);
    pk.pack(m.from.value);
    pk.pack(m.to.value);
    pk.pack(m.group);
    pack_message(pk, m.message);
  });
}

result<peer_message> decode_peer_message(std::string_view bytes) {
  return decode<peer_message>(bytes, "peer message",
                              [](const msgpack::object& o, decode_context& ctx) {
                                fields f(o, "peer message", ctx);
                                peer_message m;
                                m.version = f.version();
                                f.get(1, m.cluster);
                                f.get(2, m.from);
                                f.get(3, m.to);
                                f.get(4, m.group);
                                if (o.via.array.size < 6)
                                  throw std::runtime_error("peer message has no raft message");
                                m.message = read_message(o.via.array.ptr[5], ctx);
                                return m;
                              });
}

std::string encode_heartbeat_batch(const heartbeat_batch& b) {
  return detail::pack_to_string([&](string_packer& pk) {
    pk.pack_array(7);
    pk.pack(b.version);
    pk.pack(b.cluster);
    pk.pack(b.from.value);
    pk.pack(b.to.value);
    pk.pack(b.seq);
    pack_items(pk, b.beats);
    pack_items(pk, b.replies);
  });
}

result<heartbeat_batch> decode_heartbeat_batch(std::string_view bytes) {
  return decode<heartbeat_batch>(bytes, "heartbeat batch",
                                 [](const msgpack::object& o, decode_context& ctx) {
                                   fields f(o, "heartbeat batch", ctx);
                                   heartbeat_batch b;
                                   b.version = f.version();
                                   f.get(1, b.cluster);
                                   f.get(2, b.from);
                                   f.get(3, b.to);
                                   f.get(4, b.seq);
                                   b.beats = read_items(f, 5, "beats", ctx);
                                   b.replies = read_items(f, 6, "replies", ctx);
                                   return b;
                                 });
}

void add_heartbeat(heartbeat_batch& b, raft_group_id group, const raft::message& m) {
  if (!is_heartbeat(m)) return;
  auto& items = m.type == raft::msg_type::heartbeat ? b.beats : b.replies;
  heartbeat_item it;
  it.group = group;
  it.term = m.term;
  if (m.type == raft::msg_type::heartbeat) it.commit = m.commit;
  auto same = std::find_if(items.begin(), items.end(),
                           [&](const heartbeat_item& x) { return x.group == group; });
  if (same != items.end())
    *same = it;
  else
    items.push_back(it);
}

std::vector<std::pair<raft_group_id, raft::message>> split_heartbeats(const heartbeat_batch& b) {
  std::vector<std::pair<raft_group_id, raft::message>> out;
  out.reserve(b.beats.size() + b.replies.size());
  auto add = [&](const heartbeat_item& it, raft::msg_type type) {
    raft::message m;
    m.type = type;
    m.from = b.from;
    m.to = b.to;
    m.term = it.term;
    if (type == raft::msg_type::heartbeat) m.commit = it.commit;
    out.emplace_back(it.group, std::move(m));
  };
  for (const auto& it : b.beats)
    add(it, raft::msg_type::heartbeat);
  for (const auto& it : b.replies)
    add(it, raft::msg_type::heartbeat_response);
  return out;
}

} // namespace pinpipe::messages
