// Fuzz target: REST Proxy produce bodies (gateway/rest_produce.cpp, produce_parser.hpp,
// http_common.hpp's JSON depth scan). The first input byte picks the route and the
// embedded format (json or binary, all partitions or /partitions/{p}, with or without an
// Idempotency-Key); the rest is the body. The body goes to rest_proxy::handle over an
// in-memory log, exactly as the dispatcher hands it over. Properties:
//  - no crash, no 500, every reply is JSON; an exception only of the kind the dispatcher
//    turns into a 422 (nlohmann::json::exception);
//  - the DOM-free parser is exact or declines: whenever parse_produce_fast accepts a body,
//    nlohmann reads the same records, each value's dump() equal to the minified text;
//  - minify_json_exact agrees with nlohmann's dump() whenever it answers;
//  - the depth scan agrees with a recursive count on what nlohmann parses.
#include <cstdint>
#include <string>

#include "tests/fuzz/gateway_bench.hpp"

using namespace pinpipe;
using namespace pinpipe::gateway;
using pinpipe::fuzz::fuzz_check;

namespace {

int depth_of(const ojson& v) {
  if (!v.is_structured()) return 0;
  int d = 0;
  for (const auto& c : v) d = std::max(d, depth_of(c));
  return d + 1;
}

void fast_parser_is_exact(std::string_view body) {
  auto fast = parse_produce_fast(body);
  if (auto m = minify_json_exact(body)) {
    auto j = ojson::parse(body, nullptr, false);
    fuzz_check(!j.is_discarded(), "nlohmann parses what minify_json_exact accepts");
    fuzz_check(j.dump() == *m, "minify_json_exact equals nlohmann's dump()");
  }
  if (!fast) return;
  auto doc = ojson::parse(body, nullptr, false);
  fuzz_check(!doc.is_discarded(), "nlohmann parses what the fast produce parser accepts");
  fuzz_check(doc.is_object() && doc.size() == 1 && doc.contains("records") &&
                 doc["records"].is_array() && doc["records"].size() == fast->size(),
             "the fast produce parser reads the same records array");
  for (size_t i = 0; i < fast->size(); ++i) {
    const auto& r = doc["records"][i];
    const auto& f = (*fast)[i];
    fuzz_check(r.is_object(), "each accepted record is an object");
    auto v = r.find("value");
    fuzz_check((v == r.end()) == (f.value_kind == fast_produce_record::kind::absent) &&
                   (v == r.end() || v->dump() == f.value),
               "the fast parser's value is nlohmann's dump() of it");
    auto k = r.find("key");
    fuzz_check((k == r.end()) == (f.key_kind == fast_produce_record::kind::absent) &&
                   (k == r.end() || k->dump() == f.key),
               "the fast parser's key is nlohmann's dump() of it");
    auto p = r.find("partition");
    fuzz_check(f.has_partition == (p != r.end() && !p->is_null()), "same partition presence");
  }
}

void depth_scan_agrees(std::string_view body) {
  // nlohmann stops at a NUL byte and ignores what follows ("{}\0[[[" parses as {}), while the
  // scan (rightly) counts every bracket of the body: compare only NUL-free bodies.
  if (body.find('\0') != std::string_view::npos) return;
  auto j = ojson::parse(body, nullptr, false);
  if (j.is_discarded()) return;
  const int d = depth_of(j);
  fuzz_check(json_depth_within(body, d), "the depth scan admits a document's own depth");
  if (d > 0) fuzz_check(!json_depth_within(body, d - 1), "the depth scan sees the deepest level");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::quiet_logs();
  if (size == 0) return 0;
  const uint8_t sel = data[0];
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);

  // A deep document must never reach a recursive function (stack): the depth scan first,
  // as the handlers do.
  if (json_depth_within(body, 200)) {
    fast_parser_is_exact(body);
    depth_scan_agrees(body);
  }
  auto parsed = parse_json(body, 64);
  if (!parsed)
    fuzz_check(!parsed.error().message().empty(), "a JSON refusal says what was wrong");

  fuzz::gateway_bench bench;
  http_request req;
  req.method = "POST";
  req.path = (sel & 1) ? "/topics/t/partitions/" + std::to_string((sel >> 1) & 3) : "/topics/t";
  req.target = req.path;
  req.headers.emplace_back("Content-Type", (sel & 8) ? "application/vnd.kafka.binary.v2+json"
                                                     : "application/vnd.kafka.json.v2+json");
  if (sel & 16) req.headers.emplace_back("Idempotency-Key", "k1");
  req.body = body;
  request_view rv{req, fuzz::gateway_bench::segments(req.path), ""};
  try {
    reply r = bench.rest.handle(rv);
    fuzz::check_reply(r);
    if (sel & 16) fuzz::check_reply(bench.rest.handle(rv)); // the replay from the cache
    if (r.status == 200) {
      int64_t stored = 0;
      for (int32_t p = 0; p < 3; ++p) {
        auto end = bench.log->list_offset("t", partition_id{p}, storage::offset_spec::latest, 0);
        fuzz_check(end.ok(), "the topic's partitions answer");
        stored += end->value;
      }
      auto doc = nlohmann::json::parse(r.body);
      fuzz_check(doc.contains("offsets") && int64_t(doc["offsets"].size()) == stored,
                 "a 200 reply has one offset per stored record");
    }
  } catch (const nlohmann::json::exception&) {
    // gateway.cpp's dispatcher answers these with 42201; not a crash.
  }
  return 0;
}
