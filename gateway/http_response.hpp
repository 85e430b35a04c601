// Internal to gateway/: writing HTTP/1.1 replies to a socket. One reply = one send() for
// bodies up to 64 KiB; writes wait (poll) at most 5 s for a client that does not read.
#pragma once

#include <cstddef>
#include <string_view>

#include "gateway/http_server.hpp"

namespace pinpipe::gateway::http {

/// Reason phrase of a status code.
const char* reason(int status);

/// Sends all of p[0..n) on the non-blocking socket; false when the peer is gone or did
/// not read for the write timeout.
bool send_all(int fd, const char* p, size_t n);

/// Writes `r` as the answer to `req` (no body for HEAD and 204), with Content-Length,
/// Connection (keep-alive with its timeout, or close) and `extra_headers` (full lines,
/// each ending in CRLF). False when the connection is gone.
bool send_reply(int fd, const http_request& req, const reply& r, bool keep_alive,
                int keep_alive_timeout_s, std::string_view extra_headers = {});

/// One attempt, never blocking: the connection is about to be closed anyway.
void send_final(int fd, const reply& r, std::string_view extra_headers = {});

} // namespace pinpipe::gateway::http
