// Fuzz target: the envelope and every log API / control message decoder (messages/).
// The input is read (1) as a whole envelope, whose payload then goes to the decoder of its
// type, and (2) as a bare payload of one message type (picked by the input's size). Properties, beyond "no crash":
//  - a decoded message encodes and decodes back to itself (decode is a fixed point);
//  - the one-pass readers (messages/fast_codec.hpp, actors/produce_frame.hpp) never disagree
//    with the generic decoder: when fast::read_envelope accepts bytes, decode_envelope gives
//    the same fields, and when actors::read_produce_request accepts a payload, the generic
//    path gives the same request.
#include <cstdint>
#include <string_view>

#include "messages/codec.hpp"
#include "messages/control_api.hpp"
#include "messages/warehouse_api.hpp"
#include "actors/produce_frame.hpp"
#include "logclient/wire_convert.hpp"
#include "messages/fast_codec.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace pinpipe;
using namespace pinpipe::messages;
using pinpipe::fuzz::fuzz_check;

namespace {

template <class T> void payload_round_trip(std::string_view bytes) {
  auto r = decode_payload<T>(bytes);
  if (!r) return;
  auto again = decode_payload<T>(encode_payload(*r));
  fuzz_check(again.ok(), "a decoded payload re-encodes to something decodable");
  fuzz_check(*again == *r, "decode(encode(decode(x))) == decode(x)");
}

/// One payload decoder per input, picked by the input's size (so mutations that grow or
/// shrink an input move it across all of them): decoding a payload as every type would
/// throw and catch ~20 msgpack exceptions per input, 20x fewer inputs per second.
void one_payload(std::string_view b) {
  using decoder = void (*)(std::string_view);
  static const decoder decoders[] = {
      payload_round_trip<error_response>,         payload_round_trip<create_topic_request>,
      payload_round_trip<create_topic_response>,  payload_round_trip<delete_topic_request>,
      payload_round_trip<delete_topic_response>,  payload_round_trip<list_topics_request>,
      payload_round_trip<list_topics_response>,   payload_round_trip<describe_topic_request>,
      payload_round_trip<describe_topic_response>, payload_round_trip<produce_request>,
      payload_round_trip<produce_response>,       payload_round_trip<fetch_request>,
      payload_round_trip<fetch_response>,         payload_round_trip<list_offsets_request>,
      payload_round_trip<list_offsets_response>,  payload_round_trip<commit_offsets_request>,
      payload_round_trip<commit_offsets_response>, payload_round_trip<fetch_offsets_request>,
      payload_round_trip<fetch_offsets_response>, payload_round_trip<flush_lake_request>,
      payload_round_trip<flush_lake_response>,    payload_round_trip<node_stats_request>,
      payload_round_trip<node_stats_response>,    payload_round_trip<batch_runs_request>,
      payload_round_trip<batch_runs_response>,    payload_round_trip<batch_trigger_request>,
      payload_round_trip<batch_trigger_response>, payload_round_trip<warehouse_counts_request>,
      payload_round_trip<warehouse_counts_response>};
  decoders[b.size() % (sizeof decoders / sizeof decoders[0])](b);
}

void produce_paths_agree(std::string_view payload) {
  storage::produce_request fast_req;
  if (!actors::read_produce_request(payload, fast_req)) return;
  auto generic = decode_payload<produce_request>(payload);
  fuzz_check(generic.ok(), "the generic decoder accepts what the fast reader accepts");
  auto req = logclient::from_wire(*generic);
  fuzz_check(req.ok(), "a produce request the fast reader accepts has valid acks");
  fuzz_check(req->topic == fast_req.topic && req->partition == fast_req.partition &&
                 req->records == fast_req.records && req->required_acks == fast_req.required_acks &&
                 req->producer_id == fast_req.producer_id &&
                 req->base_sequence == fast_req.base_sequence,
             "the fast and the generic produce decoders give the same request");
}

void fetch_paths_agree(std::string_view bytes) {
  fast::fetch_view view;
  if (!fast::read_fetch_response(bytes, view)) return;
  auto env = decode_envelope(bytes);
  fuzz_check(env.ok(), "decode_envelope accepts a fetch response the fast reader accepts");
  auto resp = open_envelope<fetch_response>(*env);
  fuzz_check(resp.ok(), "the generic decoder accepts a fast-read fetch response");
  fuzz_check(resp->records.size() == view.records.size() &&
                 resp->high_watermark.value == view.high_watermark &&
                 resp->log_start.value == view.log_start && resp->error == view.error,
             "the fast and the generic fetch decoders agree");
  for (size_t i = 0; i < view.records.size(); ++i) {
    const auto& g = resp->records[i];
    const auto& f = view.records[i];
    fuzz_check(g.offset.value == f.offset && g.record.value == f.value &&
                   g.record.has_key == f.has_key && (!f.has_key || g.record.key == f.key) &&
                   g.record.headers.size() == f.header_count,
               "the fast and the generic fetch decoders give the same records");
  }
}

template <class T> void open_as(const envelope& env) {
  auto r = open_envelope<T>(env);
  if (r) payload_round_trip<T>(env.payload.data);
}

void dispatch(const envelope& env) {
  switch (env.type) {
  case msg_type::error_response: open_as<error_response>(env); break;
  case msg_type::create_topic_request: open_as<create_topic_request>(env); break;
  case msg_type::create_topic_response: open_as<create_topic_response>(env); break;
  case msg_type::delete_topic_request: open_as<delete_topic_request>(env); break;
  case msg_type::delete_topic_response: open_as<delete_topic_response>(env); break;
  case msg_type::list_topics_request: open_as<list_topics_request>(env); break;
  case msg_type::list_topics_response: open_as<list_topics_response>(env); break;
  case msg_type::describe_topic_request: open_as<describe_topic_request>(env); break;
  case msg_type::describe_topic_response: open_as<describe_topic_response>(env); break;
  case msg_type::produce_request:
    open_as<produce_request>(env);
    produce_paths_agree(env.payload.data);
    break;
  case msg_type::produce_response: open_as<produce_response>(env); break;
  case msg_type::fetch_request: open_as<fetch_request>(env); break;
  case msg_type::fetch_response: open_as<fetch_response>(env); break;
  case msg_type::list_offsets_request: open_as<list_offsets_request>(env); break;
  case msg_type::list_offsets_response: open_as<list_offsets_response>(env); break;
  case msg_type::commit_offsets_request: open_as<commit_offsets_request>(env); break;
  case msg_type::commit_offsets_response: open_as<commit_offsets_response>(env); break;
  case msg_type::fetch_offsets_request: open_as<fetch_offsets_request>(env); break;
  case msg_type::fetch_offsets_response: open_as<fetch_offsets_response>(env); break;
  case msg_type::flush_lake_request: open_as<flush_lake_request>(env); break;
  case msg_type::flush_lake_response: open_as<flush_lake_response>(env); break;
  case msg_type::node_stats_request: open_as<node_stats_request>(env); break;
  case msg_type::node_stats_response: open_as<node_stats_response>(env); break;
  case msg_type::batch_runs_request: open_as<batch_runs_request>(env); break;
  case msg_type::batch_runs_response: open_as<batch_runs_response>(env); break;
  case msg_type::batch_trigger_request: open_as<batch_trigger_request>(env); break;
  case msg_type::batch_trigger_response: open_as<batch_trigger_response>(env); break;
  case msg_type::warehouse_counts_request: open_as<warehouse_counts_request>(env); break;
  case msg_type::warehouse_counts_response: open_as<warehouse_counts_response>(env); break;
  default: (void)open_envelope<error_response>(env); break;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)peek_correlation_id(bytes);

  auto env = decode_envelope(bytes);
  fast::envelope_view view;
  if (fast::read_envelope(bytes, view)) {
    fuzz_check(env.ok(), "decode_envelope accepts what fast::read_envelope accepts");
    fuzz_check(env->version == view.version && env->type == view.type &&
                   env->source == view.source && env->correlation_id == view.correlation_id &&
                   env->payload.data == view.payload,
               "the fast and the generic envelope decoders agree");
  }
  if (env) {
    auto again = decode_envelope(encode_envelope(*env));
    fuzz_check(again.ok() && *again == *env, "an envelope re-encodes to itself");
    dispatch(*env);
  }
  fetch_paths_agree(bytes);

  one_payload(bytes);
  produce_paths_agree(bytes);
  return 0;
}
