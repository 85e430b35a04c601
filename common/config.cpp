// TOML loading and validation for common/config.hpp. Every key is described once in
// `fields()` (section, key, kind, constraint, where it lives); the file reader, the
// environment reader and the override setter all go through that table, so a key
// cannot be readable one way and not another.
#include "common/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

extern char** environ;

namespace pinpipe::config {
namespace {

enum class kind { string, i32, i64, u64, number, boolean, string_list };
enum class rule { any, positive, non_negative, unlimited_or_positive };

struct field {
  const char* section;
  const char* key;
  kind k;
  rule r;
  void* ptr;
};

std::vector<field> fields(config& c) {
  return {
      {"node", "id", kind::i32, rule::non_negative, &c.node.id},
      {"node", "listen", kind::string, rule::any, &c.node.listen},
      {"node", "roles", kind::string_list, rule::any, &c.node.roles},
      {"node", "data_dir", kind::string, rule::any, &c.node.data_dir},
      {"node", "curve_secret_key", kind::string, rule::any, &c.node.curve_secret_key},
      {"node", "curve_public_key", kind::string, rule::any, &c.node.curve_public_key},
      {"node", "curve_allowed_clients", kind::string_list, rule::any,
       &c.node.curve_allowed_clients},
      {"node", "curve_allowed_clients_dir", kind::string, rule::any,
       &c.node.curve_allowed_clients_dir},
      {"node", "heartbeat_ivl_ms", kind::i32, rule::non_negative, &c.node.heartbeat_ivl_ms},
      {"node", "heartbeat_timeout_ms", kind::i32, rule::non_negative,
       &c.node.heartbeat_timeout_ms},
      {"node", "heartbeat_ttl_ms", kind::i32, rule::non_negative, &c.node.heartbeat_ttl_ms},
      {"node", "max_frame_bytes", kind::i64, rule::positive, &c.node.max_frame_bytes},
      {"node", "log_level", kind::string, rule::any, &c.node.log_level},
      {"node", "spin_us", kind::i32, rule::non_negative, &c.node.spin_us},
      {"log", "segment_bytes", kind::i64, rule::positive, &c.log.segment_bytes},
      {"log", "segment_ms", kind::i64, rule::positive, &c.log.segment_ms},
      {"log", "retention_bytes", kind::i64, rule::unlimited_or_positive, &c.log.retention_bytes},
      {"log", "retention_ms", kind::i64, rule::unlimited_or_positive, &c.log.retention_ms},
      {"log", "max_record_bytes", kind::i32, rule::positive, &c.log.max_record_bytes},
      {"log", "index_interval_bytes", kind::i32, rule::positive, &c.log.index_interval_bytes},
      {"log", "preallocate", kind::boolean, rule::any, &c.log.preallocate},
      {"log", "flush_max_delay_us", kind::i32, rule::non_negative, &c.log.flush_max_delay_us},
      {"log", "max_open_files", kind::i32, rule::positive, &c.log.max_open_files},
      {"log", "default_partitions", kind::i32, rule::positive, &c.log.default_partitions},
      {"pipeline", "user_id", kind::string, rule::any, &c.pipeline.user_id},
      {"pipeline", "stream_shards", kind::i32, rule::positive, &c.pipeline.stream_shards},
      {"pipeline", "topic_partitions", kind::i32, rule::positive, &c.pipeline.topic_partitions},
      {"gateway", "listen", kind::string, rule::any, &c.gateway.listen},
      {"gateway", "api_keys", kind::string_list, rule::any, &c.gateway.api_keys},
      {"gateway", "max_record_bytes", kind::i64, rule::positive, &c.gateway.max_record_bytes},
      {"gateway", "max_request_bytes", kind::i64, rule::positive, &c.gateway.max_request_bytes},
      {"gateway", "max_header_bytes", kind::i64, rule::positive, &c.gateway.max_header_bytes},
      {"gateway", "header_timeout_ms", kind::i64, rule::positive, &c.gateway.header_timeout_ms},
      {"gateway", "max_buffered_body_bytes", kind::i64, rule::positive,
       &c.gateway.max_buffered_body_bytes},
      {"gateway", "threads", kind::i64, rule::positive, &c.gateway.threads},
      {"gateway", "max_json_depth", kind::i64, rule::positive, &c.gateway.max_json_depth},
      {"gateway", "max_consumer_instances", kind::i64, rule::positive,
       &c.gateway.max_consumer_instances},
      {"gateway", "idempotency_window_s", kind::i64, rule::positive,
       &c.gateway.idempotency_window_s},
      {"gateway", "idempotency_keys_per_topic", kind::i64, rule::positive,
       &c.gateway.idempotency_keys_per_topic},
      {"cluster", "nodes", kind::string_list, rule::any, &c.cluster.nodes},
      {"cluster", "member_keys", kind::string_list, rule::any, &c.cluster.member_keys},
      {"cluster", "cluster_id", kind::string, rule::any, &c.cluster.cluster_id},
      {"cluster", "replication_factor", kind::i32, rule::non_negative,
       &c.cluster.replication_factor},
      {"cluster", "election_timeout_ms", kind::i32, rule::positive,
       &c.cluster.election_timeout_ms},
      {"cluster", "heartbeat_ms", kind::i32, rule::positive, &c.cluster.heartbeat_ms},
      {"faults", "allow", kind::boolean, rule::any, &c.faults.allow},
      {"faults", "block_fsync_file", kind::string, rule::any, &c.faults.block_fsync_file},
      {"console", "listen", kind::string, rule::any, &c.console.listen},
      {"console", "api_keys", kind::string_list, rule::any, &c.console.api_keys},
      {"connector", "flush_size", kind::i64, rule::positive, &c.connector.flush_size},
      {"connector", "rotate_interval_ms", kind::i64, rule::positive,
       &c.connector.rotate_interval_ms},
      {"connector", "lake_dir", kind::string, rule::any, &c.connector.lake_dir},
      {"scheduler", "schedule", kind::string, rule::any, &c.scheduler.schedule},
      {"scheduler", "start_date", kind::string, rule::any, &c.scheduler.start_date},
      {"scheduler", "retries", kind::i32, rule::non_negative, &c.scheduler.retries},
      {"scheduler", "retry_delay_s", kind::i32, rule::non_negative, &c.scheduler.retry_delay_s},
      {"emulator", "rate", kind::number, rule::non_negative, &c.emulator.rate},
      {"emulator", "events", kind::i64, rule::non_negative, &c.emulator.events},
      {"emulator", "seed", kind::u64, rule::any, &c.emulator.seed},
      {"emulator", "key_min", kind::i64, rule::non_negative, &c.emulator.key_min},
      {"emulator", "key_max", kind::i64, rule::non_negative, &c.emulator.key_max},
  };
}

std::string where(const field& f) {
  return std::string{"["} + f.section + "] " + f.key;
}

status config_error(const std::string& what) {
  return status{errc::invalid_config, "config error: " + what};
}

std::string expected_text(const field& f) {
  switch (f.k) {
  case kind::string:
    return "a string";
  case kind::boolean:
    return "true or false";
  case kind::string_list:
    return "a list of strings";
  case kind::number:
    return f.r == rule::any ? "a number" : "a non-negative number";
  default:
    break;
  }
  switch (f.r) {
  case rule::positive:
    return "a positive integer";
  case rule::non_negative:
    return "a non-negative integer";
  case rule::unlimited_or_positive:
    return "-1 (unlimited) or a positive integer";
  default:
    return "an integer";
  }
}

status wrong(const field& f, const std::string& got) {
  return config_error(where(f) + ": expected " + expected_text(f) + ", got " + got);
}

bool rule_ok(rule r, long double v) {
  switch (r) {
  case rule::positive:
    return v > 0;
  case rule::non_negative:
    return v >= 0;
  case rule::unlimited_or_positive:
    return v == -1 || v > 0;
  default:
    return true;
  }
}

// Stores an integer after range and rule checks. `shown` is how the value is quoted.
status set_integer(const field& f, long long v, const std::string& shown) {
  if (!rule_ok(f.r, static_cast<long double>(v))) return wrong(f, shown);
  switch (f.k) {
  case kind::i32:
    if (v < INT32_MIN || v > INT32_MAX) return wrong(f, shown + " (out of 32-bit range)");
    *static_cast<int32_t*>(f.ptr) = static_cast<int32_t>(v);
    return {};
  case kind::i64:
    *static_cast<int64_t*>(f.ptr) = v;
    return {};
  case kind::u64:
    if (v < 0) return wrong(f, shown);
    *static_cast<uint64_t*>(f.ptr) = static_cast<uint64_t>(v);
    return {};
  case kind::number:
    *static_cast<double*>(f.ptr) = static_cast<double>(v);
    return {};
  default:
    return wrong(f, shown);
  }
}

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

std::string show(const toml::node& n) {
  if (auto s = n.as_string()) return quoted(s->get());
  std::ostringstream os;
  n.visit([&](auto&& v) {
    using V = std::decay_t<decltype(v)>;
    if constexpr (toml::is_table<V> || toml::is_array<V>)
      os << v;
    else
      os << v.get();
  });
  std::string out = os.str();
  if (n.is_boolean()) out = n.as_boolean()->get() ? "true" : "false";
  return out;
}

// -- from a TOML node ---------------------------------------------------------------------

status set_from_toml(const field& f, const toml::node& n) {
  switch (f.k) {
  case kind::string:
    if (!n.is_string()) return wrong(f, show(n));
    *static_cast<std::string*>(f.ptr) = n.as_string()->get();
    return {};
  case kind::boolean:
    if (!n.is_boolean()) return wrong(f, show(n));
    *static_cast<bool*>(f.ptr) = n.as_boolean()->get();
    return {};
  case kind::string_list: {
    auto arr = n.as_array();
    if (!arr) return wrong(f, show(n));
    std::vector<std::string> out;
    for (const auto& el : *arr) {
      if (!el.is_string()) return wrong(f, show(n));
      out.push_back(el.as_string()->get());
    }
    *static_cast<std::vector<std::string>*>(f.ptr) = std::move(out);
    return {};
  }
  case kind::number:
    if (n.is_floating_point()) {
      double v = n.as_floating_point()->get();
      if (!rule_ok(f.r, v)) return wrong(f, show(n));
      *static_cast<double*>(f.ptr) = v;
      return {};
    }
    [[fallthrough]];
  default:
    if (!n.is_integer()) return wrong(f, show(n));
    return set_integer(f, n.as_integer()->get(), show(n));
  }
}

// -- from text (environment, command line) ---------------------------------------------------

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string{} : s.substr(b, e - b + 1);
}

status set_from_text(const field& f, const std::string& text) {
  switch (f.k) {
  case kind::string:
    *static_cast<std::string*>(f.ptr) = text;
    return {};
  case kind::boolean:
    if (text == "true" || text == "1")
      *static_cast<bool*>(f.ptr) = true;
    else if (text == "false" || text == "0")
      *static_cast<bool*>(f.ptr) = false;
    else
      return wrong(f, quoted(text));
    return {};
  case kind::string_list: {
    std::vector<std::string> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!trim(item).empty()) out.push_back(trim(item));
    *static_cast<std::vector<std::string>*>(f.ptr) = std::move(out);
    return {};
  }
  case kind::number: {
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !rule_ok(f.r, v)) return wrong(f, quoted(text));
    *static_cast<double*>(f.ptr) = v;
    return {};
  }
  default: {
    long long v = 0;
    auto res = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || res.ec != std::errc{} || res.ptr != text.data() + text.size())
      return wrong(f, quoted(text));
    return set_integer(f, v, quoted(text));
  }
  }
}

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string known_keys(std::vector<field>& fs, const std::string& section) {
  std::string out;
  for (const auto& f : fs)
    if (section == f.section) out += (out.empty() ? "" : ", ") + std::string{f.key};
  return out;
}

const char* const sections[] = {"node",      "log",       "pipeline", "gateway",
                                "console",   "connector", "scheduler", "emulator",
                                "faults",    "cluster"};

bool known_section(const std::string& s) {
  return std::find(std::begin(sections), std::end(sections), s) != std::end(sections);
}

status apply_table(config& cfg, const toml::table& root) {
  auto fs = fields(cfg);
  for (const auto& [sec_key, sec_node] : root) {
    std::string sec{sec_key.str()};
    if (!known_section(sec))
      return config_error("[" + sec +
                          "]: unknown section; known sections: node, log, pipeline, gateway, "
                          "console, connector, scheduler, emulator, faults, cluster");
    auto tbl = sec_node.as_table();
    if (!tbl)
      return config_error("[" + sec + "]: expected a table ([" + sec + "] header), got " +
                          show(sec_node));
    for (const auto& [key_key, val] : *tbl) {
      std::string key{key_key.str()};
      auto it = std::find_if(fs.begin(), fs.end(),
                             [&](const field& f) { return sec == f.section && key == f.key; });
      if (it == fs.end())
        return config_error("[" + sec + "] " + key +
                            ": unknown key; known keys: " + known_keys(fs, sec));
      if (auto st = set_from_toml(*it, val); !st) return st;
    }
  }
  return {};
}

bool is_hex12(const std::string& s) {
  return s.size() == 12 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool is_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

} // namespace

config defaults() {
  return config{};
}

status validate(const config& c) {
  auto bad = [](const char* sec, const char* key, const std::string& what) {
    return config_error(std::string{"["} + sec + "] " + key + ": " + what);
  };
  if (c.node.listen.rfind("tcp://", 0) != 0 && c.node.listen.rfind("ipc://", 0) != 0)
    return bad("node", "listen",
               "expected a ZeroMQ endpoint like \"tcp://127.0.0.1:7070\", got \"" + c.node.listen +
                   "\"");
  static const char* const levels[] = {"trace", "debug",    "info", "warn",
                                       "error", "critical", "off"};
  if (std::find(std::begin(levels), std::end(levels), c.node.log_level) == std::end(levels))
    return bad("node", "log_level",
               "expected one of trace, debug, info, warn, error, critical, off, got \"" +
                   c.node.log_level + "\"");
  static const char* const roles[] = {"broker",  "gateway", "emulator",  "connector",
                                      "cleaner", "sink",    "scheduler", "query"};
  for (const auto& r : c.node.roles)
    if (std::find(std::begin(roles), std::end(roles), r) == std::end(roles))
      return bad("node", "roles",
                 "unknown role \"" + r +
                     "\"; known roles: broker, gateway, emulator, connector, cleaner, sink, "
                     "scheduler, query");
  if (c.node.data_dir.empty())
    return bad("node", "data_dir", "expected a directory path, got \"\"");
  if (c.node.curve_secret_key.empty() != c.node.curve_public_key.empty())
    return bad("node", c.node.curve_secret_key.empty() ? "curve_secret_key" : "curve_public_key",
               "CURVE needs both curve_secret_key and curve_public_key (make a pair with "
               "`pinpipe keygen`), or neither");
  if (!c.node.curve_secret_key.empty() && c.node.curve_secret_key.size() != 40)
    return bad("node", "curve_secret_key", "expected 40 Z85 characters (from `pinpipe keygen`)");
  if (!c.node.curve_public_key.empty() && c.node.curve_public_key.size() != 40)
    return bad("node", "curve_public_key", "expected 40 Z85 characters (from `pinpipe keygen`)");
  if (c.node.curve_secret_key.empty() &&
      (!c.node.curve_allowed_clients.empty() || !c.node.curve_allowed_clients_dir.empty()))
    return bad("node", c.node.curve_allowed_clients.empty() ? "curve_allowed_clients_dir"
                                                            : "curve_allowed_clients",
               "a client allowlist needs CURVE: set curve_secret_key and curve_public_key "
               "(`pinpipe keygen`) too");
  for (const auto& k : c.node.curve_allowed_clients)
    if (k.size() != 40)
      return bad("node", "curve_allowed_clients",
                 "\"" + k + "\" is not a 40-character Z85 public key (the curve_public_key "
                 "line `pinpipe keygen` prints)");
  if (c.node.heartbeat_ttl_ms > 6553599)
    return bad("node", "heartbeat_ttl_ms",
               "expected 0..6553599 ms (libzmq's limit), got " +
                   std::to_string(c.node.heartbeat_ttl_ms));
  if (c.node.heartbeat_ivl_ms > 0 && c.node.heartbeat_timeout_ms > 0 &&
      c.node.heartbeat_timeout_ms < c.node.heartbeat_ivl_ms)
    return bad("node", "heartbeat_timeout_ms",
               "expected at least heartbeat_ivl_ms (" + std::to_string(c.node.heartbeat_ivl_ms) +
                   "), got " + std::to_string(c.node.heartbeat_timeout_ms));
  if (c.node.max_frame_bytes < 4096)
    return bad("node", "max_frame_bytes",
               "expected at least 4096 bytes, got " + std::to_string(c.node.max_frame_bytes));
  if (!is_hex12(c.pipeline.user_id))
    return bad("pipeline", "user_id",
               "expected 12 lowercase hex characters like \"0a60b9a8a831\", got \"" +
                   c.pipeline.user_id + "\"");
  if (!c.faults.block_fsync_file.empty() && !c.faults.allow)
    return bad("faults", "block_fsync_file",
               "is a test hook that stalls every fsync of the log; it is refused unless "
               "[faults] allow = true (never set that in production), got \"" +
                   c.faults.block_fsync_file + "\"");
  if (c.node.spin_us > 10000)
    return bad("node", "spin_us",
               "expected 0..10000 microseconds, got " + std::to_string(c.node.spin_us));
  if (!c.console.listen.empty()) {
    const auto colon = c.console.listen.rfind(':');
    const std::string port = colon == std::string::npos ? "" : c.console.listen.substr(colon + 1);
    if (colon == std::string::npos || colon == 0 || port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535)
      return bad("console", "listen",
                 "expected host:port like \"127.0.0.1:8083\" (port 0 = any free port) or \"\" "
                 "for no console, got \"" + c.console.listen + "\"");
  }
  if (c.gateway.listen.empty())
    return bad("gateway", "listen", "expected host:port like \"127.0.0.1:8082\", got \"\"");
  if (c.gateway.max_json_depth > 10000)
    return bad("gateway", "max_json_depth",
               "expected 1..10000 levels, got " + std::to_string(c.gateway.max_json_depth));
  if (c.gateway.threads > 1024)
    return bad("gateway", "threads",
               "expected 1..1024 worker threads, got " + std::to_string(c.gateway.threads));
  if (c.gateway.max_header_bytes < 1024)
    return bad("gateway", "max_header_bytes",
               "expected at least 1024 bytes, got " + std::to_string(c.gateway.max_header_bytes));
  if (c.gateway.max_buffered_body_bytes < c.gateway.max_request_bytes)
    return bad("gateway", "max_buffered_body_bytes",
               "expected at least max_request_bytes (" +
                   std::to_string(c.gateway.max_request_bytes) + "), got " +
                   std::to_string(c.gateway.max_buffered_body_bytes) +
                   ": a request of the maximum size could never be buffered");
  std::istringstream cron(c.scheduler.schedule);
  int parts = 0;
  for (std::string p; cron >> p;)
    ++parts;
  if (parts != 5)
    return bad("scheduler", "schedule",
               "expected 5 cron fields like \"0 0 * * *\", got \"" + c.scheduler.schedule + "\"");
  if (!c.scheduler.start_date.empty() && !is_date(c.scheduler.start_date))
    return bad("scheduler", "start_date",
               "expected a date YYYY-MM-DD, got \"" + c.scheduler.start_date + "\"");
  if (c.emulator.key_min > c.emulator.key_max)
    return bad("emulator", "key_min",
               "must not be greater than key_max (" + std::to_string(c.emulator.key_max) + ")");
  return {};
}

// The one place where toml++ exceptions are caught.
result<config> parse(const std::string& text, const std::string& source_name) {
  config cfg = defaults();
  try {
    toml::table root = toml::parse(text, source_name);
    if (auto st = apply_table(cfg, root); !st) return st;
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return config_error(source_name + ":" + std::to_string(b.line) + ":" +
                        std::to_string(b.column) + ": " + std::string{e.description()} +
                        " (fix the TOML syntax)");
  }
  if (auto st = validate(cfg); !st) return st;
  return cfg;
}

status apply_environment(config& cfg, const std::map<std::string, std::string>& env) {
  auto fs = fields(cfg);
  for (const auto& [name, value] : env) {
    if (name.rfind("PINPIPE_", 0) != 0) continue;
    auto rest = name.substr(8);
    const char* matched_section = nullptr;
    for (const char* s : sections)
      if (rest.rfind(upper(s) + "_", 0) == 0) matched_section = s;
    if (!matched_section) continue; // PINPIPE_BIN and friends belong to other tools
    auto key = rest.substr(std::string{matched_section}.size() + 1);
    auto it = std::find_if(fs.begin(), fs.end(), [&](const field& f) {
      return std::string{matched_section} == f.section && upper(f.key) == key;
    });
    if (it == fs.end())
      return config_error("environment " + name + ": no key [" + matched_section + "] " + key +
                          "; known keys: " + known_keys(fs, matched_section));
    if (auto st = set_from_text(*it, value); !st)
      return status{st.code(), st.message() + " (from environment " + name + ")"};
  }
  return validate(cfg);
}

status apply_override(config& cfg, const std::string& section, const std::string& key,
                      const std::string& value) {
  auto fs = fields(cfg);
  auto it = std::find_if(fs.begin(), fs.end(),
                         [&](const field& f) { return section == f.section && key == f.key; });
  if (it == fs.end()) return config_error("[" + section + "] " + key + ": unknown key");
  if (auto st = set_from_text(*it, value); !st) return st;
  return validate(cfg);
}

result<config> load(const std::string& path) {
  std::string text;
  if (!path.empty()) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
      return config_error("cannot read config file " + path +
                          " (check the path, or omit --config to use the defaults)");
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  auto cfg = parse(text, path.empty() ? "<defaults>" : path);
  if (!cfg) return cfg;
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv{*e};
    auto eq = kv.find('=');
    if (eq != std::string::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  if (auto st = apply_environment(*cfg, env); !st) return st;
  return cfg;
}

} // namespace pinpipe::config
