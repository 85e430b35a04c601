#include "transport/zmtp.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace pinpipe::transport::zmtp {
namespace {

using clock = std::chrono::steady_clock;

constexpr uint8_t flag_more = 0x01;
constexpr uint8_t flag_long = 0x02;
constexpr uint8_t flag_command = 0x04;
constexpr size_t greeting_size = 64;

int ms_left(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

/// Our greeting: ZMTP 3.0, mechanism NULL, as-server 0.
std::string greeting() {
  std::string g(greeting_size, '\0');
  g[0] = '\xff';
  g[8] = '\x01'; // padding: libzmq reads it as a 64-bit length of 1 (no identity)
  g[9] = '\x7f';
  g[10] = '\x03'; // major version
  g[11] = '\x00'; // minor version
  std::memcpy(&g[12], "NULL", 4);
  return g;
}

/// Appends a frame header + body to `out`.
void append_frame(std::string& out, uint8_t flags, std::string_view body) {
  if (body.size() > 255) {
    out.push_back(static_cast<char>(flags | flag_long));
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((static_cast<uint64_t>(body.size()) >> shift) & 0xff));
  } else {
    out.push_back(static_cast<char>(flags));
    out.push_back(static_cast<char>(body.size()));
  }
  out.append(body);
}

std::string frame_bytes(uint8_t flags, std::string_view body) {
  std::string out;
  out.reserve(body.size() + 9);
  append_frame(out, flags, body);
  return out;
}

/// The READY command of a DEALER: name, then the Socket-Type property.
std::string ready_command() {
  std::string body = "\x05READY";
  const std::string name = "Socket-Type", value = "DEALER";
  body.push_back(static_cast<char>(name.size()));
  body += name;
  const auto n = static_cast<uint32_t>(value.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    body.push_back(static_cast<char>((n >> shift) & 0xff));
  body += value;
  return frame_bytes(flag_command, body);
}

/// The command name of a command frame's body ("" when malformed).
std::string_view command_name(std::string_view body) {
  if (body.empty() || body.size() < 1u + static_cast<uint8_t>(body[0])) return {};
  return body.substr(1, static_cast<uint8_t>(body[0]));
}

} // namespace

status parse_tcp_endpoint(const std::string& endpoint, std::string& host, std::string& port) {
  const std::string prefix = "tcp://";
  const auto colon = endpoint.rfind(':');
  if (endpoint.rfind(prefix, 0) != 0 || colon == std::string::npos || colon <= prefix.size() ||
      colon + 1 == endpoint.size()) {
    return {errc::invalid_argument,
            "endpoint '" + endpoint + "': expected tcp://HOST:PORT (e.g. tcp://127.0.0.1:7070)"};
  }
  host = endpoint.substr(prefix.size(), colon - prefix.size());
  port = endpoint.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  for (char c : port) {
    if (c < '0' || c > '9')
      return {errc::invalid_argument, "endpoint '" + endpoint + "': the port must be a number"};
  }
  return {};
}

connection::~connection() {
  close();
}

void connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  pos_ = len_ = 0;
  out_.clear();
}

status connection::fail(status st) {
  close();
  return st;
}

status connection::open(const std::string& endpoint, int timeout_ms) {
  close();
  endpoint_ = endpoint;
  std::string host, port;
  if (auto st = parse_tcp_endpoint(endpoint, host, port); !st) return st;
  const auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return {errc::invalid_argument,
            "endpoint '" + endpoint + "': cannot resolve " + host + ": " + gai_strerror(rc)};
  }
  int last_errno = 0;
  for (addrinfo* a = res; a != nullptr && fd_ < 0; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last_errno = errno;
      ::close(fd);
      continue;
    }
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (::poll(&p, 1, ms_left(deadline)) != 1 ||
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      last_errno = err != 0 ? err : ETIMEDOUT;
      ::close(fd);
      continue;
    }
    fd_ = fd;
  }
  ::freeaddrinfo(res);
  if (fd_ < 0) {
    return {errc::unavailable, "cannot connect to " + endpoint + ": " + std::strerror(last_errno) +
                                   " (is the node running?)"};
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  // Greeting both ways, then READY both ways. Our signature and major version go first:
  // with them libzmq sends its whole greeting, so its mechanism is known (and a mismatch
  // named) before ours would make it hang up.
  const std::string ours = greeting();
  if (auto st = write_all(std::string_view(ours).substr(0, 11), ms_left(deadline)); !st)
    return fail(st);
  status err;
  auto more = [&](const char* what) -> status {
    if (ms_left(deadline) == 0)
      return {errc::timeout, "no " + std::string(what) + " from " + endpoint + " within " +
                                 std::to_string(timeout_ms) + " ms (is it a pinpipe node?)"};
    if (wait(false, ms_left(deadline)) > 0 && !fill(err)) return err;
    return {};
  };
  // What of the peer's greeting has arrived is checked before a broken connection is
  // reported: a CURVE node reads our NULL greeting and hangs up right after sending its own.
  auto check_greeting = [&]() -> status {
    const size_t have = len_ - pos_;
    const char* g = in_ ? in_.get() + pos_ : nullptr;
    if (have >= 10 && (static_cast<uint8_t>(g[0]) != 0xff || g[9] != '\x7f'))
      return {errc::unavailable, endpoint + " is not a ZeroMQ (ZMTP 3) peer"};
    if (have >= 11 && g[10] < 3)
      return {errc::unavailable, endpoint + " speaks ZMTP " + std::to_string(int{g[10]}) +
                                     ", older than 3 (libzmq 4 or later needed)"};
    if (have >= 32) {
      std::string mechanism(g + 12, 20);
      mechanism.resize(std::strlen(mechanism.c_str()));
      if (mechanism != "NULL")
        return {errc::unavailable,
                endpoint + " wants the " + mechanism +
                    " security mechanism; this client speaks only NULL (use the libzmq client "
                    "with the node's public key)"};
    }
    return {};
  };
  while (len_ - pos_ < greeting_size) {
    if (auto st = more("ZeroMQ greeting"); !st) {
      if (auto bad = check_greeting(); !bad) return fail(bad);
      return fail(st);
    }
    if (auto bad = check_greeting(); !bad) return fail(bad);
  }
  if (auto bad = check_greeting(); !bad) return fail(bad);
  if (auto st = write_all(ours.substr(11) + ready_command(), ms_left(deadline)); !st)
    return fail(st);
  pos_ += greeting_size;
  for (;;) {
    frame f;
    const auto r = next_frame(f, err);
    if (r == frame_result::broken) return fail(err);
    if (r == frame_result::none) {
      if (auto st = more("READY command"); !st) return fail(st);
      continue;
    }
    if (!(f.flags & flag_command))
      return fail({errc::unavailable, endpoint + " sent a message before its READY command"});
    const auto name = command_name(f.body);
    if (name == "READY") return {};
    if (name == "ERROR") {
      const auto reason = f.body.substr(1 + name.size());
      const std::string text = reason.empty()
                                   ? std::string{}
                                   : std::string(reason.substr(1, static_cast<uint8_t>(reason[0])));
      return fail({errc::unavailable, endpoint + " refused the handshake: " + text});
    }
    return fail({errc::unavailable,
                 endpoint + " sent an unexpected command in the handshake: " + std::string(name)});
  }
}

bool connection::fill(status& err) {
  for (;;) {
    if (pos_ == len_) pos_ = len_ = 0;
    if (cap_ - len_ < (64 << 10)) {
      if (pos_ > 0 && pos_ >= cap_ / 2) {
        std::memmove(in_.get(), in_.get() + pos_, len_ - pos_);
        len_ -= pos_;
        pos_ = 0;
      } else {
        const size_t cap = std::max<size_t>(cap_ * 2, 256 << 10);
        std::unique_ptr<char[]> bigger(new char[cap]);
        if (len_ > pos_) std::memcpy(bigger.get(), in_.get() + pos_, len_ - pos_);
        len_ -= pos_;
        pos_ = 0;
        in_ = std::move(bigger);
        cap_ = cap;
      }
    }
    const size_t room = cap_ - len_;
    const ssize_t n = ::recv(fd_, in_.get() + len_, room, MSG_DONTWAIT);
    if (n > 0) {
      len_ += static_cast<size_t>(n);
      if (static_cast<size_t>(n) < room) return true;
      continue; // filled the free space: there may be more
    }
    if (n == 0) {
      err = {errc::unavailable, endpoint_ + " closed the connection"};
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    err = {errc::unavailable,
           std::string{"connection to "} + endpoint_ + " broke: " + std::strerror(errno)};
    return false;
  }
}

int connection::wait(bool want_write, int timeout_ms) {
  pollfd p{fd_, static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0};
  for (;;) {
    const int rc = ::poll(&p, 1, timeout_ms);
    if (rc < 0 && errno == EINTR) continue;
    return rc;
  }
}

connection::frame_result connection::next_frame(frame& f, status& err) {
  const size_t avail = len_ - pos_;
  if (avail < 2) return frame_result::none;
  const auto* p = reinterpret_cast<const uint8_t*>(in_.get() + pos_);
  const uint8_t flags = p[0];
  if (flags & ~(flag_more | flag_long | flag_command)) {
    err = {errc::unavailable, endpoint_ + " sent a frame with unknown flags (not ZMTP 3)"};
    return frame_result::broken;
  }
  size_t header = 2;
  uint64_t size = p[1];
  if (flags & flag_long) {
    header = 9;
    if (avail < header) return frame_result::none;
    size = 0;
    for (int i = 1; i <= 8; ++i)
      size = (size << 8) | p[i];
  }
  if (size > max_message_bytes) {
    err = {errc::unavailable, endpoint_ + " sent a frame of " + std::to_string(size) +
                                  " bytes, more than the " + std::to_string(max_message_bytes) +
                                  " accepted"};
    return frame_result::broken;
  }
  if (avail < header + size) return frame_result::none;
  f.flags = flags;
  f.body = std::string_view(in_.get() + pos_ + header, static_cast<size_t>(size));
  pos_ += header + static_cast<size_t>(size);
  return frame_result::frame;
}

status connection::write_all(std::string_view bytes, int timeout_ms) {
  const auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      return {errc::unavailable,
              std::string{"connection to "} + endpoint_ + " broke: " + std::strerror(errno)};
    }
    // The kernel's buffer is full: take the peer's bytes meanwhile so it can go on.
    if (ms_left(deadline) == 0)
      return {errc::timeout, "sending to " + endpoint_ + " did not finish within " +
                                 std::to_string(timeout_ms) + " ms (is the node reading?)"};
    if (wait(true, ms_left(deadline)) > 0) {
      status err;
      if (!fill(err)) return err;
    }
  }
  return {};
}

status connection::send(std::string_view body) {
  if (fd_ < 0) return {errc::unavailable, "not connected to " + endpoint_};
  append_frame(out_, 0, body);
  return out_.size() >= send_batch_bytes ? flush() : status{};
}

status connection::flush() {
  if (out_.empty()) return {};
  if (fd_ < 0) return {errc::unavailable, "not connected to " + endpoint_};
  std::string bytes;
  bytes.swap(out_);
  if (auto st = write_all(bytes, write_timeout_ms); !st) {
    if (st.code() == errc::unavailable) close();
    return st;
  }
  return {};
}

status connection::receive(int timeout_ms, const std::function<void(std::string_view)>& fn) {
  if (fd_ < 0) return {errc::unavailable, "not connected to " + endpoint_};
  if (auto st = flush(); !st) return st;
  const auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
  bool tried_read = false;
  for (;;) {
    // A whole message in the buffer: frames up to one without MORE; the last is the body.
    // Commands come between messages; PINGs are answered after parsing (writing may
    // move the buffer).
    size_t start = pos_;
    std::string pongs;
    status err;
    frame f;
    frame_result r;
    std::string_view body;
    bool in_message = false, complete = false;
    while ((r = next_frame(f, err)) == frame_result::frame) {
      if ((f.flags & flag_command) && !in_message) {
        if (command_name(f.body) == "PING") // PONG carries the context after the 2-byte TTL
          pongs += frame_bytes(
              flag_command,
              "\x04PONG" + std::string(f.body.size() > 7 ? f.body.substr(7) : std::string_view{}));
        start = pos_;
        continue;
      }
      in_message = true;
      body = f.body;
      if (!(f.flags & flag_more)) {
        complete = true;
        break;
      }
    }
    if (r == frame_result::broken) return fail(err);
    if (complete)
      fn(body);
    else
      pos_ = start; // not all of it yet: parse again from its first frame
    if (!pongs.empty()) {
      if (auto st = write_all(pongs, 1000); !st) return fail(st);
    }
    if (complete) return {};
    if (tried_read && ms_left(deadline) == 0)
      return {errc::timeout, "no reply from " + endpoint_ + " within " +
                                 std::to_string(timeout_ms) + " ms (is the node running?)"};
    if (tried_read && wait(false, ms_left(deadline)) <= 0) continue; // timed out: next pass says so
    if (!fill(err)) return fail(err);
    tried_read = true;
  }
}

} // namespace pinpipe::transport::zmtp
