// Fuzz target: the node-to-node messages (messages/raft_wire.hpp): a raft::message, a
// peer_message and a heartbeat_batch decoded from the same bytes. Properties: no crash;
// a decoded message encodes and decodes back to itself; the heartbeats a decoded batch
// stands for (split_heartbeats) fold back into a batch with no more beats than it had.
#include <cstdint>
#include <string_view>

#include "messages/raft_wire.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace pinpipe;
using namespace pinpipe::messages;
using pinpipe::fuzz::fuzz_check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  if (auto m = decode_raft_message(bytes)) {
    auto again = decode_raft_message(encode_raft_message(*m));
    fuzz_check(again.ok() && *again == *m, "a raft message re-encodes to itself");
  }
  if (auto p = decode_peer_message(bytes)) {
    auto again = decode_peer_message(encode_peer_message(*p));
    fuzz_check(again.ok() && *again == *p, "a peer message re-encodes to itself");
  }
  if (auto b = decode_heartbeat_batch(bytes)) {
    auto again = decode_heartbeat_batch(encode_heartbeat_batch(*b));
    fuzz_check(again.ok() && *again == *b, "a heartbeat batch re-encodes to itself");
    heartbeat_batch folded;
    for (const auto& [group, msg] : split_heartbeats(*b)) add_heartbeat(folded, group, msg);
    fuzz_check(folded.beats.size() <= b->beats.size() &&
                   folded.replies.size() <= b->replies.size(),
               "split heartbeats fold back into no more beats than the batch had");
  }
  return 0;
}
