#include "raft/message.hpp"

#include <sstream>

namespace pinpipe::raft {

const char* to_string(msg_type t) {
  switch (t) {
  case msg_type::append: return "append";
  case msg_type::append_response: return "append_response";
  case msg_type::heartbeat: return "heartbeat";
  case msg_type::heartbeat_response: return "heartbeat_response";
  case msg_type::pre_vote: return "pre_vote";
  case msg_type::pre_vote_response: return "pre_vote_response";
  case msg_type::vote: return "vote";
  case msg_type::vote_response: return "vote_response";
  case msg_type::timeout_now: return "timeout_now";
  }
  return "unknown";
}

bool operator==(const message& a, const message& b) {
  return a.version == b.version && a.type == b.type && a.from == b.from && a.to == b.to &&
         a.term == b.term && a.prev_last == b.prev_last && a.prev_term == b.prev_term &&
         a.entries == b.entries && a.commit == b.commit && a.reset == b.reset &&
         a.producers == b.producers && a.reject == b.reject && a.match == b.match &&
         a.rejected_prev == b.rejected_prev && a.hint == b.hint &&
         a.last_offset == b.last_offset && a.last_term == b.last_term &&
         a.transfer == b.transfer;
}

namespace {
std::string off(offset_t o) {
  return o == no_offset ? std::string("none") : std::to_string(o.value);
}
} // namespace

std::string to_string(const message& m) {
  std::ostringstream os;
  os << to_string(m.type) << ' ' << m.from << "->" << m.to << " t" << m.term;
  switch (m.type) {
  case msg_type::append:
    os << " prev=(" << off(m.prev_last) << ",t" << m.prev_term << ") commit=" << off(m.commit);
    if (m.reset) os << " reset";
    os << " entries=[";
    for (size_t i = 0; i < m.entries.size(); ++i) {
      const entry& e = m.entries[i];
      os << (i ? " " : "") << e.base << '-' << e.last << ":t" << e.term;
      if (e.kind == entry_kind::noop) os << "(noop)";
    }
    os << ']';
    break;
  case msg_type::append_response:
    if (m.reject)
      os << " reject prev=" << off(m.rejected_prev) << " hint=" << off(m.hint);
    else
      os << " match=" << off(m.match);
    break;
  case msg_type::heartbeat: os << " commit=" << off(m.commit); break;
  case msg_type::pre_vote:
  case msg_type::vote:
    os << " last=(" << off(m.last_offset) << ",t" << m.last_term << ")";
    if (m.transfer) os << " transfer";
    break;
  case msg_type::pre_vote_response:
  case msg_type::vote_response: os << (m.reject ? " reject" : " granted"); break;
  default: break;
  }
  return os.str();
}

} // namespace pinpipe::raft
