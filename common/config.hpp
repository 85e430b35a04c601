// The node's configuration: plain structs, one per section of the TOML config file
// (config/pinpipe.toml lists every key with its default; docs/config.md explains them).
//
// Layering, later wins: built-in defaults -> the file -> environment variables
// PINPIPE_<SECTION>_<KEY> (e.g. PINPIPE_LOG_SEGMENT_BYTES=1048576) -> command-line
// overrides ("section.key=value", applied by the caller through `apply_override`).
// Everything is validated while loading: an unknown section or key, a wrong type or an
// out-of-range value fails with a message naming the key, e.g.
//   config error: [log] segment_bytes: expected a positive integer, got "abc"
//
// Read once in main, then handed by value to whoever needs a section; no globals. The
// parser (toml++) stays in config.cpp. Not thread-safe while loading; the structs are
// plain values afterwards.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace pinpipe::config {

struct node_section {
  int32_t id = 1;
  std::string listen = "tcp://127.0.0.1:7070";
  std::vector<std::string> roles = {"broker"};
  std::string data_dir = "./data";
  std::string curve_secret_key; ///< Z85, 40 chars; empty = no CURVE
  std::string curve_public_key; ///< Z85, 40 chars; the server's own public key
  /// With CURVE: only these client public keys (Z85) and those of the files in
  /// curve_allowed_clients_dir are served; both unset = any client knowing the server key.
  std::vector<std::string> curve_allowed_clients;
  std::string curve_allowed_clients_dir;
  /// libzmq heartbeats of the ZeroMQ API (ZMQ_HEARTBEAT_IVL/TIMEOUT/TTL), 0 = off.
  int32_t heartbeat_ivl_ms = 1000;
  int32_t heartbeat_timeout_ms = 5000;
  int32_t heartbeat_ttl_ms = 10000;
  /// Larger request frames get a request_too_large error reply (over twice: disconnect).
  int64_t max_frame_bytes = 64LL << 20;
  std::string log_level = "info";
  /// After a request burst of one or two, the transport thread checks for the next request
  /// this long before sleeping (0 = never spin); see transport/server.hpp.
  int32_t spin_us = 250;
};

/// Mirrors storage::log_config (plus default_partitions for auto-created topics).
struct log_section {
  int64_t segment_bytes = 128LL << 20;
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;
  int64_t retention_bytes = -1;
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;
  int32_t max_record_bytes = 1 << 20;
  int32_t index_interval_bytes = 4096;
  bool preallocate = true;
  int32_t flush_max_delay_us = 0;
  int32_t max_open_files = 256;
  int32_t default_partitions = 1;
};

struct pipeline_section {
  std::string user_id = "0a60b9a8a831"; ///< 12 lowercase hex chars
  int32_t stream_shards = 5;
  int32_t topic_partitions = 1;
};

struct gateway_section {
  std::string listen = "127.0.0.1:8082";
  std::vector<std::string> api_keys;
  int64_t max_record_bytes = 1 << 20;
  int64_t max_request_bytes = 10 << 20;
  int64_t max_header_bytes = 64 * 1024;          ///< request line + headers; 431 beyond
  int64_t header_timeout_ms = 10000;             ///< complete head after its first byte; 408
  int64_t max_buffered_body_bytes = 256LL << 20; ///< bodies buffered, all connections; 503
  /// Worker threads = requests handled at once. An acks=all produce holds its worker until
  /// the fsync, so this bounds how many producers share one group commit.
  int64_t threads = 32;
  int64_t max_json_depth = 64;               ///< deepest JSON nesting of any request body
  int64_t max_consumer_instances = 1000;     ///< REST consumer instances alive at once
  int64_t idempotency_window_s = 300;        ///< how long an Idempotency-Key is remembered
  int64_t idempotency_keys_per_topic = 10000; ///< keys remembered per topic/stream
};

/// The web console (console/): pages, /api/v1 and /metrics over HTTP.
struct console_section {
  std::string listen = "127.0.0.1:8083"; ///< host:port; "" = no console
  /// Keys the console accepts (X-API-Key header); with none here, [gateway] api_keys count;
  /// with neither, no key is needed.
  std::vector<std::string> api_keys;
};

struct connector_section {
  int64_t flush_size = 500;
  int64_t rotate_interval_ms = 60000;
  std::string lake_dir; ///< empty = <data_dir>/lake
};

struct scheduler_section {
  std::string schedule = "0 0 * * *";
  std::string start_date; ///< YYYY-MM-DD; empty = today
  int32_t retries = 1;
  int32_t retry_delay_s = 120;
};

struct emulator_section {
  double rate = 0;    ///< events per second; 0 = as fast as possible
  int64_t events = 0; ///< 0 = run until stopped
  uint64_t seed = 0; ///< 0 = a fresh random seed per run (printed, so it can be repeated)
  int64_t key_min = 0;
  int64_t key_max = 11000;
};

/// Test-only fault switches (docs/config.md, "[faults]"): ignored unless allow is true.
struct faults_section {
  bool allow = false;
  /// With allow: while this file exists, every fsync of the log blocks (a stalled disk).
  std::string block_fsync_file;
};

/// A replicated cluster (docs/cluster.md). No nodes = a one-node cluster, as before.
struct cluster_section {
  /// Every member, "ID@ENDPOINT" (the node's [node] listen address as the others reach
  /// it), the same list on every node; [node] id must be one of the ids.
  std::vector<std::string> nodes;
  /// Public CURVE keys of the members, "ID@KEY" (Z85); all or none. With keys, node links
  /// use CURVE and only members may connect.
  std::vector<std::string> member_keys;
  std::string cluster_id = "pinpipe"; ///< nodes of another cluster id are refused
  int32_t replication_factor = 0;     ///< replicas per new partition; 0 = min(3, nodes)
  int32_t election_timeout_ms = 300;  ///< a follower waits 1-2x this for its leader
  int32_t heartbeat_ms = 50;          ///< leader heartbeats (batched per node pair)
};

struct config {
  node_section node;
  cluster_section cluster;
  log_section log;
  pipeline_section pipeline;
  gateway_section gateway;
  console_section console;
  connector_section connector;
  scheduler_section scheduler;
  emulator_section emulator;
  faults_section faults;
};

/// Built-in defaults (what config/pinpipe.toml documents).
config defaults();

/// Reads defaults + the file at `path` (empty: no file) + PINPIPE_* environment variables.
/// Errors are errc::invalid_config with a "config error: [section] key: ..." message.
result<config> load(const std::string& path);

/// Same from TOML text (no environment), for tests and embedded configs.
result<config> parse(const std::string& toml_text, const std::string& source_name = "<string>");

/// Applies environment variables PINPIPE_<SECTION>_<KEY> from `env` (name -> value).
status apply_environment(config& cfg, const std::map<std::string, std::string>& env);

/// Sets one key from its text form, as on the command line: ("log", "segment_bytes", "1024").
status apply_override(config& cfg, const std::string& section, const std::string& key,
                      const std::string& value);

/// Cross-field checks run after every layer (user_id format, positive sizes, ...).
status validate(const config& cfg);

} // namespace pinpipe::config
