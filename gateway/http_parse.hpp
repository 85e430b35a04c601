// Internal to gateway/: reading HTTP/1.1 requests from bytes (no sockets here). The head
// (request line, headers) into an http_request, the body's framing from its headers
// (refusing framing a proxy in front could read differently: request smuggling), and an
// incremental decoder for chunked bodies. Every refusal carries the HTTP status and a
// message naming what was wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/http_server.hpp"

namespace pinpipe::gateway::http {

enum class parse_state { incomplete, complete, error };

/// Why a request is refused: the status to answer and a message for the client.
struct parse_error {
  int status = 0;
  std::string why;
};

constexpr size_t k_max_request_line = 8192;
constexpr size_t k_max_headers = 200;

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
bool iequals(std::string_view a, std::string_view b);
/// Without leading/trailing spaces and tabs (and a trailing CR).
std::string_view trim(std::string_view v);

/// Position just past the "\r\n\r\n" ending the head in `buf`, or npos. `scan_from` keeps
/// where the next call resumes, so a head trickled byte by byte is scanned once.
size_t find_head_end(std::string_view buf, size_t& scan_from);

/// Request line and headers of `head` (without the final empty line) into `req`.
bool parse_head(std::string_view head, http_request& req, parse_error& err);

/// How the body is delimited.
struct body_framing {
  bool chunked = false;
  int64_t length = 0; ///< with !chunked
};
/// The framing the headers give. Refused (400): Transfer-Encoding other than a single
/// "chunked", Transfer-Encoding together with Content-Length, Content-Length values that
/// differ or are not decimal digits.
bool read_framing(const http_request& req, body_framing& out, parse_error& err);

/// True when the client asked to close after this request (Connection: close, or HTTP/1.0
/// without keep-alive).
bool wants_close(const http_request& req);

/// Decodes a chunked body piece by piece: feed() consumes what it can of `in` (erasing it)
/// and appends data to `body`; complete after the last chunk and the trailers.
class chunked_decoder {
public:
  void reset() { *this = chunked_decoder{}; }
  parse_state feed(std::string& in, std::string& body, int64_t limit, parse_error& err);

private:
  enum class phase { size_line, data, data_end, trailers };
  phase phase_ = phase::size_line;
  uint64_t left_ = 0; ///< data bytes left in the current chunk
};

} // namespace pinpipe::gateway::http
