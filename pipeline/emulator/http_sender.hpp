// event_sender that talks HTTP to our gateway (or to the real AWS API Gateway + REST Proxy),
// sending exactly what the course scripts send (PIPELINE §2-3):
//   batch:  POST {base}/topics/{topic}
//           Content-Type: application/vnd.kafka.json.v2+json
//           {"records": [{"value": {...}}]}            -> offsets[i].partition/offset
//   stream: PUT  {base}/streams/{stream}/record          (one request per value)
//           Content-Type: application/json
//           {"StreamName": "...", "Data": {...}, "PartitionKey": "..."}
//                                                       -> SequenceNumber, ShardId
// Bodies are written like Python's json.dumps (py_json.hpp). The base URL may carry a path
// prefix (an API Gateway stage such as http://host:port/test). Connections are kept alive.
// An optional API key is sent as `x-api-key`.
//
// Threading: one http_sender per thread (it owns one keep-alive connection).
#pragma once

#include <memory>
#include <string>

#include "pipeline/emulator/sender.hpp"

namespace httplib {
class Client;
}

namespace pinpipe::emulator {

class http_sender : public event_sender {
public:
  struct options {
    std::string base_url;   ///< http://127.0.0.1:8082 or http://host:port/stage
    std::string api_key;    ///< sent as x-api-key when not empty
    int timeout_ms = 10000; ///< connect / read / write timeout
  };

  /// Checks the URL (scheme http or https, host, optional port and path prefix).
  static result<std::unique_ptr<http_sender>> create(const options& opt);
  ~http_sender() override;

  result<std::vector<sent_record>> send(const std::string& destination, mode m,
                                        const std::vector<std::string>& json_values) override;

private:
  http_sender(options opt, std::string origin, std::string prefix);
  result<std::vector<sent_record>> send_batch(const std::string& topic,
                                              const std::vector<std::string>& values);
  result<sent_record> send_stream(const std::string& stream, const std::string& value);

  options opt_;
  std::string origin_; ///< scheme://host:port
  std::string prefix_; ///< path prefix without trailing '/', may be empty
  std::unique_ptr<httplib::Client> client_;
};

} // namespace pinpipe::emulator
