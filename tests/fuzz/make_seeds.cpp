// Writes the binary seed inputs of the fuzz corpus (tests/fuzz/README.md):
//   corpus/messages/  every sample message of tests/messages/samples.hpp, as an envelope
//                     and as a bare payload;
//   corpus/raft_wire/ a raft message of each kind, a peer message and a heartbeat batch;
//   corpus/segment/, corpus/recovery/  segment files written by the real log (one batch,
//                     several batches with keys and headers, a torn tail, a flipped bit, a
//                     zero-filled tail).
// Usage: make_fuzz_seeds <tests/fuzz/corpus>. Run it again after a wire or format change
// and commit what changed.
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <iterator>
#include <string>
#include <tuple>

#include "messages/codec.hpp"
#include "messages/control_api.hpp"
#include "messages/raft_wire.hpp"
#include "storage/filename.hpp"
#include "storage/log.hpp"
#include "tests/messages/samples.hpp"

using namespace pinpipe;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

template <class T> void message_seeds(const fs::path& dir, const T& msg, int& n) {
  const std::string name = messages::to_string(messages::message_traits<T>::type);
  write(dir / (name + ".env"), messages::encode_envelope(messages::make_envelope(msg, 1000 + n, "seed")));
  write(dir / (name + ".payload"), messages::encode_payload(msg));
  ++n;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The segment of a fresh log after `batches` produces of `per_batch` records each.
std::string segment_bytes(const fs::path& tmp, int batches, int per_batch) {
  fs::remove_all(tmp);
  storage::log_config cfg;
  cfg.dir = tmp.string();
  cfg.preallocate = false;
  auto log = storage::open_file_log(cfg);
  if (!log) throw std::runtime_error(log.error().to_string());
  if (auto st = (*log)->create_topic("t", {}); !st) throw std::runtime_error(st.to_string());
  for (int b = 0; b < batches; ++b) {
    storage::produce_request req;
    req.topic = "t";
    for (int i = 0; i < per_batch; ++i) {
      storage::record r;
      if (i % 2 == 0) r.key = "k" + std::to_string(i);
      r.value = "{\"ind\": " + std::to_string(b * 10 + i) + "}";
      r.timestamp_ms = 1700000000000 + b;
      if (i == 1) r.headers = {{"h", "v"}};
      req.records.push_back(r);
    }
    std::promise<storage::produce_result> done;
    (*log)->produce(std::move(req), [&](storage::produce_result r) { done.set_value(r); });
    if (!done.get_future().get().st.ok()) throw std::runtime_error("produce failed");
  }
  (*log)->close();
  return read_file(storage::filename::segment(
      storage::filename::partition_dir(cfg.dir, "t", partition_id{0}), offset_t{0}));
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_fuzz_seeds <tests/fuzz/corpus>\n";
    return 2;
  }
  const fs::path corpus = argv[1];
  int n = 0;
  std::apply([&](const auto&... msg) { (message_seeds(corpus / "messages", msg, n), ...); },
             messages::samples::all());
  message_seeds(corpus / "messages", messages::flush_lake_request{}, n);
  message_seeds(corpus / "messages",
                messages::flush_lake_response{messages::protocol_version, errc::ok, "", 3, "/lake"}, n);

  // Node-to-node messages.
  for (int t = 1; t <= 9; ++t) {
    raft::message m;
    m.type = static_cast<raft::msg_type>(t);
    m.from = node_id{1};
    m.to = node_id{2};
    m.term = term_t{3};
    if (m.type == raft::msg_type::append) {
      raft::entry e;
      e.base = offset_t{10};
      e.last = offset_t{12};
      e.term = term_t{3};
      e.payload = "PPLB batch bytes";
      m.entries = {e};
      m.prev_last = offset_t{9};
      m.prev_term = term_t{2};
      m.commit = offset_t{9};
    }
    write(corpus / "raft_wire" / ("raft_" + std::to_string(t)), messages::encode_raft_message(m));
    messages::peer_message pm;
    pm.cluster = "c1";
    pm.from = node_id{1};
    pm.to = node_id{2};
    pm.group = 7;
    pm.message = m;
    write(corpus / "raft_wire" / ("peer_" + std::to_string(t)), messages::encode_peer_message(pm));
  }
  messages::heartbeat_batch hb;
  hb.cluster = "c1";
  hb.from = node_id{1};
  hb.to = node_id{2};
  hb.seq = 5;
  hb.beats = {messages::heartbeat_item{messages::raft_wire_version, 7, term_t{3}, offset_t{9}}};
  hb.replies = {messages::heartbeat_item{messages::raft_wire_version, 8, term_t{2}, offset_t{4}}};
  write(corpus / "raft_wire" / "heartbeat_batch", messages::encode_heartbeat_batch(hb));

  const fs::path tmp = fs::temp_directory_path() / "pinpipe-make-fuzz-seeds";
  const std::string one = segment_bytes(tmp, 1, 1);
  const std::string three = segment_bytes(tmp, 3, 3);
  std::string torn = three.substr(0, three.size() - 7);
  std::string flipped = three;
  flipped[flipped.size() / 2] ^= 0x10;
  std::string zero_tail = three + std::string(200, '\0');
  for (const char* dir : {"segment", "recovery"}) {
    write(corpus / dir / "one_batch.log", one);
    write(corpus / dir / "three_batches.log", three);
    write(corpus / dir / "torn_tail.log", torn);
    write(corpus / dir / "flipped_bit.log", flipped);
    write(corpus / dir / "zero_tail.log", zero_tail);
  }
  // Odd first byte: the recovery target runs `log repair` first.
  std::string repair = flipped;
  repair[0] = 'Q';
  write(corpus / "recovery" / "repair_flipped.log", repair);
  fs::remove_all(tmp);
  std::cout << "wrote " << n << " messages (x2) and 5 segments into " << corpus << "\n";
  return 0;
}
