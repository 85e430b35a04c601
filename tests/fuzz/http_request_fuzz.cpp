// Fuzz target: the gateway's HTTP/1.1 request reader (gateway/http_parse.hpp) on a byte
// stream, as a connection reads it: pipelined requests, each head found with
// find_head_end (fed in pieces, so the resumable scan is exercised), parsed with
// parse_head, its framing read with read_framing, and a chunked body decoded piece by
// piece with chunked_decoder. The first input byte sets the piece size. Properties: no
// crash; a refusal always carries a 4xx/5xx status and a message; a decoded chunked body
// never exceeds the limit; the decoder only ever consumes input.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/http_parse.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace pinpipe::gateway;
using pinpipe::fuzz::fuzz_check;

namespace {

constexpr int64_t k_body_limit = 1 << 16;
constexpr int k_max_requests = 16;

void check_refusal(const http::parse_error& err) {
  fuzz_check(err.status >= 400 && err.status <= 599, "a refusal has an HTTP error status");
  fuzz_check(!err.why.empty(), "a refusal says what was wrong");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64;
  std::string stream(reinterpret_cast<const char*>(data) + 1, size - 1);

  for (int n = 0; n < k_max_requests && !stream.empty(); ++n) {
    while (stream.size() >= 2 && stream[0] == '\r' && stream[1] == '\n') stream.erase(0, 2);
    // The head, found as it trickles in piece by piece.
    size_t scan_from = 0, end = std::string::npos;
    for (size_t have = std::min(piece, stream.size());; have = std::min(have + piece, stream.size())) {
      end = http::find_head_end(std::string_view(stream).substr(0, have), scan_from);
      fuzz_check(scan_from <= have, "the head scan never resumes past the data");
      if (end != std::string::npos || have == stream.size()) break;
    }
    if (end == std::string::npos) return 0;
    fuzz_check(end >= 4 && end <= stream.size(), "the head end lies inside the data");
    http_request req;
    http::parse_error err;
    if (!http::parse_head(std::string_view(stream).substr(0, end - 4), req, err)) {
      check_refusal(err);
      return 0;
    }
    (void)req.header("Content-Type");
    (void)req.param("format");
    (void)http::wants_close(req);
    http::body_framing framing;
    if (!http::read_framing(req, framing, err)) {
      check_refusal(err);
      return 0;
    }
    stream.erase(0, end);
    if (!framing.chunked) {
      fuzz_check(framing.length >= 0, "a Content-Length is never negative");
      const size_t take = std::min(stream.size(), static_cast<size_t>(framing.length));
      req.body.assign(stream, 0, take);
      stream.erase(0, take);
      continue;
    }
    // A chunked body, decoded as it arrives piece by piece.
    http::chunked_decoder dec;
    std::string in;
    auto st = http::parse_state::incomplete;
    while (st == http::parse_state::incomplete && (!stream.empty() || !in.empty())) {
      const size_t take = std::min(piece, stream.size());
      in.append(stream, 0, take);
      stream.erase(0, take);
      const size_t before = in.size();
      st = dec.feed(in, req.body, k_body_limit, err);
      fuzz_check(in.size() <= before, "the chunked decoder only consumes input");
      fuzz_check(static_cast<int64_t>(req.body.size()) <= k_body_limit,
                 "a chunked body never grows past its limit");
      if (st == http::parse_state::error) {
        check_refusal(err);
        return 0;
      }
      if (take == 0 && in.size() == before) break; // no progress and no more input
    }
    if (st != http::parse_state::complete) return 0;
    stream.insert(0, in); // what followed the body is the next request
  }
  return 0;
}
