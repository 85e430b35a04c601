// Fuzz target: Kinesis request bodies (gateway/kinesis*.cpp), both ways in: API Gateway
// routes (PUT /streams/s/record, PUT /streams/s/records, POST /streams/x) and the native
// JSON 1.1 API (POST / with X-Amz-Target: Kinesis_20131202.<Action>, every action that
// reads a body). The first input byte picks the route; the rest is the body, handed to
// kinesis_service over an in-memory log with a stream "s" as the dispatcher hands it over.
// Properties: no crash, no 500, every reply is JSON; an exception only of the kind the
// dispatcher turns into a SerializationException (nlohmann::json::exception).
#include <cstdint>
#include <string>

#include "tests/fuzz/gateway_bench.hpp"

using namespace pinpipe;
using namespace pinpipe::gateway;

namespace {

const char* const k_actions[] = {"PutRecord",      "PutRecords",     "GetShardIterator",
                                 "GetRecords",     "ListStreams",    "CreateStream",
                                 "DeleteStream",   "DescribeStream", "DescribeStreamSummary",
                                 "ListShards",     "PutRecord",      "PutRecords"};
constexpr size_t k_action_count = sizeof k_actions / sizeof k_actions[0];

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::quiet_logs();
  if (size == 0) return 0;
  const uint8_t sel = data[0];
  fuzz::gateway_bench bench;
  http_request req;
  req.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (sel & 0x80) req.headers.emplace_back("Idempotency-Key", "k1");
  const bool native = (sel & 0x40) != 0;
  if (native) {
    req.method = "POST";
    req.path = "/";
    req.headers.emplace_back("X-Amz-Target", std::string("Kinesis_20131202.") +
                                                 k_actions[(sel & 0x3f) % k_action_count]);
    req.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
  } else {
    switch (sel % 4) {
    case 0: req.method = "PUT"; req.path = "/streams/s/record"; break;
    case 1: req.method = "PUT"; req.path = "/streams/s/records"; break;
    case 2: req.method = "POST"; req.path = "/streams/x"; break;
    default: req.method = "PUT"; req.path = "/streams/missing/records"; break;
    }
    req.headers.emplace_back("Content-Type", "application/json");
  }
  req.target = req.path;
  request_view rv{req, fuzz::gateway_bench::segments(req.path), ""};
  try {
    reply r = native ? bench.kinesis.handle_native(rv) : bench.kinesis.handle_apigw(rv);
    fuzz::check_reply(r);
    if (sel & 0x80) fuzz::check_reply(native ? bench.kinesis.handle_native(rv)
                                             : bench.kinesis.handle_apigw(rv));
  } catch (const nlohmann::json::exception&) {
    // gateway.cpp's dispatcher answers these with a SerializationException; not a crash.
  }
  return 0;
}
