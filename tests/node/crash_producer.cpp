// Test helper process for crash_test: produces records numbered first..first+count-1 to
// one partition with acks=all, a few per request, and appends each acknowledged number to
// an ack log (flushed per ack) - so the log lists exactly what the node promised to keep.
// Exits when done, or at the first failure/timeout (the node was killed).
//   crash_producer ENDPOINT TOPIC FIRST COUNT ACK_LOG
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/node/crash_records.hpp"
#include "transport/client.hpp"

int main(int argc, char** argv) {
  namespace m = pinpipe::messages;
  if (argc != 6) {
    std::fprintf(stderr, "usage: crash_producer ENDPOINT TOPIC FIRST COUNT ACK_LOG\n");
    return 2;
  }
  pinpipe::transport::client_options o;
  o.endpoint = argv[1];
  o.name = "crash_producer";
  auto c = pinpipe::transport::client::connect(o);
  if (!c) return 2;
  const std::string topic = argv[2];
  const long long first = std::atoll(argv[3]);
  const long long count = std::atoll(argv[4]);
  FILE* acks = std::fopen(argv[5], "a");
  if (!acks) return 2;
  constexpr int per_request = 4;
  for (long long n = first; n < first + count; n += per_request) {
    m::produce_request req;
    req.topic = topic;
    req.acks = -1;
    for (long long k = n; k < n + per_request && k < first + count; ++k) {
      m::wire_record r;
      r.value = pinpipe::test::crash_record_value(k);
      req.records.push_back(r);
    }
    auto resp = pinpipe::transport::request(**c, req, 2000);
    if (!resp || resp->error != pinpipe::errc::ok) {
      std::fprintf(stderr, "stopped at %lld: %s\n", n,
                   resp ? resp->message.c_str() : resp.error().to_string().c_str());
      std::fclose(acks);
      return 3;
    }
    for (long long k = n; k < n + per_request && k < first + count; ++k)
      std::fprintf(acks, "%lld\n", k);
    std::fflush(acks);
  }
  std::fclose(acks);
  return 0;
}
