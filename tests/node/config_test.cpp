// Config loading: layering (defaults -> file -> environment -> overrides) and validation
// with messages that name the key; and a node that refuses to start on a bad config.
#include "common/config.hpp"

#include <gtest/gtest.h>

#include "tests/node/node_process.hpp"

namespace pinpipe::config {
namespace {

std::string error_of(const std::string& toml) {
  auto r = parse(toml, "test.toml");
  EXPECT_FALSE(r.ok()) << toml;
  return r ? "" : r.error().message();
}

TEST(Config, DefaultsMatchTheDocumentedValues) {
  auto c = parse("");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->node.listen, "tcp://127.0.0.1:7070");
  EXPECT_EQ(c->node.data_dir, "./data");
  EXPECT_EQ(c->pipeline.user_id, "0a60b9a8a831");
  EXPECT_EQ(c->pipeline.stream_shards, 5);
  EXPECT_EQ(c->pipeline.topic_partitions, 1);
  EXPECT_EQ(c->gateway.listen, "127.0.0.1:8082");
  EXPECT_EQ(c->gateway.max_record_bytes, 1 << 20);
  EXPECT_EQ(c->gateway.max_request_bytes, 10 << 20);
  EXPECT_EQ(c->gateway.threads, 32);
  EXPECT_EQ(c->node.spin_us, 250);
  EXPECT_EQ(c->connector.flush_size, 500);
  EXPECT_EQ(c->emulator.key_min, 0); // the course draws randint(0, 11000)
  EXPECT_EQ(c->emulator.key_max, 11000);
  EXPECT_EQ(c->scheduler.start_date, "");
  EXPECT_EQ(c->scheduler.schedule, "0 0 * * *");
  EXPECT_EQ(c->scheduler.retries, 1);
  EXPECT_EQ(c->scheduler.retry_delay_s, 120);
}

TEST(Config, ShippedConfigFileParsesToTheDefaults) {
  const char* root = std::getenv("PINPIPE_SOURCE_DIR");
  std::string path = std::string(root ? root : "/work/main") + "/config/pinpipe.toml";
  auto c = parse(test::read_file(path), path);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  auto d = defaults();
  EXPECT_EQ(c->node.listen, d.node.listen);
  EXPECT_EQ(c->node.roles, d.node.roles);
  EXPECT_EQ(c->log.segment_bytes, d.log.segment_bytes);
  EXPECT_EQ(c->log.retention_ms, d.log.retention_ms);
  EXPECT_EQ(c->log.flush_max_delay_us, d.log.flush_max_delay_us);
  EXPECT_EQ(c->pipeline.user_id, d.pipeline.user_id);
  EXPECT_EQ(c->connector.flush_size, d.connector.flush_size);
  EXPECT_EQ(c->emulator.key_max, d.emulator.key_max);
}

TEST(Config, FileValuesOverrideDefaults) {
  auto c = parse(R"(
[node]
id = 3
roles = ["broker", "gateway"]
[log]
segment_bytes = 1048576
preallocate = false
[emulator]
rate = 2.5
)");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->node.id, 3);
  EXPECT_EQ(c->node.roles, (std::vector<std::string>{"broker", "gateway"}));
  EXPECT_EQ(c->log.segment_bytes, 1048576);
  EXPECT_FALSE(c->log.preallocate);
  EXPECT_DOUBLE_EQ(c->emulator.rate, 2.5);
  EXPECT_EQ(c->log.max_record_bytes, 1 << 20); // untouched keys keep defaults
}

TEST(Config, WrongTypeNamesTheKeyAndTheValue) {
  EXPECT_EQ(error_of("[log]\nsegment_bytes = \"abc\"\n"),
            "config error: [log] segment_bytes: expected a positive integer, got \"abc\"");
  EXPECT_EQ(error_of("[log]\nsegment_bytes = -5\n"),
            "config error: [log] segment_bytes: expected a positive integer, got -5");
  EXPECT_EQ(error_of("[log]\npreallocate = 1\n"),
            "config error: [log] preallocate: expected true or false, got 1");
  EXPECT_EQ(error_of("[node]\nroles = \"broker\"\n"),
            "config error: [node] roles: expected a list of strings, got \"broker\"");
}

TEST(Config, UnknownKeyAndSectionAreRefusedByName) {
  auto key = error_of("[log]\nsegmant_bytes = 5\n");
  EXPECT_EQ(
      key.rfind("config error: [log] segmant_bytes: unknown key; known keys: segment_bytes", 0), 0u)
      << key;
  auto sec = error_of("[nodes]\nid = 1\n");
  EXPECT_EQ(sec.rfind("config error: [nodes]: unknown section", 0), 0u) << sec;
}

TEST(Config, SemanticChecksNameTheKey) {
  EXPECT_NE(error_of("[pipeline]\nuser_id = \"xyz\"\n").find("[pipeline] user_id: expected 12"),
            std::string::npos);
  EXPECT_NE(error_of("[node]\nlog_level = \"loud\"\n").find("[node] log_level"), std::string::npos);
  EXPECT_NE(error_of("[node]\ncurve_secret_key = \"" + std::string(40, 'a') + "\"\n")
                .find("[node] curve_public_key"),
            std::string::npos);
  EXPECT_NE(error_of("[scheduler]\nschedule = \"daily\"\n").find("[scheduler] schedule"),
            std::string::npos);
  EXPECT_NE(error_of("[emulator]\nkey_min = 10\nkey_max = 5\n").find("[emulator] key_min"),
            std::string::npos);
  EXPECT_NE(error_of("[gateway]\nthreads = 5000\n").find("[gateway] threads: expected 1..1024"),
            std::string::npos);
  EXPECT_NE(error_of("[gateway]\nthreads = 0\n").find("[gateway] threads"), std::string::npos);
  EXPECT_NE(error_of("[node]\nspin_us = 20000\n").find("[node] spin_us: expected 0..10000"),
            std::string::npos);
  EXPECT_NE(error_of("[node]\nspin_us = -1\n").find("[node] spin_us"), std::string::npos);
}

TEST(Config, TomlSyntaxErrorGivesFileLineAndColumn) {
  auto e = error_of("[log\nsegment_bytes = 1\n");
  EXPECT_EQ(e.rfind("config error: test.toml:1:", 0), 0u) << e;
}

TEST(Config, EnvironmentOverridesTheFileAndIsValidated) {
  auto c = parse("[log]\nsegment_bytes = 1000\n");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(apply_environment(*c, {{"PINPIPE_LOG_SEGMENT_BYTES", "2000"},
                                     {"PINPIPE_NODE_ROLES", "broker, sink"},
                                     {"PINPIPE_BIN", "/not/a/config/key"}})
                  .ok());
  EXPECT_EQ(c->log.segment_bytes, 2000);
  EXPECT_EQ(c->node.roles, (std::vector<std::string>{"broker", "sink"}));
  auto bad = apply_environment(*c, {{"PINPIPE_LOG_SEGMENT_BYTES", "abc"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "config error: [log] segment_bytes: expected a positive integer, got "
                           "\"abc\" (from environment PINPIPE_LOG_SEGMENT_BYTES)");
  auto unknown = apply_environment(*c, {{"PINPIPE_LOG_SEGMNT", "1"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.message().find("PINPIPE_LOG_SEGMNT"), std::string::npos);
}

TEST(Config, FlagOverridesWinAndAreValidated) {
  auto c = parse("[node]\ndata_dir = \"/from/file\"\n");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(apply_override(*c, "node", "data_dir", "/from/flag").ok());
  EXPECT_EQ(c->node.data_dir, "/from/flag");
  auto bad = apply_override(*c, "node", "listen", "localhost");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("[node] listen"), std::string::npos);
}

TEST(Config, LoadReportsAMissingFile) {
  auto r = load("/nonexistent/pinpipe.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::invalid_config);
  EXPECT_NE(r.error().message().find("/nonexistent/pinpipe.toml"), std::string::npos);
}

// A node given a bad config exits non-zero before serving, naming the key.
TEST(ConfigAtStart, NodeWithUnknownKeyOrWrongValueFailsNamingTheKey) {
  test::temp_dir tmp;
  struct bad_case {
    std::string toml;
    std::string expected;
  } cases[] = {
      {"[log]\nsegment_bytes = \"abc\"\n",
       "error: invalid_config: config error: [log] segment_bytes: expected a positive integer, "
       "got \"abc\""},
      {"[node]\nlisten_port = 7070\n", "config error: [node] listen_port: unknown key"},
  };
  for (const auto& c : cases) {
    test::write_file(tmp.file("bad.toml"), c.toml);
    auto r = test::run_cli({"node", "--config", tmp.file("bad.toml"), "--data-dir",
                            tmp.file("data"), "--listen", "tcp://127.0.0.1:0"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(r.out.find("serving on"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
  }
}

} // namespace
} // namespace pinpipe::config
