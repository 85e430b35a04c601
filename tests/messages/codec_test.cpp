#include "messages/codec.hpp"
#include "messages/control_api.hpp"
#include "messages/warehouse_api.hpp"

#include <random>

#include <gtest/gtest.h>

#include "tests/messages/samples.hpp"

namespace pinpipe::messages {
namespace {

template <class F, class Tuple> void for_each_message(Tuple&& t, F&& f) {
  std::apply([&](auto&... m) { (f(m), ...); }, t);
}

envelope sample_envelope() {
  return make_envelope(std::get<produce_request>(samples::all()), 0x1122334455ULL, "cli", "broker");
}

TEST(Codec, EveryMessageRoundTripsThroughPayloadAndEnvelope) {
  int checked = 0;
  for_each_message(samples::all(), [&](const auto& msg) {
    using T = std::decay_t<decltype(msg)>;
    auto env = make_envelope(msg, 99, "src", "dst");
    auto bytes = encode_envelope(env);
    auto back_env = decode_envelope(bytes);
    ASSERT_TRUE(back_env.ok()) << back_env.error().to_string();
    EXPECT_EQ(*back_env, env);
    EXPECT_EQ(back_env->type, message_traits<T>::type);
    auto back = open_envelope<T>(*back_env);
    ASSERT_TRUE(back.ok()) << to_string(message_traits<T>::type) << ": "
                           << back.error().to_string();
    EXPECT_EQ(*back, msg) << to_string(message_traits<T>::type);
    ++checked;
  });
  EXPECT_EQ(checked, 19);
}

// The worked example of docs/wire-protocol.md.
TEST(Codec, NodeStatsRoundTripAndAnOlderAnswerLeavesDiskFullUnknown) {
  node_stats_response r;
  r.actors.push_back({"gateway", 10, 1, 0, 7, 2});
  r.actors.push_back({"node-api", 0, 0, 0, 3, 0});
  r.disk_full_errors = 4;
  auto env = make_envelope(r, 7, "node", "cli");
  auto back_env = decode_envelope(encode_envelope(env));
  ASSERT_TRUE(back_env.ok()) << back_env.error().to_string();
  EXPECT_EQ(back_env->type, msg_type::node_stats_response);
  EXPECT_STREQ(to_string(back_env->type), "node_stats_response");
  auto back = open_envelope<node_stats_response>(*back_env);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, r);
  auto req = decode_payload<node_stats_request>(encode_payload(node_stats_request{}));
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(make_envelope(node_stats_request{}, 1, "cli", "node").type,
            msg_type::node_stats_request);
  EXPECT_EQ(node_stats_response{}.disk_full_errors, -1); // unknown until a node says
}

template <class T> T round_trip(const T& msg, msg_type expected, const char* name) {
  auto env = decode_envelope(encode_envelope(make_envelope(msg, 9, "node", "cli")));
  EXPECT_TRUE(env.ok());
  if (!env) return T{};
  EXPECT_EQ(env->type, expected);
  EXPECT_STREQ(to_string(env->type), name);
  auto back = open_envelope<T>(*env);
  EXPECT_TRUE(back.ok()) << back.error().to_string();
  return back ? *back : T{};
}

// The batch-run and warehouse control messages (44..49) keep every field, and an error
// answer carries its code.
TEST(Codec, BatchRunsTriggerAndWarehouseCountsRoundTrip) {
  batch_runs_response runs;
  runs.warehouse_path = "/data/warehouse.db";
  runs.runs.push_back({"manual__2026-12-05T02:00:00", "0a60b9a8a831_dag", "2026-12-05 02:00:00",
                       "2026-12-05 02:00:01", "", "running", 2, "disk on fire"});
  EXPECT_EQ(round_trip(runs, msg_type::batch_runs_response, "batch_runs_response"), runs);
  batch_trigger_response trig;
  trig.warehouse_path = "w.db";
  trig.run_id = "manual__x";
  EXPECT_EQ(round_trip(trig, msg_type::batch_trigger_response, "batch_trigger_response"), trig);
  warehouse_counts_response counts;
  counts.warehouse_path = "w.db";
  counts.exists = true;
  counts.tables = {{"pin_clean", 38}, {"dead_letters", -1}};
  counts.positions = {{"streaming-0a60b9a8a831-pin", 4, 123456789012}};
  EXPECT_EQ(round_trip(counts, msg_type::warehouse_counts_response, "warehouse_counts_response"),
            counts);
  auto unavailable = with_status(batch_runs_response{}, status{errc::unavailable, "no scheduler"});
  auto back = round_trip(unavailable, msg_type::batch_runs_response, "batch_runs_response");
  EXPECT_EQ(status_of(back).code(), errc::unavailable);
  EXPECT_EQ(back.message, "no scheduler");
  EXPECT_EQ(round_trip(batch_runs_request{}, msg_type::batch_runs_request, "batch_runs_request"),
            batch_runs_request{});
  EXPECT_EQ(round_trip(batch_trigger_request{}, msg_type::batch_trigger_request,
                       "batch_trigger_request"),
            batch_trigger_request{});
  EXPECT_EQ(round_trip(warehouse_counts_request{}, msg_type::warehouse_counts_request,
                       "warehouse_counts_request"),
            warehouse_counts_request{});
}

TEST(Codec, WorkedExampleFromTheDocsEncodesToTheDocumentedBytes) {
  auto env = make_envelope(list_topics_request{}, 7, "cli", "broker");
  const std::string expected("\x96\x01\x0e\xa3"
                             "cli"
                             "\xa6"
                             "broker"
                             "\x07\xc4\x02\x91\x01",
                             19);
  EXPECT_EQ(encode_envelope(env), expected);
  auto back = decode_envelope(expected);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, env);
}

TEST(Codec, DefaultConstructedMessagesRoundTrip) {
  auto r = decode_payload<fetch_request>(encode_payload(fetch_request{}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, fetch_request{});
}

TEST(Codec, EveryTruncationOfAValidEnvelopeIsMalformed) {
  auto bytes = encode_envelope(sample_envelope());
  ASSERT_GT(bytes.size(), 50u);
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = decode_envelope(std::string_view(bytes.data(), n));
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(r.error().code(), errc::malformed_message) << n;
  }
}

TEST(Codec, EveryTruncationOfAPayloadIsMalformed) {
  auto bytes = encode_payload(std::get<fetch_response>(samples::all()));
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = decode_payload<fetch_response>(std::string_view(bytes.data(), n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error().code(), errc::malformed_message);
  }
}

TEST(Codec, TrailingBytesAreMalformed) {
  auto bytes = encode_envelope(sample_envelope()) + "x";
  auto r = decode_envelope(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::malformed_message);
}

TEST(Codec, FutureEnvelopeVersionIsUnsupportedButItsCorrelationIdIsReadable) {
  auto env = sample_envelope();
  env.version = protocol_version + 1;
  auto bytes = encode_envelope(env);
  auto r = decode_envelope(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::unsupported_version);
  EXPECT_EQ(peek_correlation_id(bytes), env.correlation_id);
}

TEST(Codec, FuturePayloadVersionIsUnsupported) {
  auto req = std::get<create_topic_request>(samples::all());
  req.version = protocol_version + 1;
  auto r = decode_payload<create_topic_request>(encode_payload(req));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::unsupported_version);
}

TEST(Codec, AppendedFieldsFromANewerPeerAreIgnored) {
  // A same-version peer that appended a field: [version, name, config, "new field"].
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(4);
  pk.pack(protocol_version);
  pk.pack(std::string("t"));
  pk.pack(samples::topic_config());
  pk.pack(std::string("something new"));
  auto r = decode_payload<create_topic_request>(std::string_view(buf.data(), buf.size()));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->name, "t");
  EXPECT_EQ(r->config, samples::topic_config());
}

TEST(Codec, WrongFieldTypeIsMalformed) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(6);
  pk.pack(protocol_version);
  pk.pack(std::string("not a type number"));
  pk.pack(std::string("s"));
  pk.pack(std::string("d"));
  pk.pack(uint64_t{1});
  pk.pack(std::string("p"));
  auto r = decode_envelope(std::string_view(buf.data(), buf.size()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::malformed_message);
}

TEST(Codec, ForgedHugeLengthsAreRefusedWithoutAllocating) {
  // array32 header claiming 4 billion elements, then nothing.
  const std::string forged("\xdd\xff\xff\xff\xff\x01", 6);
  auto r = decode_envelope(forged);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::malformed_message);
  const std::string forged_str("\xdb\xff\xff\xff\xf0xyz", 8);
  EXPECT_FALSE(decode_payload<fetch_response>(forged_str).ok());
}

TEST(Codec, RandomBytesNeverCrashAndAreRejected) {
  std::mt19937_64 rng(20240611);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 96, '\0');
    for (auto& c : bytes)
      c = static_cast<char>(rng());
    auto env = decode_envelope(bytes);
    auto pay = decode_payload<produce_request>(bytes);
    decoded += env.ok() + pay.ok();
    if (!env.ok()) {
      EXPECT_TRUE(env.error().code() == errc::malformed_message ||
                  env.error().code() == errc::unsupported_version);
    }
    (void)peek_correlation_id(bytes);
  }
  // Random bytes almost never form a valid message.
  EXPECT_LT(decoded, 100);
}

TEST(Codec, MutatedValidEnvelopesNeverCrash) {
  std::mt19937_64 rng(7);
  const auto valid = encode_envelope(sample_envelope());
  for (int i = 0; i < 20000; ++i) {
    auto bytes = valid;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k)
      bytes[rng() % bytes.size()] = static_cast<char>(rng());
    auto env = decode_envelope(bytes);
    if (env.ok()) (void)open_envelope<produce_request>(*env); // must also not crash
  }
  SUCCEED();
}

TEST(Codec, OpenEnvelopeTurnsErrorResponseIntoItsStatus) {
  error_response e{protocol_version, errc::unknown_topic, "topic 'x' does not exist"};
  auto r = open_envelope<produce_response>(make_envelope(e, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::unknown_topic);
  EXPECT_EQ(r.error().message(), "topic 'x' does not exist");
  auto wrong = open_envelope<produce_response>(make_envelope(fetch_request{}, 1));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), errc::invalid_request);
}

// The fast encoder used by the node's transport thread gives the generic path's bytes.
TEST(Codec, EnvelopeAroundAnEncodedPayloadHasTheBytesOfMakeEnvelope) {
  produce_response r;
  r.base_offset = offset_t{5};
  r.last_offset = offset_t{9};
  const std::string payload = encode_payload(r);
  auto generic = encode_envelope(make_envelope(r, 0xABCDEF0123ULL, "broker"));
  EXPECT_EQ(encode_envelope(msg_type::produce_response, 0xABCDEF0123ULL, "broker", payload),
            generic);
}

} // namespace
} // namespace pinpipe::messages
